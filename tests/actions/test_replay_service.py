"""replay_solar_day end to end: a real charger's meter and the grid sensor recorded, then replayed.

A day is recorded in the real recorder at frozen times (Home Assistant's time zone, US/Pacific):
the grid imports 300 W at night; 5 kW are exported from 10:00 (read in kW); from 11:00 to 12:00 a
car charges at 6 A on three phases (4140 W, the charger's MeterValues; the Charging power sensor
shows kW) and the grid exports the rest, 860 W; the grid sensor is unavailable from 13:00 to 13:30,
then imports 300 W again. The surplus is thus 5 kW from 10:00 to 13:00, 30 minutes are missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.control.config import CONF_GRID_POWER, CONF_GRID_SIGN
from tests.helpers.control_helpers import BASE_OPTIONS, GRID, meter, plug_in
from tests.helpers.smart_helpers import ConnectScripted, booted
from tests.helpers.subentries import charger_subentry

pytestmark = [
    pytest.mark.usefixtures("hooked"),
    # The evening before the recorded day, local time.
    pytest.mark.freeze_time("2026-06-20 05:00:00+00:00"),
]
DAY = "2026-06-20"


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 alone (not the service tests' two chargers and tags)."""
    return [charger_subentry("CP1")]


@pytest.fixture
def mock_recorder_before_hass(async_setup_recorder_instance: Any) -> None:
    """The recorder's database prepared before hass (autouse fixtures set hass up early)."""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=dt_util.get_default_time_zone())


@pytest.fixture
def sign() -> int:
    """+1: the grid sensor counts import positive; -1: export positive."""
    return 1


@pytest.fixture
def options(sign: int) -> dict[str, Any]:
    return {**BASE_OPTIONS, CONF_GRID_SIGN: "positive_import" if sign > 0 else "positive_export"}


def grid_at(hass: HomeAssistant, sign: int, watts: float | None, unit: str = "W") -> None:
    """The grid meter's reading with the sensor's sign; None: unavailable."""
    value = STATE_UNAVAILABLE if watts is None else str(sign * watts)
    hass.states.async_set(GRID, value, {"unit_of_measurement": unit, "device_class": "power"})


async def at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime) -> None:
    freezer.move_to(moment)
    await hass.async_block_till_done(wait_background_tasks=True)


async def record_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, cp: Any, sign: int
) -> None:
    """The day described above, recorded; then the next morning."""
    grid_at(hass, sign, 300)
    tx_id = await plug_in(hass, cp)
    await meter(hass, cp, 0, tx_id)
    await at(hass, freezer, local(20, 10))
    grid_at(hass, sign, -5.0, "kW")
    await at(hass, freezer, local(20, 11))
    await meter(hass, cp, 6, tx_id)
    grid_at(hass, sign, -860)
    await at(hass, freezer, local(20, 12))
    await meter(hass, cp, 0, tx_id)
    grid_at(hass, sign, -5000)
    await at(hass, freezer, local(20, 13))
    grid_at(hass, sign, None)
    await at(hass, freezer, local(20, 13, 30))
    grid_at(hass, sign, 300)
    await at(hass, freezer, local(21, 9))
    await async_wait_recording_done(hass)


def device(central: MockConfigEntry) -> str:
    return str(central.runtime_data.coordinators["CP1"].device_id)


async def replay_day(hass: HomeAssistant, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, "replay_solar_day", data, blocking=True, return_response=True
    )


@pytest.mark.parametrize("sign", [1, -1], ids=["import_positive", "export_positive"])
async def test_replay_of_a_recorded_day(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    sign: int,
) -> None:
    """Yesterday with the current settings (defaults) and with a 10-minute start delay.

    The charger takes whole amps: 7 A (4830 W) of the 5 kW. Current settings: the cloud guard
    holds only the day's last start (this is the first of three), so the start is written after
    the 60 s enable delay, 10:01:00; applied 3 s later, 10 s of handshake, 5 A at 10:01:13 and
    7 A from 10:01:14. The candidate (600 s delay) starts at 10:10, 7 A from 10:10:14.
    When the grid reading stops at 13:00 the car imports 3 s at 7 A and 180 s (the stop delay) at
    6 A, then pauses for the day. Writes: the first pause, the start, 6 A, the pause.
    """
    start = 10 * 3600
    current = (5 * 690 + 4830 * (13 * 3600 - start - 74)) / 3600
    candidate = (5 * 690 + 4830 * (13 * 3600 - start - 614)) / 3600
    imported = (3 * 4830 + 180 * 4140) / 3600
    assert [round(wh / 1000, 2) for wh in (current, candidate, imported)] == [14.39, 13.67, 0.21]
    assert [round(100 * wh / (wh + imported), 1) for wh in (current, candidate)] == [98.6, 98.5]
    cp = await booted(hass, quiet_charger)
    await record_day(hass, freezer, cp, sign)
    power = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, "CP1_1_power")
    state = hass.states.get(power or "")
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "kW"

    response = await replay_day(
        hass, {"device_id": device(central), "enable_delay_s": 600, "cloud_guard_percent": 100}
    )

    assert response == {
        "date": DAY,
        "missing_minutes": 30,
        "current": {
            "solar_kwh": 14.39,
            "grid_kwh": 0.21,
            "solar_share_percent": 98.6,
            "starts": 1,
            "phase_switches": 0,
            "profile_writes": 4,
        },
        "candidate": {
            "solar_kwh": 13.67,
            "grid_kwh": 0.21,
            "solar_share_percent": 98.5,
            "starts": 1,
            "phase_switches": 0,
            "profile_writes": 4,
        },
        "oracle_kwh": 15.0,
    }


async def test_a_date_asked_for(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The recorded day asked for by date two days later: the same figures; the day after has
    only the night's import: no charging, nothing missing."""
    cp = await booted(hass, quiet_charger)
    await record_day(hass, freezer, cp, 1)
    await at(hass, freezer, local(22, 9))
    response = await replay_day(hass, {"device_id": device(central), "date": DAY})
    assert response["date"] == DAY
    assert response["current"] == response["candidate"]
    assert response["current"]["solar_kwh"] == 14.39
    after = await replay_day(hass, {"device_id": device(central), "date": "2026-06-21"})
    assert after == {
        "date": "2026-06-21",
        "missing_minutes": 0,
        "current": {
            "solar_kwh": 0.0,
            "grid_kwh": 0.0,
            "solar_share_percent": None,
            "starts": 0,
            "phase_switches": 0,
            "profile_writes": 1,
        },
        "candidate": {
            "solar_kwh": 0.0,
            "grid_kwh": 0.0,
            "solar_share_percent": None,
            "starts": 0,
            "phase_switches": 0,
            "profile_writes": 1,
        },
        "oracle_kwh": 0.0,
    }


async def expect_error(
    hass: HomeAssistant, data: dict[str, Any], key: str, **placeholders: str
) -> None:
    with pytest.raises(ServiceValidationError) as excinfo:
        await replay_day(hass, data)
    assert excinfo.value.translation_domain == DOMAIN
    assert excinfo.value.translation_key == key
    assert (excinfo.value.translation_placeholders or {}) == placeholders


@pytest.mark.parametrize("options", [{**BASE_OPTIONS, CONF_GRID_POWER: None}])
async def test_no_grid_input(
    recorder_mock: Recorder, hass: HomeAssistant, central: MockConfigEntry
) -> None:
    await expect_error(hass, {"device_id": device(central)}, "replay_no_grid_input")


async def test_no_recorder(hass: HomeAssistant, central: MockConfigEntry) -> None:
    await expect_error(hass, {"device_id": device(central)}, "replay_no_recorder")


@pytest.mark.parametrize("date", ["2026-06-19", "2026-06-20"])
async def test_today_and_later_cannot_be_replayed(
    recorder_mock: Recorder, hass: HomeAssistant, central: MockConfigEntry, date: str
) -> None:
    """It is the evening of June 19 here: today and tomorrow are not over."""
    data = {"device_id": device(central), "date": date}
    await expect_error(hass, data, "replay_date_not_past", date=date)


async def test_no_history(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    central: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A day before the grid sensor was ever recorded, and a day it was only unavailable."""
    await expect_error(
        hass, {"device_id": device(central)}, "replay_no_history", date="2026-06-18", entity=GRID
    )
    grid_at(hass, 1, None)
    await at(hass, freezer, local(21, 9))
    await async_wait_recording_done(hass)
    await expect_error(
        hass, {"device_id": device(central)}, "replay_no_history", date=DAY, entity=GRID
    )
