"""A running session's calendar is written when its headline (0.1 kWh) changes, not per reading.

Each write of the calendar is a recorder row with new attributes (the running event's end moves
with it); a car park's chargers send a reading every few seconds.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.scripted_charger import ConnectScripted
from tests.history.conftest import TEST_DAY, register, start_session, step

CALENDAR = "calendar.charger_cp1_sessions"


async def test_readings_within_a_tenth_of_a_kwh_write_no_calendar_state(
    hass: HomeAssistant,
    central: MockConfigEntry,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
) -> None:
    cp = await connect_scripted("CP1")
    await cp.boot()
    planned = TEST_DAY[0]
    tx_id = await start_session(hass, freezer, cp, planned, 100_000)
    writes: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"] == CALENDAR:
            writes.append(event.data["new_state"].attributes["message"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    # 20 Wh every 10 s: four readings stay within the first tenth of a kWh.
    for wh in (20, 40, 60, 80, 100):
        await step(hass, freezer, 10)
        await register(hass, cp, tx_id, 100_000 + wh, planned.power_w)
    assert writes == ["0.1 kWh · Anna's card"]
    state = hass.states.get(CALENDAR)
    assert state is not None
    assert state.state == "on"
