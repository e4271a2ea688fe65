"""An evcc-like surplus controller: the baseline bench/solar_day.py --baseline evcc compares ours with.

Written from evcc's documented behaviour and defaults, not from its code:

* docs.evcc.io, reference/configuration/loadpoints ("thresholds", "enable"/"disable": threshold
  0 W and delay 1 min to start, threshold 0 W and delay 3 min to stop; minCurrent 6 A,
  maxCurrent 16 A; "phases: 0" = automatic 1p/3p switching on chargers that can) and the
  site's `interval: 30s` control cycle (cmd/configure/configure.tpl writes the interval);
* evcc's PV algorithm as summarised in our field notes (/work/shared/notes/solar-control-notes.md
  §1.3, from core/loadpoint.go pvMaxCurrent and pvScalePhases):
  1. every 30 s, when the last phase switch is more than 60 s old, scale phases first:
     down (3p -> 1p) when the surplus at three phases gives less than the minimum current, after
     the disable delay (3 min) -- evcc discussion #31313 shows this 3-minute "scale to 1 phase"
     timer in PV and Min+PV; up (1p -> 3p) when one phase would need more than the maximum and
     three phases reach the minimum, after the enable delay (1 min); at once while not charging;
  2. effective current = min(highest measured phase current + 2 A, offered current) while
     charging, else 0; target = max(effective + (-site power) / (230 V * active phases), 0):
     a full proportional step every cycle, no ramp;
  3. Min+PV: never below the minimum current, never disabled;
  4. PV, enabled, target below minimum: if the site power projected (less the saving of a running
     1p timer) is at or above the disable threshold (0 W), run the disable timer and keep the
     minimum current meanwhile; after the disable delay (3 min): 0 A;
  5. PV, disabled: when the target reaches the minimum (enable threshold 0 W), after the enable
     delay (1 min): the minimum current; any cycle the condition breaks resets the timer (no
     averaging, evcc #17151);
  6. cap at the maximum; truncate to the charger's step (0.1 A over OCPP, or whole amps); write
     only what changed.
No start budget, no minimum on/off time (evcc removed its guard in 2024), no cloud guard.
It runs through the same model car, charger, oracle and counters as ours (core/replay.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
import math

from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorInput,
    Decision,
    Explanation,
    Reason,
    SiteInput,
)

INTERVAL_S = 30.0
ENABLE_DELAY_S = 60.0
DISABLE_DELAY_S = 180.0
PHASE_GUARD_S = 60.0
VOLTS = 230.0


@dataclass
class _State:
    enabled: bool = False
    phases: int = 3
    limit_a: float | None = None
    tick: datetime | None = None
    enable_timer: datetime | None = None
    disable_timer: datetime | None = None
    phase_timer: datetime | None = None
    phase_target: int | None = None
    phase_switched: datetime | None = None


def _since(now: datetime, then: datetime | None) -> float:
    return math.inf if then is None else (now - then).total_seconds()


@dataclass
class EvccLike:
    """One loadpoint, evcc's PV / Min+PV rules (see the module docstring)."""

    def __post_init__(self) -> None:
        self.states: dict[str, _State] = {}

    def update(self, site: SiteInput, connectors: Sequence[ConnectorInput]) -> list[Decision]:
        return [self._one(site, c) for c in connectors]

    def _one(self, site: SiteInput, c: ConnectorInput) -> Decision:
        s = c.settings
        state = self.states.setdefault(c.key, _State(phases=s.phases))
        now = site.now
        if _since(now, state.tick) < INTERVAL_S:
            return self._decision(c, state, send=False)
        state.tick = now
        before = (state.limit_a, state.phases)
        state.limit_a = self._target(site, c, state, now)
        return self._decision(c, state, send=(state.limit_a, state.phases) != before)

    def _decision(self, c: ConnectorInput, state: _State, *, send: bool) -> Decision:
        return Decision(
            key=c.key,
            limit_a=state.limit_a,
            phases=state.phases,
            send=send,
            immediate=send,
            explanation=Explanation(Reason.SOLAR),
        )

    def _target(self, site: SiteInput, c: ConnectorInput, state: _State, now: datetime) -> float:
        s = c.settings
        minpv = c.mode is ChargeMode.MIN_SOLAR
        site_w = site.grid_power_w or 0.0
        charging = bool(c.power_w) and state.enabled
        car_w = max(0.0, c.power_w or 0.0) if charging else 0.0
        if (
            s.can_switch_phases
            and _since(now, state.phase_switched) > PHASE_GUARD_S
            and self._scale_phases(c, state, now, -site_w + car_w, charging)
        ):
            return s.min_current_a if (state.enabled or minpv) else 0.0
        effective = 0.0
        if charging and c.current_a:
            effective = min(max(c.current_a) + 2.0, state.limit_a or 0.0)
        target = max(effective + (-site_w) / (VOLTS * state.phases), 0.0)
        if minpv:
            state.enabled = True
            target = max(target, s.min_current_a)
        elif state.enabled and target < s.min_current_a:
            projected = site_w
            if state.phase_target == 1 and state.phase_timer is not None:
                projected -= s.min_current_a * VOLTS * (state.phases - 1)
            if projected >= 0.0:
                if state.disable_timer is None:
                    state.disable_timer = now
                if _since(now, state.disable_timer) >= DISABLE_DELAY_S:
                    state.enabled = False
                    state.disable_timer = None
                    return 0.0
            else:
                state.disable_timer = None
            target = s.min_current_a
        elif state.enabled:
            state.disable_timer = None
        else:
            if target >= s.min_current_a:
                if state.enable_timer is None:
                    state.enable_timer = now
                if _since(now, state.enable_timer) >= ENABLE_DELAY_S:
                    state.enabled = True
                    state.enable_timer = None
                    return s.min_current_a
            else:
                state.enable_timer = None
            return 0.0
        target = min(target, s.max_current_a)
        step = s.current_step_a
        return round(math.floor(target / step + 1e-6) * step, 1)

    def _scale_phases(
        self, c: ConnectorInput, state: _State, now: datetime, available_w: float, charging: bool
    ) -> bool:
        """evcc's pvScalePhases: True when the phases were switched in this cycle."""
        s = c.settings
        want: int | None = None
        delay = 0.0
        if state.phases == 3 and available_w / (VOLTS * 3) < s.min_current_a:
            want, delay = 1, DISABLE_DELAY_S
        elif (
            state.phases == 1
            and available_w / VOLTS > s.max_current_a
            and available_w / (VOLTS * 3) >= s.min_current_a
        ):
            want, delay = 3, ENABLE_DELAY_S
        if want is None:
            state.phase_timer = state.phase_target = None
            return False
        if state.phase_target != want:
            state.phase_timer, state.phase_target = now, want
        if charging and _since(now, state.phase_timer) < delay:
            return False
        state.phases = want
        state.phase_switched = now
        state.phase_timer = state.phase_target = None
        return True
