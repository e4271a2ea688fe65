"""Session accounting end to end: a real charger's register, a grid meter and a price, the sensors.

The car draws 3600 W (1 Wh per second); the charger reports its register now and then, and each
step is split by what the grid did while it was counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_LAST_RESET, ATTR_STATE_CLASS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.control.config import CONF_GRID_POWER, CONF_PRICE
from tests.helpers.control_helpers import BASE_OPTIONS, GRID, grid, plug_in
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.smart_helpers import ConnectScripted, booted

pytestmark = pytest.mark.usefixtures("hooked")

PRICE = "sensor.electricity_price"
S = "sensor.charger_cp1_"
SOLAR = S + "session_solar_energy"
GRID_ENERGY = S + "session_grid_energy"
SHARE = S + "session_solar_share"
UNATTRIBUTED = S + "session_unattributed_energy"
COST = S + "session_grid_cost"
SESSION_SENSORS = (SOLAR, GRID_ENERGY, SHARE, UNATTRIBUTED, COST)
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def options() -> dict[str, Any]:
    return {**BASE_OPTIONS, CONF_PRICE: PRICE}


def price(hass: HomeAssistant, value: float) -> None:
    hass.states.async_set(PRICE, str(value), {"unit_of_measurement": "EUR/kWh"})


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: int, watts: float | None = None
) -> None:
    """Let time pass in 5 s steps, the grid meter reporting the same power at each (if given)."""
    for _ in range(seconds // 5):
        freezer.tick(timedelta(seconds=5))
        if watts is not None:
            grid(hass, watts)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def charging(hass: HomeAssistant, cp: ScriptedCharger) -> None:
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await hass.async_block_till_done(wait_background_tasks=True)


async def register(
    hass: HomeAssistant, cp: ScriptedCharger, tx_id: int | None, wh: float, watts: float = 3600
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


def shown(hass: HomeAssistant) -> dict[str, str]:
    """State of every session sensor, by its key."""
    states = {}
    for entity_id in SESSION_SENSORS:
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        states[entity_id.removeprefix(S + "session_")] = state.state
    return states


def attribute(hass: HomeAssistant, entity_id: str, name: str) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.attributes.get(name)


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload and set the entry up again: the sensors are restored from their saved state."""
    old = entry.runtime_data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old


async def test_session_accounting_through_sun_cloud_outage_restart_and_next_session(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    freezer.move_to(T0)
    grid(hass, -2000)
    price(hass, 2.0)
    cp = await booted(hass, quiet_charger)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await hass.async_block_till_done(wait_background_tasks=True)
    # Before any session: unknown.
    assert set(shown(hass).values()) == {STATE_UNKNOWN}
    tx_id = await plug_in(hass, cp)
    await charging(hass, cp)
    await register(hass, cp, tx_id, 1000)
    assert shown(hass) == {
        "solar_energy": "0.0",
        "grid_energy": "0.0",
        "solar_share": STATE_UNKNOWN,
        "unattributed_energy": "0.0",
        "grid_cost": "0.0",
    }
    started = T0.isoformat()
    assert attribute(hass, SOLAR, ATTR_LAST_RESET) == started
    assert attribute(hass, SHARE, "transaction_id") == str(tx_id)
    assert attribute(hass, SHARE, "session_start") == started
    assert attribute(hass, SHARE, "session_end") is None

    # A sunny minute: 2 kW exported while the car draws 3.6 kW. All of it is solar.
    await tick(hass, freezer, 60, -2000)
    await register(hass, cp, tx_id, 1060)
    assert shown(hass)["solar_energy"] == "0.06"
    assert shown(hass)["solar_share"] == "100.0"

    # A cloud: 1.8 kW imported, half the car's power, at 2.0 EUR/kWh, after 30 s at 3.0.
    grid(hass, 1800)
    await hass.async_block_till_done()
    await tick(hass, freezer, 30, 1800)
    price(hass, 3.0)
    await hass.async_block_till_done()
    await tick(hass, freezer, 30, 1800)
    await register(hass, cp, tx_id, 1120)
    # 15 Wh at 2.0 and 15 Wh at 3.0 per kWh.
    assert shown(hass) == {
        "solar_energy": "0.09",
        "grid_energy": "0.03",
        "solar_share": "75.0",
        "unattributed_energy": "0.0",
        "grid_cost": "0.075",
    }

    # The grid meter goes away for a minute: that minute's energy is neither solar nor grid.
    hass.states.async_set(GRID, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    await tick(hass, freezer, 60)
    await register(hass, cp, tx_id, 1180)
    before_restart = {
        "solar_energy": "0.09",
        "grid_energy": "0.03",
        "solar_share": "75.0",
        "unattributed_energy": "0.06",
        "grid_cost": "0.075",
    }
    assert shown(hass) == before_restart

    # Home Assistant restarts: the accounts come back as they were, nothing is counted twice.
    await restart(hass, central)
    assert shown(hass) == before_restart
    assert attribute(hass, SOLAR, ATTR_LAST_RESET) == started
    assert attribute(hass, SHARE, "transaction_id") == str(tx_id)
    grid(hass, -2000)
    await hass.async_block_till_done()
    cp = await booted(hass, quiet_charger)
    await charging(hass, cp)
    # 20 Wh were counted across the restart: not attributed. Then the sun again.
    await register(hass, cp, tx_id, 1200)
    assert shown(hass)["unattributed_energy"] == "0.08"
    await tick(hass, freezer, 60, -2000)
    await register(hass, cp, tx_id, 1260)
    assert shown(hass)["solar_energy"] == "0.15"

    # The session ends: the stop reading's last 30 Wh count, and the totals stay.
    await tick(hass, freezer, 30, -2000)
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id, meter_stop=1290, timestamp=datetime.now(UTC).isoformat()
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    ended = {
        "solar_energy": "0.18",
        "grid_energy": "0.03",
        "solar_share": "85.7",
        "unattributed_energy": "0.08",
        "grid_cost": "0.075",
    }
    assert shown(hass) == ended
    assert attribute(hass, SHARE, "session_end") == (T0 + timedelta(seconds=270)).isoformat()
    await tick(hass, freezer, 60, 5000)
    assert shown(hass) == ended

    # The next session starts from zero, with its own start as last reset.
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag="TAG-1",
            meter_start=1290,
            timestamp=datetime.now(UTC).isoformat(),
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert shown(hass) == {
        "solar_energy": "0.0",
        "grid_energy": "0.0",
        "solar_share": STATE_UNKNOWN,
        "unattributed_energy": "0.0",
        "grid_cost": "0.0",
    }
    next_start = (T0 + timedelta(seconds=330)).isoformat()
    assert attribute(hass, SOLAR, ATTR_LAST_RESET) == next_start
    assert attribute(hass, COST, ATTR_LAST_RESET) == next_start
    assert attribute(hass, SHARE, "transaction_id") == str(answer.transaction_id)
    assert attribute(hass, SHARE, "session_end") is None

    # What the sensors are: totals from the session's start, the cost in Home Assistant's currency.
    for entity_id in (SOLAR, GRID_ENERGY, UNATTRIBUTED):
        assert attribute(hass, entity_id, ATTR_STATE_CLASS) == "total"
        assert attribute(hass, entity_id, ATTR_DEVICE_CLASS) == "energy"
        assert attribute(hass, entity_id, ATTR_UNIT_OF_MEASUREMENT) == "kWh"
    assert attribute(hass, COST, ATTR_DEVICE_CLASS) == "monetary"
    assert attribute(hass, COST, ATTR_STATE_CLASS) == "total"
    assert attribute(hass, COST, ATTR_UNIT_OF_MEASUREMENT) == hass.config.currency
    assert attribute(hass, SHARE, ATTR_UNIT_OF_MEASUREMENT) == "%"
    assert attribute(hass, SHARE, ATTR_STATE_CLASS) is None
    categories = {
        entity_id: entry.entity_category
        for entity_id in SESSION_SENSORS
        if (entry := entity_registry.async_get(entity_id)) is not None
    }
    assert categories == {
        SOLAR: None,
        GRID_ENERGY: None,
        SHARE: None,
        COST: None,
        UNATTRIBUTED: EntityCategory.DIAGNOSTIC,
    }


@pytest.mark.parametrize(
    "options", [{k: v for k, v in BASE_OPTIONS.items() if k != CONF_GRID_POWER}]
)
async def test_session_sensors_follow_the_inputs(
    hass: HomeAssistant, central: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    """No grid meter: no session sensors; a grid meter: all but the cost; a price: the cost too."""
    config_entry = central
    grid(hass, -2000)
    cp = await booted(hass, quiet_charger)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(S + "control_reason") is not None
    assert [e for e in SESSION_SENSORS if hass.states.get(e) is not None] == []

    hass.config_entries.async_update_entry(config_entry, options=dict(BASE_OPTIONS))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e for e in SESSION_SENSORS if hass.states.get(e) is not None] == [
        SOLAR,
        GRID_ENERGY,
        SHARE,
        UNATTRIBUTED,
    ]

    hass.config_entries.async_update_entry(
        config_entry, options={**BASE_OPTIONS, CONF_PRICE: PRICE}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e for e in SESSION_SENSORS if hass.states.get(e) is not None] == list(SESSION_SENSORS)
