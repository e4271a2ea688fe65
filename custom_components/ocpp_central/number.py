"""Numbers: current limit, station maximum current, and the controller's priority and target.

The current limit goes through the smart-charging engine: a TxDefaultProfile (and a TxProfile bound
to a running session), not sent again when unchanged and written at most once per minimum write
interval (the latest value goes out when the interval ends). 0 A, or anything below the charger's
minimum current, pauses the connector without ending its session. The station maximum is a static
ChargePointMaxProfile, meant to be set rarely (configuration).

Both remember their value over a restart: the engine keeps what was requested; the number's own
restored value is shown only when the engine holds none (its store was lost, say). A current limit
never set shows the effective maximum (the charger's maximum current under the station maximum):
that is what the car may draw, not 0 A.

Moving the current limit while a charge mode of the built-in controller is active (Fast, Solar,
Min+Solar, Cheapest, Off) switches the connector to External first: the homeowner's limit holds,
and the mode and the Control reason say so, until a mode is chosen again.

The charge priority (higher first when surplus or fuse do not reach every car) and the target
energy (Cheapest mode; 0: the site-wide target) are held by the site controller and restored from
the numbers' last state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.const import EntityCategory, Platform, UnitOfElectricCurrent, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_errors import command_action
from .config_entry import OcppCentralConfigEntry
from .control.connector import ConnectorPreferences
from .control.controller import connector_key
from .control.core.modes import ChargeMode
from .coordinator import ChargerCoordinator
from .csms.commands import RateUnit
from .entities.control import ConnectorPreferenceEntity
from .entities.limits import effective_maximum
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OcppNumberDescription(NumberEntityDescription):
    """Value, bounds and setter of a number; connector_id is None for the station's numbers."""

    value_fn: Callable[[ChargerCoordinator, int | None], float | None]
    min_fn: Callable[[ChargerCoordinator], float]
    max_fn: Callable[[ChargerCoordinator], float] = lambda c: c.config.max_current
    set_fn: Callable[[ChargerCoordinator, int | None, float], Awaitable[object]]


@dataclass(frozen=True, kw_only=True)
class OcppChargerNumberDescription(ChargerEntityDescription, OcppNumberDescription):
    """A station-level number."""


@dataclass(frozen=True, kw_only=True)
class OcppConnectorNumberDescription(ConnectorEntityDescription, OcppNumberDescription):
    """A per-connector number."""


def _requested_amps(coordinator: ChargerCoordinator, connector_id: int | None) -> float | None:
    """Return the limit asked for, in A (one asked for in W: the amps it came to, unless paused).

    None asked for: the effective maximum, what the car may draw.
    """
    assert connector_id is not None
    state = coordinator.smart.state(connector_id)
    if state.requested is None:
        return effective_maximum(coordinator)
    if state.unit is not RateUnit.AMPERE and state.paused:
        return None
    return state.requested if state.unit is RateUnit.AMPERE else state.target_a


async def _set_limit(
    coordinator: ChargerCoordinator, connector_id: int | None, value: float
) -> object:
    """Set the homeowner's limit; a controller mode in charge gives way to External first.

    A pause that mode made (Off, or Solar without surplus) ends with it when the limit lets the
    car charge.
    """
    assert connector_id is not None
    control = coordinator.config_entry.runtime_data.control
    key = connector_key(coordinator.config.charger_id, connector_id)
    handed_over = control.mode(key) is not ChargeMode.EXTERNAL
    if handed_over:
        control.async_set_mode(key, ChargeMode.EXTERNAL)
    smart = coordinator.smart
    result = await smart.async_set_current_limit(connector_id, value)
    if handed_over and value > 0 and smart.state(connector_id).paused:
        result = await smart.async_resume(connector_id)
    return result


CHARGER_NUMBERS: tuple[OcppChargerNumberDescription, ...] = (
    OcppChargerNumberDescription(
        key="station_max_current",
        translation_key="station_max_current",
        entity_category=EntityCategory.CONFIG,
        # A station maximum below the minimum current would stop every car: the availability
        # switch does that more plainly.
        min_fn=lambda coordinator: coordinator.config.min_current,
        value_fn=lambda coordinator, _: coordinator.smart.station_max,
        set_fn=lambda coordinator, _, value: coordinator.smart.async_set_station_max(value),
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    ),
)

CONNECTOR_NUMBERS: tuple[OcppConnectorNumberDescription, ...] = (
    OcppConnectorNumberDescription(
        key="current_limit",
        translation_key="current_limit",
        # 0 pauses; the engine pauses below the minimum current too (reason: clamped to minimum).
        min_fn=lambda _: 0.0,
        value_fn=_requested_amps,
        set_fn=_set_limit,
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    ),
)


@dataclass(frozen=True, kw_only=True)
class ControlNumberDescription(ConnectorEntityDescription, NumberEntityDescription):
    """A connector's own setting of the built-in controller; set_fn(settings, None) clears it."""

    value_fn: Callable[[ConnectorPreferences], float]
    set_fn: Callable[[ConnectorPreferences, float | None], ConnectorPreferences]


CONTROL_NUMBERS: tuple[ControlNumberDescription, ...] = (
    ControlNumberDescription(
        key="charge_priority",
        translation_key="charge_priority",
        entity_category=EntityCategory.CONFIG,
        native_min_value=0,
        native_max_value=10,
        native_step=1,
        value_fn=lambda preferences: float(preferences.priority),
        set_fn=lambda preferences, value: replace(preferences, priority=int(value or 0)),
    ),
    ControlNumberDescription(
        key="target_energy",
        translation_key="target_energy",
        native_min_value=0,
        native_max_value=200,
        native_step=0.5,
        mode=NumberMode.BOX,
        device_class=NumberDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        # 0: the site-wide target applies.
        value_fn=lambda preferences: preferences.target_energy_kwh or 0.0,
        set_fn=lambda preferences, value: replace(preferences, target_energy_kwh=value or None),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers of every charger, and of connectors as they appear."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.NUMBER,
        EntityFamily(entity=OcppNumber, charger=CHARGER_NUMBERS, connector=CONNECTOR_NUMBERS),
    )
    async_add_families(
        entry,
        async_add_entities,
        Platform.NUMBER,
        EntityFamily(entity=OcppControlNumber, connector=CONTROL_NUMBERS),
    )


class OcppNumber(OcppEntity, RestoreNumber):
    """A limit held by the smart-charging engine; bounds from the charger's options."""

    entity_description: OcppChargerNumberDescription | OcppConnectorNumberDescription
    _restored: float | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last value when the engine holds none; shown until a value is set."""
        if (
            self.entity_description.value_fn(self.coordinator, self.connector_id) is None
            and (last := await self.async_get_last_number_data()) is not None
        ):
            self._restored = last.native_value
        await super().async_added_to_hass()

    @property
    def native_value(self) -> float | None:
        """The engine's value, else the restored one."""
        value = self.entity_description.value_fn(self.coordinator, self.connector_id)
        return self._restored if value is None else value

    @property
    def native_min_value(self) -> float:
        """Lowest settable value."""
        return self.entity_description.min_fn(self.coordinator)

    @property
    def native_max_value(self) -> float:
        """The charger's maximum current option."""
        return self.entity_description.max_fn(self.coordinator)

    @property
    def native_step(self) -> float:
        """Whole amps by default; 0.1 A when the charger takes decimals."""
        return 1.0 if self.coordinator.smart.quirks.whole_amps else 0.1

    def _shown(self) -> tuple[object, ...]:
        return (
            *super()._shown(),
            self.native_value,
            self.native_min_value,
            self.native_max_value,
            self.native_step,
        )

    @command_action
    @override
    async def async_set_native_value(self, value: float) -> None:
        """Ask the engine for the new limit; a refusal or failure raises a translated error."""
        await self.entity_description.set_fn(self.coordinator, self.connector_id, value)
        self._restored = None


class OcppControlNumber(ConnectorPreferenceEntity, RestoreNumber):
    """A connector's charge priority or target energy, held by the site controller."""

    entity_description: ControlNumberDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Take the value it had before the restart."""
        if (last := await self.async_get_last_number_data()) is not None and (
            last.native_value is not None
        ):
            description = self.entity_description
            self._control.async_set_preferences(
                self._key, description.set_fn(self.preferences, last.native_value)
            )
        await super().async_added_to_hass()

    @property
    def native_value(self) -> float:
        """The connector's setting (0: none, the site-wide option applies)."""
        return self.entity_description.value_fn(self.preferences)

    def _cleared(self, preferences: ConnectorPreferences) -> ConnectorPreferences:
        return self.entity_description.set_fn(preferences, None)

    def _shown(self) -> tuple[object, ...]:
        return (*super()._shown(), self.native_value)

    @override
    async def async_set_native_value(self, value: float) -> None:
        """Change the setting; the controller acts at once (and re-plans in Cheapest mode)."""
        self._async_choose(self.entity_description.set_fn(self.preferences, value))
