"""Invariants of the solar controller across a site: several cars, fuse, battery, phases (pure core)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.ocpp_central.control.core.guards import ConnectorState
from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorInput,
    Reason,
    SiteInput,
    SolarSettings,
    Strategy,
)
from custom_components.ocpp_central.control.core.solar import SolarController
from tests.helpers.controller_sim import T0, Site, car, vars_of

MIN_3P = 6 * 230 * 3  # 4140 W
NO_GUARDS = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=99)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [(Strategy.PRIORITY, {"A": 16.0, "B": 6.0}), (Strategy.EQUAL, {"A": 11.0, "B": 11.0})],
)
def test_all_cars_allocated_in_one_pass(strategy: Strategy, expected: dict[str, float]) -> None:
    settings = SolarSettings(strategy=strategy, min_on_s=0, min_off_s=0)
    site = Site(settings, cars=[car("A", priority=1), car("B")])
    site.car("A").limit_a = site.car("B").limit_a = 6.0
    site.controller.states.clear()
    for key in ("A", "B"):
        state = site.controller.states.setdefault(key, ConnectorState())
        state.enabled, state.limit_a, state.sent_at, state.on_since = (
            True,
            6.0,
            T0 - timedelta(minutes=5),
            T0,
        )
        state.mode = ChargeMode.SOLAR
    site.run(40, 22 * 230 * 3)
    assert {key: site.car(key).limit_a for key in ("A", "B")} == pytest.approx(expected, abs=0.11)


def test_higher_priority_car_takes_over_and_the_other_is_shed() -> None:
    settings = SolarSettings(min_on_s=0, min_off_s=0)
    site = Site(settings, cars=[car("low")])
    site.run(70, 5000)
    assert site.car("low").limit_a > 0
    site.cars.append(car("high", priority=5))
    site.run(70, 5000)
    assert site.car("high").limit_a >= 6
    assert site.car("low").limit_a == 6
    site.run(200, 5000)
    assert site.car("low").limit_a == 0
    assert site.car("high").limit_a == pytest.approx(7.2, abs=0.11)


def test_equal_split_starts_a_second_car_only_from_what_is_left() -> None:
    settings = SolarSettings(strategy=Strategy.EQUAL, min_on_s=0, min_off_s=0)
    site = Site(settings, cars=[car("A"), car("B")])
    site.run(70, MIN_3P * 1.5)
    on = [key for key in ("A", "B") if site.car(key).limit_a]
    assert len(on) == 1
    site.run(100, MIN_3P * 2.2)
    assert site.car("A").limit_a and site.car("B").limit_a


def test_min_solar_never_pauses_and_adds_surplus() -> None:
    site = Site(cars=[car(mode=ChargeMode.MIN_SOLAR)])
    assert site.run(30, 0)["A"].explanation.reason is Reason.MIN_SOLAR
    assert site.car("A").limit_a == 6
    site.run(600, 0)
    assert site.car("A").limit_a == 6
    site.run(60, MIN_3P + 2070)
    assert site.car("A").limit_a == pytest.approx(9.0)


def test_off_fast_and_external_modes() -> None:
    site = Site(
        cars=[
            car(mode=ChargeMode.FAST),
            car("B", mode=ChargeMode.EXTERNAL),
            car("C", mode=ChargeMode.OFF),
        ]
    )
    decisions = site.tick(0)
    assert decisions["A"].limit_a == 16 and decisions["A"].send
    assert decisions["B"].limit_a is None and decisions["B"].explanation.reason is Reason.EXTERNAL
    assert decisions["C"].limit_a == 0 and decisions["C"].explanation.reason is Reason.OFF
    site.car("A").mode = ChargeMode.OFF
    site.now += timedelta(seconds=1)
    off = site.tick(0)["A"]
    assert off.limit_a == 0 and off.immediate


def test_unplugged_and_cheapest_are_left_alone() -> None:
    site = Site(cars=[car(), car("B", mode=ChargeMode.CHEAPEST)])
    site.car("A").plugged_in = False
    decisions = site.tick(9000)
    assert decisions["A"].limit_a is None and decisions["A"].explanation.reason is Reason.NO_CAR
    assert (
        decisions["B"].limit_a is None and decisions["B"].explanation.reason is Reason.PLAN_WAITING
    )
    assert not site.writes


def test_target_reached_pauses() -> None:
    controller = SolarController()
    connector = ConnectorInput(key="A", mode=ChargeMode.FAST, plugged_in=True, target_reached=True)
    decision = controller.update(SiteInput(now=T0, grid_power_w=0), [connector])[0]
    assert decision.limit_a == 0 and decision.explanation.reason is Reason.TARGET_REACHED


def test_fuse_limit_per_phase() -> None:
    settings = SolarSettings(fuse_limit_a=25)
    site = Site(
        settings,
        cars=[
            car(mode=ChargeMode.FAST),
            car("B", mode=ChargeMode.FAST, phases=1, phase_rotation=(1, 2, 0)),
        ],
    )
    # House: 12 A on L2 only.
    decisions = site.tick(0, grid_current_a=(0.0, 12.0, 0.0))
    assert decisions["A"].limit_a == 13.0
    assert decisions["A"].explanation.reason is Reason.FUSE_LIMIT
    assert decisions["A"].explanation.detail == "L2"
    assert decisions["B"].limit_a == 0  # L2 has nothing left for the second car
    assert decisions["A"].immediate
    per_phase = [12.0 + 13.0, 13.0, 13.0]
    assert max(per_phase) <= 25


def test_fuse_without_phase_currents_assumes_a_balanced_house() -> None:
    site = Site(SolarSettings(fuse_limit_a=20), cars=[car(mode=ChargeMode.FAST)])
    # 6.9 kW house import: 10 A per phase.
    decision = site.tick(-6900)["A"]
    assert decision.limit_a == 10.0


def test_battery_priority() -> None:
    settings = SolarSettings(battery_priority_soc=80, min_on_s=0, min_off_s=0)
    site = Site(settings, cars=[car()])
    # The battery charges at 3 kW; surplus beyond it is 2 kW: too little for the car.
    first = site.run(120, 5000 - 3000, battery_power_w=3000, battery_soc=50)["A"]
    assert first.explanation.reason is Reason.BATTERY_PRIORITY
    assert site.car("A").limit_a == 0
    # Above the priority SoC the battery's charging power is the car's to take.
    site.run(70, 5000 - 3000, battery_power_w=3000, battery_soc=90)
    assert site.car("A").limit_a >= 6


def test_battery_discharge_is_never_surplus() -> None:
    site = Site(SolarSettings(min_on_s=0), cars=[car()])
    site.run(120, 0, battery_power_w=-5000, battery_soc=90)
    assert site.car("A").limit_a == 0


def test_residual_power_offset() -> None:
    site = Site(SolarSettings(residual_power_w=690), cars=[car()])
    site.run(70, MIN_3P + 1380)
    assert site.car("A").limit_a == pytest.approx(7.0)


def test_unavailable_grid_reading_goes_to_minimum_then_pauses() -> None:
    site = Site(NO_GUARDS, cars=[car(), car("M", mode=ChargeMode.MIN_SOLAR)])
    site.run(70, 12000)
    assert site.car("A").limit_a > 6
    reading = SiteInput(now=site.now, grid_power_w=None)
    decisions = {d.key: d for d in site.controller.update(reading, site.inputs())}
    assert decisions["A"].limit_a == 6 and decisions["A"].immediate
    assert decisions["A"].explanation.reason is Reason.INPUT_UNAVAILABLE
    assert decisions["M"].limit_a == 6
    # A stale reading counts as missing.
    later = site.now + timedelta(seconds=200)
    stale = SiteInput(now=later, grid_power_w=-9000, grid_measured_at=site.now)
    decisions = {d.key: d for d in site.controller.update(stale, site.inputs())}
    assert decisions["A"].limit_a == 0
    assert decisions["A"].explanation.reason is Reason.INPUT_UNAVAILABLE
    again = {
        d.key: d
        for d in site.controller.update(SiteInput(now=later, grid_power_w=None), site.inputs())
    }
    assert again["A"].limit_a == 0 and not again["A"].send


def test_phase_switching_down_at_once_up_after_the_interval() -> None:
    settings = SolarSettings(
        min_on_s=0,
        min_off_s=0,
        phase_down_delay_s=30,
        phase_up_delay_s=60,
        phase_switch_interval_s=600,
    )
    site = Site(settings, cars=[car(can_switch_phases=True)])
    site.run(70, 3000)
    assert (site.car("A").phases, site.car("A").limit_a) == (1, pytest.approx(13.0))
    site.run(60, 6000)
    pending = site.run(60, 6000)["A"]
    assert site.car("A").phases == 1
    assert pending.explanation.reason is Reason.PHASE_SWITCH and pending.explanation.detail == "3"
    site.run(500, 6000)
    assert site.car("A").phases == 3
    assert site.car("A").limit_a == pytest.approx(8.6)
    # Down again: not held by the interval, only by its own delay.
    site.run(40, 2000)
    assert site.car("A").phases == 1
    assert site.controller.states["A"].phase_switches == 2


def test_car_drawing_less_leaves_the_rest_to_others() -> None:
    settings = SolarSettings(strategy=Strategy.PRIORITY, min_on_s=0, min_off_s=0)
    site = Site(settings, cars=[car("A", priority=1), car("B")])
    site.run(200, 30 * 230 * 3)
    controller = site.controller
    inputs = site.inputs()
    # A's car takes only 8 A of its 16.
    inputs[0] = ConnectorInput(
        **{**vars_of(inputs[0]), "current_a": (8.0, 8.0, 8.0), "power_w": 8 * 690}
    )
    site.now += timedelta(seconds=60)
    grid = -30 * 690 + 8 * 690 + site.car("B").power_w
    decisions = {
        d.key: d for d in controller.update(SiteInput(now=site.now, grid_power_w=grid), inputs)
    }
    assert decisions["A"].limit_a == 10.0
    assert decisions["B"].limit_a == 16.0


def test_forgetting_a_connector_and_reset() -> None:
    site = Site(cars=[car()])
    site.run(10, 0)
    site.controller.reset("A")
    assert site.controller.states["A"].limit_a is None
    site.controller.reset("nope")
    site.cars.clear()
    site.tick(0)
    assert site.controller.states == {}
