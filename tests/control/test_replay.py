"""The replay of a day through the pure control core (controllers/replay.py), on small synthetic days.

The figures are worked out by hand from the model: a 3-phase 6-16 A car at 230 V (4140 W at its
minimum, 690 W per amp), writes applied 3 s later, a 10 s handshake after a pause, +2 A/s from
3 A, -8 A/s; the default settings (start delay 60 s, stop delay 180 s, minimum on and off 300 s).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.ocpp_central.control.core.modes import ConnectorSettings, SolarSettings
from custom_components.ocpp_central.control.core.replay import (
    ReplayResult,
    day_surplus,
    replay,
    step_hold,
)

START = datetime(2026, 6, 21, 10, tzinfo=UTC)
SETTINGS = SolarSettings()
THREE_PHASE = ConnectorSettings()
SWITCHING = replace(THREE_PHASE, can_switch_phases=True)
# 7.2 A on three phases: 5000 W of surplus, floored to the 0.1 A step.
AT_7_2_A = 7.2 * 230 * 3


def wh(watt_seconds: float) -> float:
    return watt_seconds / 3600


def test_steady_surplus() -> None:
    """An hour of 5 kW: one start after the 60 s delay, 7.2 A, every watt from the sun.

    Written at 60 s, applied at 63 s; the handshake takes 63-72 s; then 5 A at 73 s, 7 A at 74 s
    and 7.2 A from 75 s to the end (3525 s).
    """
    result = replay([5000.0] * 3600, START, SETTINGS, THREE_PHASE)
    charged = wh(5 * 690 + 7 * 690 + AT_7_2_A * 3525)
    assert result == ReplayResult(
        car_wh=pytest.approx(charged),
        solar_wh=pytest.approx(charged),
        import_wh=0.0,
        oracle_wh=pytest.approx(5000.0),
        starts=1,
        phase_switches=0,
        # The pause at the first reading (nothing known was written), then the start.
        writes=2,
    )


@pytest.mark.parametrize("surplus", [0.0, -500.0])
def test_nothing(surplus: float) -> None:
    """No surplus (or import): the car never starts; only the first pause is written."""
    result = replay([surplus] * 3600, START, SETTINGS, THREE_PHASE)
    assert result == ReplayResult(
        car_wh=0.0,
        solar_wh=0.0,
        import_wh=0.0,
        oracle_wh=0.0,
        starts=0,
        phase_switches=0,
        writes=1,
    )


# 20 minutes of 5 kW, a 4-minute cloud (no surplus at all), then 40 minutes of 5 kW.
CLOUDY = [5000.0] * 1200 + [0.0] * 240 + [5000.0] * 2400


def test_a_long_stop_delay_rides_the_cloud() -> None:
    """A 300 s stop delay outlasts the 240 s cloud: one start; the cloud is bought from the grid.

    The reading at 1200 s shows the import: 6 A written at once, applied at 1203 s. Import: 3 s at
    7.2 A and 237 s at 6 A.
    """
    result = replay(CLOUDY, START, replace(SETTINGS, disable_delay_s=300), THREE_PHASE)
    assert result.starts == 1
    assert result.import_wh == pytest.approx(wh(3 * AT_7_2_A + 237 * 4140))
    assert result.oracle_wh == pytest.approx(wh(5000 * 3600))


def test_a_short_stop_delay_stops_for_the_cloud() -> None:
    """A 120 s stop delay pauses during the cloud (applied at 1323 s) and starts again after it.

    Import: 3 s at 7.2 A and 120 s at 6 A. Less import than riding it, and a second start.
    """
    result = replay(CLOUDY, START, replace(SETTINGS, disable_delay_s=120), THREE_PHASE)
    assert result.starts == 2
    assert result.import_wh == pytest.approx(wh(3 * AT_7_2_A + 120 * 4140))
    ridden = replay(CLOUDY, START, replace(SETTINGS, disable_delay_s=300), THREE_PHASE)
    assert result.solar_wh < ridden.solar_wh


def test_starts_are_counted_and_kept_within_the_budget() -> None:
    """Four sunny half hours, each after a half hour of import: one start each, up to the budget."""
    spells = ([5000.0] * 1800 + [-300.0] * 1800) * 4
    assert replay(spells, START, replace(SETTINGS, starts_per_day=4), THREE_PHASE).starts == 4
    assert replay(spells, START, SETTINGS, THREE_PHASE).starts == 3
    assert replay(spells, START, replace(SETTINGS, starts_per_day=2), THREE_PHASE).starts == 2


def test_the_start_budget_is_per_local_day() -> None:
    """Across local midnight (UTC's is two hours later) a budget of one start allows a second."""
    night = [5000.0] * 2400 + [0.0] * 1800 + [5000.0] * 2400
    one = replace(SETTINGS, starts_per_day=1)
    local = datetime(2026, 6, 21, 23, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert replay(night, local, one, THREE_PHASE).starts == 2
    assert replay(night, local.astimezone(UTC), one, THREE_PHASE).starts == 1


def test_a_phase_switch_is_not_a_start() -> None:
    """2 kW starts a switching charger on one phase; 6 kW later switches it to three."""
    result = replay([2000.0] * 1200 + [6000.0] * 2400, START, SETTINGS, SWITCHING)
    assert (result.starts, result.phase_switches) == (1, 1)
    assert result.import_wh == 0.0
    assert result.oracle_wh == pytest.approx(wh(2000 * 1200 + 6000 * 2400))


@pytest.mark.parametrize(
    ("connector", "expected_w"),
    [
        # 3 phases: 4140-11040 W; nothing below, capped above.
        (THREE_PHASE, 0 + 0 + 5000 + 11040),
        # Switching: also 1380-3680 W on one phase.
        (SWITCHING, 0 + 2000 + 5000 + 11040),
    ],
)
def test_the_oracle_takes_all_surplus_within_the_cars_range(
    connector: ConnectorSettings, expected_w: float
) -> None:
    result = replay([1000.0, 2000.0, 5000.0, 20000.0], START, SETTINGS, connector)
    assert result.oracle_wh == pytest.approx(wh(expected_w))
    assert result.car_wh == 0.0


def test_step_hold() -> None:
    """A change holds from its first whole second to the next change; nothing before the first."""
    assert step_hold([(1.5, 10.0), (4.0, None), (5.2, -3.0)], 8) == [
        None,
        None,
        10.0,
        10.0,
        None,
        None,
        -3.0,
        -3.0,
    ]
    # A state from before the day holds from its start; changes after the day are ignored.
    assert step_hold([(-30.0, 1.0), (2.0, 2.0), (9.0, 3.0)], 4) == [1.0, 1.0, 2.0, 2.0]
    assert step_hold([], 2) == [None, None]


def test_day_surplus() -> None:
    """Minus the grid plus the car's own draw; no grid reading: no surplus, and missing."""
    assert day_surplus([-1000.0, 500.0, None, 200.0], [0.0, 4000.0, 4000.0, None]) == (
        [1000.0, 3500.0, 0.0, -200.0],
        1,
    )
