"""How often the site controller runs: one pass per meter reading, none more for its own news.

A real charger over a real WebSocket, in frozen time (the shared `hooked` harness). Every reading
wakes the controller (the charger's coordinator tells its listeners); the pass then explains the
connector anew (a timer runs on), and that news goes to the reason sensor without waking the
controller again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.control.controller import SiteController, connector_key
from custom_components.ocpp_central.control.core.modes import Explanation, Reason
from tests.helpers.control_helpers import BASE_OPTIONS, REASON, SELECT, grid, meter, plug_in
from tests.helpers.smart_helpers import ConnectScripted, booted

pytestmark = pytest.mark.usefixtures("hooked")
KEY = connector_key("CP1", 1)


@pytest.fixture
def options() -> dict[str, Any]:
    return dict(BASE_OPTIONS)


def count_passes(control: SiteController) -> Callable[[], int]:
    """Count the controller's passes from now on; the passes themselves run as before."""
    passes = 0
    run = control.async_run

    def counted() -> None:
        nonlocal passes
        passes += 1
        run()

    control.async_run = counted  # type: ignore[method-assign]
    return lambda: passes


async def test_a_meter_reading_makes_one_pass(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    control = central.runtime_data.control
    # A surplus: Solar waits out its start delay (60 s), so each pass has a new remaining time.
    grid(hass, -5000)
    cp = await booted(hass, quiet_charger)
    tx_id = await plug_in(hass, cp)
    await hass.services.async_call(
        "select", "select_option", {"entity_id": SELECT, "option": "solar"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert control.explanation(KEY) == Explanation(Reason.WAITING_FOR_SURPLUS, timer_s=60.0)
    passes = count_passes(control)

    # A reading every 7 s: past the 5 s in which a reading may not show the last write yet.
    for reading in range(1, 4):
        freezer.tick(timedelta(seconds=7))
        # The floor cadence (a pass every 10 s) runs its own pass first, when one is due.
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        before = passes()
        await meter(hass, cp, 0.0, tx_id)
        assert passes() == before + 1
        remaining = 60.0 - 7 * reading
        assert control.explanation(KEY) == Explanation(
            Reason.WAITING_FOR_SURPLUS, timer_s=remaining
        )
        state = hass.states.get(REASON)
        assert state is not None and state.state == "waiting_for_surplus"
        assert state.attributes["timer_remaining"] == -(-remaining // 10) * 10


async def test_a_grid_reading_of_the_same_power_makes_a_pass(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A meter that reports the same power again took a reading all the same: Home Assistant
    tells it as a report (no state change), and the pass that reading is due runs on it."""
    control = central.runtime_data.control
    grid(hass, -5000)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await hass.services.async_call(
        "select", "select_option", {"entity_id": SELECT, "option": "solar"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert control.explanation(KEY) == Explanation(Reason.WAITING_FOR_SURPLUS, timer_s=60.0)
    passes = count_passes(control)

    for reading in range(1, 3):
        freezer.tick(timedelta(seconds=4))
        grid(hass, -5000)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert passes() == reading
        assert control.explanation(KEY) == Explanation(
            Reason.WAITING_FOR_SURPLUS, timer_s=60.0 - 4 * reading
        )
