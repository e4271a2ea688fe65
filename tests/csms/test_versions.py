"""OCPP versions: subprotocol negotiation, the per-charger version pin, every 2.0.1 / 2.1 action
answered (the ocpp package drops unanswered 2.1 calls), robust frames on 2.0.1, test-ocpp --ocpp 2.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import ocpp
from ocpp.messages import CallResult, validate_payload
from ocpp.v21.enums import Action as Action21
from ocpp.v201.enums import Action as Action201
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import test_ocpp
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from custom_components.ocpp_central.const import CONF_CHARGER_ID, CONF_MAX_CURRENT, SUBENTRY_CHARGER
from tests.helpers.subentries import charger_subentry

SCHEMAS = Path(ocpp.__file__).parent
# What a charging station sends (OCPP 2.0.1 part 2 and 2.1 part 2, message directions).
STATION_201 = {
    "Authorize", "BootNotification", "ClearedChargingLimit", "DataTransfer",
    "FirmwareStatusNotification", "Get15118EVCertificate", "GetCertificateStatus", "Heartbeat",
    "LogStatusNotification", "MeterValues", "NotifyChargingLimit", "NotifyCustomerInformation",
    "NotifyDisplayMessages", "NotifyEVChargingNeeds", "NotifyEVChargingSchedule", "NotifyEvent",
    "NotifyMonitoringReport", "NotifyReport", "PublishFirmwareStatusNotification",
    "ReportChargingProfiles", "ReservationStatusUpdate", "SecurityEventNotification",
    "SignCertificate", "StatusNotification", "TransactionEvent",
}  # fmt: skip
STATION_21 = STATION_201 | {
    "BatterySwap", "ClosePeriodicEventStream", "GetCertificateChainStatus", "NotifyDERAlarm",
    "NotifyDERStartStop", "NotifyPriorityCharging", "NotifySettlement", "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate", "ReportDERControl", "VatNumberValidation",
}  # fmt: skip
VERSIONS = {"2.0.1": ("v201", Action201, STATION_201), "2.1": ("v21", Action21, STATION_21)}

type Raw = Callable[..., Awaitable[ClientConnection]]


def pinned(pin: str) -> ConfigSubentryData:
    """CP1, held to an OCPP version by its options."""
    return ConfigSubentryData(
        data={CONF_CHARGER_ID: "CP1", "password": "", CONF_MAX_CURRENT: 32.0, "ocpp_version": pin},
        subentry_type=SUBENTRY_CHARGER,
        title="Charger CP1",
        unique_id="CP1",
    )


def example(node: dict[str, Any], definitions: dict[str, Any]) -> Any:
    """The smallest schema-valid value: required properties, first enum values, one array item."""
    if "$ref" in node:
        return example(definitions[node["$ref"].split("/")[-1]], definitions)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        required = node.get("required", [])
        return {k: example(v, definitions) for k, v in node["properties"].items() if k in required}
    if kind == "array":
        return [example(node["items"], definitions) for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "string":
        return "2026-11-25T08:00:00Z" if node.get("format") == "date-time" else "x"
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return float(node.get("minimum", 1))
    return False


def request_example(folder: str, action: str) -> dict[str, Any]:
    path = SCHEMAS / folder / "schemas" / f"{action}Request.json"
    if not path.exists():
        return {}
    schema = json.loads(path.read_text())
    return example(schema, schema.get("definitions", {}))  # type: ignore[no-any-return]


@pytest.fixture
async def raw(port: int) -> AsyncGenerator[Raw]:
    """Plain WebSocket clients offering the given subprotocols."""
    opened: list[ClientConnection] = []

    async def _connect(
        charger_id: str = "CP1", subprotocols: list[str] | None = None
    ) -> ClientConnection:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=subprotocols,  # type: ignore[arg-type]
            open_timeout=5,
        )
        opened.append(ws)
        return ws

    yield _connect
    for ws in opened:
        await ws.close()


async def exchange(ws: ClientConnection, frame: list[Any]) -> list[Any]:
    await ws.send(json.dumps(frame))
    async with asyncio.timeout(5):
        return json.loads(await ws.recv())  # type: ignore[no-any-return]


def model_protocol(central: MockConfigEntry) -> str | None:
    return central.runtime_data.coordinators["CP1"].charger.protocol  # type: ignore[no-any-return]


# --- negotiation and the version pin -------------------------------------------------------


@pytest.mark.parametrize(
    ("offered", "chosen"),
    [
        (["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),
        (["ocpp2.1", "ocpp1.6"], "ocpp2.1"),
        (["ocpp2.1", "ocpp2.0.1"], "ocpp2.0.1"),
        (["OCPP2.0.1"], "OCPP2.0.1"),
        (["ocpp1.6"], "ocpp1.6"),
        (None, None),
    ],
)
async def test_negotiation(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: Raw,
    offered: list[str] | None,
    chosen: str | None,
) -> None:
    """2.0.1 is preferred, then 2.1, then 1.6; no offer at all is 1.6; the adapter follows."""
    ws = await raw(subprotocols=offered)
    assert ws.subprotocol == chosen
    reply = await exchange(ws, [2, "h", "Heartbeat", {}])
    assert reply[0] == 3
    assert model_protocol(central) == (chosen or "ocpp1.6").lower()
    session = central.runtime_data.sessions["CP1"]
    assert session._ocpp_version == {"ocpp2.0.1": "2.0.1", "ocpp2.1": "2.1"}.get(
        (chosen or "").lower(), "1.6"
    )


@pytest.mark.parametrize(
    ("subentries", "offered", "chosen"),
    [
        ([pinned("1.6")], ["ocpp2.0.1", "ocpp1.6"], "ocpp1.6"),
        ([pinned("1.6")], None, None),
        ([pinned("2.0.1")], ["ocpp2.1", "ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
        ([pinned("auto")], ["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),
    ],
)
async def test_version_pin(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: Raw,
    offered: list[str] | None,
    chosen: str | None,
) -> None:
    """A charger held to a version gets it even when it offers a newer one (FoxESS-style 2.0.1)."""
    ws = await raw(subprotocols=offered)
    assert ws.subprotocol == chosen


@pytest.mark.parametrize("subentries", [[pinned("2.0.1"), charger_subentry("CP2")]])
async def test_version_pin_not_offered_is_refused(
    hass: HomeAssistant, central: MockConfigEntry, port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A charger held to 2.0.1 that offers only 1.6 (or nothing) is refused with HTTP 400."""
    for offered in (["ocpp1.6"], None):
        with pytest.raises(InvalidStatus) as err:
            await websockets.connect(
                f"ws://127.0.0.1:{port}/ocpp/CP1", subprotocols=offered, open_timeout=5
            )  # type: ignore[arg-type]
        assert err.value.response.status_code == 400
    assert "held to ocpp2.0.1 but offered ocpp1.6" in caplog.text
    # Others are not affected.
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ocpp/CP2", subprotocols=["ocpp1.6"], open_timeout=5
    )  # type: ignore[list-item]
    assert ws.subprotocol == "ocpp1.6"
    await ws.close()


async def test_unsupported_only_is_refused(
    hass: HomeAssistant, central: MockConfigEntry, port: int
) -> None:
    """Only protocols we do not speak: HTTP 400."""
    with pytest.raises(InvalidStatus) as err:
        await websockets.connect(
            f"ws://127.0.0.1:{port}/ocpp/CP1", subprotocols=["ocpp2.0"], open_timeout=5
        )  # type: ignore[list-item]
    assert err.value.response.status_code == 400


# --- every action answered ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
async def test_every_action_answered(
    hass: HomeAssistant, central: MockConfigEntry, raw: Raw, version: str
) -> None:
    """Every action of the version gets an answer: a schema-valid result if a station may send it,
    NotImplemented if only the central system sends it. Nothing goes unanswered (ocpp 2.1.0 bug)."""
    folder, actions, station = VERSIONS[version]
    ws = await raw(subprotocols=[f"ocpp{version}"])
    for action in actions:
        payload = request_example(folder, action.value)
        reply = await exchange(ws, [2, action.value, action.value, payload])
        assert reply[1] == action.value
        if action.value in station:
            assert reply[0] == 3, (action, payload, reply)
            await validate_payload(CallResult(reply[1], reply[2], action.value), version)
        else:
            assert reply[:3] == [4, action.value, "NotImplemented"], (action, reply)
    reply = await exchange(ws, [2, "u", "NoSuchAction", {}])
    assert reply[:3] == [4, "u", "NotSupported"]


async def test_v21_send_and_callresulterror_frames(
    hass: HomeAssistant, central: MockConfigEntry, raw: Raw, caplog: pytest.LogCaptureFixture
) -> None:
    """SEND (NotifyPeriodicEventStream) needs no answer and CALLRESULTERROR is logged; no warnings."""
    ws = await raw(subprotocols=["ocpp2.1"])
    caplog.clear()
    stream = {
        "id": 1,
        "pending": 0,
        "basetime": "2026-11-25T08:00:00Z",
        "data": [{"t": 0, "v": "1"}],
    }
    await ws.send(json.dumps([6, "s1", "NotifyPeriodicEventStream", stream]))
    await ws.send(json.dumps([5, "r1", "FormatViolation", "bad answer", {}]))
    reply = await exchange(ws, [2, "h", "Heartbeat", {}])
    assert reply[:2] == [3, "h"]
    assert "could not process an answer of ours" in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


BAD_FRAMES_201: list[tuple[str, str, tuple[str, str] | None]] = [
    ("invalid_json", "not json", None),
    ("extra_field", '[2, "x1", "Heartbeat", {"extra": 1}]', ("x1", "FormatViolation")),
    ("missing_required", '[2, "a1", "Authorize", {}]', ("a1", "ProtocolError")),
    ("status_without_evse", '[2, "s1", "StatusNotification", {"timestamp": "2026-11-25T08:00:00Z", "connectorStatus": "Available", "connectorId": 1}]', ("s1", "TypeConstraintViolation")),
    ("status_16_shaped", '[2, "s2", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}]', ("s2", "TypeConstraintViolation")),
    ("tx_without_id", '[2, "t1", "TransactionEvent", {"eventType": "Started", "timestamp": "2026-11-25T08:00:00Z", "triggerReason": "Authorized", "seqNo": 0, "transactionInfo": {}}]', ("t1", "ProtocolError")),
    ("meter_not_list", '[2, "m1", "MeterValues", {"evseId": 1, "meterValue": 5}]', ("m1", "ProtocolError")),
    ("boot_16_shaped", '[2, "b1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]', ("b1", "ProtocolError")),
    ("action_16_only", '[2, "f1", "StartTransaction", {}]', ("f1", "NotSupported")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("frame", "expected"),
    [(f, e) for _, f, e in BAD_FRAMES_201],
    ids=[n for n, _, _ in BAD_FRAMES_201],
)
async def test_bad_frame_201(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: Raw,
    caplog: pytest.LogCaptureFixture,
    frame: str,
    expected: tuple[str, str] | None,
) -> None:
    """One warning, a CALLERROR where the message id is readable, and the session carries on."""
    ws = await raw(subprotocols=["ocpp2.0.1"])
    caplog.clear()
    await ws.send(frame)
    if expected is not None:
        async with asyncio.timeout(5):
            reply = json.loads(await ws.recv())
        assert reply[:3] == [4, *expected]
    assert (await exchange(ws, [2, "h", "Heartbeat", {}]))[:2] == [3, "h"]
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


# --- an independent peer: test-ocpp ------------------------------------------------------


@pytest.mark.parametrize(
    "subentries",
    [[charger_subentry("CP1"), charger_subentry("SECURE", password="correct horse battery")]],
)
async def test_test_ocpp_201(hass: HomeAssistant, central: MockConfigEntry, port: int) -> None:
    """test-ocpp --ocpp 2.0.1 connects, boots and authenticates with Basic auth."""
    url = f"ws://127.0.0.1:{port}/ocpp"
    result = await test_ocpp.check_connection(url, "CP1", ocpp="2.0.1", timeout=5)
    assert result.subprotocol == "ocpp2.0.1"
    assert result.boot_notification["status"] == "Accepted"
    assert "currentTime" in result.heartbeat
    result = await test_ocpp.check_connection(
        url, "SECURE", ocpp="2.0.1", password="correct horse battery", timeout=5
    )
    assert result.boot_notification["status"] == "Accepted"
    assert central.runtime_data.coordinators["SECURE"].charger.protocol == "ocpp2.0.1"
    with pytest.raises(InvalidStatus) as err:
        await test_ocpp.check_connection(url, "SECURE", ocpp="2.0.1", password="wrong", timeout=5)
    assert err.value.response.status_code == 401
    from test_ocpp.cli import main

    with patch("builtins.print"):
        argv = [
            url,
            "SECURE",
            "--ocpp",
            "2.0.1",
            "--password",
            "correct horse battery",
            "--timeout",
            "5",
        ]
        assert await asyncio.to_thread(main, argv) == 0


# --- the same entities whatever the version -------------------------------------------------

PARITY_STATES = {
    "binary_sensor.charger_cp1_cable_plugged_in": "on",
    "binary_sensor.charger_cp1_charging": "on",
    "binary_sensor.charger_cp1_connected": "on",
    "sensor.charger_cp1_status": "charging",
    "sensor.charger_cp1_station_status": "available",
    "sensor.charger_cp1_error": "no_error",
    "sensor.charger_cp1_station_error": "no_error",
    "sensor.charger_cp1_charging_power": "7.2",
    "sensor.charger_cp1_lifetime_energy": "12.345",
    "sensor.charger_cp1_session_energy": "2.345",
    "sensor.charger_cp1_current_offered": "16.0",
    "sensor.charger_cp1_current_l1": "10.1",
    "sensor.charger_cp1_current_l3": "10.3",
    "sensor.charger_cp1_state_of_charge": "55.0",
    "sensor.charger_cp1_temperature": "31.5",
}


@pytest.mark.parametrize("charger_version", ["1.6", "2.0.1", "2.1"])
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_same_entities_for_every_version(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Callable[..., Awaitable[Any]],
    charger_version: str,
) -> None:
    """How the lead parametrizes an entity test: one driver per version, the same expectations."""
    from tests.helpers.drivers import start_charging

    cp = await connect_charger("CP1")
    transaction_id = await start_charging(cp)
    await hass.async_block_till_done()
    states = {entity_id: hass.states.get(entity_id) for entity_id in PARITY_STATES}
    assert {k: s.state if s else None for k, s in states.items()} == PARITY_STATES
    assert hass.states.get("sensor.charger_cp1_transaction").state == str(transaction_id)  # type: ignore[union-attr]
    await cp.stop_transaction(transaction_id, 13500, "2026-11-25T09:00:00Z")
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    assert hass.states.get("sensor.charger_cp1_session_energy").state == "3.5"  # type: ignore[union-attr]
    assert hass.states.get("sensor.charger_cp1_status").state == "available"  # type: ignore[union-attr]
