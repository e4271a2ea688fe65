"""Control parity: the charge switch, the limit numbers and stop obey alike on 1.6 and 2.0.1.

Each test runs over both versions (tests/drivers.py). What the charger receives is asserted in each
version's exact shape (tests/drivers.py::profile_for) and, read back version-neutrally
(profile_meaning), must mean the same thing on both: purpose, limit, unit A, the session's id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.drivers import booted_driver, profile_for, profile_meaning, run_session
from tests.helpers.entity_actions import assert_translated_error, engine_at_once
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER
from tests.helpers.waiting import TIMED_OUT, timeout_for

type Connect = Callable[..., Awaitable[Any]]

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
NOW = "2026-11-25T08:00:00+00:00"
CHARGE = "switch.charger_cp1_charge"
AVAILABILITY = "switch.charger_cp1_availability"
LIMIT = "number.charger_cp1_current_limit"
STATION_MAX = "number.charger_cp1_station_maximum_current"
REASON = "sensor.charger_cp1_limit_reason"
APPLIED = "sensor.charger_cp1_applied_limit"
# The OCPP action of a version-neutral command, per version.
ACTION = {
    "1.6": {"start": "RemoteStartTransaction", "stop": "RemoteStopTransaction"},
    "2.0.1": {"start": "RequestStartTransaction", "stop": "RequestStopTransaction"},
}


@pytest.fixture(autouse=True)
def control_platforms() -> Generator[None]:
    """Switches, numbers, buttons and limit sensors; the engine acts at once."""
    platforms = [Platform.SWITCH, Platform.NUMBER, Platform.SENSOR, Platform.BUTTON]
    with patch("custom_components.ocpp_central.PLATFORMS", platforms), engine_at_once():
        yield


@pytest.fixture
async def cp(hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect) -> Any:
    """CP1 of the version under test, booted, Available, its quirks read (stack level 8)."""
    return await booted_driver(hass, await connect_charger("CP1"))


async def turn(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    service = SERVICE_TURN_ON if on else SERVICE_TURN_OFF
    await hass.services.async_call("switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True)


async def set_value(hass: HomeAssistant, entity_id: str, value: float) -> None:
    data = {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value}
    await hass.services.async_call("number", SERVICE_SET_VALUE, data, blocking=True)


async def stop(hass: HomeAssistant, central: MockConfigEntry, response: bool = False) -> Any:
    device_id = central.runtime_data.coordinators["CP1"].device_id
    return await hass.services.async_call(
        DOMAIN, "stop_charging", {"device_id": device_id}, blocking=True, return_response=response
    )


def shown(hass: HomeAssistant, *entity_ids: str) -> tuple[str, ...]:
    return tuple(hass.states.get(e).state for e in entity_ids)  # type: ignore[union-attr]


def profiles(cp: Any, limit: float, tx: Any, start: str) -> list[dict[str, Any]]:
    """TxDefaultProfile and the session's TxProfile of one limit, as this version sends them."""
    return [
        profile_for(cp.version, "TxDefaultProfile", [(0, limit)], start=start),
        profile_for(cp.version, "TxProfile", [(0, limit)], transaction_id=tx, start=start),
    ]


def meanings(limit: float, tx: Any) -> list[dict[str, Any]]:
    """What those profiles mean, whatever the version."""
    same = {"connector": 1, "unit": "A", "periods": [(0, limit)]}
    return [
        same | {"id": 1001, "purpose": "TxDefaultProfile", "transaction_id": None},
        same | {"id": 2001, "purpose": "TxProfile", "transaction_id": tx},
    ]


@VERSIONS
async def test_limit_then_pause_then_resume_to_it(
    hass: HomeAssistant, cp: Any, freezer: FrozenDateTimeFactory
) -> None:
    """Limit 13 A; switch off: 0 A, the session kept; switch on: back to 13 A."""
    freezer.move_to(NOW)
    tx = await run_session(hass, cp)
    # No limit set: the number shows the charger's maximum current.
    assert shown(hass, CHARGE, LIMIT, REASON) == (STATE_ON, "32.0", "no_limit")

    await set_value(hass, LIMIT, 13)
    sent = cp.received("SetChargingProfile")
    assert sent == profiles(cp, 13.0, tx, "2026-11-25T07:59:00Z")
    assert [profile_meaning(p) for p in sent] == meanings(13.0, tx)
    assert shown(hass, LIMIT, REASON, APPLIED) == ("13.0", "user_limit", "13.0")

    cp.calls.clear()
    await turn(hass, CHARGE, False)
    sent = cp.received("SetChargingProfile")
    assert sent == profiles(cp, 0.0, tx, "2026-11-25T07:59:00Z")
    assert [profile_meaning(p) for p in sent] == meanings(0.0, tx)
    # Paused, not stopped.
    assert [c.action for c in cp.calls] == ["SetChargingProfile"] * 2
    assert shown(hass, CHARGE, REASON, APPLIED) == (STATE_OFF, "paused", "0.0")

    cp.calls.clear()
    await turn(hass, CHARGE, True)
    sent = cp.received("SetChargingProfile")
    assert sent == profiles(cp, 13.0, tx, "2026-11-25T07:59:00Z")
    assert [profile_meaning(p) for p in sent] == meanings(13.0, tx)
    assert [c.action for c in cp.calls] == ["SetChargingProfile"] * 2
    assert shown(hass, CHARGE, LIMIT, REASON, APPLIED) == (STATE_ON, "13.0", "user_limit", "13.0")


@VERSIONS
async def test_pause_then_resume_without_limit_clears(
    hass: HomeAssistant, cp: Any, freezer: FrozenDateTimeFactory
) -> None:
    """No limit before the pause: resuming removes our two 0 A profiles by id."""
    freezer.move_to(NOW)
    tx = await run_session(hass, cp)
    await turn(hass, CHARGE, False)
    assert cp.received("SetChargingProfile") == profiles(cp, 0.0, tx, "2026-11-25T07:59:00Z")

    cp.calls.clear()
    await turn(hass, CHARGE, True)
    key = {"1.6": "id", "2.0.1": "chargingProfileId"}[cp.version]
    assert [(c.action, c.payload) for c in cp.calls] == [
        ("ClearChargingProfile", {key: 1001}),
        ("ClearChargingProfile", {key: 2001}),
    ]
    # No limit of ours left: the charger's maximum current applies.
    assert shown(hass, CHARGE, REASON, APPLIED) == (STATE_ON, "no_limit", "32.0")


@VERSIONS
async def test_limit_numbers_without_session(
    hass: HomeAssistant, cp: Any, freezer: FrozenDateTimeFactory
) -> None:
    """No session: the limit is a TxDefaultProfile only; the station maximum is on connector 0."""
    freezer.move_to(NOW)
    await set_value(hass, LIMIT, 16)
    await set_value(hass, STATION_MAX, 20)
    sent = cp.received("SetChargingProfile")
    # 1.6 ChargePointMaxProfile is 2.0.1's ChargingStationMaxProfile (on EVSE 0).
    assert sent == [
        profile_for(cp.version, "TxDefaultProfile", [(0, 16.0)]),
        profile_for(cp.version, "ChargePointMaxProfile", [(0, 20.0)], connector_id=0),
    ]
    assert [(m["purpose"], m["connector"], m["periods"]) for m in map(profile_meaning, sent)] == [
        ("TxDefaultProfile", 1, [(0, 16.0)]),
        ("ChargePointMaxProfile", 0, [(0, 20.0)]),
    ]
    assert shown(hass, LIMIT, STATION_MAX) == ("16.0", "20.0")


# 2.0.1: a token of the central system's own and an id to match the session by.
REMOTE_START = {
    "1.6": ("RemoteStartTransaction", {"connectorId": 1, "idTag": "HomeAssistant"}),
    "2.0.1": ("RequestStartTransaction", {"evseId": 1, "remoteStartId": 1, "idToken": {"idToken": "HomeAssistant", "type": "Central"}}),
}  # fmt: skip


@VERSIONS
async def test_charge_switch_starts_a_session(hass: HomeAssistant, cp: Any) -> None:
    """On without a session: a remote start with the configured id tag; on once it runs."""
    await cp.status(1, "Preparing")
    await hass.async_block_till_done()
    assert shown(hass, CHARGE) == (STATE_OFF,)

    await turn(hass, CHARGE, True)
    assert [(c.action, c.payload) for c in cp.calls] == [REMOTE_START[cp.version]]
    await run_session(hass, cp)
    assert shown(hass, CHARGE) == (STATE_ON,)


@VERSIONS
async def test_stop_service(hass: HomeAssistant, central: MockConfigEntry, cp: Any) -> None:
    """stop_charging ends the running session by its transaction id; the same answer."""
    tx = await run_session(hass, cp)
    response = await stop(hass, central, response=True)
    assert [(c.action, c.payload) for c in cp.calls] == [
        (ACTION[cp.version]["stop"], {"transactionId": tx})
    ]
    assert response["status"] == "Accepted"
    # 1.6 sends our int id, 2.0.1 the charger's string.
    assert type(tx) is {"1.6": int, "2.0.1": str}[cp.version]


async def control(name: str, hass: HomeAssistant, central: MockConfigEntry, cp: Any) -> None:
    """Use one control the way a homeowner would."""
    if name in ("pause", "stop"):
        await run_session(hass, cp)
    if name == "stop":
        await stop(hass, central)
    elif name == "limit":
        await set_value(hass, LIMIT, 16)
    else:
        entity_id = AVAILABILITY if name == "availability" else CHARGE
        await turn(hass, entity_id, name == "start")


# How each control fails, per way of refusing: (translation key, action, detail); "start" and
# "stop" stand for the version's remote start / stop action. The pause goes down its whole ladder
# (0 A, ChangeAvailability, remote stop) before it gives up.
REFUSED = "Rejected"
CALL_ERROR = "NotSupported: scripted error"
TIMEOUT = TIMED_OUT
# fmt: off
CASES: dict[str, tuple[list[str], dict[str, tuple[str, str, str]]]] = {
    "start": (["start"], {
        REFUSED: ("command_rejected", "start", "Rejected"),
        CALLERROR: ("charger_call_error", "start", CALL_ERROR),
        NO_ANSWER: ("charger_timeout", "start", TIMEOUT)}),
    "pause": (["SetChargingProfile", "ChangeAvailability", "stop"], {
        REFUSED: ("command_rejected", "pause", "Rejected"),
        CALLERROR: ("command_rejected", "pause", f"CALLERROR {CALL_ERROR}"),
        NO_ANSWER: ("charger_timeout", "SetChargingProfile", TIMEOUT)}),
    "limit": (["SetChargingProfile"], {
        REFUSED: ("command_rejected", "SetChargingProfile", "Rejected"),
        CALLERROR: ("command_rejected", "SetChargingProfile", f"CALLERROR {CALL_ERROR}"),
        NO_ANSWER: ("charger_timeout", "SetChargingProfile", TIMEOUT)}),
    "availability": (["ChangeAvailability"], {
        REFUSED: ("command_rejected", "ChangeAvailability", "Rejected"),
        CALLERROR: ("charger_call_error", "ChangeAvailability", CALL_ERROR),
        NO_ANSWER: ("charger_timeout", "ChangeAvailability", TIMEOUT)}),
    "stop": (["stop"], {
        REFUSED: ("command_rejected", "stop", "Rejected"),
        CALLERROR: ("charger_call_error", "stop", CALL_ERROR),
        NO_ANSWER: ("charger_timeout", "stop", TIMEOUT)}),
}
# fmt: on


@VERSIONS
@pytest.mark.parametrize(
    "answer", [REFUSED, CALLERROR, NO_ANSWER], ids=["rejected", "callerror", "no_answer"]
)
@pytest.mark.parametrize("name", sorted(CASES))
async def test_refusals_are_the_same_error(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any, name: str, answer: str
) -> None:
    """A refused, failed or unanswered control: the same translated error on both versions.

    Only the action named differs where the versions call it differently: it is the OCPP action
    the charger refused or did not answer, RemoteStartTransaction on 1.6 and
    RequestStartTransaction on 2.0.1.
    """
    refusing, outcomes = CASES[name]
    for action in refusing:
        cp.script.answers[ACTION[cp.version].get(action, action)] = answer
    key, action, detail = outcomes[answer]
    with timeout_for(answer, cp):
        await assert_translated_error(
            control(name, hass, central, cp), key, ACTION[cp.version].get(action, action), detail
        )


@VERSIONS
@pytest.mark.parametrize(
    ("entity_id", "action"), [(CHARGE, "connect"), (AVAILABILITY, "ChangeAvailability")]
)
async def test_offline_is_the_same_error(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any, entity_id: str, action: str
) -> None:
    """A control racing the charger's disconnect fails as offline, naming the same action."""
    await run_session(hass, cp)
    central.runtime_data.sessions.pop("CP1")
    await assert_translated_error(
        turn(hass, entity_id, False), "charger_offline", action, "not connected"
    )
    with pytest.raises(ServiceValidationError) as excinfo:
        await stop(hass, central)
    assert excinfo.value.translation_key == "charger_offline"
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "action": "connect",  # the engine's word for "could not reach the charger"
        "detail": "not connected",
    }
    assert cp.calls == []


# Bug (see the report): the 2.0.1 quirk detection does not read whether the station has smart
# charging, so it is sent a 0 A profile first and paused by ChangeAvailability only after that fails.


@pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
async def test_charger_without_smart_charging_pauses_by_availability(
    hass: HomeAssistant, connect_charger: Connect, central: MockConfigEntry
) -> None:
    """A charger that says it has no smart charging is paused by ChangeAvailability at once.

    1.6 says so in SupportedFeatureProfiles, 2.0.1 in SmartChargingCtrlr.Available.
    """
    cp = await connect_charger("CP1")
    if cp.version == "1.6":
        keys = [
            ("SupportedFeatureProfiles", "Core,RemoteTrigger"),
            ("GetConfigurationMaxKeys", "20"),
        ]
        cp.script.answers["GetConfiguration"] = {"configurationKey": [{"key": k, "readonly": True, "value": v} for k, v in keys]}  # fmt: skip
    else:
        cp.variables["SmartChargingCtrlr/Available"] = "false"
    cp.script.answers["SetChargingProfile"] = CALLERROR
    await booted_driver(hass, cp)
    await run_session(hass, cp)
    await turn(hass, CHARGE, False)
    # 2.0.1 today: SetChargingProfile (TxDefault 0 A, TxProfile 0 A, ...) first, then this.
    assert [c.action for c in cp.calls] == ["ChangeAvailability"]


# ChangeAvailability of the whole station: 1.6 connector 0, 2.0.1 no EVSE.
STATION = {
    "1.6": lambda op: {"connectorId": 0, "type": op},
    "2.0.1": lambda op: {"operationalStatus": op},
}


@VERSIONS
async def test_availability_switch(hass: HomeAssistant, cp: Any) -> None:
    """Off: the station is made inoperative; the switch follows what the charger then reports."""
    # A 1.6 station reports itself as connector 0; a 2.0.1 one reports its EVSEs' connectors.
    reported = [0, 1] if cp.version == "1.6" else [1]
    watched = (AVAILABILITY, "sensor.charger_cp1_station_status")
    for on, operational, status in (
        (False, "Inoperative", "Unavailable"),
        (True, "Operative", "Available"),
    ):
        cp.calls.clear()
        await turn(hass, AVAILABILITY, on)
        assert cp.received("ChangeAvailability") == [STATION[cp.version](operational)]
        for connector_id in reported:
            await cp.status(connector_id, status)
        await hass.async_block_till_done()
        assert shown(hass, *watched) == (STATE_ON if on else STATE_OFF, status.lower())
        cp.script.answers["ChangeAvailability"] = "Scheduled"  # after the session: a yes too


# Button → what the charger receives, per version (1.6 Soft/Hard are 2.0.1 OnIdle/Immediate).
# fmt: off
BUTTONS: dict[str, dict[str, list[tuple[str, dict[str, Any]]]]] = {
    "restart": {"1.6": [("Reset", {"type": "Soft"})], "2.0.1": [("Reset", {"type": "OnIdle"})]},
    "hard_restart": {"1.6": [("Reset", {"type": "Hard"})], "2.0.1": [("Reset", {"type": "Immediate"})]},
    "unlock_cable": {
        "1.6": [("UnlockConnector", {"connectorId": 1})],
        "2.0.1": [("UnlockConnector", {"evseId": 1, "connectorId": 1})]},
    "refresh_status": {
        "1.6": [("TriggerMessage", {"requestedMessage": "StatusNotification"}),
                ("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1})],
        "2.0.1": [("TriggerMessage", {"requestedMessage": "StatusNotification"}),
                  ("TriggerMessage", {"requestedMessage": "MeterValues", "evse": {"id": 1}})]},
}
# fmt: on


@VERSIONS
@pytest.mark.parametrize("button", sorted(BUTTONS))
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_buttons(hass: HomeAssistant, cp: Any, button: str) -> None:
    """Each button sends its version's command; a refusal is the same error on both."""
    entity_id = {"entity_id": f"button.charger_cp1_{button}"}
    await hass.services.async_call("button", "press", entity_id, blocking=True)
    expected = BUTTONS[button][cp.version]
    assert [(c.action, c.payload) for c in cp.calls] == expected
    action = expected[0][0]
    cp.script.answers[action] = "UnlockFailed" if action == "UnlockConnector" else "Rejected"
    await assert_translated_error(
        hass.services.async_call("button", "press", entity_id, blocking=True),
        "command_rejected",
        action,
        cp.script.answers[action],
    )
