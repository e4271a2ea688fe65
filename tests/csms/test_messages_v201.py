"""OCPP 2.0.1 notifications: device-model events, the car's charging needs, and what is only acknowledged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.model import ConnectorStatus
from tests.csms.test_protocol_v201 import model, state
from tests.helpers.charger_v201 import Charger201

type Connect = Callable[..., Awaitable[Charger201]]


# --- device model events ------------------------------------------------------------------------


def event_data(
    component: dict[str, Any], variable: str, value: str, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": 1,
        "timestamp": "2026-11-25T08:00:00Z",
        "trigger": "Delta",
        "actual_value": value,
        "event_notification_type": "HardWiredNotification",
        "component": component,
        "variable": {"name": variable},
        **extra,
    }


async def test_notify_event(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Problems become error codes, AvailabilityState a status, Temperature a reading."""
    cp = await connect_v201("CP1")
    evse1 = {"name": "EVSE", "evse": {"id": 1}}
    for data in (
        event_data(evse1, "Problem", "true", tech_code="GroundFailure"),
        event_data({"name": "ChargingStation"}, "Problem", "true"),
        event_data(
            {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
            "AvailabilityState",
            "Occupied",
        ),
        event_data(evse1, "Temperature", "41.5"),
        event_data(evse1, "Temperature", "hot"),
        event_data(evse1, "Power", "7000"),
    ):
        await cp.call(
            cp.call_module.NotifyEvent(
                generated_at="2026-11-25T08:00:00Z", seq_no=0, event_data=[data]
            )
        )
    await hass.async_block_till_done()
    charger = model(central)
    connector = charger.connectors[1]
    assert (connector.error_code, charger.error_code) == ("GroundFailure", "ChargingStation")
    assert connector.status is ConnectorStatus.PREPARING
    assert connector.temperature_c == 41.5
    assert state(hass, "sensor.charger_cp1_error") == "ground_failure"
    await cp.call(
        cp.call_module.NotifyEvent(
            generated_at="2026-11-25T08:00:00Z",
            seq_no=1,
            event_data=[event_data(evse1, "Problem", "true", cleared=True)],
        )
    )
    assert connector.error_code is None


async def test_notify_ev_charging_needs(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """What the car needs (ISO 15118) goes into the model; its SoC is a reading; no schedule from us."""
    cp = await connect_v201("CP1")
    answer = await cp.call(
        cp.call_module.NotifyEVChargingNeeds(
            evse_id=1,
            charging_needs={
                "requested_energy_transfer": "DC",
                "departure_time": "2026-11-25T17:00:00Z",
                "dc_charging_parameters": {
                    "ev_max_current": 200,
                    "ev_max_voltage": 450,
                    "energy_amount": 30000,
                    "ev_max_power": 50000,
                    "state_of_charge": 42,
                    "ev_energy_capacity": 77000,
                },
            },
        )
    )
    assert answer.status == "Rejected"
    connector = model(central).connectors[1]
    ev = connector.ev
    assert ev.departure_time == datetime(2026, 11, 25, 17, tzinfo=UTC)
    assert (ev.energy_requested_wh, ev.energy_capacity_wh, ev.max_power_w) == (30000, 77000, 50000)
    assert (ev.max_current_a, ev.max_voltage_v, ev.min_current_a) == (200, 450, None)
    assert connector.soc_percent == 42
    await hass.async_block_till_done()
    assert state(hass, "sensor.charger_cp1_state_of_charge") == "42.0"


async def test_acknowledged_notifications(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: Connect,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Firmware status is kept; the rest is acknowledged with the right answer."""
    cp = await connect_v201("CP1")
    c = cp.call_module
    await cp.call(c.FirmwareStatusNotification(status="Installing", request_id=3))
    assert model(central).firmware_status == "Installing"
    await cp.call(
        c.SecurityEventNotification(type="FirmwareUpdated", timestamp="2026-11-25T08:00:00Z")
    )
    assert "security event FirmwareUpdated" in caplog.text
    assert (
        await cp.call(c.DataTransfer(vendor_id="com.acme", data={"a": 1}))
    ).status == "UnknownVendorId"
    assert (await cp.call(c.SignCertificate(csr="CSR"))).status == "Rejected"
    assert (
        await cp.call(
            c.NotifyEVChargingSchedule(
                time_base="2026-11-25T08:00:00Z",
                evse_id=1,
                charging_schedule={
                    "id": 1,
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [{"start_period": 0, "limit": 16}],
                },
            )
        )
    ).status == "Accepted"
    await cp.call(c.NotifyChargingLimit(charging_limit={"charging_limit_source": "EMS"}, evse_id=1))
    assert "limited by EMS" in caplog.text
    await cp.call(c.ClearedChargingLimit(charging_limit_source="EMS"))
    await cp.call(c.ReservationStatusUpdate(reservation_id=4, reservation_update_status="Expired"))
    assert "reservation 4: Expired" in caplog.text
    await cp.call(c.NotifyReport(request_id=999, generated_at="2026-11-25T08:00:00Z", seq_no=0))
    await cp.call(c.LogStatusNotification(status="Uploaded", request_id=5))
