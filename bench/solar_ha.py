"""bench/solar_day.py --mode ha: a simulated day through the real integration in Home Assistant.

`run_ha(day)` runs this module under pytest (pytest-homeassistant-custom-component's in-process
`hass`, with time frozen and moved on by the simulation) and reads back the figures. Inside:

* the integration is set up with a grid power sensor in its options and one charger subentry;
* a simulated OCPP 1.6 charger connects over a real WebSocket on 127.0.0.1, boots, reports its
  configuration, starts a session; it obeys SetChargingProfile (TxProfile over TxDefaultProfile,
  multi-period schedules included) 3 s after receiving it, drives the car model of
  bench/solar_sim.py and sends MeterValues every 10 s and StatusNotifications on change;
* the connector's charge-mode select is set to Solar; the harness updates the grid sensor every
  5 s (house + car - PV) and fires Home Assistant's time events, so the controller runs exactly
  as in production, on state changes and its floor cadence. After each reading Home Assistant
  finishes what it started (a write goes out in the second it was decided, as in the replay).
* At a second with both readings the grid meter's goes first (SOLAR_HA_ORDER=meter: the
  charger's first); see `Site.second` in bench/solar_ha_site.py.
* Nights are coasted through (`nights` there): a whole day takes about a minute, not three.
* SOLAR_HA_TRACE=file writes every controller pass, grid reading and received call as JSON
  lines (bench/solar_trace.py compares them with the core's); SOLAR_HA_PROGRESS=file the wall
  clock per simulated hour; SOLAR_HA_LIMIT_S (1800) ends a run that hangs, with every stack.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from solar_ha_site import GRID, QUIET_S, Site, coast_until, nights
from solar_sim import (
    DAYS,
    Day,
    Metrics,
    load_day,
    oracle_power,
)

CHEAP_ARRIVAL_H, CHEAP_DEPARTURE_H, CHEAP_ENERGY_WH = 18, 31, 25_000.0


def _pytest(env: dict[str, str], test: str) -> dict[str, Any]:
    """Run one test of this module under pytest with env; return the figures it wrote."""
    import faulthandler

    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        os.environ.update(env, SOLAR_HA_OUT=str(out))
        # Time is frozen in there, the loop's clock too: a call that is never answered would wait
        # for ever. A real-time watchdog prints every thread's stack and ends the run instead.
        faulthandler.dump_traceback_later(
            float(os.environ.get("SOLAR_HA_LIMIT_S", "1800")), exit=True
        )
        code = pytest.main(
            [
                f"{Path(__file__).resolve()}::{test}",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "timeout=0",
                "-o",
                "log_level=WARNING",
                "--show-capture=no",
                "-W",
                "ignore",
            ]
        )
        faulthandler.cancel_dump_traceback_later()
        if code != 0 or not out.exists():
            raise SystemExit(f"Home Assistant run {test} {env} failed (pytest exit {code})")
        data: dict[str, Any] = json.loads(out.read_text())
    return data


def _key(day: Day) -> str:
    if day.key:
        return day.key
    return next(name for name, make in DAYS.items() if make().name == day.name)


def run_ha(day: Day, mode: str = "solar") -> tuple[Metrics, dict[str, int]]:
    """Run one simulated day in Solar (or Min+Solar) mode inside Home Assistant, the car
    plugged in over the day's window; (figures, OCPP message counts)."""
    data = _pytest(
        {
            "SOLAR_HA_DAY": _key(day),
            "SOLAR_HA_SWITCH": "1" if day.can_switch_phases else "0",
            "SOLAR_HA_MODE": mode,
        },
        "test_solar_day_in_home_assistant",
    )
    counts = data.pop("counts")
    return Metrics(**data), counts


def run_ha_cheapest(day: Day) -> tuple[float, float, dict[str, int]]:
    """The evening session in Cheapest mode inside Home Assistant; (cost, kWh, message counts)."""
    data = _pytest({"SOLAR_HA_DAY": _key(day)}, "test_cheapest_evening_in_home_assistant")
    return data["cost"], data["car_wh"] / 1000, data["counts"]


# --- inside Home Assistant (collected by pytest from the functions above) ---------------------


def _progress(second: int) -> None:
    """With SOLAR_HA_PROGRESS set to a file: the hour of the day reached, and the monotonic
    clock (the frozen one does not move), to see where a run spends its time."""
    if path := os.environ.get("SOLAR_HA_PROGRESS"):
        with open(path, "a") as log:
            clock = time.clock_gettime(time.CLOCK_MONOTONIC)
            print(f"{second // 3600:02d}:00 {clock:.1f}", file=log)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A config dir of the run's own: the integration's journal and session database are real
    files, which must not land in the test plugin's shared testing_config (the test suite would
    then copy them into its tests)."""
    return hass_tmp_config_dir


def _write(data: dict[str, Any]) -> None:
    Path(os.environ["SOLAR_HA_OUT"]).write_text(json.dumps(data))


def _day() -> Day:
    key = os.environ["SOLAR_HA_DAY"]
    day = DAYS[key]() if key in DAYS else load_day(Path(key))
    return replace(day, can_switch_phases=os.environ.get("SOLAR_HA_SWITCH") == "1")


async def test_solar_day_in_home_assistant(
    hass: Any,
    freezer: Any,
    socket_enabled: None,
    unused_tcp_port: int,
    enable_custom_integrations: None,
) -> None:
    """The day in SOLAR_HA_DAY in Solar mode; the figures go to SOLAR_HA_OUT."""
    day = _day()
    span = os.environ.get("SOLAR_HA_SPAN", f"{day.arrive_s},{day.leave_s}")
    first, last = (int(x) for x in span.split(","))
    # The meter as it reads when the car arrives: the controller's first pass sees the house.
    watts = f"{day.house_w[first] - day.pv_w[first]:.0f}"
    freezer.move_to(day.at(first))
    hass.states.async_set(GRID, watts, {"unit_of_measurement": "W", "device_class": "power"})
    site = Site(hass, freezer, unused_tcp_port, day, {"grid_power_entity": GRID})
    site.car.capacity_wh = day.capacity_wh
    await site.start(day.at(first), os.environ.get("SOLAR_HA_MODE", "solar"), day.energy_wh)
    metrics = Metrics()
    was_charging = False
    counted_switches = 0
    coast = os.environ.get("SOLAR_HA_COAST", "1") == "1"
    dark = nights(day.pv_w, first, last) if coast else []
    second = first
    while second < last:
        if second % 3600 == 0:
            _progress(second)
        pv, house = day.pv_w[second], day.house_w[second]
        until = coast_until(dark, second)
        if until is not None and site.steady_since <= second - QUIET_S:
            # A dark stretch with the car steady: it draws on, nothing is sent (see nights).
            while second < until and (power := site.coast()) is not None:
                pv, house = day.pv_w[second], day.house_w[second]
                metrics.account(pv, house, power, oracle_power(pv - house, day))
                second += 1
            if second >= until:
                continue
            # The car would change (it is full): this second runs in Home Assistant.
            pv, house = day.pv_w[second], day.house_w[second]
        power = await site.second(day.at(second), house - pv)
        metrics.account(pv, house, power, oracle_power(pv - house, day))
        switches = site.phase_switches
        if power > 0 and not was_charging and switches == counted_switches:
            metrics.starts += 1
        if power > 0:
            counted_switches = switches
        was_charging = power > 0
        second += 1
    metrics.phase_switches = site.phase_switches
    metrics.writes = site.charger.counts.get("TxDefaultProfile", 0)
    await site.stop()
    data = asdict(metrics)
    data.pop("energy_log")
    _write({**data, "counts": site.charger.counts})


async def test_cheapest_evening_in_home_assistant(
    hass: Any,
    freezer: Any,
    socket_enabled: None,
    unused_tcp_port: int,
    enable_custom_integrations: None,
) -> None:
    """25 kWh between 18:00 and 07:00 in Cheapest mode, priced from a Nordpool-style sensor."""
    from custom_components.ocpp_central.control.core.price import cost_of

    day = _day()
    arrival = day.at(CHEAP_ARRIVAL_H * 3600)
    departure = day.at(CHEAP_DEPARTURE_H * 3600)
    raw = [
        {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "value": slot.price}
        for slot in day.prices
    ]
    hass.states.async_set(
        "sensor.nordpool", str(raw[0]["value"]), {"raw_today": raw[:24], "raw_tomorrow": raw[24:]}
    )
    hass.states.async_set("input_datetime.departure", departure.isoformat())
    options = {
        "price_entity": "sensor.nordpool",
        "departure_entity": "input_datetime.departure",
        "target_energy_kwh": CHEAP_ENERGY_WH / 1000,
    }
    site = Site(hass, freezer, unused_tcp_port, day, options)
    site.car.capacity_wh = CHEAP_ENERGY_WH
    await site.start(arrival, "cheapest", 0.0)
    log: list[tuple[datetime, float]] = []
    for second in range(int((departure - arrival).total_seconds())):
        moment = arrival + timedelta(seconds=second)
        log.append((moment, await site.second(moment) / 3600))
    await site.stop()
    _write(
        {
            "cost": cost_of(day.prices, log),
            "car_wh": sum(wh for _, wh in log),
            "counts": site.charger.counts,
        }
    )
