"""OCPP 2.0.1 (and 2.1) commands (protocol/v201_commands.py) against a simulated station.

Each command: the exact payload the station received (valid against the version's schema: our
requests are validated before sending) and what every kind of answer turns into.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import ANY, patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.quirks import DETECTION_KEYS, reported_values
from custom_components.ocpp_central.csms.commands import (
    ChargerCallError,
    ChargerOfflineError,
    ChargerTimeoutError,
    CommandRejectedError,
    CommandResult,
    ConfigurationEntry,
    ConfigurationReport,
    ProfilePurpose,
)
from custom_components.ocpp_central.csms.protocol.v201 import Ocpp201Adapter
from tests.csms.commands_v201_cases import (
    COMMANDS,
    IDS,
    STATUS_COMMANDS,
    STATUS_IDS,
    TX_PROFILE,
    profile,
)
from tests.helpers.charger_v201 import Charger201
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER
from tests.helpers.waiting import REPORT_TIMEOUT, SILENCE_S, timing_out, wait_for

type Link = tuple[Charger201, Ocpp201Adapter]


@pytest.fixture(params=["2.0.1", "2.1"])
async def link(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: Callable[..., Awaitable[Charger201]],
) -> Link:
    """A booted station and our session with it, in 2.0.1 and in 2.1."""
    cp = await connect_v201("CP1", version=request.param)
    await cp.boot()
    await wait_for(lambda: "CP1" in central.runtime_data.sessions)
    session = central.runtime_data.sessions["CP1"]
    assert isinstance(session, Ocpp201Adapter)
    assert session._ocpp_version == request.param
    return cp, session


@pytest.mark.parametrize(("command", "action", "payload", "expected"), COMMANDS, ids=IDS)
async def test_command_payload_and_answer(
    link: Link,
    command: Callable[[Any], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """The station receives exactly this payload; its Accepted answer comes back as expected."""
    cp, session = link
    result = await command(session)
    assert cp.received(action) == [payload]
    if expected is not None:
        assert result == expected


@pytest.mark.parametrize(
    ("command", "action", "payload", "expected"), STATUS_COMMANDS, ids=STATUS_IDS
)
async def test_refusal_is_a_result(
    link: Link,
    command: Callable[[Any], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """A refusal is the station's answer, not a failure; a word outside the schema is its error."""
    cp, session = link
    cp.script.answers[action] = {"status": "Rejected"}
    try:
        result = await command(session)
    except ChargerCallError as err:
        assert err.detail.startswith("FormatViolation")
        return
    assert result.status == "Rejected"
    assert not result.accepted


@pytest.mark.parametrize(("command", "action", "payload", "expected"), COMMANDS, ids=IDS)
async def test_callerror_and_no_answer(
    link: Link,
    command: Callable[[Any], Awaitable[Any]],
    action: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    """A CALLERROR is ChargerCallError; silence is ChargerTimeoutError; the session stays usable."""
    cp, session = link
    cp.script.answers[action] = CALLERROR
    with pytest.raises(ChargerCallError) as excinfo:
        await command(session)
    assert (excinfo.value.action, excinfo.value.detail) == (action, "NotSupported: scripted error")
    cp.script.answers[action] = NO_ANSWER
    with timing_out(cp), pytest.raises(ChargerTimeoutError):
        await command(session)
    del cp.script.answers[action]
    assert await session.clear_cache() == CommandResult("Accepted")


async def test_invalid_input_is_not_sent(link: Link) -> None:
    """What 2.0.1 cannot carry raises ValueError; nothing is sent."""
    cp, session = link
    with pytest.raises(ValueError, match="RequestStartTransaction"):
        await session.remote_start(1, "X" * 256)  # 36 characters in 2.0.1, 255 in 2.1
    with pytest.raises(ValueError, match="is not a valid"):
        await session.trigger_message("StartTransaction")
    with pytest.raises(ValueError, match=r"no 2\.0\.1 variable"):
        await session.get_configuration(["Bad[/Key"])
    assert await session.change_configuration("SupportedFeatureProfiles", "x") == CommandResult(
        "NotSupported"
    )
    assert cp.calls == []


async def test_configuration_by_alias_and_address(link: Link) -> None:
    """1.6 key names read their 2.0.1 variables, in 1.6 vocabulary; unknown ones are reported."""
    cp, session = link
    keys = [
        "HeartbeatInterval",
        "ChargingScheduleAllowedChargingRateUnit",
        "SmartChargingCtrlr/RateUnit",
        "OCPPCommCtrlr.HeartbeatInterval",
        "EVSE@1/Power",
        "SecurityCtrlr/BasicAuthPassword",
        "Nope/Nothing",
        "OCPPCommCtrlr/Nothing",
        "SupportedFeatureProfiles",
    ]
    report = await session.get_configuration(keys)
    assert report == ConfigurationReport(
        entries=(
            ConfigurationEntry("HeartbeatInterval", "300", False),
            ConfigurationEntry("OCPPCommCtrlr.HeartbeatInterval", "300", False),
            ConfigurationEntry("ChargingScheduleAllowedChargingRateUnit", "Current,Power", False),
            ConfigurationEntry("SmartChargingCtrlr/RateUnit", "A,W", False),
            ConfigurationEntry("EVSE@1/Power", "22000", False),
        ),
        unknown_keys=(
            "SecurityCtrlr/BasicAuthPassword",
            "Nope/Nothing",
            "OCPPCommCtrlr/Nothing",
            # Built from the controllers' Available variables, which this station does not report.
            "SupportedFeatureProfiles",
        ),
    )
    # One request; a variable asked for under two names is asked for once; plus the three
    # controllers' Available variables that stand in for SupportedFeatureProfiles.
    assert len(cp.received("GetVariables")[0]["getVariableData"]) == 9
    # The smart-charging engine's quirk detection reads a 2.0.1 station unchanged.
    detected = reported_values(await session.get_configuration(list(DETECTION_KEYS)))
    assert detected == {
        "ChargeProfileMaxStackLevel": "8",
        "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
        "ChargingScheduleMaxPeriods": "24",
        "GetConfigurationMaxKeys": "20",
        "ConnectorSwitch3to1PhaseSupported": "false",
    }


async def test_change_configuration_statuses(link: Link) -> None:
    """SetVariables answers: read-only Rejected, unknown UnknownVariable, password rotated."""
    cp, session = link
    assert (
        await session.change_configuration("ChargeProfileMaxStackLevel", "1")
    ).status == "Rejected"
    assert (await session.change_configuration("Foo/Bar", "1")).status == "UnknownVariable"
    assert (await session.change_configuration("AuthorizationKey", "new-password-0123")).accepted
    assert cp.variables["SecurityCtrlr/BasicAuthPassword"] == "new-password-0123"


async def test_base_report_pages(link: Link) -> None:
    """GetBaseReport: every NotifyReport page (4 of 3 items) assembled; read-only and write-only kept."""
    cp, session = link
    report = await session.get_base_report()
    assert len(cp.received("GetBaseReport")) == 1
    entries = {entry.key: entry for entry in report.entries}
    assert len(entries) == len(cp.variables) == 10
    assert entries["SmartChargingCtrlr/ProfileStackLevel"] == ConfigurationEntry(
        "SmartChargingCtrlr/ProfileStackLevel", "8", True
    )
    assert entries["SecurityCtrlr/BasicAuthPassword"].value is None
    assert entries["DeviceDataCtrlr/ItemsPerMessage[GetVariables]"].value == "20"
    assert entries["EVSE@1/Power"].value == "22000"
    # All configuration: a ConfigurationInventory base report.
    all_config = await session.get_configuration()
    assert cp.received("GetBaseReport")[-1]["reportBase"] == "ConfigurationInventory"
    assert len(all_config.entries) == 10
    cp.script.answers["GetBaseReport"] = {"status": "EmptyResultSet"}
    assert await session.get_base_report("SummaryInventory") == ConfigurationReport(entries=())
    cp.script.answers["GetBaseReport"] = {"status": "NotSupported"}
    with pytest.raises(CommandRejectedError):
        await session.get_base_report()


async def test_report_pages_out_of_order_repeated_or_missing(link: Link) -> None:
    """Pages are put in seqNo order whatever their arrival; a repeated page counts once; a gap times out."""
    cp, session = link
    cp.script.answers["GetBaseReport"] = {"status": "Accepted"}  # pages sent by hand below

    async def pages(*pages: tuple[int, str, bool]) -> list[ConfigurationEntry]:
        task = asyncio.ensure_future(session.get_base_report())
        request_id = (
            await cp.wait_for_call("GetBaseReport", len(cp.received("GetBaseReport")) + 1)
        )["requestId"]
        for seq_no, name, tbc in pages:
            item = {
                "component": {"name": "C"},
                "variable": {"name": name},
                "variable_attribute": [{"value": name}],
            }
            await cp.call(
                cp.call_module.NotifyReport(
                    request_id=request_id,
                    generated_at="2026-11-25T08:00:00Z",
                    seq_no=seq_no,
                    report_data=[item],
                    tbc=tbc,
                )
            )
        return list((await task).entries)

    entries = await pages((1, "b", True), (2, "c", False), (0, "a", True), (1, "x", True))
    assert [entry.key for entry in entries] == ["C/a", "C/b", "C/c"]
    # Page 1 never comes: only the report's timeout can end the wait, so it may be short.
    with (
        patch(REPORT_TIMEOUT, SILENCE_S),
        pytest.raises(ChargerTimeoutError, match="report incomplete"),
    ):
        await pages((2, "c", False), (0, "a", True))


async def test_charging_profiles_report(link: Link) -> None:
    """GetChargingProfiles: the installed profiles, as reported in ReportChargingProfiles pages."""
    cp, session = link
    assert await session.get_charging_profiles() == CommandResult("NoProfiles", {"profiles": []})
    await session.set_charging_profile(profile())
    await session.set_charging_profile(TX_PROFILE)
    result = await session.get_charging_profiles(purpose=ProfilePurpose.TX_DEFAULT, stack_level=3)
    assert cp.received("GetChargingProfiles")[-1] == {
        "requestId": ANY,
        "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 3},
    }
    assert result.status == "Accepted"
    profiles = result.data["profiles"]
    assert [(p["connector_id"], p["profile_id"], p["purpose"]) for p in profiles] == [
        (1, 7, "TxDefaultProfile"),
        (2, 9, "TxProfile"),
    ]
    assert profiles[1]["schedules"][0]["periods"] == [
        {"start_s": 0, "limit": 7360.0, "number_phases": 3},
        {"start_s": 600, "limit": 1380.0, "number_phases": 1},
    ]


async def test_remote_start_links_tag_and_token_type(
    hass: HomeAssistant, central: MockConfigEntry, link: Link
) -> None:
    """The session a remote start begins gets its tag; a tag the station showed keeps its type."""
    cp, session = link
    result = await session.remote_start(1, "HomeAssistant")
    await cp.call(
        cp.call_module.TransactionEvent(
            event_type="Started",
            timestamp="2026-11-25T08:00:00Z",
            trigger_reason="RemoteStart",
            seq_no=0,
            transaction_info={
                "transaction_id": "TX-R",
                "remote_start_id": result.data["remote_start_id"],
            },
            evse={"id": 1},
        )
    )
    transaction = central.runtime_data.coordinators["CP1"].charger.connectors[1].transaction
    assert transaction is not None
    assert transaction.id_tag == "HomeAssistant"
    assert await cp.authorize("04A2B3C4D5") == "Accepted"
    await session.reserve_now(1, TX_PROFILE.valid_to, "04A2B3C4D5", 1)  # type: ignore[arg-type]
    assert cp.received("ReserveNow")[-1]["idToken"] == {"idToken": "04A2B3C4D5", "type": "ISO14443"}


async def test_offline_during_report(
    hass: HomeAssistant, central: MockConfigEntry, link: Link
) -> None:
    """The connection closing while report pages are awaited ends the command at once."""
    cp, session = link
    cp.script.answers["GetBaseReport"] = {"status": "Accepted"}  # the station reports by hand
    task = asyncio.ensure_future(session.get_base_report())
    request_id = (await cp.wait_for_call("GetBaseReport"))["requestId"]
    # A first page, answered: our side took the Accepted and awaits the pages that are to follow.
    await cp.call(
        cp.call_module.NotifyReport(
            request_id=request_id, generated_at="2026-11-25T08:00:00Z", seq_no=0, tbc=True
        )
    )
    await cp._connection.close()
    with pytest.raises(ChargerOfflineError):
        await task


async def test_answers_with_data(link: Link) -> None:
    """A remote start into a running session names it; a refused composite schedule has no data."""
    cp, session = link
    cp.script.answers["RequestStartTransaction"] = {"status": "Accepted", "transactionId": "TX-9"}
    result = await session.remote_start(1, "TAG-1")
    assert result.data == {"remote_start_id": ANY, "transaction_id": "TX-9"}
    cp.script.answers["GetCompositeSchedule"] = {"status": "Rejected"}
    assert await session.get_composite_schedule(1, 60) == CommandResult("Rejected")
    profile_with_validity = profile(valid_from=TX_PROFILE.valid_to)
    await session.set_charging_profile(profile_with_validity)
    assert (
        cp.received("SetChargingProfile")[-1]["chargingProfile"]["validFrom"]
        == "2026-11-25T09:00:00Z"
    )
    report = await session.get_configuration(["Connector[Left]@1.2/Enabled"])
    assert report.unknown_keys == ("Connector[Left]@1.2/Enabled",)
    assert cp.received("GetVariables")[-1]["getVariableData"] == [
        {
            "component": {
                "name": "Connector",
                "instance": "Left",
                "evse": {"id": 1, "connectorId": 2},
            },
            "variable": {"name": "Enabled"},
        }
    ]
