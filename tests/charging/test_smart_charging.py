"""Smart-charging engine: limits, the fallback ladder, dedupe, the write interval, schedules and
verification, against a scripted 1.6 charge point (exact payloads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.charging.manage import ClearRequest
from custom_components.ocpp_central.charging.quirks import PauseMethod
from custom_components.ocpp_central.csms.commands import (
    ChargerCallError,
    ChargerOfflineError,
    RateUnit,
)
from tests.helpers.scripted_charger import CALLERROR
from tests.helpers.smart_helpers import (
    CONFIG_KEYS,
    ConnectScripted,
    assert_profile,
    booted,
    configuration,
    engine,
    profiles,
    start_transaction,
)


async def test_detection_and_first_limit(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """One GetConfiguration after boot; the limit goes out as TxDefaultProfile at the max stack level."""
    cp = await booted(hass, connect_scripted)
    asked = cp.received("GetConfiguration")
    assert asked[0] == {"key": CONFIG_KEYS}
    smart = engine(central)
    assert smart.detected.max_stack_level == 8
    assert smart.detected.rate_units == ("Current",)
    assert smart.detected.number_of_connectors == 1
    assert smart.state(1).reason is LimitReason.NO_LIMIT
    assert profiles(cp) == []

    result = await smart.async_set_current_limit(1, 16)
    assert result.status == "Accepted"
    assert result.data["applied"] == 16
    [payload] = profiles(cp)
    assert_profile(payload, limit=16.0)
    state = smart.state(1)
    assert (state.requested, state.applied, state.applied_unit) == (16, 16, RateUnit.AMPERE)
    assert state.reason is LimitReason.USER_LIMIT
    assert state.verified is None  # no reading since the write


async def test_unchanged_limit_is_not_sent_again(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16, immediate=True)
    await smart.async_set_current_limit(1, 16.4, immediate=True)  # rounds down to the same 16 A
    assert len(profiles(cp)) == 1


async def test_clamping_and_rounding(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 40, immediate=True)
    assert_profile(profiles(cp)[-1], limit=32.0)
    assert smart.state(1).reason is LimitReason.CLAMPED_TO_MAXIMUM
    await smart.async_set_current_limit(1, 10.7, immediate=True)
    assert_profile(profiles(cp)[-1], limit=10.0)
    await smart.async_set_current_limit(1, 4, immediate=True)
    assert_profile(profiles(cp)[-1], limit=0.0)
    state = smart.state(1)
    assert state.reason is LimitReason.CLAMPED_TO_MINIMUM
    assert (state.target_a, state.paused) == (0.0, False)
    # Watts convert at 230 V per phase (three unless measured otherwise).
    await smart.async_set_current_limit(1, 4140, RateUnit.WATT, immediate=True)
    assert_profile(profiles(cp)[-1], limit=6.0)


async def test_tenth_amps_when_whole_amps_is_off(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, "whole_amps": False}
    )
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    await engine(central).async_set_current_limit(1, 10.76, immediate=True)
    assert_profile(profiles(cp)[-1], limit=10.7)


async def test_txprofile_bound_to_running_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    tx_id = await start_transaction(hass, cp)
    # A new session gets a TxProfile bound to it.
    [tx] = profiles(cp)[1:]
    assert_profile(tx, limit=16.0, purpose="TxProfile", transaction_id=tx_id)
    await smart.async_set_current_limit(1, 10, immediate=True)
    assert_profile(profiles(cp)[-2], limit=10.0)
    assert_profile(profiles(cp)[-1], limit=10.0, purpose="TxProfile", transaction_id=tx_id)


async def test_min_interval_sends_the_latest_when_due(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    freezer.tick(5)
    result = await smart.async_set_current_limit(1, 10)
    assert result.status == "Scheduled"
    freezer.tick(5)
    await smart.async_set_current_limit(1, 12)
    state = smart.state(1)
    assert state.reason is LimitReason.WAITING_FOR_INTERVAL
    assert state.pending_until is not None
    assert (state.requested, state.applied) == (12, 16)
    assert len(profiles(cp)) == 1
    freezer.tick(19)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(profiles(cp)) == 1
    freezer.tick(2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(profiles(cp)) == 2  # only the latest, once
    assert (
        profiles(cp)[-1]["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0][
            "limit"
        ]
        == 12.0
    )
    state = smart.state(1)
    assert (state.applied, state.reason, state.pending_until) == (12, LimitReason.USER_LIMIT, None)
    # An urgent change does not wait.
    await smart.async_set_current_limit(1, 8, immediate=True)
    assert len(profiles(cp)) == 3


async def test_duration_limit_expires(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16, duration_s=600)
    schedule = assert_profile(profiles(cp)[-1], limit=16.0)
    assert schedule["duration"] == 660  # from its start a minute back
    freezer.tick(601)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = smart.state(1)
    assert (state.requested, state.applied, state.reason) == (None, None, LimitReason.NO_LIMIT)


async def test_schedule_one_profile_within_max_periods(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    def setup(cp: object) -> None:
        cp.script.answers["GetConfiguration"] = configuration(  # type: ignore[attr-defined]
            ChargeProfileMaxStackLevel="2",
            ChargingScheduleMaxPeriods="3",
            GetConfigurationMaxKeys="10",
        )

    cp = await booted(hass, connect_scripted, setup=setup)
    smart = engine(central)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    plan = [(start + timedelta(hours=h), limit) for h, limit in enumerate([16, 8, 4, 11, 32])]
    result = await smart.async_set_schedule(1, plan, RateUnit.AMPERE, start + timedelta(hours=6))
    assert result.status == "Accepted"
    [payload] = profiles(cp)
    profile = payload["csChargingProfiles"]
    assert profile["chargingProfilePurpose"] == "TxDefaultProfile"
    assert (profile["stackLevel"], profile["chargingProfileKind"]) == (2, "Absolute")
    schedule = profile["chargingSchedule"]
    assert schedule["startSchedule"] == start.isoformat().replace("+00:00", "Z")
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 3600, "limit": 8.0},
        {"startPeriod": 7200, "limit": 0.0},  # below the minimum current
    ]
    # Cut to three periods: the profile ends where the fourth would have begun.
    assert profile["validTo"] == (start + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    assert smart.state(1).reason is LimitReason.SCHEDULE
    with pytest.raises(ValueError):
        await smart.async_set_schedule(1, plan, RateUnit.AMPERE, start - timedelta(hours=1))


async def test_station_max_and_clear(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    result = await smart.async_set_station_max(20)
    assert result.data == {"limit": 20.0, "unit": "A"}
    assert_profile(profiles(cp)[-1], limit=20.0, purpose="ChargePointMaxProfile", connector=0)
    await smart.async_set_station_max(20.2)
    assert len(profiles(cp)) == 1  # unchanged
    assert smart.station_max == 20
    await smart.async_set_current_limit(1, 16)
    cp.script.answers["ClearChargingProfile"] = "Unknown"
    # Only ours, by id: the connector's TxDefaultProfile and TxProfile.
    assert (await smart.async_clear_profiles(1)).status == "Unknown"
    assert cp.received("ClearChargingProfile") == [{"id": 1001}, {"id": 2001}]
    assert smart.state(1).reason is LimitReason.NO_LIMIT
    cp.script.answers["ClearChargingProfile"] = "Accepted"
    await smart.async_clear_profiles()
    # Still only ours: the station maximum too, never an empty (clear everything) request.
    assert cp.received("ClearChargingProfile")[2:] == [{"id": 1001}, {"id": 2001}, {"id": 3000}]
    assert smart.station_max is None
    await smart.async_clear_profiles(request=ClearRequest(everything=True))
    assert cp.received("ClearChargingProfile")[-1] == {}
    cp.script.answers["ClearChargingProfile"] = CALLERROR
    with pytest.raises(ChargerCallError):
        await smart.async_clear_profiles()


async def test_verification_from_current_offered(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 10)

    async def offered(amps: str, at: str) -> None:
        value = [{"value": amps, "measurand": "Current.Offered", "unit": "A"}]
        await cp.call(
            call.MeterValues(connector_id=1, meter_value=[{"timestamp": at, "sampledValue": value}])
        )

    await offered("10", "2026-11-25T08:00:00Z")
    assert smart.state(1).verified is True
    await offered("16", "2026-11-25T08:00:10Z")
    assert smart.state(1).verified is False


async def test_offline_request_applies_on_boot(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    smart = engine(central)
    with pytest.raises(ChargerOfflineError):
        await smart.async_set_current_limit(1, 13)
    assert smart.state(1).reason is LimitReason.CHARGER_OFFLINE
    cp = await booted(hass, connect_scripted)
    assert_profile(profiles(cp)[-1], limit=13.0)
    assert smart.state(1).reason is LimitReason.USER_LIMIT


async def test_invalid_requests(hass: HomeAssistant, central: MockConfigEntry) -> None:
    smart = engine(central)
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError):
            await smart.async_set_current_limit(1, bad)
    with pytest.raises(ValueError):
        await smart.async_set_schedule(1, [])
    assert smart.quirks.pause_method is PauseMethod.ZERO_CURRENT
