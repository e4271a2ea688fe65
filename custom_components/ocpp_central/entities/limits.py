"""Per-connector read-outs of the smart-charging engine, added by the sensor and binary sensor platforms.

The applied limit, why it is what it is, and whether the charger follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfPower

from ..charging.limits import LimitReason, LimitState
from ..csms.commands import RateUnit
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity


@dataclass(frozen=True, kw_only=True)
class OcppLimitSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """A per-connector sensor of the engine's limit state."""

    value_fn: Callable[[LimitState], float | str | None]
    attributes_fn: Callable[[LimitState], dict[str, Any] | None] = lambda _: None
    # A limit in W on chargers that only take power: the unit follows the charger.
    follows_unit: bool = False


@dataclass(frozen=True, kw_only=True)
class OcppLimitBinarySensorDescription(ConnectorEntityDescription, BinarySensorEntityDescription):
    """A per-connector binary sensor of the engine's limit state."""

    is_on_fn: Callable[[LimitState], bool | None]


LIMIT_SENSORS: tuple[OcppLimitSensorDescription, ...] = (
    OcppLimitSensorDescription(
        key="applied_limit",
        translation_key="applied_limit",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        follows_unit=True,
        value_fn=lambda state: state.applied,
    ),
    OcppLimitSensorDescription(
        key="limit_reason",
        translation_key="limit_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[reason.value for reason in LimitReason],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.reason.value,
        attributes_fn=lambda state: {"detail": state.detail},
    ),
)

LIMIT_BINARY_SENSORS: tuple[OcppLimitBinarySensorDescription, ...] = (
    OcppLimitBinarySensorDescription(
        key="limit_verified",
        translation_key="limit_verified",
        entity_category=EntityCategory.DIAGNOSTIC,
        # None until a meter reading after the write shows what the charger offers.
        is_on_fn=lambda state: state.verified,
    ),
)


class OcppLimitEntity(OcppEntity):
    """Reads one connector's limit state from the engine."""

    @property
    def limit(self) -> LimitState:
        """The connector's limit state, now."""
        assert self.connector_id is not None
        return self.coordinator.smart.state(self.connector_id)


class OcppLimitSensor(OcppLimitEntity, SensorEntity):
    """The applied limit, or the reason for the limit."""

    entity_description: OcppLimitSensorDescription

    @property
    def _watts(self) -> bool:
        """Whether the limit is in W: as last applied, else as the charger will take it."""
        if not self.entity_description.follows_unit:
            return False
        unit = self.limit.applied_unit or self.coordinator.smart.quirks.rate_unit
        return unit is RateUnit.WATT

    @property
    def native_value(self) -> float | str | None:
        """Current value from the engine."""
        return self.entity_description.value_fn(self.limit)

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
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The charger's own words, where the reason has any."""
        return self.entity_description.attributes_fn(self.limit)

    def _shown(self) -> tuple[Any, ...]:
        return (
            *super()._shown(),
            self.native_value,
            self.native_unit_of_measurement,
            self.extra_state_attributes,
        )


class OcppLimitBinarySensor(OcppLimitEntity, BinarySensorEntity):
    """Whether the charger offers no more than the applied limit."""

    entity_description: OcppLimitBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Verified against the charger's Current.Offered (or Power.Offered)."""
        return self.entity_description.is_on_fn(self.limit)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.is_on)


LIMIT_SENSOR_FAMILY = EntityFamily(entity=OcppLimitSensor, connector=LIMIT_SENSORS)
LIMIT_BINARY_SENSOR_FAMILY = EntityFamily(
    entity=OcppLimitBinarySensor, connector=LIMIT_BINARY_SENSORS
)
