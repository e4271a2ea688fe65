"""The history across restarts and crashes: a session is neither lost nor doubled.

A crash is what the history sees of one: the progress not yet written is gone (the in-memory
changes are dropped before the integration goes), and the charger's session goes on after the
restart with the same transaction id. A row left open by a crash between the model's close and the
history's write is closed at its last update on the next start.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.control.history import history_path
from custom_components.ocpp_central.storage.sessions import SessionHistory, SessionRecord
from tests.helpers.scripted_charger import ConnectScripted
from tests.history.conftest import DAY, TEST_DAY, run_session, start_session, stop_session


async def sessions(hass: HomeAssistant) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        DOMAIN, "get_sessions", {}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return list(response["sessions"])


async def test_crash_mid_session_leaves_one_session(
    hass: HomeAssistant,
    central: MockConfigEntry,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
) -> None:
    """Written at its start; after the crash the same row goes on and is completed."""
    planned = TEST_DAY[0]
    cp = await connect_scripted("CP1")
    await cp.boot()
    tx_id = await start_session(hass, freezer, cp, planned, 100_000)
    wh = await run_session(hass, freezer, cp, planned, tx_id, 100_000, minutes=10)
    # What the last minutes brought is not written yet when Home Assistant is killed.
    central.runtime_data.history._dirty.clear()
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    (running,) = await sessions(hass)
    assert running["end"] is None
    assert running["transaction_id"] == str(tx_id)

    cp = await connect_scripted("CP1")
    await cp.boot()
    wh = await run_session(hass, freezer, cp, planned, tx_id, wh, minutes=20)
    await stop_session(hass, cp, tx_id, wh, "Local")
    (done,) = await sessions(hass)
    assert done["transaction_id"] == str(tx_id)
    assert done["energy_kwh"] == 3.7
    assert done["stop_reason"] == "Local"
    assert done["end"] == "2026-11-03T07:30:00+01:00"


async def test_row_left_open_is_closed_at_its_last_update(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """A session the model no longer runs, left open in the history, ends where it was last seen."""
    history = SessionHistory(history_path(hass))
    last_seen = DAY + timedelta(hours=1)
    record = SessionRecord(
        entry_id=central.entry_id,
        charger_id="CP1",
        transaction_id="999",
        connector_id=1,
        started_at=DAY,
        energy_wh=2500.0,
        updated_at=last_seen,
    )
    await hass.async_add_executor_job(history.save, record)
    await hass.async_add_executor_job(history.close)
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    (closed,) = await sessions(hass)
    assert datetime.fromisoformat(closed["end"]) == last_seen
    assert closed["energy_kwh"] == 2.5
