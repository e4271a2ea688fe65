"""Price parsers, the PV-forecast credit and the cheapest-slot planner (pure core)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest

from custom_components.ocpp_central.control.core.price import (
    PriceSlot,
    cost_of,
    expected_solar_wh,
    parse_entsoe,
    parse_nordpool,
    parse_octopus,
    parse_price_forecast,
    parse_pv_forecast,
    parse_tibber,
    plan_cheapest,
)

T0 = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
HOURLY = [0.30, 0.35, 0.28, 0.12, 0.10, 0.09, 0.11, 0.25, 0.40, 0.08, 0.22, 0.31, 0.50]


def hourly(prices: list[float] = HOURLY, start: datetime = T0) -> list[PriceSlot]:
    return [
        PriceSlot(start + timedelta(hours=h), start + timedelta(hours=h + 1), price)
        for h, price in enumerate(prices)
    ]


def test_nordpool_raw_today_and_tomorrow() -> None:
    attributes = {
        "raw_today": [
            {"start": T0, "end": T0 + timedelta(hours=1), "value": 0.3},
            {"start": T0 + timedelta(hours=1), "end": T0 + timedelta(hours=2), "value": None},
        ],
        "raw_tomorrow": [
            {
                "start": (T0 + timedelta(hours=2)).isoformat(),
                "end": (T0 + timedelta(hours=3)).isoformat(),
                "value": "0.1",
            }
        ],
        "today": [1, 2, 3],  # Nordpool's plain list of values: ignored.
    }
    slots = parse_nordpool(attributes)
    assert slots == [
        PriceSlot(T0, T0 + timedelta(hours=1), 0.3),
        PriceSlot(T0 + timedelta(hours=2), T0 + timedelta(hours=3), 0.1),
    ]
    assert parse_price_forecast(attributes) == slots


def test_tibber_today_tomorrow_and_prices_list() -> None:
    today = [
        {"startsAt": "2026-11-25T18:00:00.000+01:00", "total": 0.31, "energy": 0.2},
        {"startsAt": "2026-11-25T19:00:00.000+01:00", "total": 0.29},
    ]
    tomorrow = [{"startsAt": "2026-11-26T00:00:00+01:00", "total": 0.11}]
    slots = parse_tibber({"today": today, "tomorrow": tomorrow})
    assert [slot.price for slot in slots] == [0.31, 0.29, 0.11]
    # Without an end, a slot lasts until the next one; the last one as long as the one before.
    assert slots[0].end == slots[1].start
    assert slots[1].end - slots[1].start == timedelta(hours=5)
    assert slots[2].end - slots[2].start == timedelta(hours=5)
    as_action = {"prices": [{"start_time": "2026-11-25T18:00:00+00:00", "price": 0.2}]}
    assert parse_tibber(as_action) == [PriceSlot(T0, T0 + timedelta(hours=1), 0.2)]


def test_entsoe_prices() -> None:
    attributes = {
        "prices_today": [
            {"time": "2026-11-25 18:00:00+00:00", "price": 0.25},
            {"time": "2026-11-25 19:00:00+00:00", "price": 0.21},
        ],
        "prices": [
            {"time": "2026-11-25 19:00:00+00:00", "price": 0.21},
            {"time": "bad", "price": 1},
        ],
    }
    slots = parse_entsoe(attributes)
    assert [(slot.start.hour, slot.price) for slot in slots] == [(18, 0.25), (19, 0.21)]


def test_octopus_rates() -> None:
    rates = [
        {
            "start": T0 + timedelta(minutes=30 * n),
            "end": T0 + timedelta(minutes=30 * (n + 1)),
            "value_inc_vat": v,
            "is_capped": False,
        }
        for n, v in enumerate((0.245, 0.075, 0.15))
    ]
    slots = parse_octopus({"rates": rates, "min_rate": 0.075})
    assert [slot.price for slot in slots] == [0.245, 0.075, 0.15]
    assert slots[1].end - slots[1].start == timedelta(minutes=30)


def test_unreadable_entries_are_skipped() -> None:
    attributes = {
        "prices": [
            "nope",
            {"time": "2026-11-25T18:00:00"},  # no price and no zone
            {"time": "2026-11-25T18:00:00", "price": 1},  # naive time
            {"time": 5, "price": 1},
            {"time": "2026-11-25T18:00:00Z", "price": True},
            {"time": "2026-11-25T18:00:00Z", "price": "x"},
            {"time": "2026-11-25T18:00:00Z", "price": float("nan")},
            {"time": datetime(2026, 11, 25, 18), "price": 1},
            {"start": "2026-11-25T18:00:00Z", "end": "2026-11-25T17:00:00Z", "price": 1},
        ],
        "rates": "not a list",
    }
    assert parse_price_forecast(attributes) == []
    single = parse_price_forecast({"prices": [{"time": "2026-11-25T18:00:00Z", "price": 2}]})
    assert single == [PriceSlot(T0, T0 + timedelta(hours=1), 2.0)]


def brute_force_cheapest(slots: list[PriceSlot], hours: int) -> float:
    return min(sum(combo) for combo in combinations([slot.price for slot in slots], hours))


@pytest.mark.parametrize("hours", [1, 2, 3, 5])
def test_plan_is_the_cheapest_slots(hours: int) -> None:
    slots = hourly()
    power = 16 * 3 * 230
    plan = plan_cheapest(
        slots,
        now=T0,
        departure=T0 + timedelta(hours=13),
        energy_wh=power * hours,
        max_current_a=16,
        phases=3,
    )
    assert plan.complete
    assert plan.energy_wh == pytest.approx(power * hours)
    assert plan.cost == pytest.approx(brute_force_cheapest(slots, hours) * power / 1000)
    charged = {
        slot.start for slot in slots if plan.limit_at(slot.start + timedelta(minutes=30)) > 0
    }
    cheapest = sorted(slots, key=lambda slot: slot.price)[:hours]
    assert charged == {slot.start for slot in cheapest}


def test_plan_shape_partial_slot_and_departure() -> None:
    slots = hourly()
    power = 16 * 3 * 230
    plan = plan_cheapest(
        slots,
        now=T0 + timedelta(minutes=10),
        departure=T0 + timedelta(hours=8),
        energy_wh=power * 1.5,
        max_current_a=16,
        phases=3,
    )
    # Cheapest before departure: +5 h (0.09) fully, then +4 h (0.10) for its last 30 minutes,
    # next to the run that follows.
    assert plan.periods == [
        (T0 + timedelta(minutes=10), 0.0),
        (T0 + timedelta(hours=4, minutes=30), 16),
        (T0 + timedelta(hours=6), 0.0),
    ]
    assert plan.limit_at(T0 + timedelta(hours=4, minutes=29)) == 0
    assert plan.limit_at(T0 + timedelta(hours=5, minutes=59)) == 16
    assert plan.energy_wh == pytest.approx(power * 1.5)
    assert plan.valid_to == T0 + timedelta(hours=8)
    assert plan.limit_at(T0 + timedelta(hours=9)) == 0
    assert plan.next_start(T0) == T0 + timedelta(hours=4, minutes=30)
    assert plan.next_start(T0 + timedelta(hours=5)) == T0 + timedelta(hours=5)
    assert plan.next_start(T0 + timedelta(hours=7)) is None


def test_plan_not_enough_time_charges_in_every_slot() -> None:
    plan = plan_cheapest(
        hourly(),
        now=T0,
        departure=T0 + timedelta(hours=2),
        energy_wh=100_000,
        max_current_a=16,
        phases=3,
    )
    assert not plan.complete
    assert plan.periods == [(T0, 16)]


def test_plan_nothing_needed_and_price_limit() -> None:
    nothing = plan_cheapest(
        hourly(),
        now=T0,
        departure=T0 + timedelta(hours=12),
        energy_wh=0,
        max_current_a=16,
        phases=3,
    )
    assert nothing.periods == [(T0, 0.0)] and nothing.complete and nothing.energy_wh == 0
    cheap = plan_cheapest(
        hourly(),
        now=T0,
        departure=T0 + timedelta(hours=12),
        energy_wh=0,
        max_current_a=16,
        phases=3,
        price_limit=0.10,
    )
    starts = [start for start, limit in cheap.periods if limit]
    assert starts == [T0 + timedelta(hours=4), T0 + timedelta(hours=9)]


def test_partial_slot_alone_charges_from_its_start() -> None:
    plan = plan_cheapest(
        hourly([0.3, 0.1, 0.3]),
        now=T0,
        departure=T0 + timedelta(hours=3),
        energy_wh=11040 / 4,
        max_current_a=16,
        phases=3,
    )
    assert plan.periods == [
        (T0, 0.0),
        (T0 + timedelta(hours=1), 16),
        (T0 + timedelta(hours=1, minutes=15), 0.0),
    ]


def test_plan_fits_the_chargers_period_limit() -> None:
    alternating = [0.1 if h % 2 else 0.5 for h in range(12)]
    plan = plan_cheapest(
        hourly(alternating),
        now=T0,
        departure=T0 + timedelta(hours=12),
        energy_wh=6 * 11040,
        max_current_a=16,
        phases=3,
        max_periods=4,
    )
    assert len(plan.periods) <= 5
    assert plan.limit_at(T0 + timedelta(hours=1, minutes=5)) == 16


def test_pv_forecast_credit() -> None:
    solcast = {
        "detailedForecast": [
            {"period_start": (T0 + timedelta(minutes=30 * n)).isoformat(), "pv_estimate": kw}
            for n, kw in enumerate((0.5, 3.0, 5.0, 5.0))
        ]
    }
    forecast = parse_pv_forecast(solcast)
    assert [slot.power_w for slot in forecast] == [500, 3000, 5000, 5000]
    assert forecast[-1].end == T0 + timedelta(hours=2)
    wh = expected_solar_wh(
        forecast,
        T0,
        T0 + timedelta(hours=2),
        house_w=500,
        min_power_w=4140,
        max_power_w=11040,
        confidence=1.0,
    )
    assert wh == pytest.approx(4500 * 0.5 * 2)
    assert (
        expected_solar_wh(
            forecast,
            T0 + timedelta(hours=3),
            T0 + timedelta(hours=4),
            house_w=0,
            min_power_w=0,
            max_power_w=1e9,
        )
        == 0
    )
    watts = parse_pv_forecast(
        {"watts": {(T0 + timedelta(hours=h)).isoformat(): 1000 * h for h in range(3)}, "junk": 1}
    )
    assert [slot.power_w for slot in watts] == [0, 1000, 2000]
    one = parse_pv_forecast(
        {"forecast": [{"period_start": T0, "pv_estimate": 1}, {"period_start": "x"}, 3]}
    )
    assert one[0].end == T0 + timedelta(minutes=30)


def test_cost_of_energy_at_slot_prices() -> None:
    slots = hourly([0.1, 0.2])
    log = [
        (T0 + timedelta(minutes=10), 1000.0),
        (T0 + timedelta(minutes=70), 2000.0),
        (T0 + timedelta(hours=5), 99.0),
    ]
    assert cost_of(slots, log) == pytest.approx(0.1 + 0.4)
