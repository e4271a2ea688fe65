"""Per-connector read-outs of the smart-charging engine, added by the sensor platform.

The applied limit, why it is what it is, and whether the charger obeys it. With no limit of ours on
the charger, the applied limit shows what is known: the current the charger reports offering, else
the effective maximum (the charger's maximum current, under the station maximum). Whether the
charger obeys is an enum (yes, no, no limit set, waiting for a reading, not reported), not an on/off.
It replaced the binary sensor "Limit verified" (unique id ..._limit_verified), whose registry entry
is removed at setup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from ..charging.limits import VOLTAGE, LimitReason, LimitState
from ..csms.commands import RateUnit
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator
    from ..csms.model import Connector

RETIRED_SUFFIX = "_limit_verified"


class Obeys(StrEnum):
    """Whether the charger offers no more than the applied limit (its Current.Offered)."""

    YES = "yes"
    NO = "no"
    NO_LIMIT = "no_limit"
    WAITING = "waiting"
    NOT_REPORTED = "not_reported"


@dataclass(frozen=True, slots=True)
class LimitView:
    """What a limit entity reads: the engine's state, the connector, its effective maximum (A)."""

    state: LimitState
    connector: Connector
    maximum_a: float
    watts: bool


def effective_maximum(coordinator: ChargerCoordinator) -> float:
    """Return the most a connector may get: its maximum current under the station maximum."""
    maximum = coordinator.config.max_current
    if (station := coordinator.smart.station_max) is not None:
        maximum = min(maximum, station)
    return maximum


def _offered(view: LimitView) -> float | None:
    """Return what the charger reports offering in a session (A, or W for a limit in W).

    At the precision the Current offered and Power offered sensors show (0.1 A, 10 W): a meter
    that reports its offer with noise would otherwise write the applied limit at every reading.
    """
    connector = view.connector
    if connector.transaction is None:
        return None
    offered = connector.power_offered_w if view.watts else connector.current_offered_a
    if offered is None:
        return None
    return round(offered, -1) if view.watts else round(offered, 1)


def _applied(view: LimitView) -> float | None:
    """Our accepted limit; with none on the charger, what it offers in a session, else the maximum."""
    if view.state.applied is not None:
        return view.state.applied
    if (offered := _offered(view)) is not None:
        return offered
    return round(view.maximum_a * VOLTAGE * 3) if view.watts else view.maximum_a


def _applied_source(view: LimitView) -> dict[str, Any]:
    if view.state.applied is not None:
        return {"source": "limit"}
    return {"source": "offered" if _offered(view) is not None else "maximum"}


def _obeys(view: LimitView) -> str:
    state, connector = view.state, view.connector
    if state.verified is not None:
        return Obeys.YES if state.verified else Obeys.NO
    if state.applied is None:
        return Obeys.NO_LIMIT
    if connector.current_offered_a is None and connector.power_offered_w is None:
        return Obeys.NOT_REPORTED
    return Obeys.WAITING


@dataclass(frozen=True, kw_only=True)
class OcppLimitSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """A per-connector sensor of the engine's limit state."""

    value_fn: Callable[[LimitView], float | str | None]
    attributes_fn: Callable[[LimitView], dict[str, Any] | None] = lambda _: None
    # A limit in W on chargers that only take power: the unit follows the charger.
    follows_unit: bool = False


LIMIT_SENSORS: tuple[OcppLimitSensorDescription, ...] = (
    OcppLimitSensorDescription(
        key="applied_limit",
        translation_key="applied_limit",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        follows_unit=True,
        value_fn=_applied,
        attributes_fn=_applied_source,
    ),
    OcppLimitSensorDescription(
        key="limit_reason",
        translation_key="limit_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[reason.value for reason in LimitReason],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda view: view.state.reason.value,
        attributes_fn=lambda view: {"detail": view.state.detail},
    ),
    OcppLimitSensorDescription(
        key="limit_obeyed",
        translation_key="limit_obeyed",
        device_class=SensorDeviceClass.ENUM,
        options=[obeys.value for obeys in Obeys],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_obeys,
    ),
)


class OcppLimitEntity(OcppEntity):
    """Reads one connector's limit state from the engine."""

    # Within one update the state is read once: deciding and writing read it many times.
    _update_limit: LimitState | None = None

    @property
    def limit(self) -> LimitState:
        """The connector's limit state, now."""
        if self._update_limit is not None:
            return self._update_limit
        assert self.connector_id is not None
        return self.coordinator.smart.state(self.connector_id)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_limit = self.limit
        try:
            super()._handle_coordinator_update()
        finally:
            self._update_limit = None


class OcppLimitSensor(OcppLimitEntity, SensorEntity):
    """The applied limit, the reason for the limit, or whether the charger obeys it."""

    entity_description: OcppLimitSensorDescription

    @property
    def _watts(self) -> bool:
        """Whether the limit is in W: as last applied, else as the charger will take it."""
        if not self.entity_description.follows_unit:
            return False
        unit = self.limit.applied_unit or self.coordinator.smart.quirks.rate_unit
        return unit is RateUnit.WATT

    @property
    def _view(self) -> LimitView:
        return LimitView(
            self.limit, self.connector, effective_maximum(self.coordinator), self._watts
        )

    @property
    def native_value(self) -> float | str | None:
        """Current value from the engine."""
        return self.entity_description.value_fn(self._view)

    @property
    def device_class(self) -> SensorDeviceClass | None:
        """Power instead of current for a limit in W."""
        return SensorDeviceClass.POWER if self._watts else self.entity_description.device_class

    @property
    def native_unit_of_measurement(self) -> str | None:
        """W instead of A for a limit in W."""
        if self._watts:
            return UnitOfPower.WATT
        return self.entity_description.native_unit_of_measurement

    @property
    def suggested_display_precision(self) -> int | None:
        """As the Current limit number shows it: whole amps, or 0.1 A where the charger takes it."""
        if not self.entity_description.follows_unit or self._watts:
            return 0 if self.entity_description.follows_unit else None
        return 0 if self.coordinator.smart.quirks.whole_amps else 1

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The charger's own words, where the reason has any; where an applied limit comes from."""
        return self.entity_description.attributes_fn(self._view)

    def _shown(self) -> tuple[Any, ...]:
        return (
            *super()._shown(),
            self.native_value,
            self.native_unit_of_measurement,
            self.extra_state_attributes,
        )


@callback
def async_remove_retired(hass: HomeAssistant, entry_id: str) -> None:
    """Remove the retired "Limit verified" binary sensors (now the "Charger obeys" sensor)."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry_id):
        if entity.domain == Platform.BINARY_SENSOR and entity.unique_id.endswith(RETIRED_SUFFIX):
            registry.async_remove(entity.entity_id)


LIMIT_SENSOR_FAMILY = EntityFamily(entity=OcppLimitSensor, connector=LIMIT_SENSORS)
