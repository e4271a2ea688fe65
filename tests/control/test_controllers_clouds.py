"""The cloud guard: no start spent on a sunny gap in a dull spell; passing clouds are ridden."""

from __future__ import annotations

from datetime import timedelta

import pytest

from custom_components.ocpp_central.control.core.clouds import SurplusHistory
from custom_components.ocpp_central.control.core.modes import Reason, SolarSettings
from tests.control.test_controllers_solar import MIN_3P, started_at
from tests.helpers.controller_sim import T0, Site, car

# The guard on every start (the default guards only the day's last start).
GUARDED = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=99, cloud_guard_spares=None)


def dull_spell(site: Site, minutes: int) -> None:
    """Sun for one minute, nothing for two, again and again."""
    for _ in range(minutes // 3):
        site.run(60, MIN_3P + 1500)
        site.run(120, 0)


def test_no_start_in_a_dull_spell() -> None:
    site = Site(GUARDED, cars=[car()])
    dull_spell(site, 12)
    waiting = site.run(70, MIN_3P + 1500)["A"]
    assert started_at(site) == []
    assert waiting.explanation.reason is Reason.CLOUDY
    assert site.car("A").limit_a == 0


def test_without_the_guard_the_same_spell_starts() -> None:
    site = Site(SolarSettings(min_on_s=0, min_off_s=0, cloud_start_share=None), cars=[car()])
    dull_spell(site, 12)
    site.run(70, MIN_3P + 1500)
    assert started_at(site)


def test_by_default_only_the_last_start_of_the_day_is_guarded() -> None:
    """A start the day has spares for is spent (a cycling load is not a cloud); the last one
    waits until the window shows sun."""
    settings = SolarSettings(min_on_s=0, min_off_s=0, starts_per_day=3)
    site = Site(settings, cars=[car()])
    dull_spell(site, 12)
    site.run(70, MIN_3P + 1500)
    assert len(started_at(site)) == 1
    site.controller.states["A"].starts_today = 2
    site.run(200, 0)
    dull_spell(site, 12)
    waiting = site.run(70, MIN_3P + 1500)["A"]
    assert waiting.explanation.reason is Reason.CLOUDY


def test_guard_lets_go_when_the_sun_stays() -> None:
    site = Site(GUARDED, cars=[car()])
    dull_spell(site, 12)
    site.run(300, MIN_3P + 1500)
    assert started_at(site) == []  # the window still remembers the spell
    site.run(300, MIN_3P + 1500)
    assert started_at(site)
    assert site.decisions[0].explanation.reason is Reason.SOLAR


def test_a_passing_cloud_is_ridden_at_minimum() -> None:
    site = Site(GUARDED, cars=[car()])
    site.run(700, MIN_3P + 3000)
    assert started_at(site) == [60]
    site.run(120, 1000)
    assert site.car("A").limit_a == 6
    site.run(120, MIN_3P + 3000)
    assert started_at(site) == [60]
    assert site.car("A").limit_a > 6


def test_no_history_no_guard() -> None:
    """Just after a restart the window is empty: the start follows the start delay alone."""
    site = Site(GUARDED, cars=[car()])
    site.run(70, MIN_3P + 500)
    assert started_at(site) == [60]


def test_one_phase_minimum_counts_for_a_car_that_can_switch() -> None:
    """Dips that a one-phase car covers are no dull spell for it."""
    site = Site(GUARDED, cars=[car(can_switch_phases=True)])
    for _ in range(4):
        site.run(60, MIN_3P + 1500)
        site.run(120, 6 * 230 + 300)
    site.run(70, MIN_3P + 1500)
    assert started_at(site)


@pytest.mark.parametrize(
    ("surplus", "share"),
    [(5000.0, 0.0), (0.0, 1.0), (690.0, 0.5)],
)
def test_import_share_of_a_steady_surplus(surplus: float, share: float) -> None:
    history = SurplusHistory(window_s=600)
    for second in range(0, 600, 5):
        history.add(T0 + timedelta(seconds=second), surplus)
    assert history.import_share(T0 + timedelta(seconds=600), 1380, 3680) == pytest.approx(share)


def test_import_share_needs_half_a_window() -> None:
    history = SurplusHistory(window_s=600)
    for second in range(0, 290, 5):
        history.add(T0 + timedelta(seconds=second), 0.0)
    assert history.import_share(T0 + timedelta(seconds=290), 1380, 3680) is None
    history.add(T0 + timedelta(seconds=300), 0.0)
    assert history.import_share(T0 + timedelta(seconds=300), 1380, 3680) == 1.0


def test_old_readings_leave_the_window() -> None:
    history = SurplusHistory(window_s=600)
    for second in range(0, 600, 5):
        history.add(T0 + timedelta(seconds=second), 0.0)
    for second in range(600, 1300, 5):
        history.add(T0 + timedelta(seconds=second), 5000.0)
    assert history.import_share(T0 + timedelta(seconds=1300), 1380, 3680) == 0.0
