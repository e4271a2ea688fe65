"""The built-in charge control in a real Home Assistant: modes, inputs, repairs, reason, schedules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, mock_restore_cache

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.control.core.modes import ChargeMode
from tests.helpers.control_helpers import (
    BASE_OPTIONS,
    REASON,
    SELECT,
    advance,
    grid,
    limits,
    meter,
    plug_in,
)
from tests.helpers.smart_helpers import ConnectScripted, booted

pytestmark = pytest.mark.usefixtures("hooked")


@pytest.fixture
def options() -> dict[str, Any]:
    return dict(BASE_OPTIONS)


async def select_mode(hass: HomeAssistant, mode: str) -> None:
    await hass.services.async_call(
        "select", "select_option", {"entity_id": SELECT, "option": mode}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_external_by_default_and_nothing_is_sent(
    hass: HomeAssistant, central: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    grid(hass, -9000)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    state = hass.states.get(SELECT)
    assert state is not None and state.state == "external"
    assert state.attributes["options"] == [mode.value for mode in ChargeMode]
    assert hass.states.get(REASON).state == "external"
    assert cp.received("SetChargingProfile") == []


async def test_solar_pauses_waits_and_follows_the_surplus(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 300)
    cp = await booted(hass, quiet_charger)
    tx_id = await plug_in(hass, cp)
    await select_mode(hass, "solar")
    # No surplus: paused at once with 0 A; the session goes on.
    assert limits(cp) == [0.0]
    assert limits(cp, "TxProfile") == [0.0]
    assert hass.states.get(REASON).state == "no_surplus"
    assert hass.states.get(SELECT).state == "solar"

    await advance(hass, freezer, 30, -5000)
    reason = hass.states.get(REASON)
    assert reason.state == "waiting_for_surplus"
    assert 20 <= reason.attributes["timer_remaining"] <= 40
    assert reason.attributes["mode"] == "solar"
    await advance(hass, freezer, 40, -5000)
    assert limits(cp)[-1] == 7.0  # 5 kW over three phases, whole amps
    assert hass.states.get(REASON).state == "solar"

    # The car draws it (the charger reports a few seconds later); more sun: the limit follows
    # after the write interval.
    await advance(hass, freezer, 5, -170)
    await meter(hass, cp, 7.0, tx_id)
    await advance(hass, freezer, 40, -2000)
    assert limits(cp)[-1] == 9.0  # 2 kW + 7 A on three phases: 9.9 A, rounded down

    # A cloud: minimum current while the stop delay runs, then a pause. Never a stop.
    await advance(hass, freezer, 5, 0)
    await meter(hass, cp, 9.0, tx_id)
    await advance(hass, freezer, 30, 3000)
    assert limits(cp)[-1] == 6.0
    assert hass.states.get(REASON).state == "stopping"
    await meter(hass, cp, 6.0, tx_id)
    await advance(hass, freezer, 300, 3000)
    assert limits(cp)[-1] == 0.0
    assert cp.received("RemoteStopTransaction") == []
    assert cp.received("RemoteStartTransaction") == []


async def test_fast_off_and_start_without_a_session(
    hass: HomeAssistant, central: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    grid(hass, 0)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp, session=False)
    await select_mode(hass, "fast")
    assert limits(cp)[-1] == 32.0
    assert cp.received("RemoteStartTransaction")[0]["connectorId"] == 1
    assert hass.states.get(REASON).state == "fast"
    await select_mode(hass, "off")
    assert limits(cp)[-1] == 0.0
    assert hass.states.get(REASON).state == "off"
    assert cp.received("RemoteStopTransaction") == []


async def test_min_solar_holds_the_minimum(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 2000)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await select_mode(hass, "min_solar")
    assert limits(cp)[-1] == 6.0
    await advance(hass, freezer, 600, 2000)
    assert limits(cp)[-1] == 6.0
    assert hass.states.get(REASON).state == "min_solar"


async def test_missing_grid_meter_repair_and_safe_behaviour(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, -9000)
    cp = await booted(hass, quiet_charger)
    tx_id = await plug_in(hass, cp)
    await select_mode(hass, "solar")
    await advance(hass, freezer, 70, -9000)
    assert limits(cp)[-1] == 13.0
    await meter(hass, cp, 13.0, tx_id)

    hass.states.async_set("sensor.grid_power", STATE_UNAVAILABLE)
    await advance(hass, freezer, 10)
    # At once down to the minimum; never more without a reading.
    assert limits(cp)[-1] == 6.0
    assert hass.states.get(REASON).state == "input_unavailable"
    issue_id = f"control_input_{central.entry_id}_grid"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await advance(hass, freezer, 400)
    assert limits(cp)[-1] == 0.0
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_key == "control_input_unavailable"
    assert issue.translation_placeholders == {
        "entity": "sensor.grid_power",
        "input": "grid_power_entity",
    }
    # Back: the issue goes.
    await advance(hass, freezer, 10, -9000)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_stale_grid_meter_counts_as_missing(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, -9000)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await select_mode(hass, "solar")
    await advance(hass, freezer, 70, -9000)
    assert limits(cp)[-1] == 13.0
    # The meter stops reporting (no new state): after the input timeout, the minimum.
    await advance(hass, freezer, 90)
    assert limits(cp)[-1] == 6.0


async def test_mode_survives_a_restart(
    hass: HomeAssistant, config_entry: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    mock_restore_cache(hass, [State(SELECT, "off")])
    grid(hass, -9000)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    assert hass.states.get(SELECT).state == "off"
    assert limits(cp)[-1] == 0.0


async def test_options_change_applies_without_reload(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, -9000)
    hass.states.async_set("sensor.other_grid", "9", {"unit_of_measurement": "kW"})
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await select_mode(hass, "min_solar")
    control = central.runtime_data.control
    hass.config_entries.async_update_entry(
        central,
        options={**central.options, "grid_power_entity": "sensor.other_grid", "fuse_limit_a": 20},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert central.runtime_data.control is control
    assert control.sources.grid is not None and control.sources.grid.entity_ids == (
        "sensor.other_grid",
    )
    assert control.core.settings.fuse_limit_a == 20
    # 9 kW import on a 20 A fuse: 13 A per phase of house load, 7 A left: the minimum fits.
    # The decrease goes out when the write interval has passed.
    assert limits(cp)[-1] == 13.0
    await advance(hass, freezer, 30)
    assert limits(cp)[-1] == 6.0
    assert hass.states.get(REASON).state == "min_solar"


async def test_unload_stops_listening(
    hass: HomeAssistant, central: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    control = central.runtime_data.control
    assert control is not None
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    assert control._unsubs == []
    freezer.tick(timedelta(seconds=30))
    grid(hass, 5)
    await hass.async_block_till_done()


async def test_refused_limit_is_written_again_later(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 300)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    cp.script.answers["SetChargingProfile"] = "Rejected"
    cp.script.answers["ChangeAvailability"] = "Rejected"
    cp.script.answers["RemoteStopTransaction"] = "Rejected"
    await select_mode(hass, "fast")
    # Refused: not asked again on every pass, but after the write interval.
    tried = len(cp.received("SetChargingProfile"))
    await advance(hass, freezer, 20, 300)
    assert len(cp.received("SetChargingProfile")) == tried
    cp.script.answers.clear()
    await advance(hass, freezer, 15, 300)
    assert limits(cp)[-1] == 32.0
