"""The level a running car is given, and the surplus a paused one needs to start (solar.py).

Both judge the grid meter over more than its latest reading: the mean of the last write
interval for a small raise, and today's import budget for a start just short of the minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .allocation import Load
from .clouds import ImportBudget, SurplusHistory
from .guards import ConnectorState, hold_level
from .modes import ConnectorInput, SolarSettings


class SolarController(Protocol):
    """What these rules read of the solar controller."""

    settings: SolarSettings
    history: SurplusHistory
    budget: ImportBudget
    _available: float | None

    def _volts(self, connector: ConnectorInput) -> float: ...

    def _amps(self, connector: ConnectorInput, watts: float, phases: int) -> float: ...


def steady_level(
    ctl: SolarController,
    connector: ConnectorInput,
    state: ConnectorState,
    load: Load,
    *,
    target: float,
    now: datetime,
) -> float:
    """Return the level to write: a one-step raise only if the last write interval's mean carries it.

    A level holds for the write interval at least. Written on the first reading past a step
    after the interval, the limit follows the meter's noise (tens of watts; a step is 23 W on
    one phase): up on a high reading, it buys grid for the whole interval. A raise of more than
    one step is the sun coming back and goes with the latest reading. Below the last level,
    hold_level keeps it while less than a third of a step is short.
    """
    settings = connector.settings
    last = state.limit_a or 0.0
    step = settings.current_step_a
    mean = ctl.history.recent_mean(now, ctl.settings.write_interval_s)
    available = ctl._available
    if last and last < target < last + 1.5 * step and mean is not None and available is not None:
        steady = ctl._amps(connector, load.alloc_w + mean - available, state.phases)
        return max(last, min(target, steady))
    volts = ctl._volts(connector) * state.phases
    return hold_level(target, state.limit_a, load.alloc_w, volts, settings)


def enable_threshold_w(ctl: SolarController, loads: Sequence[Load]) -> float:
    """Return the surplus beyond the minimum a start needs: less while the day's import budget lasts.

    The budget a running car may spend riding a shallow shortfall, a paused one may spend
    starting into it: the same grid energy buys the same sun either way (a car stopped by a
    deep dip can come back when the sun returns to just short of its minimum). Only the share
    of what the cars already charged today pays for it, not the allowance a first dip may use:
    early in the day a start into a shortfall would buy more than it brings. solar.py starts
    such a car only into a steady shortfall (the ride share over the cloud window).
    """
    s = ctl.settings
    paused = [load for load in loads if not load.enabled and not load.forced]
    if not paused or s.import_share is None or not ctl.budget.left(s.import_share, 0.0):
        return s.enable_threshold_w
    return s.enable_threshold_w - s.ride_share * min(load.min_w for load in paused)
