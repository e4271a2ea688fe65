"""How the smart-charging engine talks to a charger.

Profiles down the fallback ladder, the pause ladder, clearing, and the bookkeeping of what the
charger accepted.
"""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..csms.commands import (
    ChargerCallError,
    ChargerCommands,
    ChargingProfile,
    CommandRejectedError,
    CommandResult,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    SchedulePeriod,
)
from ..csms.model import Transaction
from .detect import SmartChargingBase
from .ladder import Shape, ladder, learned_from
from .limits import START_BACKDATE, VOLTAGE, Control, Plan, in_unit
from .quirks import PAUSE_LADDER, PauseMethod, Quirks, effective_quirks

# Our profile ids: fixed, one per purpose and connector, so a new write replaces the old one.
PROFILE_IDS = {
    ProfilePurpose.TX_DEFAULT: 1000,
    ProfilePurpose.TX: 2000,
    ProfilePurpose.STATION_MAX: 3000,
}
# A timer that fires this close to the end of the interval counts as on time.
INTERVAL_SLACK_S = 0.5
# Current.Offered within this of the limit (or below it) counts as applied.
VERIFY_TOLERANCE_A = 1.0
ZERO = Plan(((0, 0.0),))


def profile_id(purpose: ProfilePurpose, connector_id: int) -> int:
    """Our fixed profile id for a purpose on a connector."""
    return PROFILE_IDS[purpose] + connector_id


class SmartChargingWriter(SmartChargingBase):
    """Profile writes, pauses and what the charger accepted; the engine decides what to write."""

    async def _offer(
        self,
        connector_id: int,
        ctl: Control,
        commands: ChargerCommands,
        plan: Plan,
        immediate: bool,
    ) -> bool:
        """Write the plan as TxDefaultProfile (and TxProfile); True while a write waits.

        A change of phases goes out at once: the caller rate-limits its contactor switching.
        """
        applied_phases = ctl.applied.phases if ctl.applied is not None else None
        immediate = immediate or plan.phases != applied_phases
        tx = self._transaction(connector_id)
        targets: list[tuple[ProfilePurpose, int | str | None]] = [(ProfilePurpose.TX_DEFAULT, None)]
        if tx is not None and self.quirks.tx_profile:
            targets.append((ProfilePurpose.TX, tx.transaction_id))
        due: list[datetime] = []
        accepted, refusal = False, None
        for purpose, tx_id in targets:
            key = plan.key(tx_id)
            if ctl.sent.get(purpose) == key:
                accepted = True
                continue
            if not immediate and (when := self._due(ctl, purpose)) is not None:
                due.append(when)
                continue
            status = await self._write(commands, connector_id, purpose, plan, tx_id)
            if status is None:
                accepted = True
                ctl.sent[purpose] = key
                ctl.last_write[purpose] = dt_util.utcnow()
                ctl.intent.installed = True
                self._mark_applied(connector_id, ctl, plan)
            elif purpose is ProfilePurpose.TX:
                # Rung 3 of the ladder: the TxDefaultProfile carries the limit on its own.
                ctl.sent.pop(ProfilePurpose.TX, None)
                self._learn(tx_profile=False)
            else:
                refusal = status
        if due:
            self._schedule(connector_id, ctl, min(due))
        else:
            self._unschedule(connector_id, ctl)
        if refusal is not None and not accepted and not due:
            raise CommandRejectedError(self.charger_id, "SetChargingProfile", refusal)
        return bool(due)

    async def _write(
        self,
        commands: ChargerCommands,
        connector_id: int,
        purpose: ProfilePurpose,
        plan: Plan,
        tx_id: int | str | None,
    ) -> str | None:
        """SetChargingProfile down the fallback ladder; None when accepted, else the last refusal."""
        quirks = self.quirks
        kind = ProfileKind.ABSOLUTE if plan.is_schedule else quirks.profile_kind
        start = Shape(quirks.stack_level, kind, quirks.rate_unit)
        fixed = set(quirks.pinned)
        if plan.is_schedule:
            fixed.add("profile_kind")
        if purpose is ProfilePurpose.TX:
            fixed.add("rate_unit")
        phases = self._phases(connector_id)
        status: str | None = "Rejected"
        for shape in ladder(start, frozenset(fixed)):
            profile = self._profile(connector_id, purpose, plan, shape, tx_id=tx_id, phases=phases)
            status = await self._status(commands.set_charging_profile(profile))
            if status is None:
                self._set_detected(learned_from(start, shape, self.detected))
                return None
            if status != "Rejected":
                break
        return status

    def _profile(
        self,
        connector_id: int,
        purpose: ProfilePurpose,
        plan: Plan,
        shape: Shape,
        *,
        tx_id: int | str | None,
        phases: int,
    ) -> ChargingProfile:
        now = dt_util.utcnow()
        absolute = shape.kind is ProfileKind.ABSOLUTE
        start = plan.start or (now - START_BACKDATE if absolute else None)
        duration = None
        if not plan.is_schedule and plan.valid_to is not None:
            duration = round((plan.valid_to - (start or now)).total_seconds())
        if start is not None:
            start = start.replace(microsecond=0)
        return ChargingProfile(
            connector_id=connector_id,
            profile_id=profile_id(purpose, connector_id),
            stack_level=shape.stack_level,
            purpose=purpose,
            kind=shape.kind,
            rate_unit=shape.unit,
            periods=tuple(
                SchedulePeriod(start_s, in_unit(amps, shape.unit, phases), plan.phases)
                for start_s, amps in plan.periods
            ),
            start=start if absolute else None,
            duration_s=duration,
            valid_to=plan.valid_to if plan.is_schedule else None,
            transaction_id=tx_id if purpose is ProfilePurpose.TX else None,
        )

    async def _halt(
        self,
        connector_id: int,
        ctl: Control,
        commands: ChargerCommands,
        zero: Plan,
        immediate: bool,
    ) -> bool:
        """Pause down the ladder from the charger's pause method; True while a 0 A write waits."""
        if ctl.intent.held is not None:
            return False
        quirks = self.quirks
        first = PAUSE_LADDER.index(quirks.pause_method)
        methods = (
            PAUSE_LADDER[first : first + 1]
            if "pause_method" in quirks.pinned
            else PAUSE_LADDER[first:]
        )
        refusal = ""
        for method in methods:
            if method is PauseMethod.ZERO_CURRENT:
                try:
                    return await self._offer(connector_id, ctl, commands, zero, immediate)
                except CommandRejectedError as err:
                    refusal = err.detail
                    continue
            if method is PauseMethod.CHANGE_AVAILABILITY:
                status = await self._status(commands.change_availability(connector_id, False))
            elif (tx := self._transaction(connector_id)) is not None:
                status = await self._status(commands.remote_stop(tx.transaction_id))
            else:
                return False  # Nothing runs that could be stopped.
            if status is None:
                ctl.intent.held = method
                self._mark_applied(connector_id, ctl, ctl.applied)
                if method is not quirks.pause_method:
                    self._learn(pause_method=method)
                return False
            refusal = status
        raise CommandRejectedError(self.charger_id, "pause", refusal)

    async def _release(self, connector_id: int, ctl: Control, commands: ChargerCommands) -> None:
        """Undo a pause that is not a 0 A profile."""
        held = ctl.intent.held
        if held is PauseMethod.CHANGE_AVAILABILITY:
            action = "ChangeAvailability"
            status = await self._status(commands.change_availability(connector_id, True))
        elif held is PauseMethod.REMOTE_STOP and self._transaction(connector_id) is None:
            action = "RemoteStartTransaction"
            tag = self.config.remote_id_tag
            status = await self._status(commands.remote_start(connector_id, tag))
        else:
            status = None
        if status is not None:
            raise CommandRejectedError(self.charger_id, action, status)
        ctl.intent.held = None

    async def _clear_ours(self, connector_id: int, ctl: Control, commands: ChargerCommands) -> None:
        """No limit any more: take our profiles off the charger."""
        purposes = [ProfilePurpose.TX_DEFAULT]
        if self._transaction(connector_id) is not None:
            purposes.append(ProfilePurpose.TX)
        for purpose in purposes:
            clear = commands.clear_charging_profile(profile_id=profile_id(purpose, connector_id))
            status = await self._status(clear)
            if status not in (None, "Unknown"):
                raise CommandRejectedError(self.charger_id, "ClearChargingProfile", status)
        self._forget_limit(ctl, keep_intent=True)
        self._unschedule(connector_id, ctl)

    # --- helpers ---------------------------------------------------------------------------

    @property
    def quirks(self) -> Quirks:
        """Detected quirks with the homeowner's overrides on top."""
        return effective_quirks(self.detected, self.config.overrides)

    def _commands(self) -> ChargerCommands:
        """Return the live session (raises ChargerOfflineError)."""
        return self._link.commands()

    async def _status(self, call: Coroutine[Any, Any, CommandResult]) -> str | None:
        """None when accepted, else the charger's word (offline and no answer are raised)."""
        try:
            result = await self._bounded(call)
        except CommandRejectedError as err:
            return err.detail or "Rejected"
        except ChargerCallError as err:
            return f"CALLERROR {err.detail}".strip()
        return None if result.accepted else result.status

    def _expect(self, result: CommandResult, action: str) -> CommandResult:
        if not result.accepted:
            raise CommandRejectedError(self.charger_id, action, result.status)
        return result

    def _transaction(self, connector_id: int) -> Transaction | None:
        connector = self._charger.connectors.get(connector_id)
        return connector.transaction if connector is not None else None

    @property
    def can_switch_phases(self) -> bool:
        """Whether limits with phases switch the charger between 1 and 3 phases."""
        return self.quirks.phase_switching is True

    def _number_phases(self, connector_id: int) -> int | None:
        """Return the numberPhases to send: the requested phases, if the charger switches phases."""
        ctl = self._controls.get(connector_id)
        if ctl is None or not self.can_switch_phases:
            return None
        return ctl.intent.phases

    def _phases(self, connector_id: int) -> int:
        """Phases for A ↔ W: as requested, else as the car draws (while charging), else three."""
        ctl = self._controls.get(connector_id)
        if ctl is not None and ctl.intent.phases is not None:
            return ctl.intent.phases
        connector = self._charger.connectors.get(connector_id)
        if connector is not None and connector.charging:
            drawing = sum(1 for amps in connector.current_a.values() if amps > 1.0)
            if drawing:
                return drawing
        return 3

    def _due(self, ctl: Control, purpose: ProfilePurpose) -> datetime | None:
        """When the next write of this profile may go out; None if it may now."""
        last = ctl.last_write.get(purpose)
        interval = self.config.min_write_interval
        if last is None or interval <= 0:
            return None
        due = last + timedelta(seconds=interval)
        if (due - dt_util.utcnow()).total_seconds() <= INTERVAL_SLACK_S:
            return None
        return due

    def _mark_applied(self, connector_id: int, ctl: Control, plan: Plan | None) -> None:
        connector = self._charger.connectors.get(connector_id)
        ctl.applied = plan
        ctl.applied_unit = self.quirks.rate_unit if plan is not None else None
        ctl.applied_phases = self._phases(connector_id)
        ctl.meter_mark = connector.last_meter_at if connector is not None else None

    def _verified(self, connector_id: int, ctl: Control, now: datetime) -> bool | None:
        """Whether the charger offers no more than the limit (after a reading since the write)."""
        connector = self._charger.connectors.get(connector_id)
        if connector is None or ctl.applied is None or connector.last_meter_at == ctl.meter_mark:
            return None
        expected = 0.0 if ctl.intent.held is not None else ctl.applied.amps_at(now)
        if ctl.applied_unit is RateUnit.WATT:
            offered = connector.power_offered_w
            expected = in_unit(expected, RateUnit.WATT, ctl.applied_phases)
            tolerance = VERIFY_TOLERANCE_A * VOLTAGE * ctl.applied_phases
        else:
            offered, tolerance = connector.current_offered_a, VERIFY_TOLERANCE_A
        if offered is None:
            return None
        return offered <= expected + tolerance

    @callback
    def _timer_fired(self, connector_id: int, _now: datetime) -> None:
        self._timers.pop(connector_id, None)
        if (ctl := self._controls.get(connector_id)) is not None:
            ctl.due = None
        self._spawn(self._quiet_run(connector_id), "write limit after interval")

    def _unschedule(self, connector_id: int, ctl: Control) -> None:
        """Nothing waits any more (an urgent write went out)."""
        if (cancel := self._timers.pop(connector_id, None)) is not None:
            cancel()
        ctl.due = None

    def _schedule(self, connector_id: int, ctl: Control, due: datetime) -> None:
        """Write the latest intent when the interval ends."""
        self._unschedule(connector_id, ctl)
        ctl.due = due
        delay = max(0.0, (due - dt_util.utcnow()).total_seconds())
        self._timers[connector_id] = self._link.call_later(
            delay, partial(self._timer_fired, connector_id)
        )
