"""The smart-charging engine: one per charger (`coordinator.smart`), used by entities, services and controllers.

Every request becomes an intent per connector (persisted); `_reconcile` brings the charger in line
with it: a TxDefaultProfile (and a TxProfile bound to a running transaction) for limits and schedules,
the pause ladder (0 A → ChangeAvailability → RemoteStop) for pauses. Unchanged limits are not sent
again; a changed one waits for the minimum write interval unless the caller says it is urgent (a
user's pause or resume) or the phases change, and the latest value always goes out when the
interval ends.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
import math

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import (
    ChargerOfflineError,
    ChargerTimeoutError,
    CommandError,
    CommandRejectedError,
    CommandResult,
    ProfilePurpose,
    RateUnit,
)
from ..csms.events import ChargerEvent, ChargerEventType
from .limits import (
    Control,
    Intent,
    LimitReason,
    LimitState,
    Plan,
    in_unit,
    round_down,
    target_amps,
    valid_phases,
)
from .link import ChargerLink
from .quirks import PauseMethod
from .writer import ZERO, SmartChargingWriter


class NoTransactionError(CommandRejectedError):
    """Stop asked for a connector without a running session."""

    translation_key = "no_transaction"


class SmartCharging(SmartChargingWriter):
    """Limits, schedules, pause and resume for one charger's connectors."""

    def __init__(self, link: ChargerLink) -> None:
        """Restore the persisted intents and listen to the charger's events."""
        super().__init__(link)
        self._unsub_events = link.subscribe(self._on_event)

    # --- public API --------------------------------------------------------------------

    def state(self, connector_id: int) -> LimitState:
        """Return a connector's limit, why it is what it is, and whether the charger follows it."""
        ctl = self._controls.get(connector_id) or Control()
        intent = ctl.intent
        now = dt_util.utcnow()
        plan, _ = self._plan(connector_id, ctl)
        target = 0.0 if intent.paused else (plan.amps_at(now) if plan else None)
        applied = None
        if ctl.applied is not None and ctl.applied_unit is not None:
            applied = in_unit(ctl.applied.amps_at(now), ctl.applied_unit, ctl.applied_phases)
        return LimitState(
            requested=intent.requested,
            unit=intent.unit,
            target_a=target,
            applied=applied,
            applied_unit=ctl.applied_unit if applied is not None else None,
            paused=intent.paused,
            verified=self._verified(connector_id, ctl, now),
            reason=ctl.reason,
            detail=ctl.detail,
            pending_until=ctl.due,
            phases=intent.phases,
        )

    def requested_phases(self, connector_id: int) -> int | None:
        """Return the phases last asked of a connector (None: left to the charger)."""
        ctl = self._controls.get(connector_id)
        return ctl.intent.phases if ctl is not None else None

    async def async_set_current_limit(
        self,
        connector_id: int,
        limit: float,
        unit: RateUnit = RateUnit.AMPERE,
        duration_s: int | None = None,
        immediate: bool = False,
        *,
        phases: int | None = None,
    ) -> CommandResult:
        """Limit a connector (A, or W); 0 or below the minimum current pauses it.

        phases (1 or 3) goes out as numberPhases on chargers that switch phases (see
        can_switch_phases), and at once when it changes; watts convert with it everywhere.
        None leaves the phases to the charger.
        """
        if not math.isfinite(limit) or limit < 0 or (duration_s is not None and duration_s <= 0):
            raise ValueError(f"Invalid limit {limit} {unit} for {duration_s} s")
        phases = valid_phases(phases)
        async with self._lock:
            intent = self._control(connector_id).intent
            intent.requested = float(limit)
            intent.unit = RateUnit(unit)
            intent.phases = phases
            intent.expires_at = (
                dt_util.utcnow() + timedelta(seconds=duration_s) if duration_s else None
            )
            intent.schedule = intent.schedule_valid_to = None
            self._arm_expiry(connector_id)
            await self._run(connector_id, immediate=immediate)
        return self._result(connector_id)

    async def async_set_schedule(
        self,
        connector_id: int,
        periods: list[tuple[datetime, float]],
        unit: RateUnit = RateUnit.AMPERE,
        valid_to: datetime | None = None,
    ) -> CommandResult:
        """One multi-period profile with validTo: the charger follows it while we are away."""
        ordered = sorted(periods)
        if not ordered or any(limit < 0 or not math.isfinite(limit) for _, limit in ordered):
            raise ValueError("A schedule needs periods with limits of 0 or more")
        end = valid_to or ordered[-1][0] + timedelta(hours=1)
        if end <= max(dt_util.utcnow(), ordered[0][0]):
            raise ValueError("The schedule ends before it starts")
        async with self._lock:
            intent = self._control(connector_id).intent
            intent.requested, intent.unit, intent.expires_at = None, RateUnit(unit), None
            intent.phases = None  # A schedule leaves the phases to the charger.
            intent.schedule = tuple((dt_util.as_utc(at), float(limit)) for at, limit in ordered)
            intent.schedule_valid_to = dt_util.as_utc(end)
            self._arm_expiry(connector_id)
            await self._run(connector_id, immediate=False)
        return self._result(connector_id)

    async def async_pause(self, connector_id: int) -> CommandResult:
        """0 A without ending the session (or the charger's fallback), at once."""
        async with self._lock:
            self._control(connector_id).intent.paused = True
            await self._run(connector_id, immediate=True)
        return self._result(connector_id)

    async def async_resume(self, connector_id: int) -> CommandResult:
        """Undo a pause and restore the previous limit, at once."""
        async with self._lock:
            self._control(connector_id).intent.paused = False
            await self._run(connector_id, immediate=True)
        return self._result(connector_id)

    async def async_start(self, connector_id: int, id_tag: str | None = None) -> CommandResult:
        """Resume a paused connector; start a session (RemoteStartTransaction) if none runs."""
        async with self._lock:
            intent = self._control(connector_id).intent
            if intent.paused or intent.held is not None:
                restarted = intent.held is PauseMethod.REMOTE_STOP
                intent.paused = False
                await self._run(connector_id, immediate=True)
                if restarted:
                    return CommandResult("Accepted")
            if self._transaction(connector_id) is not None:
                return CommandResult("Accepted")
            tag = id_tag or self.config.remote_id_tag
            return self._expect(
                await self._bounded(self._commands().remote_start(connector_id, tag)),
                "RemoteStartTransaction",
            )

    async def async_stop(self, connector_id: int) -> CommandResult:
        """End the running session (RemoteStopTransaction)."""
        async with self._lock:
            if (tx := self._transaction(connector_id)) is None:
                raise NoTransactionError(self.charger_id, "RemoteStopTransaction", "no session")
            return self._expect(
                await self._bounded(self._commands().remote_stop(tx.transaction_id)),
                "RemoteStopTransaction",
            )

    async def async_set_station_max(self, limit_a: float) -> CommandResult:
        """Set a static station maximum (ChargePointMaxProfile); not for frequent changes."""
        if not math.isfinite(limit_a) or limit_a < 0:
            raise ValueError(f"Invalid station maximum {limit_a} A")
        amps = round_down(min(limit_a, self.config.max_current), self.quirks.whole_amps)
        async with self._lock:
            if amps != self.station_max or amps != self._station_sent:
                await self._write_station_max(amps)
                self.station_max = amps
                self._changed()
        return CommandResult("Accepted", {"limit": amps, "unit": RateUnit.AMPERE.value})

    async def _write_station_max(self, amps: float) -> None:
        """Put the ChargePointMaxProfile on the charger (raises when it refuses)."""
        plan = Plan(((0, amps),))
        status = await self._write(self._commands(), 0, ProfilePurpose.STATION_MAX, plan, None)
        if status is not None:
            raise CommandRejectedError(self.charger_id, "SetChargingProfile", status)
        self._station_sent = amps

    async def async_clear_profiles(self, connector_id: int | None = None) -> CommandResult:
        """Remove the profiles of one connector, or every profile on the charger (None)."""
        async with self._lock:
            commands = self._commands()
            result = await self._bounded(commands.clear_charging_profile(connector_id=connector_id))
            if not result.accepted and result.status != "Unknown":
                raise CommandRejectedError(self.charger_id, "ClearChargingProfile", result.status)
            for number, ctl in self._controls.items():
                if connector_id in (None, number):
                    self._forget_limit(ctl)
            if connector_id is None:
                self.station_max = self._station_sent = None
            self._changed()
            return result

    def _result(self, connector_id: int) -> CommandResult:
        """Return what a control call answers: Scheduled while the write waits for its interval."""
        state = self.state(connector_id)
        waiting = state.reason is LimitReason.WAITING_FOR_INTERVAL
        return CommandResult("Scheduled" if waiting else "Accepted", state.as_dict())

    # --- reconciling a connector with its intent -------------------------------------------

    async def _run(self, connector_id: int, *, immediate: bool) -> None:
        """Reconcile; record why it failed, if it did, and tell the entities."""
        ctl = self._control(connector_id)
        try:
            await self._reconcile(connector_id, ctl, immediate=immediate)
        except CommandError as err:
            ctl.reason = _FAILURE_REASONS.get(type(err), LimitReason.REJECTED)
            ctl.detail = err.detail or None
            raise
        finally:
            self._changed()

    async def _reconcile(self, connector_id: int, ctl: Control, *, immediate: bool) -> None:
        intent = ctl.intent
        plan, reason = self._plan(connector_id, ctl)
        halting = intent.paused or (plan is not None and plan.halts)
        if not halting and plan is None and not intent.installed and intent.held is None:
            ctl.reason, ctl.detail = reason, None
            return
        commands = self._commands()
        if halting:
            # A pause keeps the phases: no contactor switching while nothing flows.
            zero = plan if plan is not None and plan.halts else ZERO
            zero = replace(zero, phases=self._number_phases(connector_id))
            waiting = await self._halt(connector_id, ctl, commands, zero, immediate)
        else:
            await self._release(connector_id, ctl, commands)
            if plan is None:
                await self._clear_ours(connector_id, ctl, commands)
                waiting = False
            else:
                waiting = await self._offer(connector_id, ctl, commands, plan, immediate)
        if waiting:
            ctl.reason = LimitReason.WAITING_FOR_INTERVAL
        else:
            ctl.reason = LimitReason.PAUSED if intent.paused else reason
        ctl.detail = None

    def _plan(self, connector_id: int, ctl: Control) -> tuple[Plan | None, LimitReason]:
        """Return the limits the intent asks for now, in amps, clamped and rounded."""
        intent, config, quirks = ctl.intent, self.config, self.quirks
        now = dt_util.utcnow()
        phases = self._phases(connector_id)
        number_phases = self._number_phases(connector_id)

        def amps(value: float) -> tuple[float, LimitReason]:
            return target_amps(
                value,
                intent.unit,
                phases=phases,
                min_a=config.min_current,
                max_a=config.max_current,
                whole_amps=quirks.whole_amps,
            )

        if intent.schedule and intent.schedule_valid_to and intent.schedule_valid_to > now:
            start = intent.schedule[0][0]
            kept = intent.schedule[: quirks.max_periods]
            valid_to = intent.schedule_valid_to
            if len(intent.schedule) > len(kept):
                valid_to = min(valid_to, intent.schedule[len(kept)][0])
            periods = tuple(
                (int((at - start).total_seconds()), amps(limit)[0]) for at, limit in kept
            )
            plan = Plan(periods, start=start, valid_to=valid_to, phases=number_phases)
            return plan, LimitReason.SCHEDULE
        if intent.requested is not None and (intent.expires_at is None or intent.expires_at > now):
            value, reason = amps(intent.requested)
            return Plan(((0, value),), valid_to=intent.expires_at, phases=number_phases), reason
        return None, LimitReason.NO_LIMIT

    # --- events and timers ---------------------------------------------------------------

    @callback
    def _on_event(self, event: ChargerEvent) -> None:
        """React to the charger; commands go out from tasks, never from the message handler."""
        if event.type is ChargerEventType.CONNECTED:
            self._cancel_connect_timer()
            self._connect_timer = self._link.call_later(self.connect_grace_s, self._reapply_all)
        elif event.type is ChargerEventType.BOOTED:
            self._cancel_connect_timer()
            self._spawn(self._after_boot(), "detect quirks and re-apply limits")
        elif event.type is ChargerEventType.DISCONNECTED:
            self._cancel_connect_timer()
        elif event.connector_id is not None and event.connector_id in self._controls:
            ctl = self._controls[event.connector_id]
            ctl.sent.pop(ProfilePurpose.TX, None)
            ctl.last_write.pop(ProfilePurpose.TX, None)
            if event.type is ChargerEventType.TRANSACTION_STARTED:
                # A new session gets its TxProfile; without one, the TxDefaultProfile goes again
                # (some chargers drop their profiles at a session's start).
                if not self.quirks.tx_profile:
                    ctl.sent.pop(ProfilePurpose.TX_DEFAULT, None)
                self._spawn(self._settled_run(event.connector_id), "apply limit to new session")

    async def _quiet_run(self, connector_id: int) -> None:
        """Reconcile on our own initiative: failures are logged and shown, not raised."""
        async with self._lock:
            try:
                await self._run(connector_id, immediate=False)
            except CommandError as err:
                LOGGER.info(
                    "Charger %s connector %s: limit not applied: %s",
                    self.charger_id,
                    connector_id,
                    err,
                )

    async def _settled_run(self, connector_id: int) -> None:
        await asyncio.sleep(self.settle_s)
        await self._quiet_run(connector_id)

    async def _after_boot(self) -> None:
        await asyncio.sleep(self.settle_s)
        async with self._lock:
            await self._detect()
        await self._reapply_all()

    async def _reapply_all(self, _now: datetime | None = None) -> None:
        """After a (re)connect or boot: the charger may have lost our profiles."""
        self._connect_timer = None
        self._station_sent = None
        await self._reapply_station_max()
        for connector_id, ctl in list(self._controls.items()):
            ctl.sent.clear()
            await self._quiet_run(connector_id)

    async def _reapply_station_max(self) -> None:
        """Put the persisted station maximum back; a refusal is logged, not raised."""
        async with self._lock:
            if self.station_max is None or self._station_sent == self.station_max:
                return
            try:
                await self._write_station_max(self.station_max)
            except CommandError as err:
                LOGGER.info("Charger %s: station maximum not applied: %s", self.charger_id, err)


_FAILURE_REASONS: dict[type[CommandError], LimitReason] = {
    ChargerOfflineError: LimitReason.CHARGER_OFFLINE,
    ChargerTimeoutError: LimitReason.NO_ANSWER,
}

__all__ = ["Intent", "LimitReason", "LimitState", "NoTransactionError", "SmartCharging"]
