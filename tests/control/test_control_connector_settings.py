"""Per-connector settings of the built-in controller: charge priority, departure time, target energy.

A real Home Assistant with the integration and two real OCPP 1.6 chargers over WebSocket.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import time, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.control.config import (
    CONF_DEPARTURE_ENTITY,
    CONF_DEPARTURE_TIME,
    CONF_FUSE_LIMIT,
    CONF_PRICE,
    CONF_TARGET_ENERGY,
)
from custom_components.ocpp_central.control.connector import ConnectorPreferences
from custom_components.ocpp_central.control.inputs import connector_departure
from tests.helpers.control_helpers import (
    BASE_OPTIONS,
    advance,
    assert_schedule,
    entity,
    grid,
    limits,
    meter,
    plug_in,
    schedules,
    service,
    set_mode,
)
from tests.helpers.household import DEPARTURE, PRICE, PRICES, T0, evening_in_stockholm
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.smart_helpers import ConnectScripted, booted
from tests.helpers.subentries import charger_subentry

pytestmark = pytest.mark.usefixtures("hooked")

ONE_HOUR_KWH = 32 * 3 * 230 / 1000  # the chargers' maximum current on three phases for an hour


def priority_of(charger_id: str) -> str:
    return entity("number", charger_id, "charge_priority")


def target_of(charger_id: str) -> str:
    return entity("number", charger_id, "target_energy")


def departure_of(charger_id: str) -> str:
    return entity("time", charger_id, "departure_time")


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [charger_subentry("CP1"), charger_subentry("CP2")]


@pytest.fixture
def options() -> dict[str, Any]:
    """Site-wide: departure from an entity (06:00 UTC), two hours of charging."""
    return {
        **BASE_OPTIONS,
        CONF_PRICE: PRICE,
        CONF_DEPARTURE_ENTITY: DEPARTURE,
        CONF_TARGET_ENERGY: 2 * ONE_HOUR_KWH,
    }


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """A Swedish household at 19:00 local time, with prices and the site-wide departure entity."""
    await evening_in_stockholm(hass, freezer)


async def set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await service(hass, "number", "set_value", {"entity_id": entity_id, "value": value})


async def set_departure(hass: HomeAssistant, charger_id: str, at: str) -> None:
    await service(hass, "time", "set_value", {"entity_id": departure_of(charger_id), "time": at})


# The site's plan: the two cheapest hours before 06:00 UTC, 03:00 (0.08) and 23:00 (0.09).
SITE_PLAN = (("now", 0.0), ("23:00", 32.0), ("00:00", 0.0), ("03:00", 32.0), ("04:00", 0.0))
SITE_UNTIL = "2026-11-26T06:00:00"
# Leaving at 04:00 Stockholm time (03:00 UTC): the two cheapest hours before, 22:00 and 23:00.
OWN_DEPARTURE_PLAN = (("now", 0.0), ("22:00", 32.0), ("00:00", 0.0))
OWN_UNTIL = "2026-11-26T03:00:00"
# Three hours before 03:00 UTC: 22:00, 23:00 and 00:00.
OWN_THREE_HOURS = (("now", 0.0), ("22:00", 32.0), ("01:00", 0.0))
# A new schedule goes out one write interval (30 s) after the previous one.
WRITE_INTERVAL_S = 30


async def two_chargers(hass: HomeAssistant, connect: ConnectScripted) -> list[ScriptedCharger]:
    """CP1 and CP2 booted, a car plugged into each with a session running."""
    chargers = [await booted(hass, connect, charger_id) for charger_id in ("CP1", "CP2")]
    for cp in chargers:
        await plug_in(hass, cp)
    return chargers


# --- priority -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priorities", "first"), [({"CP1": 0, "CP2": 5}, 1), ({"CP1": 7, "CP2": 2}, 0)]
)
async def test_surplus_goes_to_the_higher_priority_first(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    priorities: dict[str, int],
    first: int,
) -> None:
    """Surplus for one car only: the car with the higher priority gets it, the other waits."""
    grid(hass, -5000)
    chargers = [await booted(hass, quiet_charger, charger_id) for charger_id in ("CP1", "CP2")]
    sessions = [await plug_in(hass, cp) for cp in chargers]
    for charger_id, priority in priorities.items():
        await set_number(hass, priority_of(charger_id), priority)
        assert hass.states.get(priority_of(charger_id)).state == f"{priority:.1f}"
    for charger_id in priorities:
        await set_mode(hass, charger_id, "solar")
    winner, other = chargers[first], chargers[1 - first]

    await advance(hass, freezer, 70, -5000)
    assert limits(winner)[-1] == 7.0  # 5 kW over three phases, whole amps
    assert limits(other) == [0.0]
    # The winner draws it; what is left does not cover a second car's minimum.
    await meter(hass, winner, 7.0, sessions[first])
    await advance(hass, freezer, 300, -170)
    assert limits(winner)[-1] == 7.0
    assert limits(other) == [0.0]
    reason = hass.states.get(entity("sensor", other.id, "control_reason"))
    assert reason.state == "no_surplus"


@pytest.mark.parametrize(("high", "low"), [("CP2", "CP1"), ("CP1", "CP2")])
async def test_fuse_serves_the_higher_priority_first(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    high: str,
    low: str,
) -> None:
    """Two cars in Fast on a 40 A fuse: the higher priority gets its 32 A, the other the rest."""
    hass.config_entries.async_update_entry(
        central, options={**central.options, CONF_FUSE_LIMIT: 40}
    )
    grid(hass, 0)
    chargers = {cp.id: cp for cp in await two_chargers(hass, quiet_charger)}
    await set_number(hass, priority_of(high), 3)
    for charger_id in ("CP1", "CP2"):
        await set_mode(hass, charger_id, "fast")
    await advance(hass, freezer, 40)
    assert limits(chargers[high])[-1] == 32.0
    assert limits(chargers[low])[-1] == 8.0
    reason = hass.states.get(entity("sensor", low, "control_reason"))
    assert reason.state == "fuse_limit"


async def test_priority_survives_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """CP2's restored priority: on a 40 A fuse, CP2 is served first (CP1 would be, by name)."""
    restored: dict[str, Any] = {
        "native_max_value": 10.0,
        "native_min_value": 0.0,
        "native_step": 1.0,
        "native_unit_of_measurement": None,
        "native_value": 4.0,
    }
    mock_restore_cache_with_extra_data(
        hass,
        (
            (State(priority_of("CP2"), "4.0"), restored),
            (State(entity("select", "CP1", "charge_mode"), "fast"), {}),
            (State(entity("select", "CP2", "charge_mode"), "fast"), {}),
        ),
    )
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={**config_entry.options, CONF_FUSE_LIMIT: 40}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    grid(hass, 0)
    chargers = {cp.id: cp for cp in await two_chargers(hass, quiet_charger)}
    await advance(hass, freezer, 40)

    assert hass.states.get(priority_of("CP2")).state == "4.0"
    assert hass.states.get(priority_of("CP1")).state == "0.0"
    control = config_entry.runtime_data.control
    assert control.preferences("CP2/1") == ConnectorPreferences(priority=4)
    assert limits(chargers["CP2"])[-1] == 32.0
    assert limits(chargers["CP1"])[-1] == 8.0


# --- departure and target (Cheapest) ----------------------------------------------------


@pytest.mark.usefixtures("stockholm")
async def test_own_departure_and_target_change_the_pushed_schedule(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each change re-plans and pushes exactly the new schedule; 0 kWh: the site's target."""
    grid(hass, 500)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await set_mode(hass, "CP1", "cheapest")
    [site] = schedules(cp)
    assert_schedule(site, SITE_UNTIL, *SITE_PLAN)
    assert hass.states.get(departure_of("CP1")).state == "unknown"
    assert hass.states.get(target_of("CP1")).state == "0.0"

    # Leaving at 04:00 local time: the next 04:00 is tomorrow, 03:00 UTC.
    await set_departure(hass, "CP1", "04:00:00")
    assert hass.states.get(departure_of("CP1")).state == "04:00:00"
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 2
    assert_schedule(schedules(cp)[-1], OWN_UNTIL, *OWN_DEPARTURE_PLAN)

    # 33 kWh (about 1.5 hours): 23:00, and the second half of 22:00 next to it.
    await set_number(hass, target_of("CP1"), 33)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 3
    assert_schedule(schedules(cp)[-1], OWN_UNTIL, ("now", 0.0), ("22:30", 32.0), ("00:00", 0.0))
    reason = hass.states.get(entity("sensor", "CP1", "control_reason"))
    assert reason.attributes["planned_energy_kwh"] == pytest.approx(1.5 * ONE_HOUR_KWH, abs=0.01)

    # Back to the site's two hours, still leaving at 04:00.
    await set_number(hass, target_of("CP1"), 0)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp)) == 4
    assert_schedule(schedules(cp)[-1], OWN_UNTIL, *OWN_DEPARTURE_PLAN)
    assert cp.received("RemoteStopTransaction") == []


@pytest.mark.usefixtures("stockholm")
async def test_unset_connector_follows_the_site_options(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """CP1 has its own departure and target, CP2 none: CP2 follows the site, both re-plan."""
    grid(hass, 500)
    cp1, cp2 = await two_chargers(hass, quiet_charger)
    await set_departure(hass, "CP1", "04:00:00")
    await set_number(hass, target_of("CP1"), 3 * ONE_HOUR_KWH)
    for charger_id in ("CP1", "CP2"):
        await set_mode(hass, charger_id, "cheapest")
    [own] = schedules(cp1)
    assert_schedule(own, OWN_UNTIL, *OWN_THREE_HOURS)
    [site] = schedules(cp2)
    assert_schedule(site, SITE_UNTIL, *SITE_PLAN)

    # The site's departure moves to 05:00 UTC: only CP2 follows it.
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=11)).isoformat())
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp1)) == 1
    assert_schedule(schedules(cp2)[-1], "2026-11-26T05:00:00", *SITE_PLAN)

    # Power at 02:00 UTC gets cheap: both plans are made again.
    raw = hass.states.get(PRICE).attributes
    tomorrow = [dict(slot) for slot in raw["raw_tomorrow"]]
    tomorrow[2]["value"] = 0.01
    hass.states.async_set(PRICE, str(PRICES[0]), {**raw, "raw_tomorrow": tomorrow})
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert len(schedules(cp1)) == 2
    assert_schedule(
        schedules(cp1)[-1],
        OWN_UNTIL,
        ("now", 0.0),
        ("22:00", 32.0),
        ("00:00", 0.0),
        ("02:00", 32.0),
    )
    assert_schedule(
        schedules(cp2)[-1], "2026-11-26T05:00:00", ("now", 0.0), ("02:00", 32.0), ("04:00", 0.0)
    )

    # Disabling CP1's departure drops it: CP1 leaves at the site's 05:00 UTC, for its 3 hours.
    entity_registry.async_update_entity(
        departure_of("CP1"), disabled_by=er.RegistryEntryDisabler.USER
    )
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    control = central.runtime_data.control
    assert control.preferences("CP1/1") == ConnectorPreferences(target_energy_kwh=3 * ONE_HOUR_KWH)
    assert_schedule(
        schedules(cp1)[-1],
        "2026-11-26T05:00:00",
        ("now", 0.0),
        ("23:00", 32.0),
        ("00:00", 0.0),
        ("02:00", 32.0),
        ("04:00", 0.0),
    )


@pytest.mark.usefixtures("stockholm")
async def test_departure_and_target_survive_a_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart the connector keeps its departure and target; its plan is its own."""
    grid(hass, 500)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    await set_departure(hass, "CP1", "04:00:00")
    await set_number(hass, target_of("CP1"), 3 * ONE_HOUR_KWH)
    await set_mode(hass, "CP1", "cheapest")
    assert_schedule(schedules(cp)[-1], OWN_UNTIL, *OWN_THREE_HOURS)

    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(departure_of("CP1")).state == "04:00:00"
    assert hass.states.get(target_of("CP1")).state == str(3 * ONE_HOUR_KWH)
    control = central.runtime_data.control
    assert control.preferences("CP1/1") == ConnectorPreferences(
        departure=time(4, 0), target_energy_kwh=3 * ONE_HOUR_KWH
    )
    cp = await booted(hass, quiet_charger)
    await advance(hass, freezer, WRITE_INTERVAL_S, 500)
    assert [profile["validTo"] for profile in schedules(cp)] == [f"{OWN_UNTIL}Z"]
    assert_schedule(schedules(cp)[0], OWN_UNTIL, *OWN_THREE_HOURS)


@pytest.mark.usefixtures("stockholm")
async def test_unknown_restored_departure_keeps_the_site_departure(
    hass: HomeAssistant, config_entry: MockConfigEntry, quiet_charger: ConnectScripted
) -> None:
    """A departure that was never set restores as unset: the site-wide departure applies."""
    mock_restore_cache(
        hass,
        [
            State(departure_of("CP1"), "unknown"),
            State(entity("select", "CP1", "charge_mode"), "cheapest"),
        ],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    grid(hass, 500)
    cp = await booted(hass, quiet_charger)
    await plug_in(hass, cp)
    assert hass.states.get(departure_of("CP1")).state == "unknown"
    [site] = schedules(cp)
    assert_schedule(site, SITE_UNTIL, *SITE_PLAN)


SITE_ENTITY = {CONF_DEPARTURE_ENTITY: DEPARTURE, CONF_DEPARTURE_TIME: "08:00:00"}


@pytest.mark.parametrize(
    ("own", "site", "expected"),
    [
        (time(21, 30), {}, "2026-11-25T21:30:00+01:00"),  # later today
        (time(7, 0), {}, "2026-11-26T07:00:00+01:00"),  # tomorrow morning
        (time(19, 0), {}, "2026-11-26T19:00:00+01:00"),  # exactly now: that car has left
        (time(6, 15), SITE_ENTITY, "2026-11-26T06:15:00+01:00"),  # wins over the site's entity
        (None, SITE_ENTITY, "2026-11-26T07:00:00+01:00"),  # unset: the site's entity (06:00 UTC)
        (None, {CONF_DEPARTURE_TIME: "08:00:00"}, "2026-11-26T08:00:00+01:00"),  # site's time
        (None, {}, None),  # no departure anywhere: the plan runs to the end of the prices
    ],
)
async def test_own_departure_is_its_next_occurrence(
    hass: HomeAssistant, own: time | None, site: dict[str, Any], expected: str | None
) -> None:
    """A time of day means its next occurrence in local time (19:00 now); unset, the site's."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
    found = connector_departure(hass, site, T0, own)
    assert (dt_util.as_local(found).isoformat() if found else None) == expected


# --- entities ---------------------------------------------------------------------------


@pytest.fixture
def time_platform_only() -> Generator[None]:
    """Load only the time platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.TIME]):
        yield


@pytest.mark.usefixtures("time_platform_only")
async def test_time_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Snapshot of the departure time of a one-connector charger."""
    await plug_in(hass, await booted(hass, quiet_charger), session=False)
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)
