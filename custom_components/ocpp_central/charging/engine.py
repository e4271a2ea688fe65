"""The smart-charging engine: one per charger (`coordinator.smart`), used by entities, services and controllers.

Every request becomes an intent per connector (persisted); `_reconcile` brings the charger in line
with it: a TxDefaultProfile (and a TxProfile bound to a running transaction) for limits and schedules,
the pause ladder (0 A → ChangeAvailability → RemoteStop) for pauses. Unchanged limits are not sent
again; a changed one waits for the minimum write interval unless the caller says it is urgent (a
user's pause or resume) or the phases change, and the latest value always goes out when the
interval ends.

The engine is a facade over parts that each get what they need, never the engine: what is known
of the charger's quirks (detect.py), how limits go onto the charger (writer.py), the charger-wide
maximum (station.py), the arithmetic (limits.py), what survives a restart (stored.py) and the
per-connector timers (timers.py). It owns each connector's `Control`, reconciles it under one lock,
and reaches the charger only through its `ChargerLink` (link.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import (
    ChargerDisconnectedError,
    ChargerOfflineError,
    ChargerTimeoutError,
    ChargingProfile,
    CommandError,
    CommandRejectedError,
    CommandResult,
    ProfilePurpose,
    RateUnit,
    TransactionStatus,
)
from ..csms.events import ChargerEvent, ChargerEventType
from .detect import KnownQuirks, detect_quirks
from .limits import (
    Control,
    Intent,
    LimitReason,
    LimitState,
    Plan,
    limit_state,
    plan_limits,
    round_down,
    valid_phases,
)
from .link import Cancel, ChargerLink, accepted, bounded
from .manage import (
    ClearRequest,
    check_user_profile,
    clear as clear_profiles,
    clears,
    read as read_profiles,
    start_profile,
)
from .quirks import DetectedQuirks, PauseMethod, Quirks
from .station import StationMaximum
from .stored import StoredState
from .timers import ConnectorTimers
from .verify import expected_profiles, still_installed
from .writer import ZERO, ProfileWriter

# After a (re)connect without a BootNotification, limits are re-applied after this long; a boot
# within it re-applies at once (some chargers drop the connection when called before they boot).
CONNECT_GRACE_S = 10.0
# Event-driven commands wait this long, so the charger has our answer to the message that caused
# them (a TxProfile needs the transaction id the charger learns from our StartTransaction answer).
SETTLE_S = 1.0


class NoTransactionError(CommandRejectedError):
    """Stop asked for a connector without a running session."""

    translation_key = "no_transaction"


class SmartCharging:
    """Limits, schedules, pause and resume for one charger's connectors."""

    connect_grace_s = CONNECT_GRACE_S
    settle_s = SETTLE_S

    def __init__(self, link: ChargerLink) -> None:
        """Restore what was persisted for this charger and listen to its events."""
        self._link = link
        self._lock = asyncio.Lock()
        self._controls: dict[int, Control] = {}
        # When a write waiting for its interval goes out; when a limit or schedule ends.
        self._write_timers = ConnectorTimers(link, self._write_due)
        self._expiry = ConnectorTimers(link, self._expired)
        self._connect_timer: Cancel | None = None
        stored = StoredState.from_dict(link.load(), self.charger_id)
        self._known = KnownQuirks(self.charger_id, stored.detected, lambda: link.settings.overrides)
        self._writer = ProfileWriter(link, self._known)
        self._station = StationMaximum(link, self._writer, stored.station_max)
        # Another central system's limits (an upstream's profiles), A by connector (0: station).
        self._external_caps: dict[int, float] = {}
        for connector_id, intent in stored.intents.items():
            self._controls[connector_id] = Control(intent=intent)
            self._arm_expiry(connector_id)
        self._unsub_events = link.subscribe(self._on_event)

    @property
    def charger_id(self) -> str:
        """The charger's id."""
        return self._link.settings.charger_id

    @property
    def detected(self) -> DetectedQuirks:
        """What the charger reported about itself and what the ladder learned."""
        return self._known.detected

    @property
    def quirks(self) -> Quirks:
        """Detected quirks with the homeowner's overrides on top."""
        return self._known.effective

    @property
    def can_switch_phases(self) -> bool:
        """Whether limits with phases switch the charger between 1 and 3 phases."""
        return self.quirks.phase_switching is True

    def _control(self, connector_id: int) -> Control:
        if (ctl := self._controls.get(connector_id)) is None:
            ctl = self._controls[connector_id] = Control()
        return ctl

    # --- public API --------------------------------------------------------------------

    def state(self, connector_id: int) -> LimitState:
        """Return a connector's limit, why it is what it is, and whether the charger follows it."""
        ctl = self._controls.get(connector_id) or Control()
        now = dt_util.utcnow()
        plan, _ = self._plan(connector_id, ctl)
        return limit_state(ctl, plan, now, self._writer.verified(connector_id, ctl, now))

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

    async def async_start(
        self,
        connector_id: int,
        id_tag: str | None = None,
        *,
        limit: float | None = None,
        unit: RateUnit = RateUnit.AMPERE,
    ) -> CommandResult:
        """Resume a paused connector; start a session (RemoteStartTransaction) if none runs.

        A session Home Assistant still holds is first checked with the charger (2.0.1
        GetTransactionStatus; 1.6 closed it already when the connector turned Available or
        Preparing): a stale one does not stop the start. limit sends a TxProfile with the start.
        """
        async with self._lock:
            intent = self._control(connector_id).intent
            if intent.paused or intent.held is not None:
                restarted = intent.held is PauseMethod.REMOTE_STOP
                intent.paused = False
                await self._run(connector_id, immediate=True)
                if restarted:
                    return CommandResult("Accepted")
            commands = self._link.commands()
            if (tx := await self._running(connector_id, commands)) is not None:
                return CommandResult("Accepted", {"transaction_id": tx.transaction_id})
            tag = id_tag or self._link.settings.remote_id_tag
            profile = (
                None
                if limit is None
                else start_profile(connector_id, limit, unit, self.quirks.stack_level)
            )
            start = commands.remote_start(connector_id, tag, profile)
            return await accepted(self.charger_id, start, "RemoteStartTransaction")

    async def _running(self, connector_id: int, commands: Any) -> Any:
        """Return the connector's session, once the charger confirmed it where it can (2.0.1)."""
        tx = self._writer.transaction(connector_id)
        if tx is not None and isinstance(commands, TransactionStatus):
            try:
                await bounded(self.charger_id, commands.get_transaction_status(tx.transaction_id))
            except CommandError as err:
                LOGGER.debug("Charger %s: transaction status unknown: %s", self.charger_id, err)
            tx = self._writer.transaction(connector_id)
        return tx

    async def async_stop(
        self, connector_id: int, transaction_id: int | str | None = None
    ) -> CommandResult:
        """End a session (RemoteStopTransaction): the one named, else the connector's own."""
        async with self._lock:
            if transaction_id is None:
                if (tx := self._writer.transaction(connector_id)) is None:
                    raise NoTransactionError(self.charger_id, "RemoteStopTransaction", "no session")
                transaction_id = tx.transaction_id
            stop = self._link.commands().remote_stop(transaction_id)
            return await accepted(self.charger_id, stop, "RemoteStopTransaction")

    async def async_set_station_max(self, limit_a: float) -> CommandResult:
        """Set a static station maximum (ChargePointMaxProfile); not for frequent changes."""
        if not math.isfinite(limit_a) or limit_a < 0:
            raise ValueError(f"Invalid station maximum {limit_a} A")
        amps = round_down(min(limit_a, self._link.settings.max_current), self.quirks.whole_amps)
        async with self._lock:
            if await self._station.set(amps, self._station_phases()):
                self._changed()
        return CommandResult("Accepted", {"limit": amps, "unit": RateUnit.AMPERE.value})

    @property
    def station_max(self) -> float | None:
        """The charger-wide maximum in amps (None: none set)."""
        return self._station.value

    @station_max.setter
    def station_max(self, amps: float | None) -> None:
        self._station.value = amps

    def _station_phases(self) -> int:
        """Phases for the station maximum in watts (connector 0 is the whole charger)."""
        return self._writer.phases(0, self._controls.get(0))

    async def async_clear_profiles(
        self, connector_id: int | None = None, request: ClearRequest | None = None
    ) -> CommandResult:
        """Remove profiles: by default only ours (of one connector, or all), by id.

        request names criteria (id, purpose, stack level: the charger matches them) or asks for
        everything. Our limits on what was cleared are forgotten, so they are not put back.
        """
        request = request or ClearRequest(connector_id=connector_id)
        connectors = sorted({*self._controls, *self._link.charger.connectors} - {0})
        async with self._lock:
            result = await clear_profiles(
                self.charger_id, self._link.commands(), request, connectors
            )
            session = (ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX)
            for number, ctl in self._controls.items():
                if clears(request, number, session, self.quirks.stack_level):
                    ctl.forget_profiles()
            if clears(request, 0, (ProfilePurpose.STATION_MAX,), self.quirks.stack_level):
                self._station.cleared()
            self._changed()
            return result

    async def async_set_profile(self, profile: ChargingProfile) -> CommandResult:
        """Install a homeowner's profile as given (its id outside ours: ReservedProfileIdError)."""
        check_user_profile(profile)
        async with self._lock:
            command = self._link.commands().set_charging_profile(profile)
            return await accepted(self.charger_id, command, "SetChargingProfile")

    async def async_get_profiles(
        self,
        connector_id: int | None = None,
        *,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
        profile_id: int | None = None,
    ) -> CommandResult:
        """Read the charger's profiles (2.0.1), or its composite schedule (1.6)."""
        return await read_profiles(
            self.charger_id,
            self._link.commands(),
            connector_id=connector_id,
            purpose=purpose,
            stack_level=stack_level,
            profile_id=profile_id,
            rate_unit=self.quirks.rate_unit,
        )

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
            self._write_timers.arm(connector_id, ctl.due)
            self._changed()

    async def _reconcile(self, connector_id: int, ctl: Control, *, immediate: bool) -> None:
        intent = ctl.intent
        plan, reason = self._plan(connector_id, ctl)
        halting = intent.paused or (plan is not None and plan.halts)
        if not halting and plan is None and not intent.installed and intent.held is None:
            ctl.reason, ctl.detail = reason, None
            return
        commands = self._link.commands()
        writer = self._writer
        if halting:
            # A pause keeps the phases: no contactor switching while nothing flows.
            zero = plan if plan is not None and plan.halts else ZERO
            zero = replace(zero, phases=self._number_phases(ctl))
            waiting = await writer.halt(connector_id, ctl, commands, zero, immediate)
        else:
            await writer.release(connector_id, ctl, commands)
            if plan is None:
                await writer.clear(connector_id, ctl, commands)
                waiting = False
            else:
                waiting = await writer.offer(connector_id, ctl, commands, plan, immediate)
        if waiting:
            ctl.reason = LimitReason.WAITING_FOR_INTERVAL
        else:
            ctl.reason = LimitReason.PAUSED if intent.paused else reason
        ctl.detail = None

    def _plan(self, connector_id: int, ctl: Control) -> tuple[Plan | None, LimitReason]:
        """Return the limits the intent asks for now, in amps, clamped and rounded.

        An external cap lowers the maximum; with no intent of ours it is the limit itself.
        """
        settings = self._link.settings
        cap = self.external_cap(connector_id)
        plan, reason = plan_limits(
            ctl.intent,
            dt_util.utcnow(),
            phases=self._writer.phases(connector_id, ctl),
            number_phases=self._number_phases(ctl),
            min_a=settings.min_current,
            max_a=settings.max_current if cap is None else min(settings.max_current, cap),
            quirks=self.quirks,
        )
        if plan is None and cap is not None:
            amps = round_down(min(settings.max_current, cap), self.quirks.whole_amps)
            plan = Plan(((0, amps),), phases=self._number_phases(ctl))
            reason = LimitReason.CLAMPED_TO_MAXIMUM
        return plan, reason

    def external_cap(self, connector_id: int) -> float | None:
        """Return the lowest cap another central system put on a connector or the station."""
        caps = [self._external_caps.get(number) for number in {0, connector_id}]
        return min((cap for cap in caps if cap is not None), default=None)

    def set_external_cap(self, connector_id: int, amps: float | None) -> None:
        """Cap a connector (0: every one) for another central system; None lifts it. Re-applied."""
        if amps is None:
            self._external_caps.pop(connector_id, None)
        else:
            self._external_caps[connector_id] = max(0.0, amps)
        numbers = {n for n in self._link.charger.connectors if n > 0} | set(self._controls)
        for number in sorted(numbers if connector_id == 0 else {connector_id}):
            self._control(number)
        if self._link.charger.connected:
            self._link.spawn(self._reapply_changed(), "re-apply limits under an external cap")

    def _number_phases(self, ctl: Control) -> int | None:
        """Return the numberPhases to send: the requested phases, if the charger switches phases."""
        return ctl.intent.phases if self.can_switch_phases else None

    # --- persistence -----------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return what survives a restart (also shown in diagnostics)."""
        intents = {number: ctl.intent for number, ctl in self._controls.items()}
        return StoredState(self._known.detected, self.station_max, intents).as_dict()

    def diagnostics(self) -> dict[str, Any]:
        """Return the stored state, the effective quirks and where each quirk came from."""
        return {**self.as_dict(), **self._known.diagnostics()}

    @callback
    def _changed(self) -> None:
        """Persist and let the entities refresh."""
        self._link.save(self.as_dict())
        self._link.notify()

    # --- events ----------------------------------------------------------------------------

    @callback
    def _on_event(self, event: ChargerEvent) -> None:
        """React to the charger; commands go out from tasks, never from the message handler."""
        if event.type is ChargerEventType.CONNECTED:
            self._cancel_connect_timer()
            self._connect_timer = self._link.call_later(self.connect_grace_s, self._reapply_all)
        elif event.type is ChargerEventType.BOOTED:
            self._cancel_connect_timer()
            self._link.spawn(self._after_boot(), "detect quirks and re-apply limits")
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
                self._link.spawn(
                    self._settled_run(event.connector_id), "apply limit to new session"
                )
            elif event.type is ChargerEventType.TRANSACTION_ENDED and (
                ctl.intent.paused or ctl.intent.held is not None
            ):
                self._link.spawn(
                    self._end_pause(event.connector_id), "end a pause with its session"
                )

    async def _end_pause(self, connector_id: int) -> None:
        """End a pause with its session: the next one starts unpaused, at the connector's limit.

        Left on, a pause would hold the next car at 0 A (overnight, perhaps); the limit and the
        charge mode stay. A pause by RemoteStop ended the session itself: nothing to restart. At
        once, but after the charger has our answer to the stop.
        """
        await asyncio.sleep(self.settle_s)
        async with self._lock:  # not while the pause is still being written
            intent = self._control(connector_id).intent
            if intent.held is PauseMethod.REMOTE_STOP:
                intent.held = None
            intent.paused = False
        await self._quiet_run(connector_id, immediate=True)

    async def _quiet_run(self, connector_id: int, *, immediate: bool = False) -> None:
        """Reconcile on our own initiative: failures are logged and shown, not raised."""
        async with self._lock:
            try:
                await self._run(connector_id, immediate=immediate)
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

    async def _detect(self) -> None:
        """Find out the charger's quirks (after each boot: its firmware may have changed)."""
        try:
            commands = self._link.commands()
        except ChargerOfflineError:
            return
        await detect_quirks(self._known, commands, self._link.charger.info.firmware_version)
        self._changed()

    async def _reapply_all(self, _now: datetime | None = None) -> None:
        """After a (re)connect or boot: the charger may have lost our profiles.

        What it reports it still has, unchanged, is not written again.
        """
        self._connect_timer = None
        self._station.lost()
        async with self._lock:
            kept = await self._still_installed()
            if (0, ProfilePurpose.STATION_MAX) in kept:
                self._station.kept()
            await self._station.put_back(self._station_phases())
            for connector_id, ctl in self._controls.items():
                ctl.sent.clear()
                plan, _ = self._plan(connector_id, ctl)
                tx = self._writer.transaction(connector_id)
                for number, purpose in kept:
                    if number == connector_id and plan is not None:
                        tx_id = tx.transaction_id if purpose is ProfilePurpose.TX and tx else None
                        ctl.sent[purpose] = plan.key(tx_id)
        for connector_id in list(self._controls):
            await self._quiet_run(connector_id)

    async def _still_installed(self) -> set[tuple[int, ProfilePurpose]]:
        """Our profiles the charger still has, as we would write them now (written before)."""
        try:
            commands = self._link.commands()
        except ChargerOfflineError:
            return set()
        connectors = {
            number: (ctl, self._plan(number, ctl)[0]) for number, ctl in self._controls.items()
        }
        expected = expected_profiles(
            self._writer,
            connectors,
            station=(self._station.value, self._station_phases()),
            tx_profile=self.quirks.tx_profile,
        )
        return await still_installed(self.charger_id, commands, expected)

    @callback
    def async_config_changed(self) -> None:
        """Re-apply after the homeowner changed the charger's options (limits may clamp differently)."""
        if self._link.charger.connected and self._controls:
            self._link.spawn(self._reapply_changed(), "re-apply limits after reconfigure")

    async def _reapply_changed(self) -> None:
        for connector_id in list(self._controls):
            await self._quiet_run(connector_id)

    # --- timers ----------------------------------------------------------------------------

    def _write_due(self, connector_id: int) -> None:
        """Send the latest intent: the minimum write interval ended."""
        if (ctl := self._controls.get(connector_id)) is not None:
            ctl.due = None
        self._link.spawn(self._quiet_run(connector_id), "write limit after interval")

    def _arm_expiry(self, connector_id: int) -> None:
        """Forget a limit with a duration, or a schedule, when it ends (the charger drops it too)."""
        intent = self._control(connector_id).intent
        end = intent.schedule_valid_to if intent.schedule else intent.expires_at
        self._expiry.arm(connector_id, end)

    def _expired(self, connector_id: int) -> None:
        ctl = self._control(connector_id)
        ctl.intent.drop_limit()
        ctl.forget_profiles(keep_intent=True)
        ctl.reason = LimitReason.PAUSED if ctl.intent.paused else LimitReason.NO_LIMIT
        self._changed()

    def _cancel_connect_timer(self) -> None:
        if self._connect_timer is not None:
            self._connect_timer()
            self._connect_timer = None

    @callback
    def async_shutdown(self) -> None:
        """Stop timers and listening (unload, or the charger was removed); safe to repeat."""
        self._cancel_connect_timer()
        self._write_timers.cancel_all()
        self._expiry.cancel_all()
        self._unsub_events()
        self._unsub_events = lambda: None


_FAILURE_REASONS: dict[type[CommandError], LimitReason] = {
    ChargerOfflineError: LimitReason.CHARGER_OFFLINE,
    ChargerDisconnectedError: LimitReason.CHARGER_OFFLINE,
    ChargerTimeoutError: LimitReason.NO_ANSWER,
}

__all__ = ["Intent", "LimitReason", "LimitState", "NoTransactionError", "SmartCharging"]
