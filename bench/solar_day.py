#!/usr/bin/env python3
"""Simulated days through the solar and price controllers: one command, the figures printed.

    .venv/bin/python bench/solar_day.py            # the control core, then the real integration
    .venv/bin/python bench/solar_day.py --mode pure
    .venv/bin/python bench/solar_day.py --mode ha --days clear
    .venv/bin/python bench/solar_day.py --baseline evcc --days-dir bench/days [--ha 01,05]

With --baseline evcc (and --days-dir: every day file there, default bench/days) it compares ours
with an evcc-like controller day by day (bench/solar_compare.py) and ends with one SOLAR line;
--ha runs those day files (or "all") through Home Assistant too, for ha_vs_core_max_kwh.

Per day (bench/solar_sim.py: a clear summer day, a cloudy day with fast swings, one with longer spells, a winter day), one
car plugged in all day in Solar mode: energy from solar, the oracle's maximum (all surplus above the
car's minimum power, taken instantly), their ratio (goal >= 97 %), grid import while charging in
Solar mode (goal <= 2 % of the energy charged), starts (goal <= 3), phase switches and profile
writes. Then an evening car in Cheapest mode (25 kWh between 18:00 and 07:00) against charging at
once, at the day's prices.

Runs: "pure" drives controllers/ directly; "ha" the real integration. Each with a charger that can
switch between one and three phases (OCPP numberPhases) and with a fixed three-phase charger.
"ha" runs the day inside an in-process Home Assistant with the integration set up, a simulated
OCPP 1.6 charger on a real WebSocket (obeying SetChargingProfile, driving the same car model) and
the grid meter as a sensor state updated every 5 s; time is frozen and moved on (bench/solar_ha.py).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from solar_oracle import OracleResult, budget_oracle
from solar_sim import (
    DAYS,
    VOLTS,
    Car,
    Day,
    Metrics,
)

from custom_components.ocpp_central.control.core.modes import (
    ConnectorSettings,
    SolarSettings,
)
from custom_components.ocpp_central.control.core.price import cost_of, plan_cheapest
from custom_components.ocpp_central.control.core.replay import replay

GRID_INTERVAL_S = 5
KEY = "CP1/1"
CHEAP_ARRIVAL_H = 18
CHEAP_DEPARTURE_H = 31
CHEAP_ENERGY_WH = 25_000.0


def connector_settings(day: Day) -> ConnectorSettings:
    return ConnectorSettings(
        min_current_a=day.car_min_a,
        max_current_a=day.car_max_a,
        phases=day.phases,
        can_switch_phases=day.can_switch_phases,
        current_step_a=day.step_a,
    )


def run_pure(day: Day, settings: SolarSettings) -> Metrics:
    """One day in Solar mode through the replay (controllers/replay.py): the controller on every
    grid reading, the car second by second."""
    surplus = [pv - house for pv, house in zip(day.pv_w, day.house_w, strict=True)]
    car = Car(min_a=day.car_min_a, max_a=day.car_max_a)
    result = replay(surplus, day.date, settings, connector_settings(day), car=car)
    return Metrics(
        car_wh=result.car_wh,
        solar_to_car_wh=result.solar_wh,
        import_for_car_wh=result.import_wh,
        oracle_wh=result.oracle_wh,
        starts=result.starts,
        phase_switches=result.phase_switches,
        writes=result.writes,
    )


def cheapest_costs(day: Day) -> tuple[float, float, float, float]:
    """(cost charging at once, cost with the cheapest plan, kWh at once, kWh with the plan)."""
    arrival = day.at(CHEAP_ARRIVAL_H * 3600)
    departure = day.at(CHEAP_DEPARTURE_H * 3600)
    plan = plan_cheapest(
        day.prices,
        now=arrival,
        departure=departure,
        energy_wh=CHEAP_ENERGY_WH,
        max_current_a=day.car_max_a,
        phases=day.phases,
    )

    def drive(limit_at: object) -> tuple[float, float]:
        car = Car(
            min_a=day.car_min_a, max_a=day.car_max_a, energy_wh=0.0, capacity_wh=CHEAP_ENERGY_WH
        )
        log = []
        for second in range(int((departure - arrival).total_seconds())):
            moment = arrival + timedelta(seconds=second)
            offered = limit_at(moment)  # type: ignore[operator]
            wh = car.step(offered) * VOLTS * day.phases / 3600
            car.energy_wh += wh
            log.append((moment, wh))
        return cost_of(day.prices, log), car.energy_wh

    at_once, at_once_wh = drive(lambda _moment: day.car_max_a)
    planned, planned_wh = drive(plan.limit_at)
    return at_once, planned, at_once_wh, planned_wh


HEADER = (
    f"{'day':<24} {'run':<12} {'solar→car':>9} {'oracle':>6} {'ratio':>6} {'budget':>6} {'ratio':>6} "
    f"{'import':>13} {'starts':>6} {'ph.sw':>5} {'writes':>6}  wall"
)
# (label, phase switching): a charger that can switch between one and three phases, and a fixed
# three-phase one.
VARIANTS = (("1p/3p", True), ("3p", False))


def _ratio(part: float, whole: float) -> str:
    return f"{part / whole:6.1%}" if whole > 1 else "   n/a"


def report(
    name: str, run: str, metrics: Metrics, budget: OracleResult, wall: float, extra: str = ""
) -> None:
    share = f"{metrics.import_for_car_wh / metrics.car_wh:4.1%}" if metrics.car_wh > 1 else " n/a"
    print(
        f"{name:<24} {run:<12} {metrics.solar_to_car_wh / 1000:5.2f} kWh {metrics.oracle_wh / 1000:6.2f} "
        f"{_ratio(metrics.solar_to_car_wh, metrics.oracle_wh)} {budget.solar_wh / 1000:6.2f} "
        f"{_ratio(metrics.solar_to_car_wh, budget.solar_wh)} "
        f"{metrics.import_for_car_wh / 1000:5.2f} ({share}) {metrics.starts:6d} "
        f"{metrics.phase_switches:5d} {metrics.writes:6d}  {wall:4.1f} s{extra}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["pure", "ha", "both"], default="both")
    parser.add_argument("--days", default=",".join(DAYS))
    parser.add_argument("--baseline", choices=["evcc"], default=None)
    parser.add_argument("--days-dir", default=None, help="run every day file in this folder")
    parser.add_argument("--ha", default="", help="day files (e.g. 01,05, or all) also through HA")
    args = parser.parse_args()
    settings = SolarSettings()
    if args.baseline or args.days_dir:
        from solar_compare import run

        folder = Path(args.days_dir or Path(__file__).resolve().parent / "days")
        return run(folder, settings, [k for k in args.ha.split(",") if k])
    print("Goals: ratio >= 97 %, import <= 2 % of the energy charged, starts <= 3 per day.")
    print(
        "kWh. oracle: all surplus above the car's minimum power, every second, starts not counted.\n"
        "budget: the most solar a controller knowing the whole day could charge with <= 3 starts\n"
        "and <= 2 % import (bench/solar_oracle.py). import: grid energy into the car in Solar mode.\n"
    )
    print(HEADER)
    costs = []
    for key in args.days.split(","):
        base = DAYS[key]()
        for label, switching in VARIANTS:
            day = replace(base, can_switch_phases=switching)
            budget = budget_oracle(day, starts=settings.starts_per_day)
            if args.mode in ("pure", "both"):
                started = time.perf_counter()
                metrics = run_pure(day, settings)
                report(base.name, f"pure {label}", metrics, budget, time.perf_counter() - started)
            if args.mode in ("ha", "both"):
                from solar_ha import run_ha

                started = time.perf_counter()
                metrics, counts = run_ha(day)
                profiles = counts.get("SetChargingProfile", 0)
                stops = counts.get("RemoteStopTransaction", 0)
                extra = f"  ({profiles} SetChargingProfile, {stops} RemoteStop)"
                wall = time.perf_counter() - started
                report(base.name, f"ha {label}", metrics, budget, wall, extra)
        ha_cost = None
        if args.mode in ("ha", "both"):
            from solar_ha import run_ha_cheapest

            ha_cost = run_ha_cheapest(base)
        costs.append((base.name, cheapest_costs(base), ha_cost))
    print(
        "\nCheapest mode: 25 kWh between 18:00 and 07:00 at the day's hourly prices, against charging at once"
    )
    for name, (at_once, planned, at_once_wh, planned_wh), ha_cost in costs:
        line = f"{name:<24} at once {at_once:5.2f} ({at_once_wh / 1000:4.1f} kWh)"
        if args.mode in ("pure", "both"):
            line += f" | pure plan {planned:5.2f} ({planned_wh / 1000:4.1f} kWh, {1 - planned / at_once:4.0%} saved)"
        if ha_cost is not None:
            cost, kwh, counts = ha_cost
            line += (
                f" | ha {cost:5.2f} ({kwh:4.1f} kWh, {1 - cost / at_once:4.0%} saved, "
                f"{counts.get('SetChargingProfile', 0)} SetChargingProfile)"
            )
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
