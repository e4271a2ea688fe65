"""The day's final stop in grid energy while a step keeps the surplus short (pure core, no clock).

With no start left, the last session rides a shortfall at its minimum. While the sun still climbs
(the last hour's peak above the hour's before), one that came as a step (a heat pump switching
on) rides on while the step is still there, until it has bought what the final stop delay buys at
a full shortfall; one that drifted in, or any once the sun sinks, stops after the delay.
"""

from __future__ import annotations

from custom_components.ocpp_central.control.core.modes import SolarSettings
from tests.helpers.controller_sim import Site, car

MIN_3P = 3 * 6 * 230  # 4140 W
SETTINGS = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=1, final_stop_delay_s=1200)


def _charging(climbing: bool = True) -> Site:
    """An hour of sun, then half an hour of more (climbing) or less (sinking)."""
    site = Site(SETTINGS, cars=[car()])
    site.run(3600, MIN_3P + (200 if climbing else 1500))
    site.run(1800, MIN_3P + 1000)
    assert site.car("A").limit_a > 6
    return site


def test_a_load_step_is_ridden_past_the_final_stop_delay() -> None:
    """A 2 kW load leaves the surplus 1 kW short for 30 minutes: 1200 s at a full shortfall
    (1.38 kWh) buys 83 minutes of it, so the car is still on when the load stops."""
    site = _charging()
    site.run(30 * 60, MIN_3P - 1000)
    assert site.car("A").limit_a == 6
    assert site.controller.states["A"].enabled
    site.run(120, MIN_3P + 1000)
    assert site.car("A").limit_a > 6


def test_no_ride_once_the_sun_sinks() -> None:
    """The same load in the afternoon (the last hour's peak below the hour's before): paused
    after the final stop delay, as a sinking sun holds less sun than the grid it costs."""
    site = _charging(climbing=False)
    site.run(22 * 60, MIN_3P - 1000)
    assert not site.controller.states["A"].enabled


def test_the_energy_runs_out_at_a_full_shortfall() -> None:
    """The surplus steps to nothing: the ride buys what the delay would, and stops."""
    site = _charging()
    site.run(19 * 60, 0)
    assert site.controller.states["A"].enabled
    site.run(3 * 60, 0)
    assert not site.controller.states["A"].enabled


def test_a_drift_below_the_minimum_stops_after_the_delay() -> None:
    """The sun going down by 20 W every 5 s (no step) is no ride: paused 20 minutes after the
    shortfall passed the import budget's ride share (15 % of the minimum)."""
    site = _charging()
    surplus = MIN_3P + 200.0
    for _ in range(26 * 12):
        surplus -= 20
        site.run(5, surplus)
    assert not site.controller.states["A"].enabled
    assert site.car("A").limit_a == 0


def test_a_step_that_has_gone_leaves_a_drift() -> None:
    """A load comes and goes while the sun sinks below the minimum: once the step has gone the
    shortfall is the sun's, and the car pauses after the delay."""
    site = _charging()
    site.run(120, MIN_3P + 200)
    site.run(60, MIN_3P - 1800)
    site.run(25 * 60, MIN_3P - 700)
    assert not site.controller.states["A"].enabled
