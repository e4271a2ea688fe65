"""1p/3p switching in the smart-charging engine, and the station maximum after a reconnect.

A real charger of each OCPP version (tests/drivers.py) over a real WebSocket; what it receives is
asserted in its exact shape (tests/drivers.py::profile_for, plus numberPhases in every period).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.commands import RateUnit
from tests.helpers.drivers import booted_driver, profile_for, run_session
from tests.helpers.smart_helpers import (
    configuration,
    end_connect_grace,
    engine,
)
from tests.helpers.waiting import wait_for

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
NOW = "2026-11-25T08:00:00+00:00"
START = "2026-11-25T07:59:00Z"


def reports(cp: Any, switching: str | None, unit: str = "A") -> None:
    """What the charger answers about itself: 1p/3p switching (None: unknown key) and its rate unit."""
    if cp.version == "1.6":
        keys = {
            "ChargeProfileMaxStackLevel": "8",
            "ChargingScheduleAllowedChargingRateUnit": {"A": "Current", "W": "Power"}[unit],
            "SupportedFeatureProfiles": "Core,SmartCharging",
            "GetConfigurationMaxKeys": "20",
        }
        if switching is not None:
            keys["ConnectorSwitch3to1PhaseSupported"] = switching
        cp.script.answers["GetConfiguration"] = configuration(**keys)
        return
    cp.variables["SmartChargingCtrlr/RateUnit"] = unit
    if switching is None:
        cp.variables.pop("SmartChargingCtrlr/Phases3to1")
    else:
        cp.variables["SmartChargingCtrlr/Phases3to1"] = switching


async def charger(
    hass: HomeAssistant, connect_charger: Any, switching: str | None, unit: str = "A"
) -> Any:
    """CP1, its quirks read, booted and Available; calls so far forgotten."""
    cp = await connect_charger("CP1")
    reports(cp, switching, unit)
    return await booted_driver(hass, cp)


def with_phases(payload: dict[str, Any], phases: int | None) -> dict[str, Any]:
    """The same SetChargingProfile with numberPhases in every period (None: as it is)."""
    payload = copy.deepcopy(payload)
    if phases is None:
        return payload
    profile = payload.get("csChargingProfiles") or payload["chargingProfile"]
    schedules = profile["chargingSchedule"]
    for schedule in schedules if isinstance(schedules, list) else [schedules]:
        for period in schedule["chargingSchedulePeriod"]:
            period["numberPhases"] = phases
    return payload


def limits(cp: Any, limit: float, tx: Any, phases: int | None = None) -> list[dict[str, Any]]:
    """TxDefaultProfile and the session's TxProfile of one limit, with these phases."""
    return [
        with_phases(profile_for(cp.version, "TxDefaultProfile", [(0, limit)]), phases),
        with_phases(profile_for(cp.version, "TxProfile", [(0, limit)], transaction_id=tx), phases),
    ]


def sent(cp: Any) -> list[dict[str, Any]]:
    """Every SetChargingProfile since the last clear; then clear."""
    received = cp.received("SetChargingProfile")
    cp.calls.clear()
    return received


def started_now(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Payloads sent with the real clock: each starts a minute back, then reads as START."""
    result = copy.deepcopy(payloads)
    for payload in result:
        profile = payload.get("csChargingProfiles") or payload["chargingProfile"]
        schedules = profile["chargingSchedule"]
        starts = set()
        for schedule in schedules if isinstance(schedules, list) else [schedules]:
            starts.add(schedule["startSchedule"])
            start = datetime.fromisoformat(schedule["startSchedule"].replace("Z", "+00:00"))
            assert abs(start - (datetime.now(UTC) - timedelta(minutes=1))) < timedelta(seconds=10)
            schedule["startSchedule"] = START
        # An Absolute profile's validFrom is its start.
        assert starts == {profile["validFrom"]}
        profile["validFrom"] = START
    return result


@VERSIONS
async def test_phases_go_out_as_number_phases(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without phases today's payload; a change of phases alone goes out at once, the same is not resent."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, "true")
    smart = engine(central)
    assert smart.can_switch_phases is True
    tx = await run_session(hass, cp)

    await smart.async_set_current_limit(1, 16)
    assert sent(cp) == limits(cp, 16.0, tx)
    assert smart.state(1).phases is None

    # Within the write interval: the phases alone changed, so it goes at once.
    result = await smart.async_set_current_limit(1, 16, phases=1)
    assert result.status == "Accepted"
    assert sent(cp) == limits(cp, 16.0, tx, phases=1)
    assert (smart.state(1).phases, result.data["phases"]) == (1, 1)

    await smart.async_set_current_limit(1, 16, phases=1)
    assert sent(cp) == []

    # A new limit with the same phases waits for the interval, as every limit does.
    result = await smart.async_set_current_limit(1, 10, phases=1)
    assert result.status == "Scheduled"
    assert sent(cp) == []
    assert smart.state(1).reason is LimitReason.WAITING_FOR_INTERVAL

    # Back to three phases: at once, with the latest limit.
    result = await smart.async_set_current_limit(1, 10, phases=3)
    assert result.status == "Accepted"
    assert sent(cp) == limits(cp, 10.0, tx, phases=3)
    assert smart.state(1).pending_until is None


@VERSIONS
async def test_pause_and_resume_keep_the_phases(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """0 A on one phase (no contactor switching while paused), then back to the limit on one phase."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, "true")
    smart = engine(central)
    tx = await run_session(hass, cp)
    await smart.async_set_current_limit(1, 16, phases=1)
    assert sent(cp) == limits(cp, 16.0, tx, phases=1)

    await smart.async_pause(1)
    assert sent(cp) == limits(cp, 0.0, tx, phases=1)
    await smart.async_resume(1)
    assert sent(cp) == limits(cp, 16.0, tx, phases=1)


@VERSIONS
@pytest.mark.parametrize("switching", ["false", None])
async def test_no_number_phases_without_switching(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    switching: str | None,
) -> None:
    """A charger that cannot switch (or did not say): the limit applies, no numberPhases, no log."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, switching)
    smart = engine(central)
    assert smart.can_switch_phases is False
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    result = await smart.async_set_current_limit(1, 16, phases=1)
    assert result.status == "Accepted"
    assert sent(cp) == [profile_for(cp.version, "TxDefaultProfile", [(0, 16.0)])]
    # Nothing the charger would see changes: nothing is written.
    await smart.async_set_current_limit(1, 16, phases=3)
    assert sent(cp) == []
    assert smart.state(1).phases == 3
    ours = [r for r in caplog.records if r.name.startswith("custom_components.ocpp_central")]
    assert not [r for r in ours if "phase" in r.getMessage().lower()]


@VERSIONS
@pytest.mark.parametrize("switching", ["true", "false"])
async def test_watts_convert_with_the_requested_phases(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
    switching: str,
) -> None:
    """A power-only charger: 230 V times the requested phases, whether or not it switches."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, switching, unit="W")
    smart = engine(central)
    phases = 1 if switching == "true" else None

    # 3680 W is 16 A on one phase (on three it would be 5.3 A: below the minimum, a pause).
    await smart.async_set_current_limit(1, 3680, RateUnit.WATT, phases=1)
    expected = profile_for(cp.version, "TxDefaultProfile", [(0, 3680.0)], unit="W")
    assert sent(cp) == [with_phases(expected, phases)]
    state = smart.state(1)
    assert (state.target_a, state.reason, state.applied) == (16.0, LimitReason.USER_LIMIT, 3680.0)

    # Amps go out as watts of one phase: 10 A → 2300 W.
    await smart.async_set_current_limit(1, 10, phases=1, immediate=True)
    expected = profile_for(cp.version, "TxDefaultProfile", [(0, 2300.0)], unit="W")
    assert sent(cp) == [with_phases(expected, phases)]

    # Left to the charger: three phases, as before.
    await smart.async_set_current_limit(1, 3680, RateUnit.WATT, immediate=True)
    expected = profile_for(cp.version, "TxDefaultProfile", [(0, 0.0)], unit="W")
    assert sent(cp) == [expected]
    assert smart.state(1).reason is LimitReason.CLAMPED_TO_MINIMUM


@VERSIONS
async def test_phases_survive_a_reload(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The phases are part of the stored intent: after a restart the charger gets them again."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, "true")
    await engine(central).async_set_current_limit(1, 12, phases=1)
    assert sent(cp) == [with_phases(profile_for(cp.version, "TxDefaultProfile", [(0, 12.0)]), 1)]
    stored = central.runtime_data.store.smart_charging("CP1")["connectors"]["1"]
    assert stored["phases"] == 1

    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    smart = engine(central)
    assert (smart.state(1).requested, smart.state(1).phases) == (12, 1)
    assert smart.can_switch_phases is True  # remembered until the charger says otherwise

    cp2 = await connect_charger("CP1")
    reports(cp2, "true")
    await cp2.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    expected = with_phases(profile_for(cp2.version, "TxDefaultProfile", [(0, 12.0)]), 1)
    assert cp2.received("SetChargingProfile") == [expected]


async def test_stored_limits_without_phases_still_load(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Data stored before phases existed loads as 'left to the charger'; a wrong number is dropped."""
    old = {"requested": 12, "unit": "A", "expires_at": None, "schedule": None}
    old |= {"schedule_valid_to": None, "paused": False, "held": None, "installed": True}
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}",
        "data": {
            "chargers": {},
            "smart_charging": {
                "CP1": {
                    "detected": {"max_stack_level": 8},
                    "station_max": None,
                    "connectors": {"1": old, "2": old | {"phases": 2}, "3": old | {"phases": 1}},
                }
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    smart = engine(config_entry)
    assert (smart.state(1).requested, smart.state(1).phases) == (12, None)
    assert smart.state(2).requested is None
    assert "Dropped unreadable stored limit of CP1 connector 2" in caplog.text
    assert (smart.state(3).requested, smart.state(3).phases) == (12, 1)
    assert smart.can_switch_phases is False
    assert smart.diagnostics()["connectors"]["1"]["phases"] is None


@VERSIONS
@pytest.mark.parametrize(
    ("switching", "detected", "source"),
    [("true", True, "reported"), ("False", False, "reported"), (None, None, "default")],
)
async def test_phase_switching_detected(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    switching: str | None,
    detected: bool | None,
    source: str,
) -> None:
    """ConnectorSwitch3to1PhaseSupported (2.0.1: SmartChargingCtrlr.Phases3to1) is read after a boot."""
    cp = await connect_charger("CP1")
    reports(cp, switching)
    await cp.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    if cp.version == "1.6":
        (asked,) = cp.received("GetConfiguration")
        assert "ConnectorSwitch3to1PhaseSupported" in asked["key"]
    else:
        (asked,) = cp.received("GetVariables")
        wanted = {"component": {"name": "SmartChargingCtrlr"}, "variable": {"name": "Phases3to1"}}
        assert wanted in asked["getVariableData"]
    smart = engine(central)
    assert smart.detected.phase_switching is detected
    assert smart.quirks.phase_switching is detected
    assert smart.can_switch_phases is (detected is True)
    diagnostics = smart.diagnostics()
    assert diagnostics["quirks"]["phase_switching"] is detected
    assert diagnostics["quirk_sources"]["phase_switching"] == source
    stored = central.runtime_data.store.smart_charging("CP1")["detected"]
    assert stored["phase_switching"] is detected


def station_max(version: str, limit: float) -> dict[str, Any]:
    return profile_for(version, "ChargePointMaxProfile", [(0, limit)], connector_id=0)


@VERSIONS
async def test_station_max_resent_after_reconnect(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
) -> None:
    """A charger that comes back (and boots) gets the station maximum again, once."""
    cp = await charger(hass, connect_charger, "false")
    smart = engine(central)
    await smart.async_set_station_max(20)
    assert started_now(sent(cp)) == [station_max(cp.version, 20.0)]
    await smart.async_set_station_max(20)
    assert sent(cp) == []

    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    cp2 = await connect_charger("CP1")
    await cp2.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert started_now(cp2.received("SetChargingProfile")) == [station_max(cp2.version, 20.0)]

    cp2.calls.clear()
    await smart.async_set_station_max(20)
    assert sent(cp2) == []
    assert smart.station_max == 20


async def test_station_max_resent_after_restart_and_connect_grace(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
) -> None:
    """Persisted across a restart; a charger that reconnects without booting gets it after the grace."""
    cp = await charger(hass, connect_charger, "false")
    await engine(central).async_set_station_max(16)
    assert started_now(sent(cp)) == [station_max("1.6", 16.0)]
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    assert engine(central).station_max == 16

    cp2 = await connect_charger("CP1")
    # A charger that cannot tell its composite schedule: what it may have lost is written.
    cp2.script.answers["GetCompositeSchedule"] = "Rejected"
    await wait_for(lambda: "CP1" in central.runtime_data.sessions)
    await hass.async_block_till_done()
    assert cp2.received("SetChargingProfile") == []
    end_connect_grace(hass, central)
    await cp2.wait_for_call("SetChargingProfile")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert started_now(cp2.received("SetChargingProfile")) == [station_max("1.6", 16.0)]


async def test_station_max_refused_after_reconnect_goes_again(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused re-send is logged, not raised; the same maximum set again is then written."""
    cp = await charger(hass, connect_charger, "false")
    smart = engine(central)
    await smart.async_set_station_max(20)
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)

    cp2 = await connect_charger("CP1")
    cp2.script.answers["SetChargingProfile"] = "NotSupported"
    await cp2.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert started_now(sent(cp2)) == [station_max("1.6", 20.0)]
    assert "station maximum not applied" in caplog.text
    assert smart.station_max == 20

    cp2.script.answers["SetChargingProfile"] = "Accepted"
    await smart.async_set_station_max(20)
    assert started_now(sent(cp2)) == [station_max("1.6", 20.0)]


@VERSIONS
@pytest.mark.parametrize(
    ("switching", "option", "phases"), [(None, "on", 1), ("true", "off", None)]
)
async def test_option_beats_detection(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Any,
    freezer: FrozenDateTimeFactory,
    switching: str | None,
    option: str,
    phases: int | None,
) -> None:
    """The charger's option: on for a charger that switches without saying so, off for one that says so wrongly."""
    freezer.move_to(NOW)
    cp = await charger(hass, connect_charger, switching)
    subentry = next(iter(central.subentries.values()))
    data = {**subentry.data, "phase_switching": option}
    hass.config_entries.async_update_subentry(central, subentry, data=data)
    await hass.async_block_till_done()
    smart = engine(central)
    assert smart.can_switch_phases is (option == "on")
    assert smart.diagnostics()["quirk_sources"]["phase_switching"] == "configured"

    await smart.async_set_current_limit(1, 16, phases=1)
    expected = profile_for(cp.version, "TxDefaultProfile", [(0, 16.0)])
    assert sent(cp) == [with_phases(expected, phases)]
