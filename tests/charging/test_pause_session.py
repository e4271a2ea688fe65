"""A pause ends with its session; the charge mode persists and decides for the next one.

The built-in charge control pauses with the same engine call as the Charge switch. When the
session ends, the engine lifts the pause; a new session gets what its charge mode decides, written
afresh. Real charger over a real WebSocket, time moved on with freezegun.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.control_helpers import (
    BASE_OPTIONS,
    REASON,
    SELECT,
    grid,
    limits,
    plug_in,
    set_mode,
)
from tests.helpers.smart_helpers import ConnectScripted, booted, engine

pytestmark = pytest.mark.usefixtures("hooked")

CHARGE = "switch.charger_cp1_charge"


@pytest.fixture
def options() -> dict[str, Any]:
    """The site options with a grid meter: the charge modes decide."""
    return dict(BASE_OPTIONS)


def shown(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def test_the_mode_pauses_the_next_session_again(
    hass: HomeAssistant, central: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    """Off pauses; the pause ends with the session, and Off pauses the next session anew."""
    grid(hass, 0)
    cp = await booted(hass, quiet_charger)
    tx = await plug_in(hass, cp)
    await set_mode(hass, "CP1", "off")
    assert (limits(cp), limits(cp, "TxProfile")) == ([0.0], [0.0])
    assert shown(hass, CHARGE) == "off"

    await cp.stop_transaction(tx, 2000, datetime.now(UTC).isoformat())
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not engine(central).state(1).paused
    assert cp.received("ClearChargingProfile") == [{"id": 1001}]

    tx = await cp.start_transaction(1, "TAG-1", 2000, datetime.now(UTC).isoformat())
    await hass.async_block_till_done(wait_background_tasks=True)
    assert engine(central).state(1).paused
    assert limits(cp, "TxProfile") == [0.0, 0.0]
    assert cp.received("SetChargingProfile")[-1]["csChargingProfiles"]["transactionId"] == tx
    assert (shown(hass, CHARGE), shown(hass, REASON), shown(hass, SELECT)) == ("off", "off", "off")


async def test_a_mode_that_charges_is_not_held_by_the_last_pause(
    hass: HomeAssistant, central: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    """Paused by hand in Fast mode: the next session charges at Fast's limit, switch on."""
    grid(hass, 0)
    cp = await booted(hass, quiet_charger)
    tx = await plug_in(hass, cp)
    await set_mode(hass, "CP1", "fast")
    assert limits(cp)[-1] == 32.0
    await hass.services.async_call("switch", "turn_off", {"entity_id": CHARGE}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert limits(cp)[-1] == 0.0

    await cp.stop_transaction(tx, 2000, datetime.now(UTC).isoformat())
    await hass.async_block_till_done(wait_background_tasks=True)
    assert limits(cp)[-1] == 32.0

    tx = await cp.start_transaction(1, "TAG-1", 2000, datetime.now(UTC).isoformat())
    await cp.status(1, "Charging")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (limits(cp)[-1], limits(cp, "TxProfile")[-1]) == (32.0, 32.0)
    assert (shown(hass, CHARGE), shown(hass, REASON)) == ("on", "fast")
