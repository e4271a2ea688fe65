"""The car's own word (OCPP 2.0.1, ISO 15118): its sensors, and the Cheapest plan that follows it.

A real Home Assistant with the integration and a real 2.0.1 charging station over WebSocket
(tests/charger_v201.py): the car's charging needs arrive as NotifyEVChargingNeeds during a session,
its phases in the session's TransactionEvents. The plan is asserted as the exact schedule the
station receives.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.control.config import (
    CONF_DEPARTURE_ENTITY,
    CONF_PRICE,
    CONF_TARGET_ENERGY,
)
from custom_components.ocpp_central.control.inputs import connector_departure
from custom_components.ocpp_central.csms.model import EvInfo
from tests.helpers.charger_v201_data import energy_201, meter_value
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.control_helpers import (
    BASE_OPTIONS,
    REASON,
    advance,
    entity,
    service,
    set_mode,
)
from tests.helpers.drivers import DETECTION_CALL, booted_driver
from tests.helpers.household import DEPARTURE, PRICE, T0
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.usefixtures("hooked")

ONE_HOUR_WH = 32 * 3 * 230  # the charger's maximum current on three phases for an hour
# A new schedule goes out one write interval (30 s) after the previous one.
WRITE_INTERVAL_S = 30

S = "sensor.charger_cp1_"
EV_SENSORS = {
    "departure": S + "ev_departure_time",
    "energy": S + "ev_energy_requested",
    "capacity": S + "ev_battery_capacity",
    "current": S + "ev_maximum_current",
    "phases": S + "ev_phases",
}

# The car leaves at 02:00 UTC and asks for three hours of charging.
CAR_DEPARTURE = "2026-11-26T02:00:00Z"
AC_NEEDS: dict[str, Any] = {
    "requested_energy_transfer": "AC_three_phase",
    "departure_time": CAR_DEPARTURE,
    "ac_charging_parameters": {
        "energy_amount": 3 * ONE_HOUR_WH,
        "ev_min_current": 6,
        "ev_max_current": 32,
        "ev_max_voltage": 400,
    },
}
DC_NEEDS: dict[str, Any] = {
    "requested_energy_transfer": "DC",
    "departure_time": CAR_DEPARTURE,
    "dc_charging_parameters": {
        "ev_max_current": 125,
        "ev_max_voltage": 450,
        "energy_amount": 3 * ONE_HOUR_WH,
        "ev_max_power": 50000,
        "state_of_charge": 40,
        "ev_energy_capacity": 77000,
    },
}
NEEDS = pytest.mark.parametrize("needs", [AC_NEEDS, DC_NEEDS], ids=["AC", "DC"])

# The site's plan: the two cheapest hours before 06:00 UTC, 03:00 (0.08) and 23:00 (0.09).
SITE_PLAN = (("now", 0.0), ("23:00", 32.0), ("00:00", 0.0), ("03:00", 32.0), ("04:00", 0.0))
SITE_UNTIL = "2026-11-26T06:00:00"
# The car's plan: its three cheapest hours before 02:00 UTC, 22:00 to 01:00.
CAR_PLAN = (("now", 0.0), ("22:00", 32.0), ("01:00", 0.0))
CAR_UNTIL = "2026-11-26T02:00:00"


# Site-wide: departure from an entity (06:00 UTC), two hours of charging.
SITE_OPTIONS: dict[str, Any] = {
    **BASE_OPTIONS,
    CONF_PRICE: PRICE,
    CONF_DEPARTURE_ENTITY: DEPARTURE,
    CONF_TARGET_ENERGY: 2 * ONE_HOUR_WH / 1000,
}


@pytest.fixture
def options() -> dict[str, Any]:
    """The household's site options (SITE_OPTIONS)."""
    return dict(SITE_OPTIONS)


async def station(hass: HomeAssistant, connect_v201: ConnectAnyFn) -> Any:
    """CP1, a 2.0.1 station, booted with its quirks read and Available; calls forgotten."""
    return await booted_driver(hass, await connect_v201("CP1"))


async def plug_in(
    hass: HomeAssistant, cp: Any, tx_id: str = "TX-1", *, meter_wh: float = 10000, **fields: Any
) -> None:
    """A car is plugged in and a session starts (its first TransactionEvent)."""
    await cp.status(1, "Preparing")
    cp.transactions[1] = tx_id
    now = dt_util.utcnow().isoformat()
    await cp.transaction_event(
        "Started",
        1,
        "CablePluggedIn",
        timestamp=now,
        charging_state="EVConnected",
        meter_value=[meter_value(now, energy_201(meter_wh, "Transaction.Begin"))],
        **fields,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def tell(hass: HomeAssistant, cp: Any, needs: dict[str, Any]) -> Any:
    """The car's charging needs, as the station passes them on."""
    answer = await cp.call(cp.call_module.NotifyEVChargingNeeds(evse_id=1, charging_needs=needs))
    await hass.async_block_till_done(wait_background_tasks=True)
    return answer


async def end_session(hass: HomeAssistant, cp: Any, *, meter_wh: float = 10000) -> None:
    """The session ends; the car is still plugged in."""
    now = dt_util.utcnow().isoformat()
    await cp.transaction_event(
        "Ended",
        1,
        "StopAuthorized",
        timestamp=now,
        charging_state="EVConnected",
        stopped_reason="Local",
        meter_value=[meter_value(now, energy_201(meter_wh, "Transaction.End"))],
    )
    del cp.transactions[1]
    await hass.async_block_till_done(wait_background_tasks=True)


async def charged(hass: HomeAssistant, cp: Any, meter_wh: float) -> None:
    """The session's meter reading (register in Wh)."""
    now = dt_util.utcnow().isoformat()
    await cp.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        meter_value=[meter_value(now, energy_201(meter_wh, "Sample.Periodic"))],
    )
    await hass.async_block_till_done(wait_background_tasks=True)


def states(hass: HomeAssistant) -> dict[str, str | None]:
    """The EV sensors' states; None for one that does not exist."""
    return {
        name: (found.state if (found := hass.states.get(entity_id)) else None)
        for name, entity_id in EV_SENSORS.items()
    }


def schedules(cp: Any) -> list[dict[str, Any]]:
    """Every TxDefaultProfile the station received, as sent."""
    return [
        p["chargingProfile"]
        for p in cp.received("SetChargingProfile")
        if p["chargingProfile"]["chargingProfilePurpose"] == "TxDefaultProfile"
    ]


def assert_schedule(profile: dict[str, Any], valid_to: str, *pairs: tuple[str, float]) -> None:
    """One pushed 2.0.1 schedule, exactly: validTo, and (UTC time of day, limit) per period."""
    [schedule] = profile["chargingSchedule"]
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["validTo"] == f"{valid_to}Z"
    assert schedule["chargingRateUnit"] == "A"
    start = dt_util.parse_datetime(schedule["startSchedule"])
    assert start is not None
    assert timedelta(0) <= dt_util.utcnow() - start <= timedelta(minutes=1)
    timeline = [
        (
            "now"
            if n == 0
            else (start + timedelta(seconds=period["startPeriod"])).strftime("%H:%M"),
            period["limit"],
        )
        for n, period in enumerate(schedule["chargingSchedulePeriod"])
    ]
    assert timeline == list(pairs)


# --- the model and the sensors -----------------------------------------------------------


@NEEDS
async def test_sensors_show_the_cars_word_until_the_session_ends(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    needs: dict[str, Any],
) -> None:
    """Every field of the car's needs goes into the model; the sensors exist once told, exactly.

    At the session's end the car's word is gone: the sensors show unknown, the model is blank.
    """
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    assert set(states(hass).values()) == {None}  # nothing told yet: no entities

    answer = await tell(hass, cp, needs)
    assert answer.status == "Rejected"  # we offer no ISO 15118 schedule of our own
    connector = central.runtime_data.coordinators["CP1"].charger.connectors[1]
    departure = datetime(2026, 11, 26, 2, tzinfo=UTC)
    if "ac_charging_parameters" in needs:
        assert connector.ev == EvInfo(
            departure_time=departure,
            energy_requested_wh=3 * ONE_HOUR_WH,
            min_current_a=6,
            max_current_a=32,
            max_voltage_v=400,
        )
        told = {"energy": "66.24", "capacity": None, "current": "32.0"}
    else:
        assert connector.ev == EvInfo(
            departure_time=departure,
            energy_requested_wh=3 * ONE_HOUR_WH,
            energy_capacity_wh=77000,
            max_current_a=125,
            max_power_w=50000,
            max_voltage_v=450,
        )
        assert hass.states.get(S + "state_of_charge").state == "40.0"
        told = {"energy": "66.24", "capacity": "77.0", "current": "125.0"}
    assert states(hass) == {"departure": "2026-11-26T02:00:00+00:00", "phases": None, **told}

    # The phases in use come with the session's events.
    await cp.transaction_event("Updated", 1, "ChargingStateChanged", number_of_phases_used=3)
    await hass.async_block_till_done()
    assert states(hass)["phases"] == "3"

    await end_session(hass, cp)
    assert connector.ev == EvInfo()
    assert states(hass) == {
        name: (None if value is None else STATE_UNKNOWN)
        for name, value in {"departure": "", "phases": "", **told}.items()
    }
    # Unavailable while the station is away, like every entity of it.
    await cp._connection.close()
    await wait_for(lambda: hass.states.get(EV_SENSORS["departure"]).state == STATE_UNAVAILABLE)


async def test_units_categories_and_snapshot(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The five EV sensors of a DC car that told everything: registry entries and states."""
    freezer.move_to(T0)
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp, number_of_phases_used=3)
    await tell(hass, cp, DC_NEEDS)
    for entity_id in sorted(EV_SENSORS.values()):
        entry = entity_registry.async_get(entity_id)
        assert entry == snapshot(name=f"{entity_id}-entry")
        assert hass.states.get(entity_id) == snapshot(name=f"{entity_id}-state")


async def test_car_word_kept_before_the_session_and_dropped_when_the_car_leaves(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """Needs told before the session starts stay for it; a new message replaces the old word."""
    cp = await station(hass, connect_v201)
    await cp.status(1, "Preparing")
    await tell(hass, cp, AC_NEEDS)
    await plug_in(hass, cp)
    assert states(hass)["energy"] == "66.24"

    # The car's new word says nothing of a departure: the old one is gone.
    await tell(
        hass,
        cp,
        {
            "requested_energy_transfer": "AC_single_phase",
            "ac_charging_parameters": {
                "energy_amount": 5000,
                "ev_min_current": 6,
                "ev_max_current": 16,
                "ev_max_voltage": 230,
            },
        },
    )
    assert states(hass) == {
        "departure": STATE_UNKNOWN,
        "energy": "5.0",
        "capacity": None,
        "current": "16.0",
        "phases": None,
    }

    # The car leaves (the session goes on, as the station may keep it open): its word goes.
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    assert states(hass) == {
        "departure": STATE_UNKNOWN,
        "energy": STATE_UNKNOWN,
        "capacity": None,
        "current": STATE_UNKNOWN,
        "phases": None,
    }


async def test_entities_come_back_after_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """Once told, a connector keeps its EV sensors across restarts (unknown until told again)."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await tell(hass, cp, AC_NEEDS)
    await cp._connection.close()
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    # Its configuration was read at the first boot and is stored per firmware (9caf94d, issue 12):
    # the same firmware after a restart is not read again.
    cp = await connect_v201("CP1")
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert cp.received(DETECTION_CALL["2.0.1"]) == []
    assert states(hass) == {
        "departure": STATE_UNKNOWN,
        "energy": STATE_UNKNOWN,
        "capacity": None,
        "current": STATE_UNKNOWN,
        "phases": None,
    }


# --- the Cheapest plan ---------------------------------------------------------------------


@NEEDS
@pytest.mark.usefixtures("stockholm")
async def test_cheapest_plan_follows_the_cars_departure_and_energy(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
    needs: dict[str, Any],
) -> None:
    """Nothing set on the connector: the car's departure and energy win over the site's options.

    The car speaks after the plan was made: the plan is made again, exactly for the car.
    """
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await set_mode(hass, "CP1", "cheapest")
    [site] = schedules(cp)
    assert_schedule(site, SITE_UNTIL, *SITE_PLAN)

    await tell(hass, cp, needs)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 2
    assert_schedule(schedules(cp)[-1], CAR_UNTIL, *CAR_PLAN)
    reason = hass.states.get(REASON)
    assert reason.state == "plan_waiting"
    assert reason.attributes["planned_energy_kwh"] == pytest.approx(3 * ONE_HOUR_WH / 1000, 0.001)
    assert cp.received("RequestStopTransaction") == []


@pytest.mark.usefixtures("stockholm")
async def test_a_request_of_nothing_leaves_the_site_target(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """A car that asks for no energy has no word on it: its departure, the site's two hours."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    needs = {**AC_NEEDS, "ac_charging_parameters": {**AC_NEEDS["ac_charging_parameters"]}}
    needs["ac_charging_parameters"]["energy_amount"] = 0
    await tell(hass, cp, needs)
    assert states(hass)["energy"] == "0.0"
    await set_mode(hass, "CP1", "cheapest")
    [plan] = schedules(cp)
    assert_schedule(plan, CAR_UNTIL, ("now", 0.0), ("22:00", 32.0), ("00:00", 0.0))


@pytest.mark.usefixtures("stockholm")
async def test_the_cars_energy_counts_from_when_it_asked(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The car asks for what is still to come: energy charged before it asked does not count."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp, meter_wh=10000)
    await charged(hass, cp, 15000)  # 5 kWh before the car said anything
    await tell(hass, cp, AC_NEEDS)
    await set_mode(hass, "CP1", "cheapest")
    [plan] = schedules(cp)
    assert_schedule(plan, CAR_UNTIL, *CAR_PLAN)

    # An hour's worth charged since: two hours are left, 22:00 and 23:00 (a price change re-plans).
    await charged(hass, cp, 15000 + ONE_HOUR_WH)
    hass.states.async_set(PRICE, "0.31", hass.states.get(PRICE).attributes)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 2
    assert_schedule(schedules(cp)[-1], CAR_UNTIL, ("now", 0.0), ("22:00", 32.0), ("00:00", 0.0))


@pytest.mark.usefixtures("stockholm")
async def test_connector_settings_win_over_the_car(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Connector setting > the car's word > site option, for the departure and the energy alike."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await tell(hass, cp, AC_NEEDS)
    await set_mode(hass, "CP1", "cheapest")
    assert_schedule(schedules(cp)[-1], CAR_UNTIL, *CAR_PLAN)

    # The connector's departure, 04:00 Stockholm time (03:00 UTC): the car's three hours before it.
    await service(
        hass,
        "time",
        "set_value",
        {"entity_id": entity("time", "CP1", "departure_time"), "time": "04:00:00"},
    )
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 2
    assert_schedule(schedules(cp)[-1], "2026-11-26T03:00:00", *CAR_PLAN)

    # The connector's target, 1.5 hours: 23:00 and the second half of 22:00.
    await service(
        hass,
        "number",
        "set_value",
        {"entity_id": entity("number", "CP1", "target_energy"), "value": 33},
    )
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 3
    assert_schedule(
        schedules(cp)[-1], "2026-11-26T03:00:00", ("now", 0.0), ("22:30", 32.0), ("00:00", 0.0)
    )


@pytest.mark.usefixtures("stockholm")
async def test_the_next_session_plans_without_the_last_cars_word(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Once the session ended, the plan is the site's again, and so is the next session's."""
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await tell(hass, cp, AC_NEEDS)
    await set_mode(hass, "CP1", "cheapest")
    assert_schedule(schedules(cp)[-1], CAR_UNTIL, *CAR_PLAN)

    await end_session(hass, cp)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 2
    assert_schedule(schedules(cp)[-1], SITE_UNTIL, *SITE_PLAN)
    await cp.status(1, "Available")
    await plug_in(hass, cp, "TX-2")
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert_schedule(schedules(cp)[-1], SITE_UNTIL, *SITE_PLAN)


CAR_AT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("own", "car", "expected"),
    [
        (None, CAR_AT, "2026-11-26T03:00:00+01:00"),  # the car's word, before the site's
        (time(6, 15), CAR_AT, "2026-11-26T06:15:00+01:00"),  # the connector's, before the car's
        (None, datetime(2026, 11, 25, 17, 0, tzinfo=UTC), "2026-11-26T07:00:00+01:00"),  # passed
        (None, None, "2026-11-26T07:00:00+01:00"),  # no word: the site's entity (06:00 UTC)
    ],
)
async def test_departure_order(
    hass: HomeAssistant, own: time | None, car: datetime | None, expected: str
) -> None:
    """Connector setting > the car's departure while still ahead > the site's (19:00 now)."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    found = connector_departure(hass, {CONF_DEPARTURE_ENTITY: DEPARTURE}, T0, own, car)
    assert found is not None
    assert dt_util.as_local(found).isoformat() == expected
