"""Rules of the solar controller added for issue 15's remaining rows (pure core, no clock).

* a one-step raise needs the mean of the last write interval (meter noise is not sun);
* a level is held only while the surplus is less than a third of a step short of it;
* no switch down to one phase while the surplus is on its way back to the three-phase minimum;
* a paused car may start into a steady, shallow shortfall that today's import budget pays for.
"""

from __future__ import annotations

from dataclasses import replace

from custom_components.ocpp_central.control.core.modes import ChargeMode, SolarSettings
from tests.helpers.controller_sim import Site, car

MIN_1P = 6 * 230  # 1380 W
MIN_3P = 3 * MIN_1P  # 4140 W
STEP_3P = 0.1 * 3 * 230  # 69 W: one 0.1 A step on three phases


def test_one_high_reading_does_not_raise_the_level() -> None:
    """8.0 A with 30 W to spare; one reading 80 W up is noise, 35 s of it is sun."""
    site = Site(replace(SolarSettings(), min_on_s=0), cars=[car()])
    site.run(120, 80 * STEP_3P + 30)
    assert site.car("A").limit_a == 8.0
    site.tick(80 * STEP_3P + 80)
    assert site.car("A").limit_a == 8.0
    site.run(10, 80 * STEP_3P + 30)
    assert site.car("A").limit_a == 8.0
    # Sustained: the mean of the write interval carries 8.1 A.
    site.run(40, 80 * STEP_3P + 80)
    assert site.car("A").limit_a == 8.1
    # Two steps up at once is the sun coming back: the latest reading counts.
    site.run(35, 83 * STEP_3P + 10)
    assert site.car("A").limit_a == 8.3


def test_a_shortfall_of_more_than_a_third_of_a_step_steps_down() -> None:
    """30 W short of 8.1 A on three phases (a step is 69 W): holding would keep 39 W of sun for
    30 W of grid, less than twice what it buys; 20 W short still holds."""
    site = Site(replace(SolarSettings(), min_on_s=0), cars=[car(mode=ChargeMode.MIN_SOLAR)])
    site.run(120, 81 * STEP_3P + 11)
    assert site.car("A").limit_a == 8.1
    site.run(60, 81 * STEP_3P - 20)
    assert site.car("A").limit_a == 8.1
    site.run(60, 81 * STEP_3P - 30)
    assert site.car("A").limit_a == 8.0


def test_no_switch_to_one_phase_while_the_surplus_comes_back() -> None:
    """The 30 s phase-down delay runs out as the sun returns: the car stays on three phases
    (one phase would hold it at a third of the power for the switch interval)."""
    site = Site(
        replace(SolarSettings(), min_on_s=0, min_off_s=0), cars=[car(can_switch_phases=True)]
    )
    site.run(90, MIN_3P + 2000)
    assert site.car("A").phases == 3
    switches = site.controller.states["A"].phase_switches
    site.run(30, 2500)
    assert site.car("A").phases == 3
    for surplus in (3000, 3600, 4500, 5500, 6000):
        site.run(5, surplus)
    site.run(60, 6000)
    assert site.car("A").phases == 3
    assert site.controller.states["A"].phase_switches == switches
    # A dip that does not come back still goes to one phase after the delay.
    site.run(60, 2500)
    assert site.car("A").phases == 1


def _sunny_then_stopped(site: Site) -> None:
    site.run(3 * 3600, MIN_3P + 3000)
    assert site.controller.states["A"].enabled
    site.run(10 * 60, 1000)
    assert not site.controller.states["A"].enabled


def test_a_start_into_a_steady_shallow_shortfall_paid_by_the_days_import_budget() -> None:
    """After three sunny hours (21 kWh charged, 2 % of it is 420 Wh) the sun comes back to
    300 W short of the three-phase minimum and stays: the car starts and buys 300 W."""
    site = Site(replace(SolarSettings(), min_on_s=0, min_off_s=0), cars=[car()])
    _sunny_then_stopped(site)
    site.run(12 * 60, MIN_3P - 300)
    assert site.controller.states["A"].enabled
    assert site.car("A").limit_a == 6.0
    assert site.controller.states["A"].starts == 2


def test_no_start_into_a_shortfall_early_in_the_day_or_into_an_unsteady_one() -> None:
    """With nothing charged yet today the budget has nothing to pay with; after the sunny hours
    a shortfall that swings deeper than the ride share every few minutes is no start either."""
    early = Site(replace(SolarSettings(), min_on_s=0, min_off_s=0), cars=[car()])
    early.run(20 * 60, MIN_3P - 300)
    assert not early.controller.states["A"].enabled
    site = Site(replace(SolarSettings(), min_on_s=0, min_off_s=0), cars=[car()])
    _sunny_then_stopped(site)
    for _ in range(6):
        site.run(90, MIN_3P - 300)
        site.run(60, MIN_3P - 1500)
    assert not site.controller.states["A"].enabled
