"""Sensors: status, power, currents, voltages, energy, state of charge, the limits, the car's word, diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entry import OcppCentralConfigEntry
from .csms.model import Charger, Connector, ConnectorStatus, Phase
from .entities.ev import EV_SENSOR_FAMILY
from .entities.external_limit import EXTERNAL_LIMIT_FAMILY
from .entities.history import async_add_id_tag_sensors
from .entities.limits import LIMIT_SENSOR_FAMILY
from .entities.reason import CONTROL_REASON_FAMILY
from .entities.session import async_add_session_sensors
from .entities.upstream import async_add_upstream_sensors
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
    kwh,
)

PARALLEL_UPDATES = 0

type SensorValue = float | str | datetime | None

STATUS_OPTIONS = [status.value for status in ConnectorStatus]

# OCPP 1.6 ChargePointErrorCode in snake case; codes outside the standard show as other_error.
ERROR_OPTIONS = [
    "no_error",
    "connector_lock_failure",
    "ev_communication_error",
    "ground_failure",
    "high_temperature",
    "internal_error",
    "local_list_conflict",
    "other_error",
    "over_current_failure",
    "over_voltage",
    "power_meter_failure",
    "power_switch_failure",
    "reader_failure",
    "reset_failure",
    "under_voltage",
    "weak_signal",
]
_ERROR_BY_CODE = {option.replace("_", ""): option for option in ERROR_OPTIONS}


@dataclass(frozen=True, kw_only=True)
class OcppChargerSensorDescription(ChargerEntityDescription, SensorEntityDescription):
    """A station-level sensor."""

    value_fn: Callable[[Charger], SensorValue]

    def value(self, entity: OcppEntity) -> SensorValue:
        """Read from the entity's station."""
        return self.value_fn(entity.charger)


@dataclass(frozen=True, kw_only=True)
class OcppConnectorSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """A per-connector sensor."""

    value_fn: Callable[[Connector], SensorValue]

    def value(self, entity: OcppEntity) -> SensorValue:
        """Read from the entity's connector."""
        return self.value_fn(entity.connector)


def _rounded(value: float | None, step: float) -> float | None:
    """Round a measurement to the precision it carries (a meter's noise below it is no news).

    A change smaller than the step is then no new state, so no recorder row and no write; the
    energy registers are never rounded (the Energy dashboard and session figures stay exact).
    """
    return None if value is None else round(round(value / step) * step, 3)


# The precision each measurement carries, in its native unit.
POWER_STEP_W = 10.0
CURRENT_STEP_A = 0.1
VOLTAGE_STEP_V = 1.0
TEMPERATURE_STEP_C = 0.5
SOC_STEP_PERCENT = 1.0


def _seen(*measurands: str) -> Callable[[Connector], bool]:
    return lambda connector: any(m in connector.seen_measurands for m in measurands)


def _status(status: ConnectorStatus | None) -> str | None:
    return None if status is None else status.value


# IEC 61851-1 control pilot states, in lower case as evcc's Home Assistant charger reads them
# (it lower-cases what it reads; e and f, which it does not know, are errors to it):
# a no car, b car connected and not charging, c charging, e error, f charger not available.
# Reserved waits for a car (a); Faulted is an error (e); Unavailable, set inoperative by its
# owner or the charger, is IEC's "EVSE not available" (f).
VEHICLE_STATE_OPTIONS = ["a", "b", "c", "e", "f"]
_VEHICLE_STATE = {
    ConnectorStatus.AVAILABLE: "a",
    ConnectorStatus.RESERVED: "a",
    ConnectorStatus.PREPARING: "b",
    ConnectorStatus.SUSPENDED_EV: "b",
    ConnectorStatus.SUSPENDED_EVSE: "b",
    ConnectorStatus.FINISHING: "b",
    ConnectorStatus.CHARGING: "c",
    ConnectorStatus.FAULTED: "e",
    ConnectorStatus.UNAVAILABLE: "f",
}


def _vehicle_state(connector: Connector) -> str | None:
    """Return the IEC 61851 letter of the connector's status (unknown until one is confirmed)."""
    if connector.status is None or not connector.status_confirmed:
        return None
    return _VEHICLE_STATE[connector.status]


def _error(error_code: str | None, status: ConnectorStatus | None) -> str | None:
    """No error code once a status was reported means no error; unknown before that."""
    if error_code is None:
        return None if status is None else "no_error"
    return _ERROR_BY_CODE.get(error_code.lower(), "other_error")


CHARGER_SENSORS: tuple[OcppChargerSensorDescription, ...] = (
    OcppChargerSensorDescription(
        key="station_status",
        translation_key="station_status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda charger: _status(charger.status),
    ),
    OcppChargerSensorDescription(
        key="station_error",
        translation_key="station_error",
        device_class=SensorDeviceClass.ENUM,
        options=ERROR_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda charger: _error(charger.error_code, charger.status),
    ),
    OcppChargerSensorDescription(
        key="last_heartbeat",
        translation_key="last_heartbeat",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda charger: charger.last_heartbeat,
    ),
    OcppChargerSensorDescription(
        key="firmware_status",
        translation_key="firmware_status",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda charger: charger.firmware_status,
    ),
)


def _phase_sensor(measurand: str, phase: Phase, **kwargs: Any) -> OcppConnectorSensorDescription:
    """Describe the current or voltage of one phase: diagnostic, off by default (README).

    A charging car's phase currents change at every reading (0.1 A steps): enabled, the three
    of them were three of the seven states a charging connector wrote per meter message.
    """
    kind = "current" if measurand == "Current.Import" else "voltage"
    return OcppConnectorSensorDescription(
        key=f"{kind}_{phase}",
        translation_key=f"{kind}_{phase}",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_seen(f"{measurand}.{phase}", measurand)
        if phase is Phase.L1
        else _seen(f"{measurand}.{phase}"),
        value_fn=(
            (lambda c: _rounded(c.current_a.get(phase), CURRENT_STEP_A))
            if kind == "current"
            else (lambda c: _rounded(c.voltage_v.get(phase), VOLTAGE_STEP_V))
        ),
        **kwargs,
    )


CONNECTOR_SENSORS: tuple[OcppConnectorSensorDescription, ...] = (
    OcppConnectorSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        value_fn=lambda connector: _status(connector.status),
    ),
    OcppConnectorSensorDescription(
        key="power",
        translation_key="power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda connector: _rounded(connector.power_w, POWER_STEP_W),
    ),
    OcppConnectorSensorDescription(
        key="energy_session",
        translation_key="energy_session",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda connector: kwh(connector.session_energy_wh),
    ),
    OcppConnectorSensorDescription(
        key="energy_total",
        translation_key="energy_total",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda connector: kwh(connector.energy.total_wh),
    ),
    OcppConnectorSensorDescription(
        key="current_offered",
        translation_key="current_offered",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        exists_fn=_seen("Current.Offered"),
        value_fn=lambda connector: _rounded(connector.current_offered_a, CURRENT_STEP_A),
    ),
    *(
        _phase_sensor(
            "Current.Import",
            phase,
            device_class=SensorDeviceClass.CURRENT,
            native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
            suggested_display_precision=1,
        )
        for phase in Phase
    ),
    *(
        _phase_sensor(
            "Voltage",
            phase,
            device_class=SensorDeviceClass.VOLTAGE,
            native_unit_of_measurement=UnitOfElectricPotential.VOLT,
            suggested_display_precision=0,
        )
        for phase in Phase
    ),
    OcppConnectorSensorDescription(
        key="state_of_charge",
        translation_key="state_of_charge",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        state_class=SensorStateClass.MEASUREMENT,
        exists_fn=_seen("SoC"),
        value_fn=lambda connector: _rounded(connector.soc_percent, SOC_STEP_PERCENT),
    ),
    OcppConnectorSensorDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        # The charger's own temperature, sent with every reading by many: a diagnostic.
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_seen("Temperature"),
        value_fn=lambda connector: _rounded(connector.temperature_c, TEMPERATURE_STEP_C),
    ),
    OcppConnectorSensorDescription(
        key="frequency",
        translation_key="frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_seen("Frequency"),
        value_fn=lambda connector: connector.frequency_hz,
    ),
    OcppConnectorSensorDescription(
        key="power_offered",
        translation_key="power_offered",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=_seen("Power.Offered"),
        value_fn=lambda connector: _rounded(connector.power_offered_w, POWER_STEP_W),
    ),
    OcppConnectorSensorDescription(
        key="vehicle_state",
        translation_key="vehicle_state",
        device_class=SensorDeviceClass.ENUM,
        options=VEHICLE_STATE_OPTIONS,
        value_fn=_vehicle_state,
    ),
    OcppConnectorSensorDescription(
        key="error_code",
        translation_key="error_code",
        device_class=SensorDeviceClass.ENUM,
        options=ERROR_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda connector: _error(connector.error_code, connector.status),
    ),
    OcppConnectorSensorDescription(
        key="transaction_id",
        translation_key="transaction_id",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda connector: (
            None if connector.transaction is None else str(connector.transaction.transaction_id)
        ),
    ),
    OcppConnectorSensorDescription(
        key="id_tag",
        translation_key="id_tag",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda connector: (
            None if connector.transaction is None else connector.transaction.id_tag
        ),
    ),
)


class OcppSensor(OcppEntity, SensorEntity):
    """A sensor showing one value of the charger model."""

    entity_description: OcppChargerSensorDescription | OcppConnectorSensorDescription

    @property
    def native_value(self) -> SensorValue:
        """Current value from the model."""
        return self.entity_description.value(self)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.native_value)


CHARGER_SENSOR_FAMILY = EntityFamily(
    entity=OcppSensor, charger=CHARGER_SENSORS, connector=CONNECTOR_SENSORS
)
# The charger's own sensors, then what the engine, the car and other parties tell of it.
SENSOR_FAMILIES = (
    CHARGER_SENSOR_FAMILY,
    LIMIT_SENSOR_FAMILY,
    EV_SENSOR_FAMILY,
    EXTERNAL_LIMIT_FAMILY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every charger, and for connectors and measurands as they appear.

    The controller's sensors follow the charger's, each in a batch of its own.
    """
    async_add_families(entry, async_add_entities, Platform.SENSOR, *SENSOR_FAMILIES)
    async_add_families(entry, async_add_entities, Platform.SENSOR, CONTROL_REASON_FAMILY)
    async_add_session_sensors(entry, async_add_entities)
    async_add_id_tag_sensors(entry, async_add_entities)
    async_add_upstream_sensors(entry, async_add_entities)
