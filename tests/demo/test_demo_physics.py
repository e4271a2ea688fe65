"""The demo's simulated site and chargers (scripts/): the sun, the price, and limits the car follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).parents[2] / "scripts"))

from demo_site.curves import (
    DAY_SECONDS,
    PEAK_PV_W,
    clear_sky_w,
    demo_hour,
    price_at,
    price_day,
    pv_w,
)
from sim_charger import Profiles


def test_a_day_of_sun_in_twenty_minutes() -> None:
    assert demo_hour(0) == 0.0
    assert demo_hour(DAY_SECONDS / 2) == 12.0
    assert clear_sky_w(3.0) == clear_sky_w(22.0) == 0.0
    assert clear_sky_w(13.0) == PEAK_PV_W
    assert clear_sky_w(9.0) < clear_sky_w(11.0) < clear_sky_w(13.0)
    # Clouds only dim the sun: never more than the clear sky, never negative.
    for second in range(0, DAY_SECONDS, 7):
        assert 0 <= pv_w(second) <= round(clear_sky_w(demo_hour(second)))


def test_prices_are_dear_in_the_peaks_and_cheap_at_midday() -> None:
    day = datetime(2026, 12, 2, tzinfo=UTC)
    slots = price_day(day)
    assert len(slots) == 96
    assert slots[0].start == day and slots[-1].end == day + timedelta(days=1)
    assert price_at(day.replace(hour=18, minute=30)) > price_at(day.replace(hour=13))
    assert price_at(day.replace(hour=8)) > price_at(day.replace(hour=3, minute=30))
    assert min(slot.price for slot in slots) > 0


def test_the_car_follows_the_profile_in_force() -> None:
    profiles = Profiles(phases=3)
    assert profiles.limit_a() is None
    now = datetime.now(UTC)
    assert profiles.set(
        "TxDefaultProfile", 1001, {"charging_schedule_period": [{"start_period": 0, "limit": 10}]}
    )
    assert profiles.limit_a() == 10
    # The session's own profile wins over the default; a schedule's period in force counts.
    schedule = {
        "start_schedule": (now - timedelta(minutes=20)).isoformat(),
        "charging_rate_unit": "W",
        "charging_schedule_period": [
            {"start_period": 0, "limit": 11040},
            {"start_period": 900, "limit": 4140},
            {"start_period": 3600, "limit": 0},
        ],
    }
    assert profiles.set("TxProfile", 2001, schedule)
    assert profiles.limit_a() == 6.0  # 4140 W on three phases
    # The station maximum caps both.
    profiles.set(
        "ChargePointMaxProfile",
        3000,
        {"charging_schedule_period": [{"start_period": 0, "limit": 5}]},
    )
    assert profiles.limit_a() == 5
    assert profiles.clear(purpose="ChargePointMaxProfile")
    profiles.end_transaction()
    assert profiles.limit_a() == 10
    assert profiles.clear(profile_id=1001) and profiles.limit_a() is None
    assert not profiles.clear(profile_id=1001)
    assert not profiles.set("TxProfile", 2001, {"charging_schedule_period": []})
