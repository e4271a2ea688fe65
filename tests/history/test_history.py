"""Session history end to end: a day of sessions on two real 1.6 chargers, read back every way.

get_sessions (totals and filters), the chargers' calendars, the id tag's monthly energy, the CSV
export, and the history after the integration is reloaded.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.scripted_charger import ScriptedCharger
from tests.history.conftest import DAY, step

pytestmark = pytest.mark.usefixtures("test_day")


async def sessions(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "get_sessions", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def device_of(hass: HomeAssistant, charger_id: str) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, charger_id), entry.entry_id)
    assert device is not None
    return device.id


async def test_get_sessions_of_the_day_with_totals(hass: HomeAssistant) -> None:
    """Three sessions, oldest first, with who charged, the split, the cost and why they stopped."""
    response = await sessions(
        hass, start=DAY.isoformat(), end=(DAY + timedelta(days=1)).isoformat()
    )
    found = response["sessions"]
    assert [(s["charger_id"], s["id_tag"], s["holder"]) for s in found] == [
        ("CP1", "ANNA-1", "Anna's card"),
        ("CP1", "GUEST-7", None),
        ("CP2", "anna-1", "Anna's card"),
    ]
    assert [s["energy_kwh"] for s in found] == [3.7, 1.85, 7.4]
    assert [s["max_power_kw"] for s in found] == [7.4, 3.7, 7.4]
    assert [s["stop_reason"] for s in found] == ["EVDisconnected"] * 3
    assert found[0]["start"] == "2026-11-03T07:00:00+01:00"
    assert found[0]["end"] == "2026-11-03T07:30:00+01:00"
    assert found[0]["charger"] == "Charger CP1"
    # Morning: half from the grid; noon: all solar; evening: all grid (2 SEK/kWh).
    assert found[0]["solar_kwh"] == pytest.approx(1.85, abs=0.07)
    assert found[1]["solar_kwh"] == pytest.approx(1.85, abs=0.07)
    assert found[2]["grid_kwh"] == pytest.approx(7.4, abs=0.13)
    assert found[2]["cost"] == pytest.approx(14.8, abs=0.25)
    totals = response["totals"]
    assert totals["sessions"] == 3
    assert totals["energy_kwh"] == 12.95
    assert totals["solar_kwh"] + totals["grid_kwh"] == pytest.approx(12.95, abs=0.2)
    assert totals["cost"] == pytest.approx(2 * totals["grid_kwh"], abs=0.01)
    assert response["truncated"] is False


async def test_filters_by_period_charger_and_id_tag(hass: HomeAssistant) -> None:
    """A period holds the sessions that started in it; id tags compare case-insensitively."""
    by_tag = await sessions(hass, id_tag="anna-1")
    assert [(s["charger_id"], s["id_tag"]) for s in by_tag["sessions"]] == [
        ("CP1", "ANNA-1"),
        ("CP2", "anna-1"),
    ]
    assert by_tag["totals"]["energy_kwh"] == 11.1
    by_charger = await sessions(hass, device_id=device_of(hass, "CP2"))
    assert [s["charger_id"] for s in by_charger["sessions"]] == ["CP2"]
    noon = await sessions(
        hass,
        start=DAY.replace(hour=10).isoformat(),
        end=DAY.replace(hour=12).isoformat(),
    )
    assert [s["id_tag"] for s in noon["sessions"]] == ["GUEST-7"]
    assert (await sessions(hass, start=(DAY + timedelta(days=1)).isoformat()))["totals"] == {
        "sessions": 0,
        "energy_kwh": 0.0,
        "solar_kwh": None,
        "grid_kwh": None,
        "cost": None,
    }


async def test_calendar_shows_each_chargers_sessions(hass: HomeAssistant) -> None:
    """CP1's calendar holds its two sessions; its state event is the last one."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": "calendar.charger_cp1_sessions",
            "start_date_time": DAY.isoformat(),
            "end_date_time": (DAY + timedelta(days=1)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events = response["calendar.charger_cp1_sessions"]["events"]  # type: ignore[index]
    assert [e["summary"] for e in events] == ["3.7 kWh · Anna's card", "1.9 kWh · GUEST-7"]
    assert events[0]["start"] == "2026-11-03T07:00:00+01:00"
    assert "Stopped: EVDisconnected" in events[0]["description"]
    state = hass.states.get("calendar.charger_cp1_sessions")
    assert state is not None
    assert state.state == "off"
    assert state.attributes["message"] == "1.9 kWh · GUEST-7"


async def test_id_tag_energy_this_month_and_last(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Anna's energy this month; at the turn of the month it becomes last month's."""
    this_month = "sensor.anna_s_card_energy_this_month"
    last_month = "sensor.anna_s_card_energy_last_month"
    await step(hass, freezer, 2)  # the sensors read the history at most once a second
    state = hass.states.get(this_month)
    assert state is not None
    assert state.state == "11.1"
    assert state.attributes["sessions"] == 2
    assert state.attributes["month"] == "2026-11"
    assert hass.states.get(last_month).state == "0.0"  # type: ignore[union-attr]
    freezer.move_to("2026-11-30T23:00:01+00:00")  # midnight in Stockholm
    await step(hass, freezer, 1)
    assert hass.states.get(this_month).state == "0.0"  # type: ignore[union-attr]
    assert hass.states.get(last_month).state == "11.1"  # type: ignore[union-attr]


async def test_export_sessions_writes_csv(hass: HomeAssistant) -> None:
    """One row per session of the id tag, in kWh, in the configuration folder."""
    response = await hass.services.async_call(
        DOMAIN,
        "export_sessions",
        {
            "start": DAY.isoformat(),
            "end": (DAY + timedelta(days=1)).isoformat(),
            "id_tag": "ANNA-1",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    path = Path(str(response["path"]))
    assert path == Path(
        hass.config.path("ocpp_central", "sessions_2026-11-03_2026-11-04_ANNA_1.csv")
    )
    text = await hass.async_add_executor_job(path.read_text, "utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["charger_id"], r["energy_kwh"], r["holder"]) for r in rows] == [
        ("CP1", "3.700", "Anna's card"),
        ("CP2", "7.400", "Anna's card"),
    ]
    assert rows[0]["started_at"] == "2026-11-03T06:00:00+00:00"
    assert rows[1]["stop_reason"] == "EVDisconnected"


async def test_history_survives_a_reload(
    hass: HomeAssistant, central: MockConfigEntry, test_day: dict[str, ScriptedCharger]
) -> None:
    """After the integration is reloaded the day is still there, once."""
    before = await sessions(hass)
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    after = await sessions(hass)
    assert after == before
    assert after["totals"]["sessions"] == 3
