#!/usr/bin/env python3
"""Solar mode over many cloud patterns, to compare settings on more than the three days of solar_day.

    .venv/bin/python bench/solar_patterns.py
    .venv/bin/python bench/solar_patterns.py --final-stop-delay 900,1200

Runs the control core (through controllers/replay.py, as solar_day.py's "pure" run) on a charger
that can switch phases, over the days of solar_sim.py plus cloud patterns with other spell lengths
(seeded, so every run is the same), once per value of the setting, and prints the solar energy
into the car, the grid import share and starts per day, and the totals.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from solar_day import run_pure
from solar_sim import DAYS, Day, cloud_pattern_day

from custom_components.ocpp_central.control.core.modes import SolarSettings

# (seed, mean sun spell s, mean cloud spell s)
PATTERNS = ((10, 240, 150), (12, 1200, 600), (13, 180, 180), (14, 900, 120), (15, 300, 300))


def pattern_day(seed: int, sun_s: int, cloud_s: int) -> Day:
    name = f"sun {sun_s // 60} min, cloud {cloud_s // 60} min"
    return cloud_pattern_day(name, seed, datetime(2026, 6, 22, tzinfo=UTC), sun_s, cloud_s)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--final-stop-delay", default="900,1200", help="seconds, comma-separated values to compare"
    )
    args = parser.parse_args()
    days = [make() for make in DAYS.values()] + [pattern_day(*p) for p in PATTERNS]
    days = [replace(day, can_switch_phases=True) for day in days]
    print("kWh of solar into the car / grid import share / starts, charger switching 1p/3p\n")
    for value in (float(v) for v in args.final_stop_delay.split(",")):
        settings = SolarSettings(final_stop_delay_s=value)
        solar = grid = car = 0.0
        print(f"final stop delay {value:.0f} s")
        for day in days:
            m = run_pure(day, settings)
            solar, grid, car = solar + m.solar_to_car_wh, grid + m.import_for_car_wh, car + m.car_wh
            share = m.import_for_car_wh / m.car_wh if m.car_wh else 0.0
            print(f"  {day.name:<32} {m.solar_to_car_wh / 1000:6.1f} {share:6.1%} {m.starts:3d}")
        print(f"  {'total':<32} {solar / 1000:6.1f} {grid / car:6.1%}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
