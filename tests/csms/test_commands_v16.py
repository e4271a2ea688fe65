"""OCPP 1.6 commands (protocol/v16_commands.py) against a scripted 1.6 charge point.

Each command: the exact payload the charger received and what every kind of answer turns into
(Accepted and the refusals as CommandResult; CALLERROR, no answer and a lost connection as errors).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import json
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from ocpp.messages import Call, _validate_payload
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from websockets.exceptions import ConnectionClosed

from custom_components.ocpp_central.csms.commands import (
    ChargerCallError,
    ChargerDisconnectedError,
    ChargerOfflineError,
    ChargerTimeoutError,
    CommandResult,
    ConfigurationEntry,
    ConfigurationReport,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    SchedulePeriod,
)
from custom_components.ocpp_central.csms.protocol.v16 import Ocpp16Adapter
from custom_components.ocpp_central.csms.protocol.v16_profiles import charging_profile_16
from tests.csms.commands_v16_cases import COMMANDS, IDS, STATUS_COMMANDS, STATUS_IDS, profile
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER, ScriptedCharger
from tests.helpers.waiting import TIMED_OUT, timing_out, wait_for

ConnectScripted = Callable[..., Awaitable[ScriptedCharger]]


@pytest.fixture
async def link(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> tuple[ScriptedCharger, Ocpp16Adapter]:
    """A booted scripted charger and our session with it."""
    cp = await connect_scripted("CP1")
    await cp.boot()
    await wait_for(lambda: "CP1" in central.runtime_data.sessions)
    session = central.runtime_data.session("CP1")
    assert isinstance(session, Ocpp16Adapter)
    return cp, session


@pytest.mark.parametrize(("command", "action", "payload", "expected"), COMMANDS, ids=IDS)
async def test_command_payload_and_answer(
    link: tuple[ScriptedCharger, Ocpp16Adapter],
    command: Callable[[Ocpp16Adapter], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """The charger receives exactly this payload; its Accepted answer comes back as expected."""
    cp, session = link
    result = await command(session)
    assert cp.received(action) == [payload]
    if expected is not None:
        assert result == expected


@pytest.mark.parametrize("refusal", ["Rejected", "NotSupported"])
@pytest.mark.parametrize(
    ("command", "action", "payload", "expected"), STATUS_COMMANDS, ids=STATUS_IDS
)
async def test_refusal_is_a_result(
    link: tuple[ScriptedCharger, Ocpp16Adapter],
    command: Callable[[Ocpp16Adapter], Awaitable[CommandResult]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
    refusal: str,
) -> None:
    """A refusal is the charger's answer, not a failure: the caller judges the status word.

    Words the action's schema does not know count as an invalid answer (CALLERROR-like).
    """
    cp, session = link
    cp.script.answers[action] = {"status": refusal}
    try:
        result = await command(session)
    except ChargerCallError as err:
        assert err.detail.startswith("FormatViolation")
        assert err.action == action
        return
    assert result.status == refusal
    assert not result.accepted


@pytest.mark.parametrize(("command", "action", "payload", "expected"), COMMANDS, ids=IDS)
async def test_callerror(
    link: tuple[ScriptedCharger, Ocpp16Adapter],
    command: Callable[[Ocpp16Adapter], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """A CALLERROR becomes ChargerCallError with the charger's code and description."""
    cp, session = link
    cp.script.answers[action] = CALLERROR
    with pytest.raises(ChargerCallError) as excinfo:
        await command(session)
    assert excinfo.value.translation_key == "charger_call_error"
    assert excinfo.value.charger_id == "CP1"
    assert excinfo.value.action == action
    assert excinfo.value.detail == "NotSupported: scripted error"


@pytest.mark.parametrize(("command", "action", "payload", "expected"), COMMANDS, ids=IDS)
async def test_no_answer(
    link: tuple[ScriptedCharger, Ocpp16Adapter],
    command: Callable[[Ocpp16Adapter], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """No answer within RESPONSE_TIMEOUT: ChargerTimeoutError, and the session stays usable.

    The charger never answers, so only the timeout can end the command (timing_out checks that).
    """
    cp, session = link
    cp.script.answers[action] = NO_ANSWER
    with timing_out(cp), pytest.raises(ChargerTimeoutError) as excinfo:
        await command(session)
    assert excinfo.value.translation_key == "charger_timeout"
    assert excinfo.value.action == action
    assert excinfo.value.detail == TIMED_OUT
    assert cp.received(action) == [payload]
    del cp.script.answers[action]
    assert await session.clear_cache() == CommandResult("Accepted")


async def test_unknown_error_code(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """A CALLERROR code outside the spec is reported with the charger's code."""
    cp, session = link
    cp.script.answers["Reset"] = CALLERROR
    cp.script.callerror_code = "VendorBusy"
    with pytest.raises(ChargerCallError) as excinfo:
        await session.reset(False)
    assert "VendorBusy" in excinfo.value.detail


async def test_callerror_cause_is_kept(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """The cause a charger gives in its CALLERROR details is part of the detail."""
    cp, session = link
    cp.script.answers["ClearCache"] = NO_ANSWER
    message_ids: list[str] = []
    original = cp.route_message

    async def spy(raw: str) -> None:
        message_ids.append(json.loads(raw)[1])
        await original(raw)

    cp.route_message = spy  # type: ignore[method-assign]
    task = asyncio.ensure_future(session.clear_cache())
    await cp.wait_for_call("ClearCache")
    await cp._send(json.dumps([4, message_ids[-1], "InternalError", "boom", {"cause": "relay"}]))
    with pytest.raises(ChargerCallError) as excinfo:
        await task
    assert excinfo.value.detail == "InternalError: boom (relay)"


async def test_invalid_answer(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """An answer that breaks the schema is the charger's error, reported as such."""
    cp, session = link
    cp.script.answers["Reset"] = {"status": "Weird"}
    with pytest.raises(ChargerCallError) as excinfo:
        await session.reset(True)
    assert excinfo.value.detail.startswith("FormatViolation")


async def test_invalid_request_is_not_sent(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """Input 1.6 cannot carry (an id tag over 20 characters) raises ValueError; nothing is sent."""
    cp, session = link
    with pytest.raises(ValueError, match="RemoteStartTransaction"):
        await session.remote_start(1, "X" * 21)
    with pytest.raises(ValueError, match="TriggerMessage"):
        await session.trigger_message("TransactionEvent")
    with pytest.raises(ValueError, match="transaction id"):
        await session.remote_stop("tx-1")
    assert cp.calls == []


async def test_configuration_report(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """Keys, values, read-only flags and unknown keys, as the charger reported them."""
    cp, session = link
    cp.script.answers["GetConfiguration"] = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "AuthorizationKey", "readonly": False},
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
        ],
        "unknownKey": ["Nope"],
    }
    report = await session.get_configuration(["HeartbeatInterval", "Nope"])
    assert report == ConfigurationReport(
        entries=(
            ConfigurationEntry("HeartbeatInterval", "300", False),
            ConfigurationEntry("AuthorizationKey", None, False),
            ConfigurationEntry("NumberOfConnectors", "2", True),
        ),
        unknown_keys=("Nope",),
    )


async def test_composite_schedule(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """Decimal limits come back as floats; Rejected carries no data."""
    cp, session = link
    cp.script.answers["GetCompositeSchedule"] = {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": "2026-11-25T08:00:00Z",
        "chargingSchedule": {
            "duration": 600,
            "chargingRateUnit": "W",
            "minChargingRate": 1380.5,
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 4140.0, "numberPhases": 3},
                {"startPeriod": 300, "limit": 1380.5, "numberPhases": 1},
            ],
        },
    }
    result = await session.get_composite_schedule(1, 600)
    assert result.data == {
        "connector_id": 1,
        "schedule_start": "2026-11-25T08:00:00Z",
        "duration_s": 600,
        "rate_unit": "W",
        "min_rate": 1380.5,
        "periods": [
            {"start_s": 0, "limit": 4140.0, "number_phases": 3},
            {"start_s": 300, "limit": 1380.5, "number_phases": 1},
        ],
    }
    assert all(type(p["limit"]) is float for p in result.data["periods"])
    cp.script.answers["GetCompositeSchedule"] = {"status": "Rejected"}
    assert await session.get_composite_schedule(1, 600) == CommandResult("Rejected")


async def test_offline_during_command(
    hass: HomeAssistant, central: MockConfigEntry, link: tuple[ScriptedCharger, Ocpp16Adapter]
) -> None:
    """The connection closing while we wait ends the command at once: ChargerDisconnectedError
    (an offline error that says the command was delivered and may have been applied).

    The real 30 s timeout is still running then: had the command waited it out, it would end in
    ChargerTimeoutError instead.
    """
    cp, session = link
    cp.script.answers["Reset"] = NO_ANSWER
    task = asyncio.ensure_future(session.reset(False))
    await cp.wait_for_call("Reset")
    await cp._connection.close()
    with pytest.raises(ChargerDisconnectedError) as excinfo:
        await task
    assert isinstance(excinfo.value, ChargerOfflineError)
    assert excinfo.value.translation_key == "charger_disconnected"
    assert excinfo.value.action == "Reset"
    # A command on the closed session fails the same way.
    with pytest.raises(ChargerOfflineError):
        await session.clear_cache()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    with pytest.raises(ChargerOfflineError):
        central.runtime_data.session("CP1")


# --- the 1.6 profile mapping, checked with the library's own validator --------------------


def _valid(action: str, payload: dict[str, Any]) -> None:
    _validate_payload(Call("1", action, payload), "1.6")


def test_tx_profile_binds_transaction() -> None:
    """A TxProfile carries its transaction id; other purposes never do."""
    tx = charging_profile_16(profile(purpose=ProfilePurpose.TX, transaction_id=17))
    assert tx["transactionId"] == 17
    assert tx["chargingProfilePurpose"] == "TxProfile"
    station = charging_profile_16(profile(purpose=ProfilePurpose.STATION_MAX, transaction_id=17))
    assert "transactionId" not in station
    assert station["chargingProfilePurpose"] == "ChargePointMaxProfile"


def test_relative_profile_has_no_start() -> None:
    """Relative: no startSchedule even when a start is given; all optional fields mapped."""
    mapped = charging_profile_16(
        profile(
            kind=ProfileKind.RELATIVE,
            rate_unit=RateUnit.WATT,
            periods=(SchedulePeriod(0, 11000, 3), SchedulePeriod(900, 4140.04, 1)),
            duration_s=1800,
            valid_from=datetime(2026, 11, 25, 8, 0, 0, 999, tzinfo=UTC),
            valid_to=datetime(2026, 11, 25, 10, 0),  # naive: taken as UTC
        )
    )
    assert mapped == {
        "chargingProfileId": 7,
        "stackLevel": 3,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "duration": 1800,
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 11000.0, "numberPhases": 3},
                {"startPeriod": 900, "limit": 4140.0, "numberPhases": 1},
            ],
        },
        "validFrom": "2026-11-25T08:00:00Z",
        "validTo": "2026-11-25T10:00:00Z",
    }
    _valid("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": mapped})


def test_absolute_without_start_begins_a_minute_ago() -> None:
    """An Absolute profile without a start gets one a minute in the past, in UTC with a Z."""
    mapped = charging_profile_16(profile(start=None))
    start = datetime.fromisoformat(mapped["chargingSchedule"]["startSchedule"])
    assert mapped["chargingSchedule"]["startSchedule"].endswith("Z")
    assert 50 <= (datetime.now(UTC) - start).total_seconds() <= 70


def test_every_limit_is_schema_valid() -> None:
    """Limits at 0.01 resolution all pass the 1.6 multipleOf 0.1 check after rounding."""
    for hundredths in range(8000):
        limit = hundredths / 100 + 0.004
        mapped = charging_profile_16(profile(periods=(SchedulePeriod(0, limit),)))
        sent = mapped["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        assert abs(sent - limit) <= 0.051
        _valid("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": mapped})
    assert (
        charging_profile_16(profile(periods=(SchedulePeriod(0, 6.25),)))["chargingSchedule"][
            "chargingSchedulePeriod"
        ][0]["limit"]
        == 6.2
    )


async def test_library_timeout(link: tuple[ScriptedCharger, Ocpp16Adapter]) -> None:
    """The library's own response timeout, should it fire first, is a timeout as well."""
    cp, session = link
    cp.script.answers["Reset"] = NO_ANSWER
    with patch.object(session, "_response_timeout", 0.05):
        with pytest.raises(ChargerTimeoutError) as excinfo:
            await session.reset(False)
    assert "Waited 0.05s" in excinfo.value.detail


async def test_send_fails_on_a_closing_connection(
    link: tuple[ScriptedCharger, Ocpp16Adapter],
) -> None:
    """A send that fails because the socket is closing: ChargerOfflineError."""
    _, session = link
    with (
        patch.object(session, "_send", side_effect=ConnectionClosed(None, None)),
        pytest.raises(ChargerOfflineError) as excinfo,
    ):
        await session.clear_cache()
    assert excinfo.value.detail == "connection closed"
