"""Departure time per connector ("Departure"), for the built-in controller's Cheapest mode.

Set, the connector's plan runs to the next occurrence of this local time of day, whatever the
site-wide departure (options) says; unset (unknown, the default), the site-wide departure applies.
The Clear departure button next to it unsets it (a time cannot be emptied in the UI); disabling
the entity unsets it too. The time survives restarts (restored state).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from typing import Any, override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .config_entry import OcppCentralConfigEntry
from .control.connector import ConnectorPreferences
from .entities.control import ConnectorPreferenceEntity
from .entity import ConnectorEntityDescription, EntityFamily, async_add_families

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DepartureTimeDescription(ConnectorEntityDescription, TimeEntityDescription):
    """The departure time of a connector's car."""


DEPARTURE_TIME = DepartureTimeDescription(key="departure_time", translation_key="departure_time")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a departure time for every connector, as connectors appear."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.TIME,
        EntityFamily(entity=OcppDepartureTime, connector=(DEPARTURE_TIME,)),
    )


class OcppDepartureTime(ConnectorPreferenceEntity, TimeEntity, RestoreEntity):
    """When the connector's car leaves, held by the site controller."""

    @override
    async def async_added_to_hass(self) -> None:
        """Take the time it had before the restart."""
        if (last := await self.async_get_last_state()) is not None and (
            at := dt_util.parse_time(last.state)
        ) is not None:
            self._control.async_set_preferences(self._key, replace(self.preferences, departure=at))
        await super().async_added_to_hass()

    @property
    def suggested_object_id(self) -> str | None:
        """Keep the entity id new installs had before the name became "Departure"."""
        return "Departure time"

    @property
    def native_value(self) -> time | None:
        """The connector's departure; None: the site-wide departure applies."""
        return self.preferences.departure

    def _cleared(self, preferences: ConnectorPreferences) -> ConnectorPreferences:
        return replace(preferences, departure=None)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.native_value)

    @override
    async def async_set_value(self, value: time) -> None:
        """Change the departure; the controller re-plans at once in Cheapest mode."""
        self._async_choose(replace(self.preferences, departure=value.replace(microsecond=0)))
