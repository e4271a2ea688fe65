"""Each connector's `Control` and how it is reconciled with the charger, under one lock.

`run` brings a connector in line with its intent: a TxDefaultProfile (and a TxProfile bound to a
running transaction) for limits and schedules, the pause ladder for pauses; why it failed, if it
did, is recorded on the connector. An external cap (another central system's limit) lowers the
maximum. The write interval and a limit's end are timers per connector.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import (
    ChargerDisconnectedError,
    ChargerOfflineError,
    ChargerTimeoutError,
    CommandError,
)
from .detect import KnownQuirks
from .limits import Control, LimitReason, LimitState, Plan, limit_state, plan_limits, round_down
from .link import ChargerLink
from .timers import ConnectorTimers
from .writer import ZERO, ProfileWriter

_FAILURE_REASONS: dict[type[CommandError], LimitReason] = {
    ChargerOfflineError: LimitReason.CHARGER_OFFLINE,
    ChargerDisconnectedError: LimitReason.CHARGER_OFFLINE,
    ChargerTimeoutError: LimitReason.NO_ANSWER,
}


class Connectors:
    """The connectors' controls, their external caps and their reconciliation."""

    def __init__(
        self,
        link: ChargerLink,
        writer: ProfileWriter,
        known: KnownQuirks,
        changed: Callable[[], None],
    ) -> None:
        """Reconcile through writer; changed persists and tells the entities."""
        self._link = link
        self._writer = writer
        self._known = known
        self._changed = changed
        self.lock = asyncio.Lock()
        self.controls: dict[int, Control] = {}
        # Another central system's limits (an upstream's profiles), A by connector (0: station).
        self._external_caps: dict[int, float] = {}
        # When a write waiting for its interval goes out; when a limit or schedule ends.
        self._write_timers = ConnectorTimers(link, self._write_due)
        self._expiry = ConnectorTimers(link, self._expired)

    def control(self, connector_id: int) -> Control:
        """Return a connector's control, made on first use."""
        if (ctl := self.controls.get(connector_id)) is None:
            ctl = self.controls[connector_id] = Control()
        return ctl

    def state(self, connector_id: int) -> LimitState:
        """Return a connector's limit, why it is what it is, and whether the charger follows it."""
        ctl = self.controls.get(connector_id) or Control()
        now = dt_util.utcnow()
        plan, _ = self.plan(connector_id, ctl)
        return limit_state(ctl, plan, now, self._writer.verified(connector_id, ctl, now))

    def station_phases(self) -> int:
        """Phases for the station maximum in watts (connector 0 is the whole charger)."""
        return self._writer.phases(0, self.controls.get(0))

    # --- reconciling a connector with its intent -------------------------------------------

    async def run(self, connector_id: int, *, immediate: bool) -> None:
        """Reconcile; record why it failed, if it did, and tell the entities (lock held)."""
        ctl = self.control(connector_id)
        try:
            await self._reconcile(connector_id, ctl, immediate=immediate)
        except CommandError as err:
            ctl.reason = _FAILURE_REASONS.get(type(err), LimitReason.REJECTED)
            ctl.detail = err.detail or None
            raise
        finally:
            self._write_timers.arm(connector_id, ctl.due)
            self._changed()

    async def quiet_run(self, connector_id: int, *, immediate: bool = False) -> None:
        """Reconcile on our own initiative: failures are logged and shown, not raised."""
        async with self.lock:
            try:
                await self.run(connector_id, immediate=immediate)
            except CommandError as err:
                LOGGER.info(
                    "Charger %s connector %s: limit not applied: %s",
                    self._link.settings.charger_id,
                    connector_id,
                    err,
                )

    async def run_all(self) -> None:
        """Reconcile every connector with a control, quietly (options or a cap changed)."""
        for connector_id in list(self.controls):
            await self.quiet_run(connector_id)

    async def _reconcile(self, connector_id: int, ctl: Control, *, immediate: bool) -> None:
        intent = ctl.intent
        plan, reason = self.plan(connector_id, ctl)
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

    def plan(self, connector_id: int, ctl: Control) -> tuple[Plan | None, LimitReason]:
        """Return the limits the intent asks for now, in amps, clamped and rounded.

        An external cap lowers the maximum; with no intent of ours it is the limit itself.
        """
        settings = self._link.settings
        quirks = self._known.effective
        cap = self.external_cap(connector_id)
        plan, reason = plan_limits(
            ctl.intent,
            dt_util.utcnow(),
            phases=self._writer.phases(connector_id, ctl),
            number_phases=self._number_phases(ctl),
            min_a=settings.min_current,
            max_a=settings.max_current if cap is None else min(settings.max_current, cap),
            quirks=quirks,
        )
        if plan is None and cap is not None:
            amps = round_down(min(settings.max_current, cap), quirks.whole_amps)
            plan = Plan(((0, amps),), phases=self._number_phases(ctl))
            reason = LimitReason.CLAMPED_TO_MAXIMUM
        return plan, reason

    def _number_phases(self, ctl: Control) -> int | None:
        """Return the numberPhases to send: the requested phases, if the charger switches phases."""
        return ctl.intent.phases if self._known.effective.phase_switching is True else None

    # --- external caps -----------------------------------------------------------------------

    def external_cap(self, connector_id: int) -> float | None:
        """Return the lowest cap another central system put on a connector or the station."""
        caps = [self._external_caps.get(number) for number in {0, connector_id}]
        return min((cap for cap in caps if cap is not None), default=None)

    def set_external_cap(self, connector_id: int, amps: float | None) -> None:
        """Cap a connector (0: every one); None lifts it. The caller re-applies."""
        if amps is None:
            self._external_caps.pop(connector_id, None)
        else:
            self._external_caps[connector_id] = max(0.0, amps)
        numbers = {n for n in self._link.charger.connectors if n > 0} | set(self.controls)
        for number in sorted(numbers if connector_id == 0 else {connector_id}):
            self.control(number)

    # --- timers ----------------------------------------------------------------------------

    def _write_due(self, connector_id: int) -> None:
        """Send the latest intent: the minimum write interval ended."""
        if (ctl := self.controls.get(connector_id)) is not None:
            ctl.due = None
        self._link.spawn(self.quiet_run(connector_id), "write limit after interval")

    def arm_expiry(self, connector_id: int) -> None:
        """Forget a limit with a duration, or a schedule, when it ends (the charger drops it too)."""
        intent = self.control(connector_id).intent
        end = intent.schedule_valid_to if intent.schedule else intent.expires_at
        self._expiry.arm(connector_id, end)

    def _expired(self, connector_id: int) -> None:
        ctl = self.control(connector_id)
        ctl.intent.drop_limit()
        ctl.forget_profiles(keep_intent=True)
        ctl.reason = LimitReason.PAUSED if ctl.intent.paused else LimitReason.NO_LIMIT
        self._changed()

    def cancel_timers(self) -> None:
        """Stop the write and expiry timers (shutdown)."""
        self._write_timers.cancel_all()
        self._expiry.cancel_all()
