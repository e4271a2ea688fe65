"""Plausibility at the door: every number a charger sends is judged before it reaches the model.

Raw chargers (1.6 and 2.0.1) on real WebSockets to the real integration. A value no station can
mean in a field a message stands on gets the CALLERROR the specification names; inside meter
values it is dropped with one warning per charger per hour and the rest is used; a frame that
Python's JSON reader takes but nothing after it could gets a FormatViolation. The session lives on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import logging
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.model import Charger
from tests.helpers.fuzz import FuzzClient, connect_raw
from tests.helpers.subentries import charger_subentry

T0 = "2026-11-25T08:00:00Z"
T1 = "2026-11-25T08:00:10Z"
T2 = "2026-11-25T08:00:20Z"
T3 = "2026-11-25T08:00:30Z"
ENERGY = "Energy.Active.Import.Register"
LIFETIME = "sensor.charger_cp1_lifetime_energy"
SESSION = "sensor.charger_cp1_session_energy"


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 speaks 1.6, CP2 2.0.1."""
    return [charger_subentry("CP1"), charger_subentry("CP2")]


@pytest.fixture
async def cp16(central: MockConfigEntry, port: int) -> AsyncGenerator[FuzzClient]:
    client = await connect_raw(port, "CP1", "ocpp1.6")
    assert (
        await client.call("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
    )[0] == 3
    yield client
    await client.websocket.close()


@pytest.fixture
async def cp201(central: MockConfigEntry, port: int) -> AsyncGenerator[FuzzClient]:
    client = await connect_raw(port, "CP2", "ocpp2.0.1")
    boot = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
    assert (await client.call("BootNotification", boot))[0] == 3
    yield client
    await client.websocket.close()


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Charger:
    return entry.runtime_data.coordinators[charger_id].charger


async def alive(client: FuzzClient) -> None:
    """The session lives on: a Heartbeat is answered."""
    assert (await client.call("Heartbeat", {}, "alive"))[0] == 3


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


def doubts(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "implausible value" in r.getMessage()
    ]


def readings(timestamp: str, *sampled: tuple[str, str, str]) -> list[dict[str, Any]]:
    """One 1.6 MeterValue: (measurand, value, unit) each."""
    return [
        {
            "timestamp": timestamp,
            "sampledValue": [
                {"measurand": measurand, "value": value, "unit": unit}
                for measurand, value, unit in sampled
            ],
        }
    ]


async def meter(client: FuzzClient, timestamp: str, *sampled: tuple[str, str, str]) -> None:
    payload = {"connectorId": 1, "meterValue": readings(timestamp, *sampled)}
    assert (await client.call("MeterValues", payload))[0] == 3


# --- frames ---------------------------------------------------------------------------------

UNREADABLE = {
    "digits": '[2, "x", "Heartbeat", {"n": ' + "9" * 5000 + "}]",
    "deep_list": '[2, "x", "DataTransfer", {"vendorId": "v", "data": '
    + "[" * 10_000
    + "]" * 10_000
    + "}]",
    "deep_object": '[2, "x", "Heartbeat", {"a": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}]",
    "forty_deep": '[2, "x", "DataTransfer", {"vendorId": "v", "data": '
    + "[" * 40
    + "]" * 40
    + "}]",
    "nan": '[2, "x", "Heartbeat", {"n": NaN}]',
    "infinity": '[2, "x", "Heartbeat", {"n": -Infinity}]',
    "surrogate": '[2, "x", "Authorize", {"idTag": "\\ud800"}]',
    "cut_off": '[2, "x", "Heartbeat", {',
}


@pytest.mark.parametrize("name", list(UNREADABLE))
@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_unreadable_frames_get_a_format_violation(
    hass: HomeAssistant,
    cp16: FuzzClient,
    cp201: FuzzClient,
    caplog: pytest.LogCaptureFixture,
    version: str,
    name: str,
) -> None:
    """Thousands of digits, ten thousand levels, NaN, lone surrogates: a CALLERROR, never a traceback."""
    client = cp16 if version == "1.6" else cp201
    answer = await client.raw(UNREADABLE[name], "x")
    assert answer[:3] == [4, "x", "FormatViolation"]
    await alive(client)
    assert tracebacks(caplog) == []


async def test_an_escaped_pair_is_unicode(hass: HomeAssistant, cp16: FuzzClient) -> None:
    answer = await cp16.raw('[2, "x", "Authorize", {"idTag": "\\ud83d\\udd0c"}]', "x")
    assert answer[0] == 3


# --- strict fields ----------------------------------------------------------------------------

START = {"connectorId": 1, "idTag": "TAG", "meterStart": 1000, "timestamp": T0}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"connectorId": 2**64}, "PropertyConstraintViolation"),
        ({"connectorId": 65}, "PropertyConstraintViolation"),
        ({"connectorId": "1"}, "TypeConstraintViolation"),
        ({"meterStart": -5}, "PropertyConstraintViolation"),
        ({"meterStart": 2**40}, "PropertyConstraintViolation"),
        ({"meterStart": "1000"}, "TypeConstraintViolation"),
        ({"idTag": "T" * 21}, "TypeConstraintViolation"),
        ({"idTag": None}, "ProtocolError"),
    ],
)
async def test_a_start_no_station_can_mean_is_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp16: FuzzClient,
    changes: dict[str, Any],
    code: str,
) -> None:
    """A StartTransaction with connectorId 2^64 used to poison the store; now it is refused."""
    answer = await cp16.call("StartTransaction", START | changes)
    assert answer[:3] == [4, "c1", code]
    await alive(cp16)
    assert all(number <= 64 for number in model(central).connectors)
    assert all(c.transaction is None for c in model(central).connectors.values())


async def test_an_infinite_meter_start_is_refused(hass: HomeAssistant, cp16: FuzzClient) -> None:
    """1e400 reads as infinity."""
    text = '[2, "x", "StartTransaction", {"connectorId": 1, "idTag": "T", "meterStart": 1e400}]'
    assert (await cp16.raw(text, "x"))[:3] == [4, "x", "PropertyConstraintViolation"]


async def test_a_status_for_a_connector_no_station_has_is_refused(
    hass: HomeAssistant, central: MockConfigEntry, cp16: FuzzClient
) -> None:
    status = {"connectorId": 2**64, "errorCode": "NoError", "status": "Available"}
    answer = await cp16.call("StatusNotification", status)
    assert answer[:3] == [4, "c1", "PropertyConstraintViolation"]
    assert 2**64 not in model(central).connectors


TX_EVENT = {
    "eventType": "Started",
    "timestamp": T0,
    "triggerReason": "CablePluggedIn",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "TX-1"},
    "evse": {"id": 1, "connectorId": 1},
}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"evse": {"id": 2**64, "connectorId": 1}}, "PropertyConstraintViolation"),
        ({"evse": {"id": "1"}}, "TypeConstraintViolation"),
        ({"seqNo": 2**40}, "PropertyConstraintViolation"),
        ({"transactionInfo": {"transactionId": "T" * 37}}, "TypeConstraintViolation"),
        ({"eventType": ["Started"]}, "ProtocolError"),
    ],
)
async def test_a_transaction_event_no_station_can_mean_is_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp201: FuzzClient,
    changes: dict[str, Any],
    code: str,
) -> None:
    answer = await cp201.call("TransactionEvent", TX_EVENT | changes)
    assert answer[:3] == [4, "c1", code]
    await alive(cp201)
    assert all(number <= 64 for number in model(central, "CP2").connectors)


async def test_the_cars_needs_for_an_evse_no_station_has_are_refused(
    hass: HomeAssistant, cp201: FuzzClient
) -> None:
    needs = {"evseId": 2**40, "chargingNeeds": {"requestedEnergyTransfer": "AC_three_phase"}}
    answer = await cp201.call("NotifyEVChargingNeeds", needs)
    assert answer[:3] == [4, "c1", "PropertyConstraintViolation"]


# --- lenient readings ------------------------------------------------------------------------


async def test_implausible_readings_are_dropped_and_the_rest_is_used(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp16: FuzzClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Negative power, a state of charge of 250 %, 9000 A, an infinite register: dropped, said once."""
    await meter(
        cp16,
        T0,
        (ENERGY, "12000", "Wh"),
        ("Power.Active.Import", "-5000", "W"),
        ("SoC", "250", "Percent"),
        ("Current.Import", "9000", "A"),
        ("Current.Offered", "-0.2", "A"),
        (ENERGY, "1e308", "kWh"),
        ("Voltage", "231", "V"),
        ("Temperature", "inf", "Celsius"),
    )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 12000
    assert (connector.power_w, connector.soc_percent, connector.current_a) == (None, None, {})
    # Noise just below zero is zero.
    assert connector.current_offered_a == 0.0
    assert connector.voltage_v
    assert connector.temperature_c is None
    assert len(doubts(caplog)) == 1
    # Once an hour: the next implausible value goes to debug.
    await meter(cp16, T1, ("SoC", "-3", "Percent"), ("Power.Active.Import", "7000", "W"))
    assert connector.power_w == 7000
    assert connector.soc_percent is None
    assert len(doubts(caplog)) == 1
    await hass.async_block_till_done()
    assert hass.states.get(LIFETIME).state == "12.0"  # type: ignore[union-attr]
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("sampled", [{"measurand": ENERGY, "value": "12000"}, 5, "x", None])
async def test_sampled_values_in_the_wrong_shape(
    hass: HomeAssistant, central: MockConfigEntry, cp16: FuzzClient, sampled: Any
) -> None:
    """sampledValue not a list used to give InternalError: one object is read as one value."""
    payload = {"connectorId": 1, "meterValue": [{"timestamp": T0, "sampledValue": sampled}, 7]}
    assert (await cp16.call("MeterValues", payload))[0] == 3
    expected = 12000 if isinstance(sampled, dict) else None
    assert model(central).connector(1).energy.total_wh == expected


async def test_the_cars_implausible_needs_are_dropped(
    hass: HomeAssistant, central: MockConfigEntry, cp201: FuzzClient
) -> None:
    needs = {
        "evseId": 1,
        "chargingNeeds": {
            "requestedEnergyTransfer": "DC",
            "dcChargingParameters": {
                "evMaxCurrent": 10**9,
                "evMaxVoltage": 400,
                "energyAmount": -5,
                "stateOfCharge": 40,
            },
        },
    }
    assert (await cp201.call("NotifyEVChargingNeeds", needs))[0] == 3
    connector = model(central, "CP2").connectors[1]
    assert (connector.ev.max_current_a, connector.ev.max_voltage_v) == (None, 400)
    assert connector.ev.energy_requested_wh is None
    assert connector.soc_percent == 40


# --- energy that never lies --------------------------------------------------------------------


async def test_one_zero_or_negative_reading_moves_no_total(
    hass: HomeAssistant, central: MockConfigEntry, cp16: FuzzClient
) -> None:
    """Seen: 12 -> 7 kWh after a negative reading, 12.5 -> 36.5 kWh after a zero."""
    states: list[str] = []
    await meter(cp16, T0, (ENERGY, "12500", "Wh"))
    for timestamp, value in ((T1, "0"), (T2, "-5000"), (T3, "12600")):
        await hass.async_block_till_done()
        states.append(hass.states.get(LIFETIME).state)  # type: ignore[union-attr]
        await meter(cp16, timestamp, (ENERGY, value, "Wh"))
    await hass.async_block_till_done()
    states.append(hass.states.get(LIFETIME).state)  # type: ignore[union-attr]
    assert states == ["12.5", "12.5", "12.5", "12.6"]


async def test_a_jump_faster_than_the_station_is_dropped(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp16: FuzzClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await meter(cp16, T0, (ENERGY, "12500", "Wh"))
    await meter(cp16, T1, (ENERGY, "36500000", "Wh"))
    await hass.async_block_till_done()
    assert hass.states.get(LIFETIME).state == "12.5"  # type: ignore[union-attr]
    [doubt] = doubts(caplog)
    assert "jumping from 12500 Wh to 36500000 Wh" in doubt.getMessage()


async def test_a_late_stop_keeps_the_sessions_energy(
    hass: HomeAssistant, central: MockConfigEntry, cp16: FuzzClient
) -> None:
    """Seen: 0.448 -> 0.225 kWh in one session when a late StopTransaction arrived."""
    started = await cp16.call("StartTransaction", START | {"meterStart": 10000})
    transaction_id = started[2]["transactionId"]
    await meter(cp16, T3, (ENERGY, "10448", "Wh"))
    await hass.async_block_till_done()
    assert hass.states.get(SESSION).state == "0.448"  # type: ignore[union-attr]
    stop = {"transactionId": transaction_id, "meterStop": 10225, "timestamp": T1}
    assert (await cp16.call("StopTransaction", stop))[0] == 3
    await hass.async_block_till_done()
    assert hass.states.get(SESSION).state == "0.448"  # type: ignore[union-attr]
    assert hass.states.get(LIFETIME).state == "10.448"  # type: ignore[union-attr]


async def test_an_implausible_stop_reading_closes_at_the_latest(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp16: FuzzClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = await cp16.call("StartTransaction", START | {"meterStart": 10000})
    await meter(cp16, T1, (ENERGY, "10300", "Wh"))
    stop = {"transactionId": started[2]["transactionId"], "meterStop": -1, "timestamp": T2}
    assert (await cp16.call("StopTransaction", stop))[0] == 3
    connector = model(central).connectors[1]
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 300
    assert "meterStop -1" in doubts(caplog)[0].getMessage()
