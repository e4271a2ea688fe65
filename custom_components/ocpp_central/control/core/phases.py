"""Phase switching and the cloud guard of the solar controller (solar.py).

When a charger that can switch goes to one phase or back to all, and whether the day's last
start waits for steadier sun.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .allocation import Load
from .clouds import SurplusHistory
from .guards import ConnectorState, Plan, elapsed
from .modes import ConnectorInput, Explanation, Reason, SolarSettings

# The surplus's trend is judged over this many seconds (two grid readings at least).
TREND_S = 10.0


class SolarController(Protocol):
    """What these rules read of the solar controller."""

    settings: SolarSettings
    history: SurplusHistory
    _available: float | None

    def _volts(self, connector: ConnectorInput) -> float: ...

    def _amps(self, connector: ConnectorInput, watts: float, phases: int) -> float: ...

    def _fresh(self, connector: ConnectorInput) -> bool: ...


def phase_plan(
    ctl: SolarController,
    connector: ConnectorInput,
    state: ConnectorState,
    load: Load,
    now: datetime,
) -> Plan | None:
    """Switch to one phase when the surplus only carries one, back to all when it carries all."""
    s = ctl.settings
    settings = connector.settings
    one = settings.min_current_a * ctl._volts(connector)
    three = one * settings.phases
    if state.phases > 1 and load.want_w < three - s.disable_threshold_w:
        delay = s.min_solar_phase_down_delay_s if load.forced else s.phase_down_delay_s
        wanted = 1
    elif state.phases == 1 and load.want_w >= three + s.enable_threshold_w:
        wanted, delay = settings.phases, s.phase_up_delay_s
    else:
        state.phase_timer = state.phase_target = None
        return None
    if state.phase_target != wanted:
        state.phase_timer, state.phase_target = now, wanted
    timer = delay - elapsed(now, state.phase_timer)
    if wanted > state.phases:
        # Going up waits out the interval since the last switch; going down cuts an import.
        timer = max(timer, s.phase_switch_interval_s - elapsed(now, state.phase_switched_at))
    elif not connector.power_w and not state.limit_a:
        # Down before the car draws at all (a Min+Solar car plugged in): nothing to interrupt.
        timer = 0.0
    if wanted < state.phases and timer <= 0 and _recovering(ctl, now, delay, three):
        timer = 0.0
        held = True
    else:
        held = False
    if held or timer > 0 or not ctl._fresh(connector):
        timer = max(0.0, timer)
        hold = ctl._amps(connector, load.alloc_w, state.phases)
        explanation = Explanation(Reason.PHASE_SWITCH, detail=str(wanted), timer_s=timer)
        return Plan(hold, state.phases, explanation)
    state.phase_switched_at = now
    state.phase_switches += 1
    state.phase_timer = state.phase_target = None
    return Plan(
        ctl._amps(connector, load.want_w, wanted),
        wanted,
        Explanation(Reason.PHASE_SWITCH, detail=str(wanted)),
        urgent=True,
    )


def _recovering(ctl: SolarController, now: datetime, delay: float, three: float) -> bool:
    """Whether the surplus is on its way back up to the three-phase minimum: the dip is ending.

    A switch down holds for the switch interval: made as the sun comes back, it keeps the car
    on one phase (a third of the power) just when three would carry it. The dip counts as
    ending when the last 10 s's rise, kept up, would carry three phases again within the time
    the dip was judged over (the delay). A wrong guess costs one pass (5 s) of waiting.
    """
    latest = ctl._available
    rise = ctl.history.trend(now, TREND_S)
    if latest is None or rise is None or rise <= 0:
        return False
    return latest + rise * delay >= three


def cloudy(
    ctl: SolarController, connector: ConnectorInput, now: datetime, share: float | None = None
) -> bool:
    """Whether the last minutes' surplus would have made this car import too much to start.

    Each start is one of few a day: one spent on a sunny gap in a dull spell is lost for the
    clear afternoon. A passing cloud while charging is ridden through (the stop delay).
    share: the most it may have imported (default: the cloud guard's share). With too short a
    history, not cloudy.
    """
    share = ctl.settings.cloud_start_share if share is None else share
    if share is None:
        return False
    settings = connector.settings
    volts = ctl._volts(connector)
    lowest = 1 if settings.can_switch_phases else settings.phases
    recent = ctl.history.import_share(
        now,
        settings.min_current_a * volts * lowest,
        settings.max_current_a * volts * settings.phases,
    )
    return recent is not None and recent > share
