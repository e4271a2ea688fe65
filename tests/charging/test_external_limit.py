"""Limits another party puts on a charger (OCPP 2.0.1 NotifyChargingLimit / ClearedChargingLimit).

A real Home Assistant with the integration and a real 2.0.1 charging station over WebSocket
(tests/charger_v201.py). A local energy manager (EMS), the grid operator (SO) or another party
limits the station; the station tells us. The limit is kept in the model, shown by the connector's
External limit sensor, and the built-in controller never asks for more: asserted as the exact
SetChargingProfile payloads the station receives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.model import ExternalLimit, LimitPeriod
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.control_helpers import BASE_OPTIONS, REASON, advance, grid, set_mode
from tests.helpers.drivers import profile_for
from tests.platforms.test_ev_data import plug_in, station

pytestmark = pytest.mark.usefixtures("hooked")

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
EXTERNAL = "sensor.charger_cp1_external_limit"


@pytest.fixture
def options() -> dict[str, Any]:
    """The built-in controller with a grid meter."""
    return dict(BASE_OPTIONS)


@pytest.fixture(autouse=True)
def frozen(freezer: FrozenDateTimeFactory) -> None:
    """08:00 UTC; time moves only when a test moves it."""
    freezer.move_to(T0)


def schedule(
    unit: str, *periods: tuple[int, float], phases: int | None = None, **fields: Any
) -> dict[str, Any]:
    """One chargingSchedule as the station sends it (snake_case, for the ocpp package)."""
    return {
        "id": 1,
        "charging_rate_unit": unit,
        "charging_schedule_period": [
            {"start_period": start, "limit": limit}
            | ({} if phases is None else {"number_phases": phases})
            for start, limit in periods
        ],
        **fields,
    }


async def notify(
    hass: HomeAssistant, cp: Any, source: str, *schedules: dict[str, Any], evse_id: int | None = 1
) -> None:
    """The station tells that `source` limits it (evse_id None: the whole station)."""
    await cp.call(
        cp.call_module.NotifyChargingLimit(
            charging_limit={"charging_limit_source": source},
            charging_schedule=list(schedules) or None,
            evse_id=evse_id,
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def cleared(hass: HomeAssistant, cp: Any, source: str, evse_id: int | None = None) -> None:
    """The station tells that `source` no longer limits it."""
    await cp.call(
        cp.call_module.ClearedChargingLimit(charging_limit_source=source, evse_id=evse_id)
    )
    await hass.async_block_till_done(wait_background_tasks=True)


def shown(hass: HomeAssistant) -> tuple[str, str | None] | None:
    """The External limit sensor: state and source; None while it does not exist."""
    if (state := hass.states.get(EXTERNAL)) is None:
        return None
    return state.state, state.attributes.get("source")


def profiles(cp: Any) -> list[dict[str, Any]]:
    """Every SetChargingProfile the station received, exactly as sent."""
    return cp.received("SetChargingProfile")


def limit_profiles(limit: float, *, tx: str = "TX-1") -> list[dict[str, Any]]:
    """A limit as a 2.0.1 station receives it now in a session: TxDefaultProfile, then TxProfile.

    The schedule starts a minute ago (a station's clock may lag).
    """
    start = (dt_util.utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        profile_for("2.0.1", "TxDefaultProfile", [(0, limit)], start=start),
        profile_for("2.0.1", "TxProfile", [(0, limit)], transaction_id=tx, start=start),
    ]


# --- the model and the sensor -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "told", "evse_id", "periods", "expected"),
    [
        # The energy manager, 10 A per phase on EVSE 1.
        ("EMS", schedule("A", (0, 10)), 1, (LimitPeriod(T0, None, 10.0, "A", 3),), "10.0"),
        # The grid operator, 6.9 kW for the whole station: 10 A on three phases at 230 V.
        ("SO", schedule("W", (0, 6900)), None, (LimitPeriod(T0, None, 6900.0, "W", 3),), "10.0"),
        # 3.68 kW on one phase: 16 A.
        (
            "Other",
            schedule("W", (0, 3680), phases=1),
            1,
            (LimitPeriod(T0, None, 3680.0, "W", 1),),
            "16.0",
        ),
    ],
    ids=["amps", "watts-station", "watts-one-phase"],
)
async def test_sensor_shows_the_limit_in_force(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    entity_registry: er.EntityRegistry,
    source: str,
    told: dict[str, Any],
    evse_id: int | None,
    periods: tuple[LimitPeriod, ...],
    expected: str,
) -> None:
    """The limit goes into the model as told; the sensor exists once one was reported, exactly."""
    cp = await station(hass, connect_v201)
    assert shown(hass) is None

    await notify(hass, cp, source, told, evse_id=evse_id)
    charger = central.runtime_data.coordinators["CP1"].charger
    assert charger.connectors[evse_id or 0].external_limits == {
        source: ExternalLimit(source=source, set_at=T0, periods=periods)
    }
    assert shown(hass) == (expected, source.lower())
    entry = entity_registry.async_get(EXTERNAL)
    assert entry is not None
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    assert entry.unit_of_measurement == "A"
    assert entry.translation_key == "external_limit"


async def test_cleared_per_source_and_evse(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """The lowest limit in force shows; each source is cleared on its own, on its EVSE or all."""
    cp = await station(hass, connect_v201)
    await notify(hass, cp, "EMS", schedule("A", (0, 10)), evse_id=1)
    await notify(hass, cp, "SO", schedule("A", (0, 16)), evse_id=None)
    assert shown(hass) == ("10.0", "ems")

    # A source's new word replaces its old one.
    await notify(hass, cp, "EMS", schedule("A", (0, 20)), evse_id=1)
    assert shown(hass) == ("16.0", "so")
    await notify(hass, cp, "EMS", schedule("A", (0, 12)), evse_id=1)
    assert shown(hass) == ("12.0", "ems")

    # Another EVSE's clearing leaves EVSE 1 alone; its own ends the EMS limit.
    await cleared(hass, cp, "EMS", evse_id=2)
    assert shown(hass) == ("12.0", "ems")
    await cleared(hass, cp, "EMS", evse_id=1)
    assert shown(hass) == ("16.0", "so")

    # No EVSE named: that source is gone everywhere. The sensor stays, unknown.
    await cleared(hass, cp, "SO")
    assert shown(hass) == (STATE_UNKNOWN, None)
    charger = central.runtime_data.coordinators["CP1"].charger
    assert all(not connector.external_limits for connector in charger.connectors.values())


async def test_a_reboot_clears_every_limit(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """Others' limits do not outlive the station's reboot (it would tell them again)."""
    cp = await station(hass, connect_v201)
    await notify(hass, cp, "EMS", schedule("A", (0, 10)), evse_id=1)
    await notify(hass, cp, "SO", schedule("W", (0, 6900)), evse_id=None)
    assert shown(hass) == ("10.0", "ems")
    await cp.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert shown(hass) == (STATE_UNKNOWN, None)
    charger = central.runtime_data.coordinators["CP1"].charger
    assert all(not connector.external_limits for connector in charger.connectors.values())


async def test_a_schedule_runs_its_periods_and_ends(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """16 A for an hour, then 8 A until the schedule's two hours are over: then no limit."""
    cp = await station(hass, connect_v201)
    told = schedule("A", (3600, 8), (0, 16), start_schedule="2026-11-25T08:00:00Z", duration=7200)
    await notify(hass, cp, "EMS", told)
    assert shown(hass) == ("16.0", "ems")
    for minutes, expected in (
        (59, ("16.0", "ems")),
        (60, ("8.0", "ems")),
        (120, (STATE_UNKNOWN, None)),
    ):
        freezer.move_to(T0 + timedelta(minutes=minutes))
        await cp.heartbeat()
        await hass.async_block_till_done()
        assert shown(hass) == expected, minutes


async def test_our_own_profiles_are_no_outside_limit(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """CSO is the central system itself: nothing is kept, no sensor appears."""
    cp = await station(hass, connect_v201)
    await notify(hass, cp, "CSO", schedule("A", (0, 6)))
    assert shown(hass) is None
    charger = central.runtime_data.coordinators["CP1"].charger
    assert all(not connector.external_limits for connector in charger.connectors.values())


# --- the built-in controller ---------------------------------------------------------------


async def test_fast_mode_stays_under_the_limit(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Fast asks for the charger's 32 A, but never more than another party allows."""
    grid(hass, 0)
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await notify(hass, cp, "EMS", schedule("A", (0, 10.05)))
    await set_mode(hass, "CP1", "fast")
    assert profiles(cp) == limit_profiles(10.0)  # in the 0.1 A steps of a profile
    reason = hass.states.get(REASON)
    assert (reason.state, reason.attributes["mode"]) == ("external_limit", "fast")

    # Cleared: the charger's maximum, as Fast is (after the write interval).
    await cleared(hass, cp, "EMS")
    await advance(hass, freezer, 30, 0)
    assert profiles(cp)[2:] == limit_profiles(32.0)
    assert hass.states.get(REASON).state == "fast"

    # The grid operator leaves less than the minimum current: no car can charge, paused.
    await notify(hass, cp, "SO", schedule("W", (0, 3000)), evse_id=None)  # 4.3 A
    assert profiles(cp)[4:] == limit_profiles(0.0)
    assert hass.states.get(REASON).state == "external_limit"

    # A limit in W on three phases: 4.14 kW is 6 A (a resume goes out at once).
    await notify(hass, cp, "SO", schedule("W", (0, 4140)), evse_id=None)
    assert profiles(cp)[6:] == limit_profiles(6.0)
    assert hass.states.get(REASON).state == "external_limit"
    assert cp.received("RequestStopTransaction") == []


async def test_solar_mode_stays_under_the_limit(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    freezer: FrozenDateTimeFactory,
) -> None:
    """9 kW of surplus would give 13 A; the energy manager allows 8 A."""
    grid(hass, -9000)
    cp = await station(hass, connect_v201)
    await plug_in(hass, cp)
    await notify(hass, cp, "EMS", schedule("A", (0, 8)))
    await set_mode(hass, "CP1", "solar")
    assert profiles(cp) == limit_profiles(0.0)  # waiting for the start delay
    await advance(hass, freezer, 60, -9000)
    assert profiles(cp)[2:] == limit_profiles(8.0)
    assert hass.states.get(REASON).state == "external_limit"


async def test_the_limit_survives_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: ConnectAnyFn
) -> None:
    """The station does not tell it again when it reconnects: the limit is kept across restarts."""
    cp = await station(hass, connect_v201)
    await notify(hass, cp, "EMS", schedule("A", (0, 10)))
    await cp._connection.close()
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(EXTERNAL).state == STATE_UNAVAILABLE

    # Back without a reboot (no BootNotification): the limit still holds.
    cp = await connect_v201("CP1")
    await cp.heartbeat()
    await hass.async_block_till_done()
    assert shown(hass) == ("10.0", "ems")
