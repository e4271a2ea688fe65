"""Base of the entities that set the built-in controller's choices for one connector.

The charge mode (select.py), and the connector's own priority, target energy (number.py) and
departure (time.py; the Clear departure button here unsets it). Their values live in the site
controller; the entities show them, restore them after a restart and can be set while the charger
is away (they apply when it is back).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import callback

from ..control.connector import ConnectorPreferences
from ..control.controller import SiteController, connector_key
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity


class ControlEntity(OcppEntity):
    """An entity of one connector whose value the site controller holds."""

    @property
    def _control(self) -> SiteController:
        return self.coordinator.config_entry.runtime_data.control

    @property
    def _key(self) -> str:
        assert self.connector_id is not None
        return connector_key(self.coordinator.config.charger_id, self.connector_id)

    @property
    def available(self) -> bool:
        """A choice can be made while the charger is away; it applies when it is back."""
        return True


class ConnectorPreferenceEntity(ControlEntity):
    """One of a connector's own settings (ConnectorPreferences).

    Disabling or deleting the entity drops the setting: the site-wide option applies again.
    """

    @property
    def preferences(self) -> ConnectorPreferences:
        """The connector's own settings, now."""
        return self._control.preferences(self._key)

    def _cleared(self, preferences: ConnectorPreferences) -> ConnectorPreferences:
        """Return the settings without this entity's one."""
        raise NotImplementedError

    @callback
    def _async_choose(self, preferences: ConnectorPreferences) -> None:
        """Hand a new choice to the controller (it acts at once) and show it."""
        self._control.async_set_preferences(self._key, preferences)
        self._written = self._shown()
        self.async_write_ha_state()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Drop the setting when the entity is disabled or deleted, not when the entry unloads."""
        entry = self.registry_entry
        if entry is None or entry.disabled:
            self._control.async_set_preferences(self._key, self._cleared(self.preferences))
        await super().async_will_remove_from_hass()


class ClearDepartureButton(ControlEntity, ButtonEntity):
    """Unset the connector's departure time: the site-wide departure applies again.

    A time entity cannot be emptied in Home Assistant's UI; this button sits next to it.
    """

    @override
    async def async_press(self) -> None:
        """Drop the connector's departure; the controller re-plans at once in Cheapest mode."""
        preferences = self._control.preferences(self._key)
        if preferences.departure is not None:
            self._control.async_set_preferences(self._key, replace(preferences, departure=None))


@dataclass(frozen=True, kw_only=True)
class ClearDepartureDescription(ConnectorEntityDescription, ButtonEntityDescription):
    """The button that unsets a connector's departure."""


CLEAR_DEPARTURE = ClearDepartureDescription(
    key="clear_departure", translation_key="clear_departure"
)
CLEAR_DEPARTURE_FAMILY = EntityFamily(entity=ClearDepartureButton, connector=(CLEAR_DEPARTURE,))
