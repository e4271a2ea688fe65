"""Shared pieces of the charge-control tests: options, the grid meter, time moved on, readings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
)
from custom_components.ocpp_central.control.config import CONF_GRID_POWER
from tests.helpers.scripted_charger import ScriptedCharger

GRID = "sensor.grid_power"
SELECT = "select.charger_cp1_charge_mode"
REASON = "sensor.charger_cp1_control_reason"

BASE_OPTIONS: dict[str, Any] = {
    CONF_UNKNOWN_CHARGERS: "ask",
    CONF_HEARTBEAT_INTERVAL: 300,
    CONF_AUTHORIZATION: "accept_all",
    CONF_GRID_POWER: GRID,
}


def grid(hass: HomeAssistant, watts: float | str, unit: str = "W") -> None:
    """The grid meter's reading (positive: import)."""
    hass.states.async_set(GRID, str(watts), {"unit_of_measurement": unit, "device_class": "power"})


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float, watts: float | None = None
) -> None:
    """Let time pass in 5 s steps, with a grid reading at each (a little noise, so it changes)."""
    steps = max(1, int(seconds // 5))
    for step in range(steps):
        freezer.tick(timedelta(seconds=seconds / steps))
        if watts is not None:
            grid(hass, watts + (step % 2))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def plug_in(hass: HomeAssistant, cp: ScriptedCharger, *, session: bool = True) -> int | None:
    """The car is plugged in (and, if asked, a session starts)."""
    await cp.status(1, "Preparing")
    tx_id = None
    if session:
        tx_id = await cp.start_transaction(1, "TAG-1", 1000, datetime.now(UTC).isoformat())
        await cp.status(1, "SuspendedEVSE")
    await hass.async_block_till_done(wait_background_tasks=True)
    return tx_id


async def meter(hass: HomeAssistant, cp: ScriptedCharger, amps: float, tx_id: int | None) -> None:
    """The charger reports the car drawing this current on three phases."""
    sampled = [{"value": str(amps * 230 * 3), "measurand": "Power.Active.Import", "unit": "W"}]
    sampled += [
        {"value": str(amps), "measurand": "Current.Import", "unit": "A", "phase": f"L{n}"}
        for n in (1, 2, 3)
    ]
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx_id,
            meter_value=[{"timestamp": datetime.now(UTC).isoformat(), "sampledValue": sampled}],
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)


def limits(cp: ScriptedCharger, purpose: str = "TxDefaultProfile") -> list[float]:
    """Limits of every SetChargingProfile of a purpose, in order."""
    return [
        p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        for p in cp.received("SetChargingProfile")
        if p["csChargingProfiles"]["chargingProfilePurpose"] == purpose
    ]


def entity(platform: str, charger_id: str, key: str) -> str:
    """Entity id of a charger's (one-connector) entity, e.g. entity("select", "CP2", "charge_mode")."""
    return f"{platform}.charger_{charger_id.lower()}_{key}"


async def service(hass: HomeAssistant, domain: str, action: str, data: dict[str, Any]) -> None:
    """Call a service action and let the controller act on it."""
    await hass.services.async_call(domain, action, data, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def set_mode(hass: HomeAssistant, charger_id: str, mode: str) -> None:
    """Choose a charger's charge mode in its select."""
    select = entity("select", charger_id, "charge_mode")
    await service(hass, "select", "select_option", {"entity_id": select, "option": mode})


def schedules(cp: ScriptedCharger) -> list[dict[str, Any]]:
    """Every charging profile (TxDefaultProfile) the charger received, as sent."""
    return [
        p["csChargingProfiles"]
        for p in cp.received("SetChargingProfile")
        if p["csChargingProfiles"]["chargingProfilePurpose"] == "TxDefaultProfile"
    ]


def assert_schedule(profile: dict[str, Any], valid_to: str, *pairs: tuple[str, float]) -> None:
    """One pushed schedule, exactly: validTo, and (UTC time of day, limit) per period.

    The first period starts when the plan was made ("now"); the later ones at their slot's start.
    """
    schedule = profile["chargingSchedule"]
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["validTo"] == f"{valid_to}Z"
    start = dt_util.parse_datetime(schedule["startSchedule"])
    assert start is not None
    assert timedelta(0) <= dt_util.utcnow() - start <= timedelta(minutes=1)
    timeline = [
        (
            "now"
            if n == 0
            else (start + timedelta(seconds=period["startPeriod"])).strftime("%H:%M"),
            period["limit"],
        )
        for n, period in enumerate(schedule["chargingSchedulePeriod"])
    ]
    assert timeline == list(pairs)
