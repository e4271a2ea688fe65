"""The demo site's physics, free of Home Assistant: a compressed solar day, a house, a price curve.

A demo day lasts DAY_SECONDS of real time (20 minutes): the sun rises at 05:00 demo time and sets
at 21:00, peaking at PEAK_PV_W with clouds passing. The house draws a base load with a kettle or an
oven now and then. Prices follow the real clock (the Cheapest planner plans in real hours): cheap at
night and at midday, dear in the morning and evening peaks, per quarter hour, today and tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
import random

DAY_SECONDS = 20 * 60
PEAK_PV_W = 9000.0
SUNRISE_H, SUNSET_H = 5.0, 21.0
BASE_LOAD_W = 350.0


def demo_hour(epoch_s: float, day_seconds: float = DAY_SECONDS) -> float:
    """The demo clock: hour of the simulated day (0-24) at this real time."""
    return (epoch_s % day_seconds) / day_seconds * 24.0


def clear_sky_w(hour: float, peak_w: float = PEAK_PV_W) -> float:
    """PV power under a clear sky at this demo hour."""
    if not SUNRISE_H < hour < SUNSET_H:
        return 0.0
    x = (hour - SUNRISE_H) / (SUNSET_H - SUNRISE_H)
    return peak_w * math.sin(math.pi * x) ** 1.6


def cloud_factor(epoch_s: float) -> float:
    """Clouds: a few passing ones, the same for the same real time (seeded per 30 s)."""
    slot = int(epoch_s // 30)
    shade = 1.0
    for offset in range(-2, 1):
        rng = random.Random(slot + offset)
        if rng.random() < 0.1:  # a cloud started in this slot and lasts ~90 s
            shade = min(shade, rng.uniform(0.35, 0.75))
    return shade


def pv_w(epoch_s: float) -> float:
    """PV power now."""
    return round(clear_sky_w(demo_hour(epoch_s)) * cloud_factor(epoch_s))


def house_w(epoch_s: float) -> float:
    """The house's own draw now: base load, the fridge, and a kettle or oven now and then."""
    hour = demo_hour(epoch_s)
    load = BASE_LOAD_W + 120.0 * (int(epoch_s // 40) % 2)  # the fridge's compressor
    if 17.0 <= hour < 19.5:
        load += 1800.0  # cooking
    rng = random.Random(int(epoch_s // 45) * 7919)
    if rng.random() < 0.12:
        load += 2000.0  # the kettle
    return load


@dataclass(frozen=True, slots=True)
class PriceSlot:
    """One quarter hour's price (currency per kWh)."""

    start: datetime
    end: datetime
    price: float


def price_at(start: datetime) -> float:
    """A day-ahead price like a northern European winter day with solar at midday (EUR/kWh)."""
    hour = start.hour + start.minute / 60
    morning = 0.12 * math.exp(-(((hour - 8.0) / 1.3) ** 2))
    evening = 0.16 * math.exp(-(((hour - 18.5) / 1.8) ** 2))
    solar_dip = -0.09 * math.exp(-(((hour - 13.0) / 2.0) ** 2))
    night = -0.04 * math.exp(-(((hour - 3.5) / 2.0) ** 2))
    wobble = random.Random(start.toordinal() * 96 + int(hour * 4)).uniform(-0.015, 0.015)
    return round(0.21 + morning + evening + solar_dip + night + wobble, 4)


def price_day(day_start: datetime) -> list[PriceSlot]:
    """The 96 quarter-hour prices of the day starting at day_start (local midnight)."""
    slots = []
    for quarter in range(96):
        start = day_start + timedelta(minutes=15 * quarter)
        slots.append(PriceSlot(start, start + timedelta(minutes=15), price_at(start)))
    return slots
