"""Smart-charging engine: detection failures, stored state that cannot be read, refusals on the less
travelled paths, and phase counting for watts."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.commands import (
    ChargerTimeoutError,
    CommandRejectedError,
    RateUnit,
)
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER
from tests.helpers.smart_helpers import (
    CONFIG_KEYS,
    ConnectScripted,
    assert_profile,
    booted,
    configuration,
    engine,
    profiles,
    rules,
    start_transaction,
)
from tests.helpers.waiting import timing_out


def set_options(hass: HomeAssistant, entry: MockConfigEntry, **options: object) -> None:
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(entry, subentry, data={**subentry.data, **options})


async def test_detection_with_a_refused_batch(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """CALLERROR for several keys at once, then some single keys refused too."""

    def answer(payload: dict[str, Any]) -> str | dict[str, Any]:
        keys = payload["key"]
        if len(keys) > 1 or keys == ["SupportedFeatureProfiles"]:
            return CALLERROR
        if keys == ["ChargeProfileMaxStackLevel"]:
            return configuration(ChargeProfileMaxStackLevel="0")
        return {"configurationKey": [], "unknownKey": keys}

    await booted(hass, connect_scripted, setup=lambda cp: rules(cp, GetConfiguration=answer))
    detected = engine(central).detected
    assert detected.max_stack_level == 0
    assert detected.feature_profiles is None
    assert detected.one_key_per_call is True


async def test_detection_stops_when_the_charger_does_not_answer(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    smart = engine(central)
    with pytest.raises(Exception):  # noqa: B017 - offline: the limit waits for the charger
        await smart.async_set_current_limit(1, 16)

    cp = await connect_scripted("CP1")
    cp.script.answers["GetConfiguration"] = NO_ANSWER
    # Only the timeout ends the detection; the limit goes out after it, with the real timeout.
    with timing_out(cp):
        await cp.boot()
        await cp.wait_for_call("GetConfiguration")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [p["key"] for p in cp.received("GetConfiguration")] == [CONFIG_KEYS]
    assert smart.detected.max_stack_level is None
    # The limit still goes out (stack level 0 without a reported maximum).
    assert_profile(profiles(cp)[-1], limit=16.0, stack=0)


async def test_engine_bound_on_a_command(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Whatever the adapter's own timeout, the engine gives up after its bound."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["SetChargingProfile"] = NO_ANSWER
    with (
        patch("custom_components.ocpp_central.csms.protocol.v16_commands.RESPONSE_TIMEOUT", 30),
        patch("custom_components.ocpp_central.charging.link.COMMAND_BOUND_S", 0.2),
        pytest.raises(ChargerTimeoutError),
    ):
        await engine(central).async_set_current_limit(1, 16)
    assert engine(central).state(1).reason is LimitReason.NO_ANSWER


async def test_unreadable_stored_state_is_dropped(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}",
        "data": {
            "chargers": {},
            "smart_charging": {
                "CP1": {
                    "detected": {"max_stack_level": 4, "profile_kind": "diagonal"},
                    "station_max": "lots",
                    "connectors": {
                        "1": {"requested": 12, "unit": "A"},
                        "2": {"requested": "many"},
                        "x": {},
                    },
                },
                "CP9": "garbage",
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    smart = engine(config_entry)
    assert smart.detected.max_stack_level == 4
    assert smart.detected.profile_kind is None
    assert smart.station_max is None
    assert smart.state(1).requested == 12
    assert smart.state(2).requested is None


async def test_station_max_refused_and_invalid(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    with pytest.raises(ValueError):
        await smart.async_set_station_max(-1)
    cp.script.answers["SetChargingProfile"] = "NotSupported"
    with pytest.raises(CommandRejectedError):
        await smart.async_set_station_max(16)
    assert smart.station_max is None


async def test_refusals_when_undoing_a_pause(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, pause_method="change_availability")
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_pause(1)
    await smart.async_pause(1)  # already held: nothing more is sent
    assert len(cp.received("ChangeAvailability")) == 1
    cp.script.answers["ChangeAvailability"] = "Rejected"
    with pytest.raises(CommandRejectedError):
        await smart.async_resume(1)
    assert smart.state(1).reason is LimitReason.REJECTED


async def test_pause_by_remote_stop_without_a_session(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, pause_method="remote_stop")
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_pause(1)  # nothing runs: nothing to stop
    assert cp.received("RemoteStopTransaction") == []
    assert smart.state(1).paused is True


async def test_clearing_refused_on_resume(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_pause(1)
    cp.script.answers["ClearChargingProfile"] = CALLERROR
    with pytest.raises(CommandRejectedError):
        await smart.async_resume(1)


async def test_new_session_without_txprofile_gets_the_default_again(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, tx_profile="off", min_write_interval=0)
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    await start_transaction(hass, cp)
    purposes = [p["csChargingProfiles"]["chargingProfilePurpose"] for p in profiles(cp)]
    assert purposes == ["TxDefaultProfile", "TxDefaultProfile"]


async def test_refusal_on_our_own_initiative_is_shown_not_raised(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    cp = await booted(hass, connect_scripted)
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    cp.script.answers["SetChargingProfile"] = "NotSupported"
    await start_transaction(hass, cp)  # the TxProfile for the session is refused
    assert smart.detected.tx_profile is False
    set_options(hass, central, max_current=10.0, min_write_interval=0)  # re-applied by itself
    await hass.async_block_till_done(wait_background_tasks=True)
    state = smart.state(1)
    assert (state.reason, state.detail) == (LimitReason.REJECTED, "NotSupported")


async def test_watts_follow_the_phases_the_car_draws(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    set_options(hass, central, rate_unit="W")
    await hass.async_block_till_done()
    cp = await booted(hass, connect_scripted)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    sampled = [
        {"value": "15.8", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
        {"value": "0.0", "measurand": "Current.Import", "unit": "A", "phase": "L2"},
        {"value": "0.1", "measurand": "Current.Import", "unit": "A", "phase": "L3"},
    ]
    await cp.call(
        call.MeterValues(
            connector_id=1,
            meter_value=[{"timestamp": "2026-11-25T08:00:00Z", "sampledValue": sampled}],
        )
    )
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    assert_profile(profiles(cp)[-1], limit=3680.0, unit="W")
    assert (smart.state(1).applied, smart.state(1).applied_unit) == (3680.0, RateUnit.WATT)
