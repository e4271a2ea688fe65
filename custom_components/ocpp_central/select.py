"""Charge mode per connector: Off, Fast, Solar, Min+Solar, Cheapest, External.

The built-in controller (controller.py) acts on it. External, the default, leaves the connector to
automations, services and other controllers (evcc's Home Assistant charger, EV Smart Charging ...).
The mode survives restarts (restored state); the settings live in the integration's options and in
the connector's own priority, departure and target entities (number.py, time.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .config_entry import OcppCentralConfigEntry
from .control.core.modes import ChargeMode
from .entities.control import ControlEntity
from .entity import ConnectorEntityDescription, EntityFamily, async_add_families

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ChargeModeDescription(ConnectorEntityDescription, SelectEntityDescription):
    """The charge-mode select of a connector."""


CHARGE_MODE = ChargeModeDescription(
    key="charge_mode",
    translation_key="charge_mode",
    options=[mode.value for mode in ChargeMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge-mode select for every connector, as connectors appear."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.SELECT,
        EntityFamily(entity=OcppChargeModeSelect, connector=(CHARGE_MODE,)),
    )


class OcppChargeModeSelect(ControlEntity, SelectEntity, RestoreEntity):
    """The charge mode of one connector."""

    @property
    def current_option(self) -> str:
        """The connector's mode."""
        return self._control.mode(self._key).value

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.current_option)

    @override
    async def async_added_to_hass(self) -> None:
        """Take the mode it had before the restart."""
        if (last := await self.async_get_last_state()) is not None and last.state in self.options:
            self._control.async_set_mode(self._key, ChargeMode(last.state))
        await super().async_added_to_hass()

    @override
    async def async_select_option(self, option: str) -> None:
        """Change the mode; the controller acts at once."""
        self._control.async_set_mode(self._key, ChargeMode(option))
        self._written = self._shown()
        self.async_write_ha_state()
