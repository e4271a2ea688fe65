"""Per-connector sensors of what the car told the charger about itself (2.0.1, ISO 15118).

Added by the sensor platform once the car first told a value (NotifyEVChargingNeeds for the
departure, energy, capacity and current; TransactionEvent for the phases), and kept from then on.
They show unknown while no car tells anything (the session ended, the car left: its word goes
with it) and unavailable, like every entity of a charger, while the charger is away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfEnergy

from ..csms.model import EV_SEEN_PREFIX, Connector, EvInfo
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity, kwh

type EvValue = float | int | datetime | None


@dataclass(frozen=True, kw_only=True)
class OcppEvSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """A per-connector sensor of one thing the car told."""

    value_fn: Callable[[EvInfo], EvValue]


def _told(field: str) -> Callable[[Connector], bool]:
    """Whether a car on this connector ever told this value."""
    return lambda connector: EV_SEEN_PREFIX + field in connector.seen_measurands


EV_SENSORS: tuple[OcppEvSensorDescription, ...] = (
    OcppEvSensorDescription(
        key="ev_departure_time",
        translation_key="ev_departure_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        exists_fn=_told("departure_time"),
        value_fn=lambda ev: ev.departure_time,
    ),
    OcppEvSensorDescription(
        key="ev_energy_requested",
        translation_key="ev_energy_requested",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        exists_fn=_told("energy_requested_wh"),
        value_fn=lambda ev: kwh(ev.energy_requested_wh),
    ),
    OcppEvSensorDescription(
        key="ev_battery_capacity",
        translation_key="ev_battery_capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=_told("energy_capacity_wh"),
        value_fn=lambda ev: kwh(ev.energy_capacity_wh),
    ),
    OcppEvSensorDescription(
        key="ev_max_current",
        translation_key="ev_max_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=_told("max_current_a"),
        value_fn=lambda ev: ev.max_current_a,
    ),
    OcppEvSensorDescription(
        key="ev_phases",
        translation_key="ev_phases",
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=_told("phases_used"),
        value_fn=lambda ev: ev.phases_used,
    ),
)


class OcppEvSensor(OcppEntity, SensorEntity):
    """One value the car told; unknown while no car tells it."""

    entity_description: OcppEvSensorDescription

    @property
    def native_value(self) -> EvValue:
        """The car's latest word."""
        return self.entity_description.value_fn(self.connector.ev)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.native_value)


EV_SENSOR_FAMILY = EntityFamily(entity=OcppEvSensor, connector=EV_SENSORS)
