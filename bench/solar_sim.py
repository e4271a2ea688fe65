"""Simulated days for bench/solar_day.py: PV, house load, prices, a charger and a car; the oracle.

Everything is per second and seeded, so every run of a day is the same day.

* PV: a clear-sky bell between sunrise and sunset; the cloudy day multiplies it by a cloud
  process that swings between sun and cloud every few minutes (10-40 s transitions).
* House: a base load, a fridge cycling, and appliances (kettle, washing machine, oven,
  dishwasher) at fixed times; the meter adds a little noise.
* Car: 3-phase 16 A (11 kW), follows the offered current after a 10 s handshake at +2 A/s, drops
  at 8 A/s; below 6 A offered it does not charge. A phase switch stops it for the handshake.
  It is the replay's model car (custom_components/.../controllers/replay.py), with a battery.
* Charger: applies a new limit 3 s after the write; reports MeterValues every 10 s.
* Oracle: at every second the most solar power any controller could put into the car, given
  the car's power range on one or three phases: surplus above the minimum only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
from pathlib import Path
import random
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ocpp_central.control.core import replay as model
from custom_components.ocpp_central.control.core.price import PriceSlot

DAY_S = 86400
VOLTS = 230.0
METER_INTERVAL_S = model.METER_INTERVAL_S
CHARGER_DELAY_S = model.CHARGER_DELAY_S


@dataclass
class Day:
    """One simulated day: per-second PV and house power, hourly prices over 36 h."""

    name: str
    date: datetime
    pv_w: list[float]
    house_w: list[float]
    prices: list[PriceSlot]
    car_min_a: float = 6.0
    car_max_a: float = 16.0
    phases: int = 3
    can_switch_phases: bool = True
    step_a: float = 0.1
    # The car is plugged in from arrive_s to leave_s (seconds of the day) with energy_wh of
    # capacity_wh in its battery at arrival.
    arrive_s: int = 0
    leave_s: int = DAY_S
    energy_wh: float = 15_000.0
    capacity_wh: float = 77_000.0
    key: str = ""

    def at(self, second: int) -> datetime:
        return self.date + timedelta(seconds=second)


def load_day(path: Path) -> Day:
    """Read a day file (bench/solar_days.py writes them; the format is in docs/solar_price.md)."""
    import gzip
    import json

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:
        data = json.load(handle)
    step = int(data.get("step_s", 1))

    def per_second(values: list[float]) -> list[float]:
        out = [float(v) for v in values for _ in range(step)][:DAY_S]
        return out + [out[-1] if out else 0.0] * (DAY_S - len(out))

    date = datetime.fromisoformat(data["date"])
    pv = per_second(data["pv_w"])
    house = per_second(data["house_w"])
    if (battery := data.get("battery")) is not None:
        # The home battery charges first: it takes the surplus (up to its power) until full.
        stored = battery["capacity_kwh"] * 1000 * battery["soc"]
        full = battery["capacity_kwh"] * 1000
        for second in range(DAY_S):
            take = min(battery["max_w"], max(0.0, pv[second] - house[second]), full - stored)
            if take > 0:
                stored += take / 3600
                house[second] += take
    prices = [
        PriceSlot(date + timedelta(hours=h), date + timedelta(hours=h + 1), float(price))
        for h, price in enumerate(data["prices"])
    ]
    car = data.get("car", {})
    return Day(
        name=data["name"],
        date=date,
        pv_w=pv,
        house_w=house,
        prices=prices,
        car_min_a=float(car.get("min_a", 6.0)),
        car_max_a=float(car.get("max_a", 16.0)),
        phases=int(car.get("phases", 3)),
        step_a=float(car.get("step_a", 0.1)),
        arrive_s=int(float(car.get("arrive_h", 0)) * 3600),
        leave_s=int(float(car.get("leave_h", 24)) * 3600),
        energy_wh=float(car.get("energy_kwh", 15.0)) * 1000,
        capacity_wh=float(car.get("capacity_kwh", 77.0)) * 1000,
        key=str(path),
    )


def _bell(second: int, sunrise_h: float, sunset_h: float, peak_w: float) -> float:
    t = second / 3600
    if not sunrise_h < t < sunset_h:
        return 0.0
    x = (t - sunrise_h) / (sunset_h - sunrise_h)
    return peak_w * math.sin(math.pi * x) ** 1.4


def _clouds(rng: random.Random, mean_sun_s: float, mean_cloud_s: float) -> list[float]:
    """A factor per second: sun (0.95-1.1) and cloud (0.15-0.45) spells with ramped edges."""
    factors: list[float] = []
    level = 1.0
    sunny = True
    while len(factors) < DAY_S:
        target = rng.uniform(0.95, 1.1) if sunny else rng.uniform(0.15, 0.45)
        ramp = rng.randint(10, 40)
        for i in range(ramp):
            factors.append(level + (target - level) * (i + 1) / ramp)
        level = target
        hold = int(rng.expovariate(1 / (mean_sun_s if sunny else mean_cloud_s))) + 20
        factors.extend([level] * hold)
        sunny = not sunny
    return factors[:DAY_S]


def _house(
    rng: random.Random, base_w: float, events: list[tuple[float, float, float]]
) -> list[float]:
    """Base load, a fridge (120 W, 15 min of every 40) and appliance events (start h, minutes, W)."""
    load = []
    for second in range(DAY_S):
        fridge = 120.0 if (second // 60) % 40 < 15 else 0.0
        load.append(base_w + fridge)
    for start_h, minutes, watts in events:
        begin = int(start_h * 3600)
        for second in range(begin, min(DAY_S, begin + int(minutes * 60))):
            load[second] += watts
    # Slow wander of the base load (TVs, computers, pumps).
    wander = 0.0
    for second in range(DAY_S):
        if second % 60 == 0:
            wander = max(-80.0, min(150.0, wander + rng.uniform(-25, 25)))
        load[second] += wander
    return load


def _prices(day: datetime, shape: list[float]) -> list[PriceSlot]:
    """36 hourly slots from midnight, cycling a 24-value shape (per kWh)."""
    return [
        PriceSlot(day + timedelta(hours=h), day + timedelta(hours=h + 1), shape[h % 24])
        for h in range(36)
    ]


SUMMER_PRICES = [
    0.18,
    0.16,
    0.15,
    0.15,
    0.16,
    0.19,
    0.25,
    0.32,
    0.30,
    0.22,
    0.14,
    0.08,
    0.05,
    0.04,
    0.06,
    0.12,
    0.22,
    0.33,
    0.38,
    0.36,
    0.29,
    0.24,
    0.21,
    0.19,
]
WINTER_PRICES = [
    0.21,
    0.19,
    0.18,
    0.18,
    0.19,
    0.24,
    0.34,
    0.45,
    0.43,
    0.36,
    0.31,
    0.29,
    0.28,
    0.29,
    0.31,
    0.36,
    0.44,
    0.52,
    0.55,
    0.49,
    0.40,
    0.33,
    0.27,
    0.24,
]
APPLIANCES = [
    (7.25, 4, 2000.0),
    (10.0, 15, 1900.0),
    (10.25, 60, 250.0),
    (12.5, 20, 1200.0),
    (13.5, 25, 1800.0),
    (13.9, 50, 150.0),
    (15.2, 3, 2000.0),
    (18.0, 45, 2200.0),
]


def clear_day() -> Day:
    rng = random.Random(1)
    date = datetime(2026, 6, 21, tzinfo=UTC)
    pv = [_bell(s, 5.0, 21.5, 6800.0) for s in range(DAY_S)]
    return Day(
        "clear summer day", date, pv, _house(rng, 330.0, APPLIANCES), _prices(date, SUMMER_PRICES)
    )


def cloud_pattern_day(name: str, seed: int, date: datetime, sun_s: float, cloud_s: float) -> Day:
    """A summer day whose sun comes and goes in spells of these mean lengths (seeded)."""
    rng = random.Random(seed)
    clouds = _clouds(rng, mean_sun_s=sun_s, mean_cloud_s=cloud_s)
    pv = [_bell(s, 5.0, 21.5, 6800.0) * clouds[s] for s in range(DAY_S)]
    return Day(name, date, pv, _house(rng, 330.0, APPLIANCES), _prices(date, SUMMER_PRICES))


def cloudy_day() -> Day:
    return cloud_pattern_day(
        "cloudy day, fast swings", 2, datetime(2026, 6, 22, tzinfo=UTC), 240, 150
    )


def spells_day() -> Day:
    """Longer spells (10 min sun, 5 min cloud): a long cloud early must not end the day's charging."""
    return cloud_pattern_day(
        "cloudy day, long spells", 11, datetime(2026, 6, 23, tzinfo=UTC), 600, 300
    )


def winter_day() -> Day:
    rng = random.Random(3)
    date = datetime(2026, 12, 15, tzinfo=UTC)
    haze = _clouds(rng, mean_sun_s=1800, mean_cloud_s=300)
    pv = [_bell(s, 8.4, 16.1, 3600.0) * (0.6 + 0.4 * haze[s]) for s in range(DAY_S)]
    events = [(h, m, w) for h, m, w in APPLIANCES] + [(11.0, 30, 900.0), (14.0, 30, 900.0)]
    return Day("winter day", date, pv, _house(rng, 520.0, events), _prices(date, WINTER_PRICES))


DAYS: dict[str, Callable[[], Day]] = {
    "clear": clear_day,
    "cloudy": cloudy_day,
    "spells": spells_day,
    "winter": winter_day,
}


def oracle_power(surplus_w: float, day: Day) -> float:
    """The most solar power a car can take from this surplus (its range on 1 or 3 phases)."""
    ranges = [(day.car_min_a * VOLTS * day.phases, day.car_max_a * VOLTS * day.phases)]
    if day.can_switch_phases and day.phases > 1:
        ranges.append((day.car_min_a * VOLTS, day.car_max_a * VOLTS))
    best = 0.0
    for low, high in ranges:
        if surplus_w >= low:
            best = max(best, min(surplus_w, high))
    return best


@dataclass
class Car(model.Car):
    """The replay's model car (controllers/replay.py), with a battery: 15 of 77 kWh at plug-in."""

    capacity_wh: float = 77_000.0
    energy_wh: float = 15_000.0


@dataclass
class Metrics:
    """What the bench prints for one day and mode."""

    car_wh: float = 0.0
    solar_to_car_wh: float = 0.0
    import_for_car_wh: float = 0.0
    oracle_wh: float = 0.0
    starts: int = 0
    phase_switches: int = 0
    writes: int = 0
    cost: float = 0.0
    energy_log: list[tuple[datetime, float]] = field(default_factory=list)

    def account(self, pv_w: float, house_w: float, car_w: float, oracle_w: float) -> None:
        """One second: the car's power split into solar and grid (the house takes solar first)."""
        surplus = max(0.0, pv_w - house_w)
        solar = min(car_w, surplus)
        self.car_wh += car_w / 3600
        self.solar_to_car_wh += solar / 3600
        self.import_for_car_wh += (car_w - solar) / 3600
        self.oracle_wh += oracle_w / 3600


class OcppSimCharger:
    """A charger's OCPP side: answers calls, applies charging profiles CHARGER_DELAY_S after them."""

    def __init__(self, car: Car, phases: int, switchable: bool = False) -> None:
        self.car = car
        self.phases = phases
        self.switchable = switchable
        self.profiles: dict[str, dict[str, Any]] = {}
        self.pending: list[tuple[datetime, str, dict[str, Any]]] = []
        self.counts: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def receive(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.counts[action] = self.counts.get(action, 0) + 1
        if action == "SetChargingProfile":
            profile = payload["csChargingProfiles"]
            purpose = profile["chargingProfilePurpose"]
            self.counts[purpose] = self.counts.get(purpose, 0) + 1
            self.pending.append((self.now + timedelta(seconds=CHARGER_DELAY_S), purpose, profile))
            return {"status": "Accepted"}
        if action == "ClearChargingProfile":
            self.profiles.clear()
            return {"status": "Accepted"}
        if action == "GetConfiguration":
            keys = {
                "ChargeProfileMaxStackLevel": "8",
                "ChargingScheduleAllowedChargingRateUnit": "Current",
                "ChargingScheduleMaxPeriods": "24",
                "NumberOfConnectors": "1",
                "SupportedFeatureProfiles": "Core,SmartCharging,RemoteTrigger",
                "ConnectorSwitch3to1PhaseSupported": "true" if self.switchable else "false",
            }
            return {
                "configurationKey": [
                    {"key": k, "readonly": True, "value": v} for k, v in keys.items()
                ],
                "unknownKey": [],
            }
        return {"status": "Accepted"}

    def offered(self, now: datetime) -> tuple[float, int]:
        """Apply profiles that are due; the limit in force (TxProfile over TxDefaultProfile)
        and the phases it asks for (numberPhases on a charger that can switch)."""
        self.now = now
        while self.pending and self.pending[0][0] <= now:
            _, purpose, profile = self.pending.pop(0)
            self.profiles[purpose] = profile
        for purpose in ("TxProfile", "TxDefaultProfile"):
            if (profile := self.profiles.get(purpose)) is not None:
                limit, phases = _period_at(profile, now)
                if self.switchable and phases:
                    self.phases = phases
                return limit, self.phases
        return 16.0, self.phases


def _period_at(profile: dict[str, Any], now: datetime) -> tuple[float, int | None]:
    schedule = profile["chargingSchedule"]
    start = datetime.fromisoformat(
        schedule.get("startSchedule", now.isoformat()).replace("Z", "+00:00")
    )
    if (valid_to := profile.get("validTo")) and now >= datetime.fromisoformat(
        valid_to.replace("Z", "+00:00")
    ):
        return 0.0, None
    elapsed = (now - start).total_seconds()
    limit, phases = 0.0, None
    for period in schedule["chargingSchedulePeriod"]:
        if period["startPeriod"] <= elapsed:
            limit, phases = float(period["limit"]), period.get("numberPhases")
    return limit, phases
