"""Solar-surplus control of all connectors in one pass, with timers, wear guards and explanations.

Call `SolarController.update` on every grid-meter reading (and on a floor cadence). It shares the
surplus between every car in a surplus mode (allocation.py), runs the start, stop and phase
timers, keeps the per-day start budget, the fuse and the write rules (guards.py). A pause is
0 A: the session goes on. Nothing here reads a clock: `SiteInput.now` is the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .allocation import Load, allocate, ordered
from .clouds import ImportBudget, SurplusHistory
from .final_stop import STEP_S
from .guards import (
    ConnectorState,
    Plan,
    apply_fuse,
    elapsed,
    floor_a,
    settling,
    write,
)
from .levels import enable_threshold_w, steady_level
from .modes import (
    CONTROLLED_MODES,
    SURPLUS_MODES,
    ChargeMode,
    ConnectorInput,
    Decision,
    Explanation,
    Reason,
    SiteInput,
    SolarSettings,
)
from .phases import cloudy, phase_plan

# A car drawing this much less than offered is taken to limit itself ...
CAR_LIMIT_MARGIN_A = 1.0
# ... and is allocated what it draws plus this (evcc's effective current), the rest goes to others.
CAR_LIMIT_HEADROOM_A = 2.0


@dataclass(slots=True)
class SolarController:
    """Stateful surplus controller for every connector of one installation."""

    settings: SolarSettings = field(default_factory=SolarSettings)
    states: dict[str, ConnectorState] = field(default_factory=dict)
    history: SurplusHistory = field(default_factory=SurplusHistory)
    budget: ImportBudget = field(default_factory=ImportBudget)
    # This pass's site input (the grid reading's age against each charger's reading).
    _site: SiteInput | None = None
    _available: float | None = None

    def reset(self, key: str) -> None:
        """Forget what was written to a connector (a write failed, the charger reconnected)."""
        if (state := self.states.get(key)) is not None:
            state.limit_a = None

    def update(self, site: SiteInput, connectors: Sequence[ConnectorInput]) -> list[Decision]:
        """Decide every connector's limit from one grid reading."""
        now = site.now
        self._site = site
        for gone in set(self.states) - {c.key for c in connectors}:
            del self.states[gone]
        for connector in connectors:
            self._note_reading(connector)
        available, battery_first = self._available_w(site, connectors)
        self._available = available
        if available is not None:
            self.history.window_s = self.settings.cloud_window_s
            self.history.add(now, available)
            cars = sum(
                self._drawn_w(c) for c in connectors if c.mode in SURPLUS_MODES and c.plugged_in
            )
            self.budget.add(now, cars, site.grid_power_w or 0.0)
        plans: dict[str, Plan] = {}
        loads: list[Load] = []
        for connector in connectors:
            state = self.states.setdefault(
                connector.key, ConnectorState(phases=connector.settings.phases)
            )
            if not connector.settings.can_switch_phases:
                # The car in it decides (seen drawing on one phase, or three).
                state.phases = connector.settings.phases
            if state.day != now.date():
                state.day, state.starts_today = now.date(), 0
            if state.mode is not connector.mode:
                state.clear_timers()
            if connector.mode not in CONTROLLED_MODES or not connector.plugged_in:
                continue
            if (plan := self._fixed_plan(connector, state, available, now)) is not None:
                plans[connector.key] = plan
            else:
                loads.append(self._load(connector, state))
        allocation = allocate(
            loads,
            available or 0.0,
            self.settings.strategy,
            enable_threshold_w=enable_threshold_w(self, loads),
            disable_threshold_w=self._disable_threshold_w(loads),
        )
        by_key = {c.key: c for c in connectors}
        if any(
            settling(self.settings, by_key[load.key], self.states[load.key], now) for load in loads
        ):
            # The charger has not shown the last write yet: hold, decide on the next reading.
            loads_held = loads
            loads = []
            for load in loads_held:
                state = self.states[load.key]
                held = state.explanation or Explanation(Reason.SOLAR)
                plans[load.key] = Plan(state.limit_a or 0.0, state.phases, held)
        for load in loads:
            plans[load.key] = self._surplus_plan(
                by_key[load.key],
                self.states[load.key],
                load,
                shed=allocation.shed_key == load.key,
                enable=allocation.enable_key == load.key,
                battery_first=battery_first,
                now=now,
            )
        for key, plan in plans.items():
            plan.explanation = by_key[key].settings.explain(plan.target_a, plan.explanation)
        apply_fuse(self.settings, site, connectors, plans, self.states)
        importing = max(0.0, site.grid_power_w or 0.0)
        decisions = [self._decision(c, plans.get(c.key), now, importing) for c in connectors]
        for connector in connectors:
            self.states[connector.key].mode = connector.mode
        return decisions

    def _decision(
        self, connector: ConnectorInput, plan: Plan | None, now: datetime, importing_w: float
    ) -> Decision:
        state = self.states[connector.key]
        if plan is not None:
            return write(self.settings, connector, state, plan, now=now, importing_w=importing_w)
        if not connector.plugged_in and connector.mode in CONTROLLED_MODES:
            state.clear_timers()
            state.enabled = False
            reason = Reason.NO_CAR
        elif connector.mode is ChargeMode.EXTERNAL:
            reason = Reason.EXTERNAL
        else:
            reason = Reason.PLAN_WAITING
        return Decision(
            key=connector.key, limit_a=None, phases=state.phases, explanation=Explanation(reason)
        )

    # --- inputs ------------------------------------------------------------------

    def _note_reading(self, connector: ConnectorInput) -> None:
        """Keep the charger's last readings, to match its draw to the grid reading's time."""
        if connector.measured_at is None or connector.power_w is None:
            return
        state = self.states.setdefault(
            connector.key, ConnectorState(phases=connector.settings.phases)
        )
        readings = state.readings
        if not readings or readings[-1][0] != connector.measured_at:
            readings.append((connector.measured_at, connector.power_w))
            del readings[:-6]

    def _fresh(self, connector: ConnectorInput) -> bool:
        """Whether the grid reading may end a timer for this connector.

        Not while it is older than the charger's own reading and a newer one is due: the grid
        value then still shows the car as it was (a pass the charger's message started).
        """
        site = self._site
        if site is None or site.grid_measured_at is None or connector.measured_at is None:
            return True
        if site.grid_measured_at >= connector.measured_at:
            return True
        return elapsed(site.now, site.grid_measured_at) >= self.settings.stale_grid_s

    def _disable_threshold_w(self, loads: Sequence[Load]) -> float:
        """Import tolerated before a stop timer runs: more while the day's import budget lasts."""
        s = self.settings
        sheddable = [load for load in ordered(loads) if load.enabled and not load.forced]
        if not sheddable or s.import_share is None:
            return s.disable_threshold_w
        if not self.budget.left(s.import_share, s.import_allowance_wh):
            return s.disable_threshold_w
        return max(s.disable_threshold_w, s.ride_share * sheddable[-1].min_w)

    def _available_w(
        self, site: SiteInput, connectors: Sequence[ConnectorInput]
    ) -> tuple[float | None, bool]:
        """Surplus for the cars in surplus modes (their own draw added back), less the residual.

        None when the grid reading is missing or older than the input timeout.
        """
        s = self.settings
        if site.grid_power_w is None or (
            site.grid_measured_at is not None
            and elapsed(site.now, site.grid_measured_at) > s.input_timeout_s
        ):
            return None, False
        cars = sum(self._drawn_w(c) for c in connectors if c.mode in SURPLUS_MODES and c.plugged_in)
        available = -site.grid_power_w + cars - s.residual_power_w
        battery = site.battery_power_w or 0.0
        battery_first = (
            s.battery_priority_soc is not None
            and site.battery_soc is not None
            and site.battery_soc < s.battery_priority_soc
        )
        # The battery's charging is the car's to take unless the battery comes first;
        # its discharging is never surplus.
        available += min(battery, 0.0) if battery_first else battery
        return available, battery_first

    def _drawn_w(self, connector: ConnectorInput) -> float:
        """Return the car's draw as the grid reading saw it (the earlier reading, if the charger's is newer)."""
        if connector.power_w is not None:
            site = self._site
            state = self.states.get(connector.key)
            grid_at = site.grid_measured_at if site is not None else None
            if (
                grid_at is not None
                and state is not None
                and connector.measured_at is not None
                and connector.measured_at > grid_at
            ):
                earlier = [power for at, power in state.readings if at <= grid_at]
                if earlier:
                    return max(0.0, earlier[-1])
            return max(0.0, connector.power_w)
        state = self.states.get(connector.key)
        if state is None or not state.limit_a:
            return 0.0
        return state.limit_a * self._volts(connector) * state.phases

    def _volts(self, connector: ConnectorInput) -> float:
        return connector.voltage_v or self.settings.voltage_v

    # --- planning ----------------------------------------------------------------

    def _fixed_plan(
        self,
        connector: ConnectorInput,
        state: ConnectorState,
        available: float | None,
        now: datetime,
    ) -> Plan | None:
        """Plans that need no surplus allocation; None for a car that shares the surplus."""
        settings = connector.settings
        changed = state.mode is not connector.mode
        if connector.mode is ChargeMode.OFF or connector.target_reached or settings.blocked:
            state.enabled = False
            reason = Reason.TARGET_REACHED if connector.target_reached else Reason.EXTERNAL_LIMIT
            reason = Reason.OFF if connector.mode is ChargeMode.OFF else reason
            return Plan(0.0, state.phases, Explanation(reason), urgent=changed)
        if connector.mode is ChargeMode.FAST:
            started = self._switch_on(state, now, count=False)
            return Plan(
                settings.max_current_a,
                settings.phases,
                Explanation(Reason.FAST),
                urgent=changed,
                start_session=started,
            )
        if available is not None:
            return None
        # No grid reading: Min+Solar holds its minimum; Solar goes to its minimum and pauses
        # after the stop delay. Never more than the minimum without a reading.
        if connector.mode is ChargeMode.MIN_SOLAR:
            self._switch_on(state, now, count=False)
            return Plan(
                settings.min_current_a, state.phases, Explanation(Reason.INPUT_UNAVAILABLE), True
            )
        if not state.enabled:
            return Plan(0.0, state.phases, Explanation(Reason.INPUT_UNAVAILABLE))
        plan = self._stopping(connector, state, now, Reason.INPUT_UNAVAILABLE)
        plan.urgent = True
        return plan

    def _load(self, connector: ConnectorInput, state: ConnectorState) -> Load:
        settings = connector.settings
        volts = self._volts(connector)
        forced = connector.mode is ChargeMode.MIN_SOLAR
        on = state.enabled or forced
        # A paused car that can switch may start on one phase, and grow to all.
        phases = state.phases if on or not settings.can_switch_phases else 1
        top_phases = settings.phases if settings.can_switch_phases and not on else phases
        max_a = settings.max_current_a
        if on and connector.current_a and state.limit_a and connector.power_w is not None:
            drawn = max(connector.current_a)
            if 0 < drawn < state.limit_a - CAR_LIMIT_MARGIN_A:
                max_a = max(settings.min_current_a, min(max_a, drawn + CAR_LIMIT_HEADROOM_A))
        return Load(
            key=connector.key,
            priority=settings.priority,
            forced=forced,
            enabled=on,
            min_w=settings.min_current_a * volts * phases,
            max_w=max_a * volts * top_phases,
        )

    def _surplus_plan(
        self,
        connector: ConnectorInput,
        state: ConnectorState,
        load: Load,
        *,
        shed: bool,
        enable: bool,
        battery_first: bool,
        now: datetime,
    ) -> Plan:
        settings = connector.settings
        changed = state.mode is not connector.mode
        if not load.enabled:
            state.disable_timer = None
            if enable:
                return self._starting(connector, state, load, now)
            state.enable_timer = None
            reason = Reason.BATTERY_PRIORITY if battery_first else Reason.NO_SURPLUS
            return Plan(0.0, state.phases, Explanation(reason), urgent=changed)
        if load.forced:
            self._switch_on(state, now, count=False)
        state.enable_timer = None
        if settings.can_switch_phases and (plan := phase_plan(self, connector, state, load, now)):
            state.disable_timer = None
            return plan
        if shed:
            return self._stopping(connector, state, now, Reason.STOPPING)
        state.disable_timer = None
        target = self._amps(connector, load.alloc_w, state.phases)
        target = steady_level(self, connector, state, load, target=target, now=now)
        running = Reason.MIN_SOLAR if load.forced else Reason.SOLAR
        if battery_first and target < settings.max_current_a:
            running = Reason.BATTERY_PRIORITY
        return Plan(target, state.phases, Explanation(running), urgent=changed)

    def _amps(self, connector: ConnectorInput, watts: float, phases: int) -> float:
        settings = connector.settings
        target = floor_a(watts / (self._volts(connector) * phases), settings.current_step_a)
        return min(max(target, settings.min_current_a), settings.max_current_a)

    def _starting(
        self, connector: ConnectorInput, state: ConnectorState, load: Load, now: datetime
    ) -> Plan:
        """Surplus covers the minimum: wait out the start delay, the minimum off time and the budget."""
        s = self.settings
        settings = connector.settings
        if state.enable_timer is None:
            state.enable_timer = now
        waited = elapsed(now, state.enable_timer)
        if waited < s.enable_delay_s:
            timer = s.enable_delay_s - waited
            return Plan(0.0, state.phases, Explanation(Reason.WAITING_FOR_SURPLUS, timer_s=timer))
        off_for = elapsed(now, state.off_since)
        if off_for < s.min_off_s:
            timer = s.min_off_s - off_for
            return Plan(0.0, state.phases, Explanation(Reason.MIN_OFF_TIME, timer_s=timer))
        if state.starts_today >= s.starts_per_day:
            return Plan(0.0, state.phases, Explanation(Reason.START_BUDGET))
        spares = s.starts_per_day - state.starts_today - 1
        guarded = s.cloud_guard_spares is None or spares <= s.cloud_guard_spares
        if guarded and cloudy(self, connector, now):
            return Plan(0.0, state.phases, Explanation(Reason.CLOUDY))
        short = load.want_w < load.min_w + s.enable_threshold_w
        if short and cloudy(self, connector, now, s.ride_share):
            # A start into a shortfall the import budget pays for: only into a steady one (a
            # car at its minimum would have bought within the ride share over the window).
            return Plan(0.0, state.phases, Explanation(Reason.CLOUDY))
        phases = state.phases
        if settings.can_switch_phases:
            three = settings.min_current_a * self._volts(connector) * settings.phases
            phases = settings.phases if load.want_w >= three else 1
            if phases != state.phases:
                state.phase_switched_at = now
        self._switch_on(state, now, count=True)
        return Plan(
            self._amps(connector, load.want_w, phases),
            phases,
            Explanation(Reason.SOLAR),
            urgent=True,
            start_session=True,
        )

    def _stopping(
        self, connector: ConnectorInput, state: ConnectorState, now: datetime, reason: Reason
    ) -> Plan:
        """Hold the minimum current while importing; pause after the stop delay and the minimum on time."""
        s = self.settings
        minimum = connector.settings.min_current_a
        minimum_w = minimum * self._volts(connector) * state.phases
        if state.disable_timer is None:
            state.disable_timer = now
            before = self.history.recent_peak(now, STEP_S)
            climbing = self.history.climbing(now)
            state.ride.begin(before if climbing else None, self._available, minimum_w)
        waited = elapsed(now, state.disable_timer)
        delay = s.disable_delay_s
        riding = False
        if state.starts_today >= s.starts_per_day:
            delay = max(delay, s.final_stop_delay_s)
            grid = self._site.grid_power_w if self._site is not None else None
            riding = state.ride.rides(now, self._available, grid, minimum_w, delay)
        if riding or waited < delay or not self._fresh(connector):
            timer = max(0.0, delay - waited)
            return Plan(minimum, state.phases, Explanation(reason, timer_s=timer))
        on_for = elapsed(now, state.on_since)
        if on_for < s.min_on_s:
            timer = s.min_on_s - on_for
            return Plan(minimum, state.phases, Explanation(Reason.MIN_ON_TIME, timer_s=timer))
        state.enabled = False
        state.off_since = now
        state.disable_timer = None
        final = Reason.NO_SURPLUS if reason is Reason.STOPPING else reason
        return Plan(0.0, state.phases, Explanation(final), urgent=True)

    @staticmethod
    def _switch_on(state: ConnectorState, now: datetime, *, count: bool) -> bool:
        """Mark the connector charging; True when it was not."""
        if state.enabled:
            return False
        state.enabled = True
        state.on_since = now
        state.disable_timer = None
        if count:
            state.starts_today += 1
            state.starts += 1
        return True
