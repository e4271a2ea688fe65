"""Smart-charging engine: pause and resume (and their fallbacks), start and stop, re-applying after a
reconnect or restart, against a scripted 1.6 charge point (exact payloads)."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.charging.quirks import PauseMethod
from custom_components.ocpp_central.charging.session import NoTransactionError
from custom_components.ocpp_central.csms.commands import CommandRejectedError
from tests.helpers.smart_helpers import (
    ConnectScripted,
    assert_profile,
    booted,
    end_connect_grace,
    engine,
    profiles,
    rules,
    start_transaction,
)
from tests.helpers.waiting import wait_for


def set_options(hass: HomeAssistant, entry: MockConfigEntry, **options: object) -> None:
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(entry, subentry, data={**subentry.data, **options})


async def test_pause_and_resume_with_zero_current(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Pause is 0 A at once (no interval), resume restores the limit at once; the session stays."""
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    tx_id = await start_transaction(hass, cp)
    await smart.async_set_current_limit(1, 16)
    freezer.tick(1)
    result = await smart.async_pause(1)
    assert result.status == "Accepted"
    assert_profile(profiles(cp)[-2], limit=0.0)
    assert_profile(profiles(cp)[-1], limit=0.0, purpose="TxProfile", transaction_id=tx_id)
    state = smart.state(1)
    assert (state.paused, state.reason, state.target_a, state.requested) == (
        True,
        LimitReason.PAUSED,
        0.0,
        16,
    )
    # A new limit while paused is kept for the resume, not sent.
    await smart.async_set_current_limit(1, 10, immediate=True)
    assert len(profiles(cp)) == 4
    freezer.tick(1)
    await smart.async_resume(1)
    assert_profile(profiles(cp)[-2], limit=10.0)
    assert_profile(profiles(cp)[-1], limit=10.0, purpose="TxProfile", transaction_id=tx_id)
    assert smart.state(1).paused is False
    assert cp.received("RemoteStopTransaction") == []
    assert cp.received("ChangeAvailability") == []


async def test_resume_without_limit_clears_our_profiles(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_pause(1)
    assert_profile(profiles(cp)[-1], limit=0.0)
    await smart.async_resume(1)
    assert cp.received("ClearChargingProfile") == [{"id": 1001}]
    state = smart.state(1)
    assert (state.reason, state.applied) == (LimitReason.NO_LIMIT, None)
    await smart.async_resume(1)  # nothing left to undo
    assert len(cp.received("ClearChargingProfile")) == 1


async def test_pause_falls_back_to_change_availability_then_remote_stop(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    tx_id = await start_transaction(hass, cp)
    cp.script.answers["SetChargingProfile"] = "NotSupported"
    await smart.async_pause(1)
    assert len(profiles(cp)) == 2  # TxDefaultProfile, TxProfile: no ladder for NotSupported
    assert cp.received("ChangeAvailability") == [{"connectorId": 1, "type": "Inoperative"}]
    assert smart.detected.pause_method is PauseMethod.CHANGE_AVAILABILITY
    await smart.async_resume(1)
    assert cp.received("ChangeAvailability")[-1] == {"connectorId": 1, "type": "Operative"}
    # Learned: the next pause goes straight to ChangeAvailability.
    cp.script.answers["ChangeAvailability"] = "Rejected"
    await smart.async_pause(1)
    assert len(profiles(cp)) == 2
    assert cp.received("RemoteStopTransaction") == [{"transactionId": tx_id}]
    assert smart.detected.pause_method is PauseMethod.REMOTE_STOP
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id, meter_stop=2000, timestamp="2026-11-25T09:00:00Z"
        )
    )
    # Resuming a session that was ended starts a new one.
    result = await smart.async_start(1)
    assert result.status == "Accepted"
    assert cp.received("RemoteStartTransaction") == [{"connectorId": 1, "idTag": "HomeAssistant"}]
    assert smart.state(1).paused is False


async def test_pause_refused_everywhere(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    await start_transaction(hass, cp)
    for action in ("SetChargingProfile", "ChangeAvailability", "RemoteStopTransaction"):
        cp.script.answers[action] = "Rejected"
    smart = engine(central)
    with pytest.raises(CommandRejectedError):
        await smart.async_pause(1)
    state = smart.state(1)
    assert (state.reason, state.detail) == (LimitReason.REJECTED, "Rejected")


async def test_configured_pause_method(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """A charger that does not pause at 0 A: the homeowner picks ChangeAvailability."""
    set_options(hass, central, pause_method="change_availability")
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    # A limit below the minimum pauses the same way, and a higher one resumes.
    await smart.async_set_current_limit(1, 3, immediate=True)
    assert cp.received("ChangeAvailability") == [{"connectorId": 1, "type": "Inoperative"}]
    assert len(profiles(cp)) == 1
    assert smart.state(1).reason is LimitReason.CLAMPED_TO_MINIMUM
    await smart.async_set_current_limit(1, 8, immediate=True)
    assert cp.received("ChangeAvailability")[-1] == {"connectorId": 1, "type": "Operative"}
    assert_profile(profiles(cp)[-1], limit=8.0)
    # Pinned: a refusal does not fall back to ending the session.
    cp.script.answers["ChangeAvailability"] = "Rejected"
    with pytest.raises(CommandRejectedError):
        await smart.async_pause(1)
    assert cp.received("RemoteStopTransaction") == []


async def test_start_and_stop(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    with pytest.raises(NoTransactionError):
        await smart.async_stop(1)
    await smart.async_start(1, "CARD-7")
    assert cp.received("RemoteStartTransaction") == [{"connectorId": 1, "idTag": "CARD-7"}]
    tx_id = await start_transaction(hass, cp)
    result = await smart.async_start(1)  # already running: nothing to do
    assert result.status == "Accepted"
    assert len(cp.received("RemoteStartTransaction")) == 1
    await smart.async_stop(1)
    assert cp.received("RemoteStopTransaction") == [{"transactionId": tx_id}]
    cp.script.answers["RemoteStopTransaction"] = "Rejected"
    with pytest.raises(CommandRejectedError):
        await smart.async_stop(1)


async def test_start_resumes_paused_session_and_uses_configured_tag(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, remote_id_tag="GARAGE")
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    await smart.async_pause(1)
    await smart.async_start(1)  # no session: resume (limit back) and start one
    assert_profile(profiles(cp)[-1], limit=16.0)
    assert cp.received("RemoteStartTransaction") == [{"connectorId": 1, "idTag": "GARAGE"}]
    cp.script.answers["RemoteStartTransaction"] = "Rejected"
    with pytest.raises(CommandRejectedError):
        await smart.async_start(1)


async def test_reapplied_after_reconnect_with_boot(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    # A charger that cannot tell its composite schedule: what it may have lost is written.
    cp2 = await booted(
        hass,
        connect_scripted,
        setup=lambda cp: cp.script.answers.update(GetCompositeSchedule="Rejected"),
    )
    # Within the write interval of the last write: it waits for the interval, then goes.
    assert smart.state(1).reason is LimitReason.WAITING_FOR_INTERVAL
    await smart.async_resume(1)  # urgent: at once
    assert_profile(profiles(cp2)[-1], limit=16.0)


async def test_reapplied_after_reconnect_without_boot(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, min_write_interval=0)
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    cp2 = await connect_scripted("CP1")
    cp2.script.answers["GetCompositeSchedule"] = "Rejected"
    await wait_for(lambda: "CP1" in central.runtime_data.sessions)
    await hass.async_block_till_done()
    # Some chargers drop the connection when called before they boot: first a grace period.
    assert profiles(cp2) == []
    end_connect_grace(hass, central)
    await wait_for(lambda: len(profiles(cp2)) == 1)
    assert_profile(profiles(cp2)[-1], limit=16.0)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_limits_and_quirks_survive_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    rules(
        cp,
        SetChargingProfile=lambda p: (
            "Accepted" if p["csChargingProfiles"]["stackLevel"] == 0 else "Rejected"
        ),
    )
    smart = engine(central)
    await smart.async_set_current_limit(1, 14)
    await smart.async_pause(2)
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(central.entry_id)
    await hass.async_block_till_done()
    smart = engine(central)
    assert smart.detected.stack_level_zero is True
    assert (smart.state(1).requested, smart.state(2).paused) == (14, True)
    cp2 = await booted(hass, connect_scripted)
    sent = {p["connectorId"]: p for p in profiles(cp2)}
    assert_profile(sent[1], limit=14.0, stack=0)
    assert_profile(sent[2], limit=0.0, stack=0, connector=2)


async def test_reconfigure_reapplies_with_new_bounds(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 24)
    set_options(hass, central, max_current=16.0, min_write_interval=0)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert_profile(profiles(cp)[-1], limit=16.0)
    assert smart.state(1).reason is LimitReason.CLAMPED_TO_MAXIMUM


async def test_removed_charger_stops_its_engine(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    await smart.async_set_current_limit(1, 10)  # waits for the interval: a timer runs
    assert smart.state(1).pending_until is not None
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_remove_subentry(central, subentry.subentry_id)
    await hass.async_block_till_done()
    assert central.runtime_data.store.smart_charging("CP1") == {}
