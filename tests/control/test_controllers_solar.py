"""Invariants of the solar controller (pure core, simulated site, no Home Assistant)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest

from custom_components.ocpp_central.control.core.modes import (
    ConnectorInput,
    Reason,
    SiteInput,
    SolarSettings,
)
from tests.helpers.controller_sim import T0, Site, car, vars_of

MIN_3P = 6 * 230 * 3  # 4140 W
NO_GUARDS = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=99)


def started_at(site: Site, key: str = "A") -> list[float]:
    """Seconds from T0 of every write that took a paused connector to a current."""
    out, last = [], 0.0
    for when, decision in site.writes:
        if decision.key == key:
            if not last and decision.limit_a:
                out.append((when - T0).total_seconds())
            last = decision.limit_a or 0.0
    return out


def test_first_decision_pauses_a_car_without_surplus_at_once() -> None:
    site = Site(cars=[car()])
    decision = site.tick(0)["A"]
    assert decision.send and decision.immediate
    assert decision.limit_a == 0
    assert decision.explanation.reason is Reason.NO_SURPLUS
    assert not decision.start_session


def test_start_waits_for_the_enable_delay_then_offers_the_surplus() -> None:
    site = Site(cars=[car()])
    site.tick(0)
    site.now += timedelta(seconds=5)
    waiting = site.run(55, MIN_3P + 500)["A"]
    assert waiting.limit_a == 0
    assert waiting.explanation.reason is Reason.WAITING_FOR_SURPLUS
    assert waiting.explanation.timer_s == pytest.approx(10)
    started = site.run(10, MIN_3P + 500)["A"]
    assert started_at(site) == [65]
    assert site.car("A").limit_a == pytest.approx(6.7)
    assert started.explanation.reason is Reason.SOLAR
    assert site.controller.states["A"].starts_today == 1


def test_start_condition_broken_resets_the_timer() -> None:
    site = Site(cars=[car()])
    site.run(40, MIN_3P + 100)
    site.run(5, MIN_3P - 100)
    site.run(40, MIN_3P + 100)
    assert started_at(site) == []


def test_stop_only_after_importing_at_minimum_for_the_disable_delay() -> None:
    site = Site(NO_GUARDS, cars=[car()])
    site.run(70, MIN_3P + 2000)
    assert site.car("A").limit_a > 6
    stopping = site.run(60, MIN_3P - 1000)["A"]
    assert site.car("A").limit_a == 6  # minimum current while the timer runs
    assert stopping.explanation.reason is Reason.STOPPING
    assert stopping.explanation.timer_s is not None and 115 <= stopping.explanation.timer_s <= 125
    site.run(115, MIN_3P - 1000)
    assert site.car("A").limit_a == 6
    paused = site.run(10, MIN_3P - 1000)["A"]
    assert site.car("A").limit_a == 0
    assert paused.explanation.reason is Reason.NO_SURPLUS


def test_pause_never_ends_the_session() -> None:
    """A pause is a 0 A limit: the core has no stop, and it never asks for a new session when resuming one."""
    site = Site(NO_GUARDS, cars=[car()])
    for surplus in (MIN_3P + 2000, 0, MIN_3P + 2000, 0, MIN_3P + 1000):
        site.run(400, surplus)
    limits = [decision.limit_a for _, decision in site.writes]
    assert 0 in limits and any(limit and limit >= 6 for limit in limits)
    assert not any(decision.start_session for _, decision in site.writes)


def test_start_session_only_when_none_runs() -> None:
    site = Site(cars=[car()])
    site.car("A").session_active = False
    decision = site.run(65, MIN_3P + 500)["A"]
    assert any(d.start_session for _, d in site.writes)
    assert decision.limit_a


def test_start_budget_per_day() -> None:
    settings = SolarSettings(
        min_on_s=0, min_off_s=0, starts_per_day=2, final_stop_delay_s=180, cloud_start_share=None
    )
    site = Site(settings, cars=[car()])
    for _ in range(4):
        site.run(300, MIN_3P + 1000)
        site.run(300, 0)
    assert len(started_at(site)) == 2
    blocked = site.run(120, MIN_3P + 1000)["A"]
    assert blocked.explanation.reason is Reason.START_BUDGET
    assert site.car("A").limit_a == 0
    site.now = site.now.replace(hour=0) + timedelta(days=1)
    site.run(70, MIN_3P + 1000)
    assert len(started_at(site)) == 3


def test_last_start_makes_the_stop_delay_longer() -> None:
    settings = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=1, final_stop_delay_s=900)
    site = Site(settings, cars=[car()])
    site.run(70, MIN_3P + 1000)
    decision = site.run(300, 0)["A"]
    assert site.car("A").limit_a == 6
    assert decision.explanation.reason is Reason.STOPPING
    site.run(620, 0)
    assert site.car("A").limit_a == 0


def test_minimum_on_and_off_times() -> None:
    settings = SolarSettings(min_on_s=600, min_off_s=600, starts_per_day=9, disable_delay_s=60)
    site = Site(settings, cars=[car()])
    site.run(70, MIN_3P + 1000)
    held = site.run(120, 0)["A"]
    assert held.explanation.reason is Reason.MIN_ON_TIME
    assert site.car("A").limit_a == 6
    site.run(480, 0)
    assert site.car("A").limit_a == 0
    off = site.run(120, MIN_3P + 1000)["A"]
    assert off.explanation.reason is Reason.MIN_OFF_TIME
    assert off.explanation.timer_s is not None and off.explanation.timer_s > 0
    site.run(500, MIN_3P + 1000)
    assert site.car("A").limit_a > 0


def test_limits_are_zero_or_at_least_the_minimum() -> None:
    site = Site(NO_GUARDS, cars=[car(min_current_a=7)])
    for surplus in range(0, 12000, 700):
        site.run(100, surplus)
    assert all(d.limit_a == 0 or d.limit_a >= 7 for _, d in site.writes)
    assert all(d.limit_a is not None and d.limit_a <= 16 for _, d in site.writes)


def test_deadband_and_write_interval() -> None:
    site = Site(replace(NO_GUARDS, deadband_a=0.3), cars=[car()])
    site.run(70, 6000)
    before = len(site.writes)
    # 0.2 A (138 W) more surplus is inside the deadband: nothing is written.
    site.run(120, 6000 + 138)
    assert len(site.writes) == before
    site.run(120, 7500)
    times = [when for when, _ in site.writes[before:]]
    assert len(times) == 1
    site.run(200, 9000)
    site.run(200, 7000)
    times = [when for when, d in site.writes if not d.immediate]
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert all(gap >= 30 for gap in gaps)


def test_fast_decrease_when_importing() -> None:
    site = Site(NO_GUARDS, cars=[car()])
    site.run(70, 9000)
    assert site.car("A").limit_a == pytest.approx(13.0)
    site.run(30, 9000)
    sent_before = len(site.writes)
    # A cloud: 2 kW import; the decrease goes out within the fast interval, as an immediate write.
    site.run(15, 7000)
    decrease = site.writes[sent_before][1]
    assert decrease.immediate and decrease.limit_a == pytest.approx(10.1)


def test_waits_for_a_measurement_after_a_write() -> None:
    site = Site(NO_GUARDS, cars=[car()])
    site.run(70, 6000)
    # Readings keep coming, but the charger's meter still shows the old power.
    stale = site.inputs()
    site.now += timedelta(seconds=40)
    reading = SiteInput(now=site.now, grid_power_w=-3000, grid_measured_at=site.now)
    old = [
        ConnectorInput(**{**vars_of(c), "measured_at": site.writes[-1][0] - timedelta(seconds=1)})
        for c in stale
    ]
    decision = site.controller.update(reading, old)[0]
    assert not decision.send
