"""The solar controller's defects of issue 15, each pinned (pure core, simulated site, no clock).

* Min+Solar on a charger that can switch phases goes to one phase when the surplus does not
  carry three (it held 6 A on three phases and bought 4.1 kW minus the surplus);
* a pass whose grid reading is older than the charger's own reading (a pass the charger's
  meter message started) neither ends a stop timer nor counts the car at its new power;
* back to three phases within about a minute of steady surplus above the three-phase minimum
  (and the shorter interval since the last switch), not after 5 and 10 minutes;
* a decrease within the deadband that cuts an import is written; a decrease is written before
  the write interval only when it prevents more than the set import.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorInput,
    Reason,
    SiteInput,
    SolarSettings,
)
from custom_components.ocpp_central.control.core.solar import SolarController
from tests.helpers.controller_sim import T0, Site, car

MIN_1P = 6 * 230  # 1380 W
MIN_3P = 3 * MIN_1P  # 4140 W


def test_min_solar_switches_to_one_phase_when_the_surplus_does_not_carry_three() -> None:
    site = Site(cars=[car(mode=ChargeMode.MIN_SOLAR, can_switch_phases=True)])
    site.run(300, MIN_3P + 1000)
    assert site.car("A").phases == 3
    # A dip shorter than 180 s is ridden on three phases; a longer one goes to one.
    site.run(120, 2000)
    assert site.car("A").phases == 3
    site.run(120, 2000)
    assert site.car("A").phases == 1
    # Two kilowatts of surplus on one phase: 8.6 A, nothing bought.
    assert site.car("A").limit_a == 8.6
    assert site.grid_w(2000) <= 0


def test_min_solar_with_no_surplus_holds_the_one_phase_minimum() -> None:
    site = Site(cars=[car(mode=ChargeMode.MIN_SOLAR, can_switch_phases=True)])
    site.run(120, 0)
    assert (site.car("A").phases, site.car("A").limit_a) == (1, 6.0)


def _pass(
    controller: SolarController,
    now_s: float,
    grid_w: float,
    grid_at_s: float,
    power_w: float,
    meter_at_s: float,
    limit_a: float,
) -> ConnectorInput:
    connector = ConnectorInput(
        key="A",
        mode=ChargeMode.SOLAR,
        plugged_in=True,
        session_active=True,
        power_w=power_w,
        current_a=(power_w / 690,) * 3 if power_w else (),
        measured_at=T0 + timedelta(seconds=meter_at_s),
    )
    controller.update(
        SiteInput(
            now=T0 + timedelta(seconds=now_s),
            grid_power_w=grid_w,
            grid_measured_at=T0 + timedelta(seconds=grid_at_s),
        ),
        [connector],
    )
    del limit_a
    return connector


def test_a_stale_grid_reading_does_not_end_the_final_stop_timer() -> None:
    """The final stop timer runs out on a pass the charger's reading started, with a grid value
    read 5 s earlier (import): no pause. The fresh grid reading a second later shows export."""
    settings = SolarSettings(
        starts_per_day=1, min_on_s=0, disable_delay_s=30, final_stop_delay_s=60, import_share=None
    )
    site = Site(settings, cars=[car()])
    site.run(70, MIN_3P + 1000)
    assert site.car("A").limit_a > 6
    # Importing at the minimum: the final stop timer starts, 50 s pass.
    site.run(55, MIN_3P - 1500)
    state = site.controller.states["A"]
    assert state.enabled and state.disable_timer is not None
    assert 6.0 <= site.car("A").limit_a < 7
    expiry = (state.disable_timer - T0).total_seconds() + 60 + 1
    # The charger's reading arrives at the expiry; the grid reading is 5 s old (1370 W import).
    controller = site.controller
    decisions = controller.update(
        SiteInput(
            now=T0 + timedelta(seconds=expiry),
            grid_power_w=1370.0,
            grid_measured_at=T0 + timedelta(seconds=expiry - 5),
        ),
        [
            ConnectorInput(
                key="A",
                mode=ChargeMode.SOLAR,
                plugged_in=True,
                session_active=True,
                power_w=MIN_3P,
                current_a=(6.0, 6.0, 6.0),
                measured_at=T0 + timedelta(seconds=expiry),
            )
        ],
    )
    assert decisions[0].limit_a
    assert controller.states["A"].enabled
    # The fresh grid reading (208 W export) comes in the same second: charging goes on.
    decisions = controller.update(
        SiteInput(
            now=T0 + timedelta(seconds=expiry + 1),
            grid_power_w=-208.0,
            grid_measured_at=T0 + timedelta(seconds=expiry + 1),
        ),
        [
            ConnectorInput(
                key="A",
                mode=ChargeMode.SOLAR,
                plugged_in=True,
                session_active=True,
                power_w=MIN_3P,
                current_a=(6.0, 6.0, 6.0),
                measured_at=T0 + timedelta(seconds=expiry),
            )
        ],
    )
    assert decisions[0].limit_a
    assert decisions[0].explanation.reason is Reason.SOLAR
    assert controller.states["A"].enabled


def test_a_grid_reading_older_than_the_chargers_counts_the_car_as_it_was() -> None:
    """The car went from 6 A to 10 A after the grid reading: the surplus is the grid's view of
    the car at 6 A, not the 10 A the charger reports now (that would offer 4 A too much)."""
    controller = SolarController(SolarSettings())
    _pass(controller, 0, -2000.0, 0, 6 * 690, 0, 6)
    state = controller.states["A"]
    assert state.readings[-1][1] == 6 * 690
    site = SiteInput(
        now=T0 + timedelta(seconds=12),
        grid_power_w=-2000.0,
        grid_measured_at=T0 + timedelta(seconds=8),
    )
    newer = ConnectorInput(
        key="A",
        mode=ChargeMode.SOLAR,
        plugged_in=True,
        session_active=True,
        power_w=10 * 690,
        current_a=(10.0,) * 3,
        measured_at=T0 + timedelta(seconds=10),
    )
    controller._site = site
    controller._note_reading(newer)
    available, _ = controller._available_w(site, [newer])
    assert available == 2000.0 + 6 * 690


def test_back_to_three_phases_within_a_minute_of_steady_surplus() -> None:
    site = Site(
        replace(SolarSettings(), min_on_s=0, min_off_s=0),
        cars=[car(can_switch_phases=True)],
    )
    site.run(90, MIN_3P + 2000)
    assert site.car("A").phases == 3
    site.run(60, 2500)
    assert site.car("A").phases == 1
    switched_down = site.now
    # Steady surplus above the three-phase minimum: up after the 180 s interval since the
    # down switch, and at least 60 s of steady surplus.
    while site.car("A").phases == 1 and site.now - switched_down < timedelta(minutes=10):
        site.run(5, MIN_3P + 1500)
    assert site.car("A").phases == 3
    assert site.now - switched_down <= timedelta(seconds=200)


def test_a_decrease_within_the_deadband_that_cuts_an_import_is_written() -> None:
    site = Site(replace(SolarSettings(), min_on_s=0), cars=[car(mode=ChargeMode.MIN_SOLAR)])
    site.run(120, MIN_3P + 69 * 3 // 1 + 30)
    assert site.car("A").limit_a == 6.3
    # The surplus falls by 0.2 A worth: within the 0.3 A deadband, but it imports.
    site.run(60, MIN_3P + 70)
    assert site.car("A").limit_a == 6.1


def test_only_a_decrease_that_prevents_more_than_the_set_import_skips_the_interval() -> None:
    site = Site(replace(SolarSettings(), min_on_s=0), cars=[car()])
    site.run(120, MIN_3P + 210)
    assert site.car("A").limit_a == 6.3
    last_write = site.writes[-1][0]
    site.now = last_write + timedelta(seconds=10)
    # The surplus falls 800 W short of 6.3 A: down to the minimum 6.0 A prevents only 207 W of
    # the import, less than the set 300 W: not written inside the write interval.
    site.run(15, MIN_3P + 210 - 800)
    assert site.writes[-1][0] == last_write
    site.run(10, MIN_3P + 210 - 800)
    assert site.writes[-1][0] - last_write >= timedelta(seconds=30)
    assert site.car("A").limit_a == 6.0
    # From 9 A, 1500 W short: written at once (10 s after the last write).
    site.run(60, MIN_3P + 2100)
    assert site.car("A").limit_a == 9.0
    last_write = site.writes[-1][0]
    site.now = last_write + timedelta(seconds=10)
    site.tick(MIN_3P + 600)
    assert site.writes[-1][0] == last_write + timedelta(seconds=10)
    assert site.writes[-1][1].immediate


STEP_3P = 0.1 * 3 * 230  # 69 W: one 0.1 A step on three phases


def test_a_one_step_rise_is_written_and_a_shortfall_under_a_third_of_a_step_holds_the_level() -> (
    None
):
    """Min+Solar on a fixed three-phase charger follows the surplus in 0.1 A steps.

    A rise of one step was inside the 0.1 A deadband in floating point (8.1 - 8.0 < 0.1): the car
    stayed 70-80 W below the surplus for as long as it lasted. And rounding down alone made it
    give up a whole step of sun for a shortfall of a few watts.
    """
    site = Site(replace(SolarSettings(), min_on_s=0), cars=[car(mode=ChargeMode.MIN_SOLAR)])
    site.run(120, 80 * STEP_3P + 30)
    assert site.car("A").limit_a == 8.0
    # 80 W more surplus: one step up.
    site.run(120, 81 * STEP_3P + 11)
    assert site.car("A").limit_a == 8.1
    # 10 W short of 8.1 A: holding 8.1 A buys 10 W, stepping down would waste 59 W of sun.
    site.run(120, 81 * STEP_3P - 10)
    assert site.car("A").limit_a == 8.1
    assert 0 < site.grid_w(81 * STEP_3P - 10) <= STEP_3P / 2
    # 50 W short: down one step.
    site.run(120, 81 * STEP_3P - 50)
    assert site.car("A").limit_a == 8.0
