"""Session history edges: a running session on the calendar, an id tag added later, a wrong
device, an export that cannot be written, an unusable database file, and removing the entry."""

from __future__ import annotations

from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import CONF_ID_TAG, DOMAIN, SUBENTRY_ID_TAG
from custom_components.ocpp_central.control.history import history_path
from custom_components.ocpp_central.storage.sessions import SessionHistory, SessionQuery
from tests.helpers.scripted_charger import ConnectScripted
from tests.history.conftest import TEST_DAY, run_session, start_session, step

CALENDAR = "calendar.charger_cp1_sessions"


async def test_running_session_on_the_calendar_and_a_later_id_tag(
    hass: HomeAssistant,
    central: MockConfigEntry,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
) -> None:
    """On while it runs, the event ends now; a tag added later gets its sensors at once."""
    assert hass.states.get(CALENDAR).state == "off"  # type: ignore[union-attr]
    cp = await connect_scripted("CP1")
    await cp.boot()
    planned = TEST_DAY[0]
    tx_id = await start_session(hass, freezer, cp, planned, 100_000)
    await run_session(hass, freezer, cp, planned, tx_id, 100_000, minutes=2)
    state = hass.states.get(CALENDAR)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["message"] == "0.2 kWh · Anna's card"
    assert state.attributes["end_time"] == "2026-11-03 07:03:00"

    hass.config_entries.async_add_subentry(
        central,
        ConfigSubentry(
            data={CONF_ID_TAG: "bo-2"},  # type: ignore[arg-type]
            subentry_type=SUBENTRY_ID_TAG,
            title="Bo",
            unique_id="bo-2",
        ),
    )
    await hass.async_block_till_done()
    await step(hass, freezer, 2)
    assert hass.states.get("sensor.bo_energy_this_month").state == "0.0"  # type: ignore[union-attr]


async def test_unknown_device_and_unwritable_export(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "get_sessions", {"device_id": "nope"}, blocking=True, return_response=True
        )
    # A file where the export folder should be.
    await hass.async_add_executor_job(Path(hass.config.path(DOMAIN)).write_text, "x")
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "export_sessions", {}, blocking=True, return_response=True
        )
    assert raised.value.translation_key == "export_failed"


async def test_unusable_database_does_not_stop_the_chargers(
    hass: HomeAssistant,
    central: MockConfigEntry,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The history file is not a database (a disk error, a bad restore): logged; sessions still
    start and stop as usual."""
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_add_executor_job(history_path(hass).write_bytes, b"not a database" * 100)
    assert await hass.config_entries.async_setup(central.entry_id)
    await hass.async_block_till_done()
    assert "is unusable" in caplog.text
    cp = await connect_scripted("CP1")
    await cp.boot()
    tx_id = await start_session(hass, freezer, cp, TEST_DAY[0], 100_000)
    assert tx_id > 0
    assert "not written to" in caplog.text


async def test_removing_the_central_system_forgets_its_sessions(
    hass: HomeAssistant,
    central: MockConfigEntry,
    at_day_start: None,
    freezer: FrozenDateTimeFactory,
    connect_scripted: ConnectScripted,
) -> None:
    cp = await connect_scripted("CP1")
    await cp.boot()
    await start_session(hass, freezer, cp, TEST_DAY[0], 100_000)
    await hass.services.async_call(DOMAIN, "get_sessions", {}, blocking=True, return_response=True)
    assert await hass.config_entries.async_remove(central.entry_id)
    history = SessionHistory(history_path(hass))
    mine = SessionQuery(entry_ids=(central.entry_id,))
    assert await hass.async_add_executor_job(history.query, mine) == []
    await hass.async_add_executor_job(history.close)
