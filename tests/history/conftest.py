"""Fixtures of the session history tests: two chargers, Anna's card, a grid meter and a price.

`test_day` drives a day of sessions through real 1.6 chargers on a real WebSocket, the clock moved
on with freezegun, so that the accounting splits each session into solar and grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ocpp_central.control.config import CONF_PRICE
from tests.helpers.control_helpers import BASE_OPTIONS, grid
from tests.helpers.scripted_charger import ConnectScripted, ScriptedCharger
from tests.helpers.subentries import charger_subentry, id_tag_subentry

PRICE = "sensor.electricity_price"
ANNA = "ANNA-1"


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One session of the test day: who, when, how long, the car's power and the grid meanwhile."""

    charger_id: str
    id_tag: str
    start: datetime
    minutes: int
    power_w: float
    grid_w: float


# Tuesday 3 November 2026 (Stockholm: UTC+1).
DAY = datetime(2026, 11, 3, tzinfo=UTC)
TEST_DAY = (
    # Morning, a cloudy start: half of the 7.4 kW from the grid.
    PlannedSession("CP1", ANNA, DAY.replace(hour=6), 30, 7400, 3700),
    # Noon, a guest's card, all from the sun (the house exports 500 W besides).
    PlannedSession("CP1", "GUEST-7", DAY.replace(hour=11), 30, 3700, -500),
    # Evening, Anna again (her tag in lower case), on the other charger, all from the grid.
    PlannedSession("CP2", "anna-1", DAY.replace(hour=17), 60, 7400, 7400),
)


@pytest.fixture(autouse=True)
def _hooked(hooked: None) -> None:
    """No settling and no keepalive pings: the clock is moved on by freezegun."""


@pytest.fixture
def options() -> dict[str, Any]:
    return {**BASE_OPTIONS, CONF_PRICE: PRICE}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [
        charger_subentry("CP1"),
        charger_subentry("CP2"),
        id_tag_subentry(ANNA, "Anna's card"),
    ]


@pytest.fixture
async def at_day_start(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Stockholm time, the test day's midnight, the price at 2 SEK/kWh."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(DAY)
    hass.states.async_set(PRICE, "2.0", {"unit_of_measurement": "SEK/kWh"})
    grid(hass, 0)


async def step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def register(
    hass: HomeAssistant, cp: ScriptedCharger, tx_id: int, wh: float, watts: float
) -> None:
    """The charger reports its energy register and the power to the car."""
    sampled = [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(watts), "measurand": "Power.Active.Import", "unit": "W"},
    ]
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx_id,
            meter_value=[{"timestamp": datetime.now(UTC).isoformat(), "sampledValue": sampled}],
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def start_session(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cp: ScriptedCharger,
    planned: PlannedSession,
    register_wh: float,
) -> int:
    """Plug in and start at the planned time; return the transaction id."""
    freezer.move_to(planned.start)
    grid(hass, planned.grid_w + planned.power_w)
    await cp.status(1, "Preparing")
    tx_id = await cp.start_transaction(1, planned.id_tag, register_wh, planned.start.isoformat())
    await cp.status(1, "Charging")
    await register(hass, cp, tx_id, register_wh, planned.power_w)
    return tx_id


async def run_session(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    cp: ScriptedCharger,
    planned: PlannedSession,
    tx_id: int,
    register_wh: float,
    *,
    minutes: int | None = None,
) -> float:
    """Charge for the planned minutes (a reading a minute); return the register at the end."""
    wh_per_minute = planned.power_w / 60
    for _ in range(planned.minutes if minutes is None else minutes):
        # The grid meter: the house's own balance plus what the car draws.
        grid(hass, planned.grid_w)
        await step(hass, freezer, 60)
        register_wh += wh_per_minute
        await register(hass, cp, tx_id, register_wh, planned.power_w)
    return register_wh


async def stop_session(
    hass: HomeAssistant, cp: ScriptedCharger, tx_id: int, register_wh: float, reason: str
) -> None:
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id,
            meter_stop=round(register_wh),
            timestamp=datetime.now(UTC).isoformat(),
            reason=reason,
        )
    )
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def test_day(
    hass: HomeAssistant,
    central: Any,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
) -> dict[str, ScriptedCharger]:
    """The test day's three sessions, each stopped by the car's unplugging."""
    chargers: dict[str, ScriptedCharger] = {}
    registers = {"CP1": 100_000.0, "CP2": 500_000.0}
    for planned in TEST_DAY:
        if (cp := chargers.get(planned.charger_id)) is None:
            cp = chargers[planned.charger_id] = await connect_scripted(planned.charger_id)
            await cp.boot()
            await hass.async_block_till_done(wait_background_tasks=True)
        wh = registers[planned.charger_id]
        tx_id = await start_session(hass, freezer, cp, planned, wh)
        wh = await run_session(hass, freezer, cp, planned, tx_id, wh)
        await stop_session(hass, cp, tx_id, wh, "EVDisconnected")
        registers[planned.charger_id] = wh
    return chargers
