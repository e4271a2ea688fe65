"""A car park's passes: every reading asks for a pass, but passes are PASS_SPACING_S apart.

A pass reads every connector of the site; in a car park (more than CAR_PARK_CHARGERS chargers)
a pass per message would cost chargers x messages. A real charger over a real WebSocket among
21 configured chargers, in frozen time (freezegun moves the event loop's clock too).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.control.controller import (
    CAR_PARK_CHARGERS,
    PASS_SPACING_S,
    connector_key,
)
from tests.control.test_control_passes import count_passes
from tests.helpers.control_helpers import BASE_OPTIONS, SELECT, meter, plug_in
from tests.helpers.smart_helpers import ConnectScripted, booted
from tests.helpers.subentries import charger_subentry

pytestmark = pytest.mark.usefixtures("hooked")


@pytest.fixture
def options() -> dict[str, Any]:
    return dict(BASE_OPTIONS)


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 and enough other chargers to make a car park."""
    return [charger_subentry(f"CP{n}") for n in range(1, CAR_PARK_CHARGERS + 2)]


async def test_readings_within_the_spacing_make_one_pass(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    control = central.runtime_data.control
    cp = await booted(hass, quiet_charger)
    tx_id = await plug_in(hass, cp)
    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    passes = count_passes(control)

    # The first reading after a quiet spell gets its pass at once.
    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    await meter(hass, cp, 10.0, tx_id)
    assert passes() == 1
    # Three more within the spacing: no pass yet, one pass once the spacing is over.
    for amps in (11.0, 12.0, 13.0):
        await meter(hass, cp, amps, tx_id)
    assert passes() == 1
    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert passes() == 2


async def test_mode_changes_within_the_spacing_make_one_pass(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """As at startup, when every connector's mode is restored: one pass, not one per connector."""
    control = central.runtime_data.control
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    passes = count_passes(control)

    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    for option in ("solar", "fast", "solar"):
        await hass.services.async_call(
            "select", "select_option", {"entity_id": SELECT, "option": option}, blocking=True
        )
        await hass.async_block_till_done()
    assert passes() == 1
    freezer.tick(timedelta(seconds=PASS_SPACING_S))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert passes() == 2
    assert control.mode(connector_key("CP1", 1)).value == "solar"
