"""The last step of a pass: the fuse caps, then the rules that decide whether a limit is written.

Small changes stay within a deadband, writes keep a minimum interval and wait until the
charger's measurements show the previous write; starts, stops, phase switches, fuse
reductions and a user's mode change are written at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
import math

from .allocation import FuseRequest, fuse_caps
from .final_stop import StopRide
from .modes import (
    ChargeMode,
    ConnectorInput,
    ConnectorSettings,
    Decision,
    Explanation,
    Reason,
    SiteInput,
    SolarSettings,
)

PHASE_NAMES = ("L1", "L2", "L3")
# hold_level keeps a level while the surplus is less than this share of a step short of it.
HOLD_SHARE = 1 / 3


@dataclass(slots=True)
class ConnectorState:
    """What the controller remembers of one connector between passes."""

    mode: ChargeMode | None = None
    enabled: bool = False
    # Last limit written (None: unknown, so the next decision is written at once) and its phases.
    limit_a: float | None = None
    phases: int = 3
    sent_at: datetime | None = None
    on_since: datetime | None = None
    off_since: datetime | None = None
    enable_timer: datetime | None = None
    disable_timer: datetime | None = None
    phase_timer: datetime | None = None
    phase_target: int | None = None
    phase_switched_at: datetime | None = None
    started_at: datetime | None = None
    explanation: Explanation | None = None
    day: date | None = None
    starts_today: int = 0
    # The charger's recent power readings (measured at, W): the draw at a grid reading's time.
    readings: list[tuple[datetime, float]] = field(default_factory=list)
    # How the running stop timer's shortfall began (final_stop.py).
    ride: StopRide = field(default_factory=StopRide)
    # Counters for diagnostics and the bench.
    writes: int = 0
    starts: int = 0
    phase_switches: int = 0

    def clear_timers(self) -> None:
        """Forget running delays (the car left, the mode changed)."""
        self.enable_timer = self.disable_timer = self.phase_timer = None
        self.phase_target = None


@dataclass(slots=True)
class Plan:
    """The decision for one connector in the making."""

    target_a: float
    phases: int
    explanation: Explanation
    urgent: bool = False
    start_session: bool = False


def settling(
    settings: SolarSettings, connector: ConnectorInput, state: ConnectorState, now: datetime
) -> bool:
    """Whether the charger's measurements may not show the last write yet."""
    if state.sent_at is None or connector.measured_at is None:
        return False
    since = elapsed(now, state.sent_at)
    if since < 3 * settings.write_interval_s and connector.measured_at < state.sent_at + timedelta(
        seconds=settings.settle_s
    ):
        return True
    return (
        bool(state.limit_a)
        and not connector.power_w
        and elapsed(now, state.started_at) < settings.start_settle_s
    )


def elapsed(now: datetime, since: datetime | None) -> float:
    """Seconds since a moment; infinite when it never happened."""
    return math.inf if since is None else (now - since).total_seconds()


def _within(change_a: float, deadband_a: float) -> bool:
    """Whether a change is inside the deadband; one that equals it is not.

    8.1 - 8.0 is 0.0999... in floating point: with a 0.1 A deadband every 0.1 A step was
    dropped, and the car stayed a step below the surplus for as long as it held (69 W on
    three phases).
    """
    return abs(change_a) < deadband_a - 1e-6


def hold_level(
    target_a: float, last_a: float | None, watts: float, volts: float, connector: ConnectorSettings
) -> float:
    """Keep the last current while the surplus (watts) is less than a third of a step short of it.

    volts: the voltage times the phases the car charges on.

    Rounding down alone keeps the car half a step (35 W on three phases) below the surplus on
    average; a step down for a shortfall of a few watts gives up more sun than the import it
    saves. Held while less than HOLD_SHARE of a step short, the level keeps at least twice the
    sun it buys from the grid: a car that fills up while the sun still shines pays for every
    watt-hour bought earlier with one of sun at the end (at half a step, evcc's plain rounding
    down took 3 Wh more sun on such a day).
    """
    if not last_a or target_a >= last_a:
        return target_a
    short_w = last_a * volts - watts
    if short_w >= connector.current_step_a * volts * HOLD_SHARE:
        return target_a
    return last_a


def floor_a(value: float, step: float = 0.1) -> float:
    """Round down to the step a charging profile carries (0.1 A, or whole amps)."""
    return round(math.floor(value / step + 1e-6) * step, 1)


def apply_fuse(
    settings: SolarSettings,
    site: SiteInput,
    connectors: Sequence[ConnectorInput],
    plans: dict[str, Plan],
    states: dict[str, ConnectorState],
) -> None:
    """Keep every grid phase under the fuse, highest priority first; a cap below the minimum pauses.

    The house's share of each phase is the grid current less our connectors' measured currents;
    without per-phase grid currents, the house's power is taken as balanced over three phases.
    """
    fuse = settings.fuse_limit_a
    if fuse is None:
        return
    controlled = sorted(
        (c for c in connectors if c.key in plans),
        key=lambda c: (-c.settings.priority, c.key),
    )
    ours = [0.0, 0.0, 0.0]
    ours_w = 0.0
    for connector in controlled:
        rotation = connector.settings.phase_rotation
        for index, amps in enumerate(connector.current_a[:3]):
            ours[rotation[index]] += amps
        ours_w += max(0.0, connector.power_w or 0.0)
    if site.grid_current_a is not None:
        house = [grid - mine for grid, mine in zip(site.grid_current_a, ours, strict=True)]
    elif site.grid_power_w is not None:
        house = [(site.grid_power_w - ours_w) / (settings.voltage_v * 3)] * 3
    else:
        return
    requests = [
        FuseRequest(
            key=c.key,
            current_a=plans[c.key].target_a,
            grid_phases=c.settings.phase_rotation[: plans[c.key].phases],
            min_current_a=c.settings.min_current_a,
        )
        for c in controlled
    ]
    modes = {c.key: c.mode for c in controlled}
    by_key = {c.key: c for c in controlled}
    for key, result in fuse_caps(requests, [fuse - amps for amps in house]).items():
        if result.limited_by is None:
            continue
        plan = plans[key]
        plan.target_a = floor_a(result.current_a, by_key[key].settings.current_step_a)
        plan.urgent = True
        plan.explanation = Explanation(Reason.FUSE_LIMIT, detail=PHASE_NAMES[result.limited_by])
        state = states[key]
        if plan.target_a == 0 and state.enabled and modes[key] is not ChargeMode.FAST:
            state.enabled = False
            state.off_since = site.now


def write(
    settings: SolarSettings,
    connector: ConnectorInput,
    state: ConnectorState,
    plan: Plan,
    *,
    now: datetime,
    importing_w: float = 0.0,
) -> Decision:
    """Decide whether the planned limit is written now, and record it when it is."""
    target = plan.target_a
    last = state.limit_a
    switching = last is None or (last == 0) != (target == 0) or plan.phases != state.phases
    since = elapsed(now, state.sent_at)
    settled = (
        connector.measured_at is None
        or state.sent_at is None
        or (connector.measured_at - state.sent_at).total_seconds() >= settings.settle_s
        or since >= 3 * settings.write_interval_s
    )
    # A decrease that stops more than fast_down_w of import need not wait for the write interval.
    volts = connector.voltage_v or settings.voltage_v
    prevented = 0.0 if last is None else min(importing_w, (last - target) * volts * plan.phases)
    fast_down = (
        settings.fast_down_w is not None
        and prevented > settings.fast_down_w
        and last is not None
        and since >= settings.fast_down_interval_s
        and settled
    )
    # Within the deadband a decrease is written (after the write interval) when the import it
    # cuts is all import: a car held just above its minimum would buy that much all night.
    cuts_import = last is not None and 0 < (last - target) * volts * plan.phases <= importing_w
    if plan.urgent or switching:
        send = last != target or plan.phases != state.phases
    elif fast_down:
        send = True
    elif (
        last is None
        or (_within(target - last, settings.deadband_a) and not cuts_import)
        or since < settings.write_interval_s
    ):
        send = False
    else:
        send = settled
    state.explanation = plan.explanation
    if send:
        if not last and target:
            state.started_at = now
        state.limit_a = target
        state.phases = plan.phases
        state.sent_at = now
        state.writes += 1
    limit = target if state.limit_a is None else state.limit_a
    return Decision(
        key=connector.key,
        limit_a=limit,
        phases=state.phases,
        send=send,
        immediate=send and (plan.urgent or switching or fast_down),
        start_session=plan.start_session and limit > 0 and not connector.session_active,
        explanation=plan.explanation,
    )
