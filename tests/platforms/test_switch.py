"""Switches: charge (pause and resume without ending the session; start) and station availability."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.helpers.entity_actions import (
    CALLERROR,
    FAILURE_IDS,
    FAILURES,
    NO_ANSWER,
    REFUSAL,
    ConnectScripted,
    assert_translated_error,
    booted,
    engine_at_once,
    profile_payload,
    start_session,
    status,
)
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.waiting import TIMED_OUT, timeout_for, wait_for

CHARGE = "switch.charger_cp1_charge"
AVAILABILITY = "switch.charger_cp1_availability"
REASON = "sensor.charger_cp1_limit_reason"
APPLIED = "sensor.charger_cp1_applied_limit"
NOW = "2026-11-25T08:00:00+00:00"


@pytest.fixture
def platforms() -> list[Platform]:
    """Platforms to load: the switches (tests reading the limit sensors add those)."""
    return [Platform.SWITCH]


@pytest.fixture(autouse=True)
def switch_platform_only(platforms: list[Platform]) -> Generator[None]:
    """Load only the given platforms."""
    with patch("custom_components.ocpp_central.PLATFORMS", platforms), engine_at_once():
        yield


WITH_SENSORS = pytest.mark.parametrize("platforms", [[Platform.SWITCH, Platform.SENSOR]])


async def turn(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: entity_id},
        blocking=True,
    )


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    return found.state if found else "missing"


async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Snapshot of the switches of a charger running a session."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@WITH_SENSORS
@pytest.mark.usefixtures("central")
async def test_pause_and_resume_keep_the_session(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """Off: 0 A as TxDefaultProfile and TxProfile, at once; on: our profiles are cleared again."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    assert state(hass, CHARGE) == STATE_ON

    await turn(hass, CHARGE, False)
    assert cp.received("SetChargingProfile") == [
        profile_payload("TxDefaultProfile", 0.0),
        profile_payload("TxProfile", 0.0, transaction_id=tx),
    ]
    assert "RemoteStopTransaction" not in [c.action for c in cp.calls]
    assert (state(hass, CHARGE), state(hass, REASON), state(hass, APPLIED)) == (
        STATE_OFF,
        "paused",
        "0.0",
    )

    cp.calls.clear()
    # A resume acts at once, however soon after the pause.
    await turn(hass, CHARGE, True)
    assert cp.received("ClearChargingProfile") == [{"id": 1001}, {"id": 2001}]
    assert [c.action for c in cp.calls] == ["ClearChargingProfile"] * 2
    # No limit left on the charger: its maximum current applies again.
    assert (state(hass, CHARGE), state(hass, REASON), state(hass, APPLIED)) == (
        STATE_ON,
        "no_limit",
        "32.0",
    )


@pytest.mark.usefixtures("central")
async def test_on_starts_a_session_when_none_runs(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """On without a session: RemoteStartTransaction with the configured id tag."""
    cp = await booted(hass, connect_scripted)
    await status(hass, cp, 1, "Preparing")
    assert state(hass, CHARGE) == STATE_OFF

    await turn(hass, CHARGE, True)
    assert [(c.action, c.payload) for c in cp.calls] == [
        ("RemoteStartTransaction", {"connectorId": 1, "idTag": "HomeAssistant"})
    ]
    # On once the charger reports the session.
    await start_session(hass, cp)
    assert state(hass, CHARGE) == STATE_ON


@pytest.mark.usefixtures("central")
async def test_on_after_pause_without_session_resumes_then_starts(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """Paused with no session (the car left): on clears the pause and starts a session."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    await turn(hass, CHARGE, False)
    assert cp.received("SetChargingProfile") == [profile_payload("TxDefaultProfile", 0.0)]
    assert state(hass, CHARGE) == STATE_OFF

    cp.calls.clear()
    await turn(hass, CHARGE, True)
    assert [c.action for c in cp.calls] == ["ClearChargingProfile", "RemoteStartTransaction"]


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    ("answer", "translation_key", "action", "detail"),
    [
        # The engine goes down its pause ladder (0 A, ChangeAvailability, RemoteStop) first.
        ("Rejected", "command_rejected", "pause", "Rejected"),
        (CALLERROR, "command_rejected", "pause", "CALLERROR NotSupported: scripted error"),
        (NO_ANSWER, "charger_timeout", "SetChargingProfile", TIMED_OUT),
    ],
    ids=FAILURE_IDS,
)
@WITH_SENSORS
async def test_pause_fails_translated(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    answer: str,
    translation_key: str,
    action: str,
    detail: str,
) -> None:
    """A pause the charger refuses in every way fails with its answer."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    for refused in ("SetChargingProfile", "ChangeAvailability", "RemoteStopTransaction"):
        cp.script.answers[refused] = answer
    with timeout_for(answer, cp):
        await assert_translated_error(turn(hass, CHARGE, False), translation_key, action, detail)
    # The switch shows what was asked (the engine tries again on reconnect); the reason sensor
    # shows that the charger did not follow.
    assert state(hass, CHARGE) == STATE_OFF
    assert state(hass, REASON) == ("no_answer" if answer == NO_ANSWER else "rejected")


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(("answer", "translation_key", "detail"), FAILURES, ids=FAILURE_IDS)
async def test_start_fails_translated(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    answer: str,
    translation_key: str,
    detail: str,
) -> None:
    """RemoteStartTransaction refused, failed or unanswered: the translated error says so."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["RemoteStartTransaction"] = "Rejected" if answer == REFUSAL else answer
    detail = "Rejected" if detail == REFUSAL else detail
    with timeout_for(answer, cp):
        await assert_translated_error(
            turn(hass, CHARGE, True), translation_key, "RemoteStartTransaction", detail
        )
    assert state(hass, CHARGE) == STATE_OFF


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    ("answer", "translation_key", "detail"),
    [
        (CALLERROR, "command_rejected", "CALLERROR NotSupported: scripted error"),
        (NO_ANSWER, "charger_timeout", TIMED_OUT),
    ],
    ids=["callerror", "no_answer"],
)
@WITH_SENSORS
async def test_resume_fails_translated(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    answer: str,
    translation_key: str,
    detail: str,
) -> None:
    """A charger that will not drop our 0 A profile: the 0 A stays applied, the reason says why."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    await turn(hass, CHARGE, False)
    cp.script.answers["ClearChargingProfile"] = answer
    with timeout_for(answer, cp):
        await assert_translated_error(
            turn(hass, CHARGE, True), translation_key, "ClearChargingProfile", detail
        )
    assert (state(hass, CHARGE), state(hass, REASON), state(hass, APPLIED)) == (
        STATE_ON,
        "no_answer" if answer == NO_ANSWER else "rejected",
        "0.0",
    )


@pytest.mark.usefixtures("central")
async def test_availability(hass: HomeAssistant, connect_scripted: ConnectScripted) -> None:
    """ChangeAvailability on connector 0; the state follows the station's status."""
    cp = await booted(hass, connect_scripted)
    assert state(hass, AVAILABILITY) == STATE_ON

    await turn(hass, AVAILABILITY, False)
    assert cp.received("ChangeAvailability") == [{"connectorId": 0, "type": "Inoperative"}]
    await status(hass, cp, 0, "Unavailable")
    assert state(hass, AVAILABILITY) == STATE_OFF

    # Scheduled (after the running session) is a yes.
    cp.script.answers["ChangeAvailability"] = "Scheduled"
    await turn(hass, AVAILABILITY, True)
    assert cp.received("ChangeAvailability")[-1] == {"connectorId": 0, "type": "Operative"}
    await status(hass, cp, 0, "Available")
    assert state(hass, AVAILABILITY) == STATE_ON


@pytest.mark.usefixtures("central")
async def test_availability_from_connectors(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A charger that never reports connector 0: its connectors tell whether it is operative."""
    cp = await connect_scripted("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    assert state(hass, AVAILABILITY) == STATE_UNKNOWN
    await status(hass, cp, 1, "Unavailable")
    assert state(hass, AVAILABILITY) == STATE_OFF
    await status(hass, cp, 1, "Charging")
    assert state(hass, AVAILABILITY) == STATE_ON


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(("answer", "translation_key", "detail"), FAILURES, ids=FAILURE_IDS)
async def test_availability_fails_translated(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    answer: str,
    translation_key: str,
    detail: str,
) -> None:
    """ChangeAvailability refused, failed or unanswered."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["ChangeAvailability"] = "Rejected" if answer == REFUSAL else answer
    detail = "Rejected" if detail == REFUSAL else detail
    with timeout_for(answer, cp):
        await assert_translated_error(
            turn(hass, AVAILABILITY, False), translation_key, "ChangeAvailability", detail
        )
    assert state(hass, AVAILABILITY) == STATE_ON


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    ("entity_id", "action"), [(CHARGE, "connect"), (AVAILABILITY, "ChangeAvailability")]
)
async def test_offline(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    entity_id: str,
    action: str,
) -> None:
    """A switch racing the charger's disconnect fails as offline."""
    await booted(hass, connect_scripted)
    central.runtime_data.sessions.pop("CP1")
    await assert_translated_error(
        turn(hass, entity_id, False), "charger_offline", action, "not connected"
    )


@pytest.mark.usefixtures("central")
async def test_unavailable_while_disconnected(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Disconnected: both switches are unavailable, and switching them sends nothing."""
    cp = await booted(hass, connect_scripted)
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    await hass.async_block_till_done()
    assert (state(hass, CHARGE), state(hass, AVAILABILITY)) == (STATE_UNAVAILABLE,) * 2
    await turn(hass, CHARGE, False)
    await turn(hass, AVAILABILITY, False)
    assert cp.calls == []


@pytest.mark.usefixtures("central")
async def test_each_connector_has_its_own_switch(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """Two connectors: pausing connector 2 sends its own profile and leaves connector 1 alone."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted, connectors=2)
    await start_session(hass, cp, connector_id=1)
    tx = await start_session(hass, cp, connector_id=2)
    # Connector 1's switch keeps the id it got before connector 2 was known.
    first, second = CHARGE, "switch.charger_cp1_connector_2_charge"
    await turn(hass, second, False)
    assert cp.received("SetChargingProfile") == [
        profile_payload("TxDefaultProfile", 0.0, connector_id=2),
        profile_payload("TxProfile", 0.0, connector_id=2, transaction_id=tx),
    ]
    assert (state(hass, first), state(hass, second)) == (STATE_ON, STATE_OFF)


# --- a pause ends with its session ----------------------------------------------------------


async def stop_session(hass: HomeAssistant, cp: ScriptedCharger, tx: int) -> None:
    """The charger ends the session (the car left, or a tag) and reports the connector Finishing."""
    await cp.stop_transaction(tx, 12000, "2026-11-25T09:00:00Z")
    await status(hass, cp, 1, "Finishing")
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize("platforms", [[Platform.SWITCH, Platform.SENSOR, Platform.NUMBER]])
async def test_a_pause_ends_with_its_session(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """Paused, stopped, started again: the new session gets the connector's limit, switch on."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.charger_cp1_current_limit", "value": 10},
        blocking=True,
    )
    tx = await start_session(hass, cp)
    await turn(hass, CHARGE, False)
    assert state(hass, CHARGE) == STATE_OFF
    assert cp.received("SetChargingProfile")[-1] == profile_payload(
        "TxProfile", 0.0, transaction_id=tx
    )

    cp.calls.clear()
    await stop_session(hass, cp, tx)
    # The 0 A pause is gone from the charger at once: the limit goes out again.
    assert [(c.action, c.payload) for c in cp.calls] == [
        ("SetChargingProfile", profile_payload("TxDefaultProfile", 10.0))
    ]
    assert (state(hass, CHARGE), state(hass, REASON)) == (STATE_OFF, "user_limit")

    cp.calls.clear()
    tx = await start_session(hass, cp)
    assert state(hass, CHARGE) == STATE_ON
    assert cp.received("SetChargingProfile") == [
        profile_payload("TxProfile", 10.0, transaction_id=tx)
    ]
    assert (state(hass, REASON), state(hass, APPLIED)) == ("user_limit", "10.0")


@pytest.mark.usefixtures("central")
@WITH_SENSORS
async def test_a_pause_without_a_limit_ends_with_its_session(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """No limit set: the 0 A profiles are cleared when the session ends; nothing at the next."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    await turn(hass, CHARGE, False)

    cp.calls.clear()
    await stop_session(hass, cp, tx)
    assert cp.received("ClearChargingProfile") == [{"id": 1001}]
    assert [c.action for c in cp.calls] == ["ClearChargingProfile"]

    cp.calls.clear()
    await start_session(hass, cp)
    assert (state(hass, CHARGE), state(hass, REASON)) == (STATE_ON, "no_limit")
    assert cp.calls == []


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    ("refused", "method", "undo"),
    [
        (
            ["SetChargingProfile"],
            "ChangeAvailability",
            # Operative again, and our profiles cleared (as a resume does).
            [("ChangeAvailability", "Operative"), ("ClearChargingProfile", None)],
        ),
        (["SetChargingProfile", "ChangeAvailability"], "RemoteStopTransaction", []),
    ],
    ids=["change_availability", "remote_stop"],
)
async def test_a_pause_down_the_ladder_ends_with_its_session(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    refused: list[str],
    method: str,
    undo: list[tuple[str, str]],
) -> None:
    """Paused as Inoperative: made operative again. Paused by RemoteStop: no session restarted."""
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    for action in refused:
        cp.script.answers[action] = "Rejected"
    await turn(hass, CHARGE, False)
    assert cp.calls[-1].action == method

    cp.calls.clear()
    await stop_session(hass, cp, tx)
    assert [(c.action, c.payload.get("type")) for c in cp.calls] == undo

    await start_session(hass, cp)
    assert state(hass, CHARGE) == STATE_ON
