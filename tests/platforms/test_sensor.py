"""Sensors: every value, units, write-on-change, created as measurands appear, restored on restart."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.sensor import ERROR_OPTIONS, _error
from tests.helpers.sim_charger import ConnectFn, all_measurands, start_charging
from tests.helpers.waiting import wait_for

NOW = "2026-11-25T08:05:00+00:00"
S = "sensor.charger_cp1_"


@pytest.fixture(autouse=True)
def sensor_platform_only() -> Generator[None]:
    """Load only the sensor platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.SENSOR]):
        yield


def meter(connector_id: int, sampled: list[dict[str, Any]], timestamp: str) -> call.MeterValues:
    return call.MeterValues(
        connector_id=connector_id,
        meter_value=[{"timestamp": timestamp, "sampledValue": sampled}],
    )


def energy_and_power(energy_wh: float, power_w: float) -> list[dict[str, Any]]:
    return [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
    ]


def state(hass: HomeAssistant, suffix: str) -> str:
    found = hass.states.get(S + suffix)
    assert found is not None, suffix
    return found.state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Snapshot of every sensor of a charging three-phase charger."""
    freezer.move_to(NOW)
    await start_charging(hass, await connect("CP1"))
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "central")
async def test_values_and_units(
    hass: HomeAssistant, connect: ConnectFn, freezer: FrozenDateTimeFactory
) -> None:
    """Every sensor shows what the charger sent, in the unit a homeowner reads."""
    freezer.move_to(NOW)
    await start_charging(hass, await connect("CP1"))
    expected = {
        # Power arrives in W and is shown in kW (suggested unit).
        "charging_power": ("7.2", "kW"),
        "power_offered": ("11.0", "kW"),
        # Register 12345 Wh; the session started at 10000 Wh.
        "lifetime_energy": ("12.345", "kWh"),
        "session_energy": ("2.345", "kWh"),
        "current_l1": ("10.1", "A"),
        "current_l2": ("10.2", "A"),
        "current_l3": ("10.3", "A"),
        "current_offered": ("16.0", "A"),
        # Voltage to the volt, the precision it carries (230.1 V sent).
        "voltage_l1": ("230.0", "V"),
        "voltage_l2": ("230.0", "V"),
        "voltage_l3": ("230.0", "V"),
        "state_of_charge": ("55.0", "%"),
        "temperature": ("31.5", "°C"),
        "frequency": ("50.02", "Hz"),
        "status": ("charging", None),
        "vehicle_state": ("c", None),
        "error": ("no_error", None),
        "station_status": ("available", None),
        "station_error": ("no_error", None),
        "transaction": ("1", None),
        "id_tag": ("TAG-0001", None),
        "last_heartbeat": ("2026-11-25T08:05:00+00:00", None),
        "firmware_status": (STATE_UNKNOWN, None),
        # No limit was asked for: the current the charger offers applies.
        "applied_limit": ("16.0", "A"),
        "limit_reason": ("no_limit", None),
        "limit_obeyed": ("no_limit", None),
        "control_reason": ("external", None),
    }
    for suffix, (value, unit) in expected.items():
        found = hass.states.get(S + suffix)
        assert found is not None, suffix
        assert (found.state, found.attributes.get(ATTR_UNIT_OF_MEASUREMENT)) == (value, unit), (
            suffix
        )
    assert len(hass.states.async_entity_ids("sensor")) == len(expected)


@pytest.mark.usefixtures("central")
async def test_lifetime_energy_survives_register_reset(
    hass: HomeAssistant, connect: ConnectFn
) -> None:
    """A charger that restarts its register per session never makes lifetime energy drop."""
    cp = await connect("CP1")
    tx = await start_charging(hass, cp)
    assert (state(hass, "lifetime_energy"), state(hass, "session_energy")) == ("12.345", "2.345")
    lifetime = hass.states.get(S + "lifetime_energy")
    assert lifetime is not None
    assert lifetime.attributes["state_class"] == "total_increasing"

    await cp.call(
        call.StopTransaction(transaction_id=tx, meter_stop=13000, timestamp="2026-11-25T09:00:00Z")
    )
    await hass.async_block_till_done()
    # The ended session keeps its energy on display until the next one starts.
    assert (state(hass, "lifetime_energy"), state(hass, "session_energy")) == ("13.0", "3.0")
    assert state(hass, "transaction") == STATE_UNKNOWN

    # Next session: the register starts again at 0.
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-0002", meter_start=0, timestamp="2026-11-25T10:00:00Z"
        )
    )
    await hass.async_block_till_done()
    assert (state(hass, "lifetime_energy"), state(hass, "session_energy")) == ("13.0", "0.0")
    assert state(hass, "transaction") == str(started.transaction_id) == str(tx + 1)
    await cp.call(meter(1, energy_and_power(500, 3600), "2026-11-25T10:05:00Z"))
    await hass.async_block_till_done()
    assert (state(hass, "lifetime_energy"), state(hass, "session_energy")) == ("13.5", "0.5")
    assert state(hass, "charging_power") == "3.6"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_only_changed_values_are_written(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
) -> None:
    """Identical readings write nothing; a new power reading writes the power sensor only."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    entity_ids = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(entity_registry, central.entry_id)
    }
    assert len(entity_ids) == 27
    writes: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        writes.append(event.data["entity_id"])

    @callback
    def ours(data: Any) -> bool:
        return data["entity_id"] in entity_ids

    for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED):
        hass.bus.async_listen(event_type, record, event_filter=ours)

    await cp.call(call.MeterValues(connector_id=1, meter_value=all_measurands()))
    await hass.async_block_till_done()
    await cp.call(call.MeterValues(connector_id=1, meter_value=all_measurands()))
    await hass.async_block_till_done()
    # A heartbeat-free status repeat writes nothing either.
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await hass.async_block_till_done()
    assert writes == []

    await cp.call(
        call.MeterValues(
            connector_id=1,
            meter_value=all_measurands(power_w=7300, timestamp="2026-11-25T08:06:00Z"),
        )
    )
    await hass.async_block_till_done()
    assert writes == [S + "charging_power"]
    assert state(hass, "charging_power") == "7.3"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_created_when_sent_and_restored_on_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
) -> None:
    """Optional sensors appear with their first reading and come back after a restart."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    single_phase = [
        *energy_and_power(1000, 0),
        {"value": "0", "measurand": "Current.Import", "unit": "A"},
    ]
    await cp.call(meter(1, single_phase, "2026-11-25T08:00:00Z"))
    await hass.async_block_till_done()
    basic = {
        "status",
        "error",
        "charging_power",
        "session_energy",
        "lifetime_energy",
        "current_l1",
        "transaction",
        "id_tag",
        "station_status",
        "station_error",
        "last_heartbeat",
        "firmware_status",
        "applied_limit",
        "limit_reason",
        "limit_obeyed",
        "control_reason",
        "vehicle_state",
    }
    assert {
        entity_id.removeprefix(S) for entity_id in hass.states.async_entity_ids("sensor")
    } == basic
    assert state(hass, "current_l1") == "0.0"

    optional = [
        {"value": "40", "measurand": "SoC", "unit": "Percent"},
        {"value": "25", "measurand": "Temperature", "unit": "Celsius"},
        {"value": "6", "measurand": "Current.Import", "unit": "A", "phase": "L2"},
        {"value": "6", "measurand": "Current.Import", "unit": "A", "phase": "L3"},
    ]
    await cp.call(meter(1, optional, "2026-11-25T08:01:00Z"))
    await hass.async_block_till_done()
    added = {"state_of_charge", "temperature", "current_l2", "current_l3"}
    assert {entity_id.removeprefix(S) for entity_id in hass.states.async_entity_ids("sensor")} == (
        basic | added
    )
    assert state(hass, "state_of_charge") == "40.0"

    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    # Recreated from the stored model (not left as restored registry placeholders),
    # unavailable until the charger is back.
    for suffix in basic | added:
        found = hass.states.get(S + suffix)
        assert found is not None, suffix
        assert found.state == STATE_UNAVAILABLE
        assert "restored" not in found.attributes
    registered = er.async_entries_for_config_entry(entity_registry, central.entry_id)
    assert len(registered) == len(basic | added)

    cp = await connect("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    # The lifetime register is stored; the optional values wait for the next reading.
    assert state(hass, "lifetime_energy") == "1.0"
    assert state(hass, "state_of_charge") == STATE_UNKNOWN


@pytest.mark.usefixtures("central")
async def test_unavailable_while_disconnected(hass: HomeAssistant, connect: ConnectFn) -> None:
    """Every sensor is unavailable while the charger is away and shows its values again after."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    assert state(hass, "charging_power") == "7.2"
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinators["CP1"]

    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    await hass.async_block_till_done()
    for entity_id in hass.states.async_entity_ids("sensor"):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE, entity_id

    await (await connect("CP1")).boot()
    await hass.async_block_till_done()
    assert state(hass, "charging_power") == "7.2"
    assert state(hass, "status") == "charging"


@pytest.mark.usefixtures("central")
async def test_error_codes(hass: HomeAssistant, connect: ConnectFn) -> None:
    """OCPP error codes become translated states; unknown before any status, other_error if odd."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await hass.async_block_till_done()
    assert state(hass, "station_error") == STATE_UNKNOWN
    assert state(hass, "error") == "no_error"
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="EVCommunicationError", status="Faulted")
    )
    await cp.call(
        call.StatusNotification(connector_id=0, error_code="GroundFailure", status="Faulted")
    )
    await hass.async_block_till_done()
    assert state(hass, "error") == "ev_communication_error"
    assert state(hass, "station_error") == "ground_failure"
    assert state(hass, "station_status") == "faulted"
    assert _error("VendorSpecificThing", None) == "other_error"
    assert {_error(code, None) for code in ("NoError", "WeakSignal")} <= set(ERROR_OPTIONS)


@pytest.mark.usefixtures("central")
async def test_vehicle_state_follows_status(hass: HomeAssistant, connect: ConnectFn) -> None:
    """The IEC 61851 letter evcc reads follows every OCPP status the charger reports."""
    cp = await connect("CP1")
    await cp.boot()
    expected = {
        "Available": "a",
        "Preparing": "b",
        "Charging": "c",
        "SuspendedEV": "b",
        "SuspendedEVSE": "b",
        "Finishing": "b",
        "Reserved": "a",
        "Faulted": "e",
        "Unavailable": "f",
    }
    for status, letter in expected.items():
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=status))
        await hass.async_block_till_done()
        assert state(hass, "vehicle_state") == letter, status


async def test_categories_and_disabled_by_default(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
) -> None:
    """Rarely used sensors are disabled; all but the charging ones are diagnostic."""
    await start_charging(hass, await connect("CP1"))
    entries = {
        entry.entity_id.removeprefix(S): entry
        for entry in er.async_entries_for_config_entry(entity_registry, central.entry_id)
    }
    disabled = {key for key, entry in entries.items() if entry.disabled_by is not None}
    assert disabled == {
        # Written at every reading of a charging car: off unless wanted (recorder rows).
        "current_l1",
        "current_l2",
        "current_l3",
        "temperature",
        "voltage_l1",
        "voltage_l2",
        "voltage_l3",
        "frequency",
        "power_offered",
        "last_heartbeat",
        "firmware_status",
        "id_tag",
    }
    primary = {key for key, entry in entries.items() if entry.entity_category is None}
    # As the README's entity list has them.
    assert primary == {
        "status",
        "vehicle_state",
        "applied_limit",
        "control_reason",
        "charging_power",
        "current_offered",
        "session_energy",
        "lifetime_energy",
        "state_of_charge",
    }
    assert all(
        entry.entity_category is EntityCategory.DIAGNOSTIC
        for key, entry in entries.items()
        if key not in primary
    )
