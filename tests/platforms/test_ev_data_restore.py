"""The car's own word (OCPP 2.0.1, ISO 15118) across a Home Assistant restart.

A car tells its departure and energy once (NotifyEVChargingNeeds); after a restart mid-session it
does not say them again. They are stored with the connector's other durable state, so the EV
sensors and the Cheapest plan still follow the car, asserted as the exact schedule the station
receives after the restart. They go exactly when they go without a restart: at the session's end,
and when the car leaves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.model import EvInfo
from custom_components.ocpp_central.storage.store import SAVE_DELAY_S, STORAGE_VERSION
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.control_helpers import REASON, advance, set_mode
from tests.platforms.test_ev_data import (
    AC_NEEDS,
    CAR_PLAN,
    CAR_UNTIL,
    ONE_HOUR_WH,
    SITE_OPTIONS,
    SITE_PLAN,
    SITE_UNTIL,
    WRITE_INTERVAL_S,
    assert_schedule,
    end_session,
    plug_in,
    schedules,
    states,
    station,
    tell,
)

pytestmark = pytest.mark.usefixtures("hooked", "stockholm")


@pytest.fixture
def options() -> dict[str, Any]:
    """The household's site options, as in test_ev_data.py."""
    return dict(SITE_OPTIONS)


TOLD = {
    "departure": "2026-11-26T02:00:00+00:00",
    "energy": "66.24",
    "capacity": None,
    "current": "32.0",
    "phases": None,
}
BLANK = {**TOLD, "departure": STATE_UNKNOWN, "energy": STATE_UNKNOWN, "current": STATE_UNKNOWN}


def stored_ev(hass_storage: dict[str, Any], entry: MockConfigEntry) -> dict[str, Any]:
    """The car's word of CP1's connector 1 as written to Home Assistant's store."""
    data = hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]
    ev: dict[str, Any] = data["chargers"]["CP1"]["connectors"]["1"]["ev"]
    return ev


async def restart(hass: HomeAssistant, entry: MockConfigEntry, cp: Any) -> None:
    """The station loses us; Home Assistant restarts (same store, new central system)."""
    await cp._connection.close()
    old = entry.runtime_data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data is not old


async def reconnect(hass: HomeAssistant, connect_v201: ConnectAnyFn, tx_id: str = "TX-1") -> Any:
    """The station comes back without a reboot, its session still running, the car still in."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = tx_id
    cp._seq[tx_id] = 10
    await cp.heartbeat()
    await cp.status(1, "Preparing")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def test_the_cheapest_plan_follows_the_car_after_a_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """After the restart the EV sensors show the car's word, and the plan is made for the car."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await tell(hass, cp, AC_NEEDS)
    await set_mode(hass, "CP1", "cheapest")
    assert_schedule(schedules(cp)[-1], CAR_UNTIL, *CAR_PLAN)

    await restart(hass, central, cp)
    assert stored_ev(hass_storage, central) == {
        "departure_time": "2026-11-26T02:00:00+00:00",
        "energy_requested_wh": 3 * ONE_HOUR_WH,
        "energy_capacity_wh": None,
        "min_current_a": 6,
        "max_current_a": 32,
        "max_power_w": None,
        "max_voltage_v": 400,
        "phases_used": None,
        "cable_max_current_a": None,
        "requested_at_session_wh": 0.0,
    }
    connector = central.runtime_data.coordinators["CP1"].charger.connectors[1]
    assert connector.ev == EvInfo(
        departure_time=datetime(2026, 11, 26, 2, tzinfo=UTC),
        energy_requested_wh=3 * ONE_HOUR_WH,
        min_current_a=6,
        max_current_a=32,
        max_voltage_v=400,
    )

    cp = await reconnect(hass, connect_v201)
    assert states(hass) == TOLD
    # The car's three hours before its 02:00 departure, not the site's two before 06:00: pushed
    # when the station is back, and nothing else after the write interval.
    [plan] = schedules(cp)
    assert_schedule(plan, CAR_UNTIL, *CAR_PLAN)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert all(later == plan for later in schedules(cp))
    reason = hass.states.get(REASON)
    assert reason.state == "plan_waiting"
    assert reason.attributes["planned_energy_kwh"] == pytest.approx(3 * ONE_HOUR_WH / 1000, 0.001)


async def test_the_car_word_ends_with_the_session_after_a_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Restored, the word still ends with its session; the next restart does not bring it back."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await tell(hass, cp, AC_NEEDS)
    await set_mode(hass, "CP1", "cheapest")
    await restart(hass, central, cp)
    cp = await reconnect(hass, connect_v201)
    assert states(hass) == TOLD

    await end_session(hass, cp)
    assert states(hass) == BLANK
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert_schedule(schedules(cp)[-1], SITE_UNTIL, *SITE_PLAN)

    await restart(hass, central, cp)
    assert stored_ev(hass_storage, central)["energy_requested_wh"] is None
    assert central.runtime_data.coordinators["CP1"].charger.connectors[1].ev == EvInfo()


async def test_the_car_leaving_is_stored_soon(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The car leaves: its word is gone from the store within the save delay, crash or not."""
    cp = await station(hass, connect_v201)
    await cp.status(1, "Preparing")
    await tell(hass, cp, AC_NEEDS)
    for _ in range(2):
        freezer.tick(timedelta(seconds=SAVE_DELAY_S + 1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert stored_ev(hass_storage, central)["energy_requested_wh"] == 3 * ONE_HOUR_WH

    await cp.status(1, "Available")
    await hass.async_block_till_done()
    for _ in range(2):
        freezer.tick(timedelta(seconds=SAVE_DELAY_S + 1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert stored_ev(hass_storage, central)["energy_requested_wh"] is None


async def test_data_stored_before_the_car_word_was_kept_loads(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A connector stored without "ev" (or "external_limits") loads, with the car's word blank."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}"] = {
        "version": STORAGE_VERSION,
        "key": f"{DOMAIN}.{config_entry.entry_id}",
        "data": {
            "transaction_id_reserved": 3,
            "chargers": {
                "CP1": {
                    "info": {},
                    "connectors": {
                        "1": {
                            "energy_raw_wh": 500.0,
                            "energy_offset_wh": 0.0,
                            "transaction": {
                                "transaction_id": "TX-9",
                                "connector_id": 1,
                                "id_tag": None,
                                "meter_start_wh": 100.0,
                                "started_at": "2026-11-25T17:00:00+00:00",
                            },
                            "seen_measurands": ["EV.energy_requested_wh"],
                        }
                    },
                }
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    connector = config_entry.runtime_data.coordinators["CP1"].charger.connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == "TX-9"
    assert connector.ev == EvInfo()
    assert connector.external_limits == {}
