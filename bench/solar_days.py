#!/usr/bin/env python3
"""Write simulated days for bench/solar_day.py --days-dir: seeded, so every run writes the same files.

    .venv/bin/python bench/solar_days.py                      # bench/days (seed 1, 12 days)
    .venv/bin/python bench/solar_days.py --seed 2 --random --out bench/days_holdout

Without --random the twelve days are fixed recipes, each with its own difficulty (their
parameters drawn from the seed): spring cumulus swinging every ~30 s, slow clouds, an oven and a
heat pump cycling, a washing machine, surplus hovering at the one-phase and at the three-phase
minimum (an inverter that clips), a northern winter day with three hours of low sun, a home
battery that charges first, negative prices, morning fog, a car that arrives at noon, a charger
that takes whole amps. With --random every day draws its sun, clouds, loads, battery, prices
and car at random from the same kinds (the held-out days: not looked at while tuning).

The file format (one JSON object per day, gzip-compressed) is described in docs/solar_price.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gzip
import json
import math
from pathlib import Path
import random
import sys

DAY_S = 86400
STEP_S = 1
FORMAT = "ocpp_central-solar-day/1"


@dataclass
class Spec:
    """What one day is made of."""

    name: str
    date: datetime
    sunrise_h: float
    sunset_h: float
    peak_w: float
    # Inverter limit (W): the PV output is clipped there (a flat top); None: no limit.
    clip_w: float | None = None
    # Cloud spells: (mean sun s, mean cloud s, ramp s range, cloud depth range); None: clear.
    clouds: tuple[float, float, tuple[int, int], tuple[float, float]] | None = None
    # Morning fog until this hour (PV at 20 %).
    fog_until_h: float | None = None
    base_w: float = 330.0
    heat_pump: tuple[float, float, float] | None = None  # (W, minutes on, minutes off)
    oven: tuple[float, float] | None = None  # (start h, minutes) of a 2.2 kW thermostat
    washing: float | None = None  # start h
    appliances: list[tuple[float, float, float]] = field(default_factory=list)
    battery: dict[str, float] | None = None
    prices: list[float] = field(default_factory=list)
    car: dict[str, float] = field(default_factory=dict)


def _bell(second: int, spec: Spec) -> float:
    t = second / 3600
    if not spec.sunrise_h < t < spec.sunset_h:
        return 0.0
    x = (t - spec.sunrise_h) / (spec.sunset_h - spec.sunrise_h)
    return spec.peak_w * math.sin(math.pi * x) ** 1.4


def _clouds(rng: random.Random, spec: Spec) -> list[float]:
    if spec.clouds is None:
        return [1.0] * DAY_S
    sun_s, cloud_s, (ramp_lo, ramp_hi), (deep, shallow) = spec.clouds
    factors: list[float] = []
    level, sunny = 1.0, True
    while len(factors) < DAY_S:
        target = rng.uniform(0.95, 1.08) if sunny else rng.uniform(deep, shallow)
        ramp = rng.randint(ramp_lo, ramp_hi)
        factors += [level + (target - level) * (i + 1) / ramp for i in range(ramp)]
        level = target
        hold = int(rng.expovariate(1 / (sun_s if sunny else cloud_s))) + 5
        factors += [level] * hold
        sunny = not sunny
    return factors[:DAY_S]


def _pv(rng: random.Random, spec: Spec) -> list[float]:
    clouds = _clouds(rng, spec)
    pv = []
    for second in range(DAY_S):
        power = _bell(second, spec) * clouds[second]
        if spec.fog_until_h is not None and second < spec.fog_until_h * 3600:
            power *= 0.2
        if spec.clip_w is not None:
            power = min(power, spec.clip_w)
        pv.append(power)
    return pv


def _house(rng: random.Random, spec: Spec) -> list[float]:
    load = [spec.base_w + (120.0 if (s // 60) % 40 < 15 else 0.0) for s in range(DAY_S)]
    if spec.heat_pump is not None:
        watts, on_min, off_min = spec.heat_pump
        second = int(rng.uniform(0, off_min * 60))
        while second < DAY_S:
            on = int(rng.uniform(0.7, 1.3) * on_min * 60)
            for s in range(second, min(DAY_S, second + on)):
                load[s] += watts
            second += on + int(rng.uniform(0.7, 1.3) * off_min * 60)
    if spec.oven is not None:
        # Heats up for 10 min, then its thermostat cycles (on 30-60 s, off 40-90 s).
        start_h, minutes = spec.oven
        second, end = int(start_h * 3600), int((start_h + minutes / 60) * 3600)
        heat_end = second + 600
        while second < end:
            on = heat_end - second if second < heat_end else rng.randint(30, 60)
            for s in range(second, min(end, second + on)):
                load[s] += 2200.0
            second += on + rng.randint(40, 90)
    if spec.washing is not None:
        # 15 min of heating at 2 kW, then 60 min of drum (300 W) with a spin at the end.
        begin = int(spec.washing * 3600)
        for s in range(begin, min(DAY_S, begin + 900)):
            load[s] += 2000.0
        for s in range(begin + 900, min(DAY_S, begin + 4500)):
            load[s] += 300.0 + (400.0 if (s - begin) % 120 < 20 else 0.0)
        for s in range(begin + 4500, min(DAY_S, begin + 5100)):
            load[s] += 600.0
    for start_h, minutes, watts in spec.appliances:
        begin = int(start_h * 3600)
        for s in range(begin, min(DAY_S, begin + int(minutes * 60))):
            load[s] += watts
    wander = 0.0
    for s in range(DAY_S):
        if s % 60 == 0:
            wander = max(-80.0, min(150.0, wander + rng.uniform(-25, 25)))
        load[s] += wander + rng.uniform(-15, 15)
    return load


SUMMER = [0.18, 0.16, 0.15, 0.15, 0.16, 0.19, 0.25, 0.32, 0.30, 0.22, 0.14, 0.08]
SUMMER += [0.05, 0.04, 0.06, 0.12, 0.22, 0.33, 0.38, 0.36, 0.29, 0.24, 0.21, 0.19]
WINTER = [0.21, 0.19, 0.18, 0.18, 0.19, 0.24, 0.34, 0.45, 0.43, 0.36, 0.31, 0.29]
WINTER += [0.28, 0.29, 0.31, 0.36, 0.44, 0.52, 0.55, 0.49, 0.40, 0.33, 0.27, 0.24]


def _prices(rng: random.Random, shape: list[float], negative: bool) -> list[float]:
    """36 hourly prices from midnight; negative at noon and in a windy night when asked."""
    day = [round(p * rng.uniform(0.85, 1.15), 3) for p in shape]
    tomorrow = [round(p * rng.uniform(0.85, 1.15), 3) for p in shape[:12]]
    if negative:
        for h in (11, 12, 13, 14):
            day[h] = -round(rng.uniform(0.01, 0.08), 3)
        for h in (1, 2, 3):
            tomorrow[h] = -round(rng.uniform(0.005, 0.03), 3)
    return day + tomorrow


def _date(month: int, day: int) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


SUN = {
    # month: (sunrise h, sunset h) in UTC for a house at ~52-60 N, and a peak factor.
    4: (4.5, 18.5, 0.85),
    5: (3.8, 19.5, 0.95),
    6: (3.5, 20.0, 1.0),
    8: (4.2, 19.0, 0.9),
    9: (5.0, 17.5, 0.75),
    10: (6.0, 16.0, 0.55),
    12: (9.5, 12.5, 0.3),
}


def _base(rng: random.Random, name: str, month: int, kwp: float) -> Spec:
    sunrise, sunset, factor = SUN[month]
    return Spec(
        name=name,
        date=_date(month, rng.randint(2, 27)),
        sunrise_h=sunrise + rng.uniform(-0.2, 0.2),
        sunset_h=sunset + rng.uniform(-0.2, 0.2),
        peak_w=kwp * 1000 * factor * rng.uniform(0.9, 1.0),
        base_w=rng.uniform(280, 420),
        appliances=[(rng.uniform(6.5, 8), 4, 2000.0), (rng.uniform(17.5, 18.5), 45, 2200.0)],
        prices=_prices(rng, WINTER if month in (10, 12) else SUMMER, negative=False),
    )


def _fast(rng: random.Random) -> tuple[float, float, tuple[int, int], tuple[float, float]]:
    return (rng.uniform(25, 45), rng.uniform(20, 35), (3, 8), (0.2, 0.45))


def _slow(rng: random.Random) -> tuple[float, float, tuple[int, int], tuple[float, float]]:
    return (rng.uniform(900, 1500), rng.uniform(400, 900), (20, 60), (0.15, 0.4))


def _pump(rng: random.Random) -> tuple[float, float, float]:
    return (rng.uniform(1500, 2600), rng.uniform(6, 15), rng.uniform(10, 25))


def recipes(rng: random.Random) -> list[Spec]:
    """The twelve fixed kinds of day, their parameters from rng."""
    days = []
    s = _base(rng, "spring cumulus, 30 s swings", 5, 9.0)
    s.clouds, s.heat_pump = _fast(rng), _pump(rng)
    days.append(s)
    s = _base(rng, "slow clouds", 6, 8.0)
    s.clouds = _slow(rng)
    days.append(s)
    s = _base(rng, "oven and heat pump cycling", 4, 8.0)
    s.oven, s.heat_pump = (rng.uniform(11, 12.5), 80), _pump(rng)
    days.append(s)
    s = _base(rng, "washing machine, light clouds", 8, 7.5)
    s.washing = rng.uniform(9.5, 11)
    s.clouds = (rng.uniform(300, 600), rng.uniform(60, 120), (10, 30), (0.5, 0.75))
    days.append(s)
    s = _base(rng, "surplus at the 1-phase minimum", 6, 3.0)
    s.clip_w = s.base_w + 120 + rng.uniform(1350, 1500)
    days.append(s)
    s = _base(rng, "surplus at the 3-phase minimum", 6, 6.0)
    s.clip_w = s.base_w + 120 + rng.uniform(4050, 4300)
    days.append(s)
    s = _base(rng, "winter, three hours of low sun", 12, 9.0)
    s.heat_pump = _pump(rng)
    s.base_w = rng.uniform(450, 600)
    s.car = {"arrive_h": 0, "leave_h": 24, "energy_kwh": 30}
    days.append(s)
    s = _base(rng, "home battery charges first", 5, 9.0)
    s.battery = {"capacity_kwh": rng.uniform(8, 13), "max_w": rng.uniform(3000, 5000), "soc": 0.2}
    s.clouds = (rng.uniform(1200, 2400), rng.uniform(120, 300), (10, 40), (0.3, 0.6))
    days.append(s)
    s = _base(rng, "negative prices, sunny", 5, 10.0)
    s.prices = _prices(rng, SUMMER, negative=True)
    s.heat_pump = _pump(rng)
    days.append(s)
    s = _base(rng, "morning fog, clear afternoon", 9, 8.0)
    s.fog_until_h = rng.uniform(10.5, 12)
    s.washing = rng.uniform(13, 14)
    days.append(s)
    s = _base(rng, "car arrives at noon, cumulus", 6, 8.0)
    s.clouds = (rng.uniform(120, 240), rng.uniform(60, 150), (8, 25), (0.25, 0.5))
    s.car = {"arrive_h": rng.uniform(11.5, 12.5), "leave_h": 24, "energy_kwh": 40}
    days.append(s)
    s = _base(rng, "autumn, whole-amp charger", 10, 8.0)
    s.clouds = _slow(rng)
    s.heat_pump = _pump(rng)
    s.car = {"step_a": 1.0}
    days.append(s)
    return days


def random_day(rng: random.Random, number: int) -> Spec:
    """A day whose every part is drawn at random from the kinds above."""
    month = rng.choice(sorted(SUN))
    s = _base(rng, f"random day {number}", month, rng.uniform(3.0, 11.0))
    parts = []
    cloud = rng.choice(["clear", "fast", "slow", "cumulus", "light"])
    if cloud == "fast":
        s.clouds = _fast(rng)
    elif cloud == "slow":
        s.clouds = _slow(rng)
    elif cloud == "cumulus":
        s.clouds = (rng.uniform(90, 300), rng.uniform(45, 180), (5, 30), (0.2, 0.5))
    elif cloud == "light":
        s.clouds = (rng.uniform(200, 900), rng.uniform(60, 300), (10, 40), (0.5, 0.8))
    parts.append(cloud)
    if rng.random() < 0.5:
        s.heat_pump = _pump(rng)
        parts.append("heat pump")
    if rng.random() < 0.35:
        s.oven = (rng.uniform(10.5, 13), rng.uniform(40, 90))
        parts.append("oven")
    if rng.random() < 0.35:
        s.washing = rng.uniform(9, 14)
        parts.append("washing")
    if rng.random() < 0.25:
        minimum = rng.choice([1380.0, 4140.0])
        s.clip_w = s.base_w + 120 + minimum + rng.uniform(-100, 250)
        s.peak_w = max(s.peak_w, s.clip_w * 1.3)
        parts.append(f"clipped at {minimum:.0f} W")
    if rng.random() < 0.25:
        s.battery = {
            "capacity_kwh": rng.uniform(5, 13),
            "max_w": rng.uniform(2500, 5000),
            "soc": rng.uniform(0.1, 0.5),
        }
        parts.append("battery")
    if rng.random() < 0.25:
        s.prices = _prices(rng, SUMMER, negative=True)
        parts.append("negative prices")
    if rng.random() < 0.2:
        s.car = {"arrive_h": rng.uniform(9, 14), "leave_h": 24, "energy_kwh": rng.uniform(10, 50)}
        parts.append("car arrives late")
    if rng.random() < 0.2:
        s.car = {**s.car, "step_a": 1.0}
        parts.append("whole amps")
    s.name = f"random {number}: {month:02d}, " + ", ".join(parts)
    return s


def write(spec: Spec, rng: random.Random, path: Path) -> None:
    pv, house = _pv(rng, spec), _house(rng, spec)
    data = {
        "format": FORMAT,
        "name": spec.name,
        "date": spec.date.isoformat(),
        "step_s": STEP_S,
        "pv_w": [round(p) for p in pv[::STEP_S]],
        "house_w": [round(h) for h in house[::STEP_S]],
        "prices": spec.prices,
        "car": {"min_a": 6, "max_a": 16, "phases": 3, **spec.car},
    }
    if spec.battery is not None:
        data["battery"] = spec.battery
    with gzip.open(path, "wt") as handle:
        json.dump(data, handle, separators=(",", ":"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "days"))
    parser.add_argument("--random", action="store_true", help="draw every part of every day")
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    make: Callable[[int], Spec]
    fixed = recipes(rng)
    make = (
        (lambda n: random_day(rng, n)) if args.random else (lambda n: fixed[(n - 1) % len(fixed)])
    )
    for number in range(args.count):
        spec = make(number + 1)
        path = out / f"{number + 1:02d}.json.gz"
        write(spec, rng, path)
        print(f"{path}: {spec.name} ({spec.date:%Y-%m-%d})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
