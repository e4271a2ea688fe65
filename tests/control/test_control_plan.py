"""Cheapest mode in a real Home Assistant: one charging schedule from the price forecast, kept current."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.control.config import (
    CONF_DEPARTURE_ENTITY,
    CONF_PRICE,
    CONF_PRICE_LIMIT,
    CONF_PV_FORECAST,
    CONF_TARGET_ENERGY,
)
from tests.helpers.control_helpers import BASE_OPTIONS, REASON, SELECT, advance, grid, plug_in
from tests.helpers.smart_helpers import ConnectScripted, booted

pytestmark = pytest.mark.usefixtures("hooked")

T0 = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
PRICES = [0.30, 0.35, 0.28, 0.12, 0.10, 0.09, 0.11, 0.25, 0.40, 0.08, 0.22, 0.31, 0.50]
PRICE = "sensor.nordpool"
DEPARTURE = "input_datetime.departure"
ONE_HOUR_WH = 32 * 3 * 230  # the charger's maximum current on three phases for an hour


@pytest.fixture
def options() -> dict[str, Any]:
    return {
        **BASE_OPTIONS,
        CONF_PRICE: PRICE,
        CONF_DEPARTURE_ENTITY: DEPARTURE,
        CONF_TARGET_ENERGY: 2 * ONE_HOUR_WH / 1000,
    }


def set_prices(hass: HomeAssistant, prices: list[float] = PRICES) -> None:
    raw = [
        {"start": T0 + timedelta(hours=h), "end": T0 + timedelta(hours=h + 1), "value": price}
        for h, price in enumerate(prices)
    ]
    hass.states.async_set(PRICE, str(prices[0]), {"raw_today": raw[:6], "raw_tomorrow": raw[6:]})


def schedules(cp: Any) -> list[dict[str, Any]]:
    return [
        p["csChargingProfiles"]
        for p in cp.received("SetChargingProfile")
        if p["csChargingProfiles"]["chargingProfilePurpose"] == "TxDefaultProfile"
    ]


async def cheapest(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        "select", "select_option", {"entity_id": SELECT, "option": "cheapest"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_plan_goes_to_the_charger_as_one_schedule(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0)
    grid(hass, 500)
    set_prices(hass)
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await cheapest(hass)

    [profile] = schedules(cp)
    schedule = profile["chargingSchedule"]
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["validTo"].startswith("2026-11-26T06:00:00")
    assert schedule["startSchedule"] == "2026-11-25T18:00:00Z"
    # The two cheapest hours before departure: 03:00 (0.08) and 23:00 (0.09) UTC.
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 0.0},
        {"startPeriod": 5 * 3600, "limit": 32.0},
        {"startPeriod": 6 * 3600, "limit": 0.0},
        {"startPeriod": 9 * 3600, "limit": 32.0},
        {"startPeriod": 10 * 3600, "limit": 0.0},
    ]
    reason = hass.states.get(REASON)
    assert reason.state == "plan_waiting"
    assert reason.attributes["timer_remaining"] == 5 * 3600
    assert reason.attributes["planned_energy_kwh"] == pytest.approx(
        2 * ONE_HOUR_WH / 1000, abs=0.01
    )
    assert reason.attributes["planned_schedule"][1] == {
        "start": "2026-11-25T23:00:00+00:00",
        "limit": 32,
    }

    # Unchanged inputs: nothing is sent again. New prices: a new schedule.
    await advance(hass, freezer, 60)
    assert len(schedules(cp)) == 1
    set_prices(hass, [0.01, *PRICES[1:]])
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(schedules(cp)) == 2
    assert schedules(cp)[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 32.0
    assert hass.states.get(REASON).state == "plan_charging"
    assert cp.received("RemoteStopTransaction") == []


async def test_no_prices_no_target_and_a_session_to_start(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0)
    grid(hass, 500)
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp, session=False)
    await cheapest(hass)
    assert hass.states.get(REASON).state == "price_unavailable"
    assert schedules(cp) == []
    # Prices arrive, and the cheapest hour is now: a schedule, and a session is started.
    set_prices(hass, [0.01, *PRICES[1:]])
    await hass.async_block_till_done(wait_background_tasks=True)
    assert schedules(cp)[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 32.0
    assert len(cp.received("RemoteStartTransaction")) == 1
    # Without a target there is nothing to plan.
    hass.config_entries.async_update_entry(
        central, options={k: v for k, v in central.options.items() if k != CONF_TARGET_ENERGY}
    )
    await advance(hass, freezer, 10)
    reason = hass.states.get(REASON)
    assert (reason.state, reason.attributes["detail"]) == ("plan_waiting", "no_target")


async def test_solar_forecast_and_price_limit(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0)
    grid(hass, 500)
    set_prices(hass)
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    sunny = [
        {"period_start": (T0 + timedelta(hours=10 + h / 2)).isoformat(), "pv_estimate": 9.0}
        for h in range(4)
    ]
    hass.states.async_set("sensor.solcast", "30", {"detailedForecast": sunny})
    hass.config_entries.async_update_entry(
        central,
        options={**central.options, CONF_PV_FORECAST: "sensor.solcast", CONF_PRICE_LIMIT: 0.085},
    )
    await hass.async_block_till_done()
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await cheapest(hass)
    control = central.runtime_data.control
    plan = control.planner.plan("CP1/1")
    assert plan is not None
    # 2 h needed, 2 h x 8.5 kW x 0.7 of sun expected: less than one hour from the grid, plus the
    # hour below the price limit.
    assert plan.energy_wh < 2 * ONE_HOUR_WH
    assert plan.limit_at(T0 + timedelta(hours=9, minutes=30)) == 32
    # The car leaves: the plan is dropped.
    from ocpp.v16 import call

    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(REASON).state == "no_car"
    assert control.planner.plan("CP1/1") is None


async def test_refused_schedule_is_pushed_again(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(T0)
    grid(hass, 500)
    set_prices(hass, [0.01, *PRICES[1:]])
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp, session=False)
    cp.script.answers["SetChargingProfile"] = "Rejected"
    cp.script.answers["RemoteStartTransaction"] = "Rejected"
    await cheapest(hass)
    assert schedules(cp)  # tried
    tried = len(schedules(cp))
    await advance(hass, freezer, 20, 500)
    assert len(schedules(cp)) == tried  # no storm of retries
    cp.script.answers.clear()
    await advance(hass, freezer, 15, 500)
    assert len(schedules(cp)) > tried
    assert schedules(cp)[-1]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 32.0
