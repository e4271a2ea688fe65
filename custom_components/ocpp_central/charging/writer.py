"""How the smart-charging engine talks to a charger.

Profiles down the fallback ladder, the pause ladder, clearing, and the bookkeeping of what the
charger accepted. The engine decides what to write; this writes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from homeassistant.util import dt as dt_util

from ..csms.commands import (
    ChargerCommands,
    ChargingProfile,
    CommandRejectedError,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    SchedulePeriod,
)
from ..csms.model import Transaction
from .detect import KnownQuirks
from .ladder import Shape, ladder, learned_from
from .limits import START_BACKDATE, VOLTAGE, Control, Plan, in_unit
from .link import ChargerLink, refusal
from .quirks import PAUSE_LADDER, PauseMethod

# Our profile ids: fixed, one per purpose and connector, so a new write replaces the old one.
PROFILE_IDS = {
    ProfilePurpose.TX_DEFAULT: 1000,
    ProfilePurpose.TX: 2000,
    ProfilePurpose.STATION_MAX: 3000,
}
# Every id of ours lies in this range (connectors up to 255): a profile of the homeowner's must use
# another id, so that neither overwrites nor clears the other.
RESERVED_PROFILE_IDS = range(1000, 4000)
# A timer that fires this close to the end of the interval counts as on time.
INTERVAL_SLACK_S = 0.5
# Current.Offered within this of the limit (or below it) counts as applied.
VERIFY_TOLERANCE_A = 1.0
ZERO = Plan(((0, 0.0),))


def profile_id(purpose: ProfilePurpose, connector_id: int) -> int:
    """Our fixed profile id for a purpose on a connector."""
    return PROFILE_IDS[purpose] + connector_id


def own_profile_ids(connector_ids: Iterable[int]) -> list[int]:
    """Every id we may have written on these connectors (the station maximum on 0)."""
    ids = {profile_id(ProfilePurpose.STATION_MAX, 0)}
    for number in connector_ids:
        if number > 0:
            ids.add(profile_id(ProfilePurpose.TX_DEFAULT, number))
            ids.add(profile_id(ProfilePurpose.TX, number))
    return sorted(ids)


class ProfileWriter:
    """Profile writes, pauses and what the charger accepted, for one charger.

    A write that must wait for the minimum write interval sets the connector's `due`; the engine
    arms the timer that sends it.
    """

    def __init__(self, link: ChargerLink, known: KnownQuirks) -> None:
        """Write to the link's charger, with (and learning into) its known quirks."""
        self._link = link
        self._known = known

    @property
    def _charger_id(self) -> str:
        return self._link.settings.charger_id

    async def offer(
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
        tx = self.transaction(connector_id)
        targets: list[tuple[ProfilePurpose, int | str | None]] = [(ProfilePurpose.TX_DEFAULT, None)]
        if tx is not None and self._known.effective.tx_profile:
            targets.append((ProfilePurpose.TX, tx.transaction_id))
        due: list[datetime] = []
        accepted, refused = False, None
        for purpose, tx_id in targets:
            key = plan.key(tx_id)
            if ctl.sent.get(purpose) == key:
                accepted = True
                continue
            if not immediate and (when := self._due(ctl, purpose)) is not None:
                due.append(when)
                continue
            phases = self.phases(connector_id, ctl)
            status = await self.write(
                commands, connector_id, purpose, plan, tx_id=tx_id, phases=phases
            )
            if status is None:
                accepted = True
                ctl.sent[purpose] = key
                ctl.last_write[purpose] = dt_util.utcnow()
                ctl.intent.installed = True
                self._mark_applied(connector_id, ctl, plan)
            elif purpose is ProfilePurpose.TX:
                # Rung 3 of the ladder: the TxDefaultProfile carries the limit on its own.
                ctl.sent.pop(ProfilePurpose.TX, None)
                self._known.learn(tx_profile=False)
            else:
                refused = status
        ctl.due = min(due) if due else None
        if refused is not None and not accepted and not due:
            raise CommandRejectedError(self._charger_id, "SetChargingProfile", refused)
        return bool(due)

    async def write(
        self,
        commands: ChargerCommands,
        connector_id: int,
        purpose: ProfilePurpose,
        plan: Plan,
        *,
        tx_id: int | str | None,
        phases: int,
    ) -> str | None:
        """SetChargingProfile down the fallback ladder; None when accepted, else the last refusal.

        phases converts amps to watts on the rungs that write watts.
        """
        quirks = self._known.effective
        kind = ProfileKind.ABSOLUTE if plan.is_schedule else quirks.profile_kind
        start = Shape(quirks.stack_level, kind, quirks.rate_unit)
        fixed = set(quirks.pinned)
        if plan.is_schedule:
            fixed.add("profile_kind")
        if purpose is ProfilePurpose.TX:
            fixed.add("rate_unit")
        status: str | None = "Rejected"
        for shape in ladder(start, frozenset(fixed)):
            profile = _profile(connector_id, purpose, plan, shape, tx_id=tx_id, phases=phases)
            status = await refusal(self._charger_id, commands.set_charging_profile(profile))
            if status is None:
                self._known.update(learned_from(start, shape, self._known.detected))
                return None
            if status != "Rejected":
                break
        return status

    async def halt(
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
        quirks = self._known.effective
        first = PAUSE_LADDER.index(quirks.pause_method)
        methods = (
            PAUSE_LADDER[first : first + 1]
            if "pause_method" in quirks.pinned
            else PAUSE_LADDER[first:]
        )
        refused = ""
        for method in methods:
            if method is PauseMethod.ZERO_CURRENT:
                try:
                    return await self.offer(connector_id, ctl, commands, zero, immediate)
                except CommandRejectedError as err:
                    refused = err.detail
                    continue
            if method is PauseMethod.CHANGE_AVAILABILITY:
                call = commands.change_availability(connector_id, False)
            elif (tx := self.transaction(connector_id)) is not None:
                call = commands.remote_stop(tx.transaction_id)
            else:
                return False  # Nothing runs that could be stopped.
            status = await refusal(self._charger_id, call)
            if status is None:
                ctl.intent.held = method
                self._mark_applied(connector_id, ctl, ctl.applied)
                if method is not quirks.pause_method:
                    self._known.learn(pause_method=method)
                return False
            refused = status
        raise CommandRejectedError(self._charger_id, "pause", refused)

    async def release(self, connector_id: int, ctl: Control, commands: ChargerCommands) -> None:
        """Undo a pause that is not a 0 A profile."""
        held = ctl.intent.held
        if held is PauseMethod.CHANGE_AVAILABILITY:
            action = "ChangeAvailability"
            call = commands.change_availability(connector_id, True)
        elif held is PauseMethod.REMOTE_STOP and self.transaction(connector_id) is None:
            action = "RemoteStartTransaction"
            call = commands.remote_start(connector_id, self._link.settings.remote_id_tag)
        else:
            ctl.intent.held = None
            return
        if (status := await refusal(self._charger_id, call)) is not None:
            raise CommandRejectedError(self._charger_id, action, status)
        ctl.intent.held = None

    async def clear(self, connector_id: int, ctl: Control, commands: ChargerCommands) -> None:
        """No limit any more: take our profiles off the charger."""
        purposes = [ProfilePurpose.TX_DEFAULT]
        if self.transaction(connector_id) is not None:
            purposes.append(ProfilePurpose.TX)
        for purpose in purposes:
            clear = commands.clear_charging_profile(profile_id=profile_id(purpose, connector_id))
            status = await refusal(self._charger_id, clear)
            if status not in (None, "Unknown"):
                raise CommandRejectedError(self._charger_id, "ClearChargingProfile", status)
        ctl.forget_profiles(keep_intent=True)
        ctl.due = None

    # --- what the charger does -------------------------------------------------------------

    def transaction(self, connector_id: int) -> Transaction | None:
        """Return the session running on a connector, if any."""
        connector = self._link.charger.connectors.get(connector_id)
        return connector.transaction if connector is not None else None

    def phases(self, connector_id: int, ctl: Control | None) -> int:
        """Phases for A ↔ W: as requested, else as the car draws (while charging), else three."""
        if ctl is not None and ctl.intent.phases is not None:
            return ctl.intent.phases
        connector = self._link.charger.connectors.get(connector_id)
        if connector is not None and connector.charging:
            drawing = sum(1 for amps in connector.current_a.values() if amps > 1.0)
            if drawing:
                return drawing
        return 3

    def verified(self, connector_id: int, ctl: Control, now: datetime) -> bool | None:
        """Whether the charger offers no more than the limit (after a reading since the write)."""
        connector = self._link.charger.connectors.get(connector_id)
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

    def expected(
        self, connector_id: int, purpose: ProfilePurpose, plan: Plan, phases: int
    ) -> ChargingProfile:
        """Return the profile a write of this plan would send now, in the charger's shape."""
        quirks = self._known.effective
        kind = ProfileKind.ABSOLUTE if plan.is_schedule else quirks.profile_kind
        shape = Shape(quirks.stack_level, kind, quirks.rate_unit)
        tx = self.transaction(connector_id) if purpose is ProfilePurpose.TX else None
        tx_id = tx.transaction_id if tx is not None else None
        return _profile(connector_id, purpose, plan, shape, tx_id=tx_id, phases=phases)

    def _due(self, ctl: Control, purpose: ProfilePurpose) -> datetime | None:
        """When the next write of this profile may go out; None if it may now."""
        last = ctl.last_write.get(purpose)
        interval = self._link.settings.min_write_interval
        if last is None or interval <= 0:
            return None
        due = last + timedelta(seconds=interval)
        if (due - dt_util.utcnow()).total_seconds() <= INTERVAL_SLACK_S:
            return None
        return due

    def _mark_applied(self, connector_id: int, ctl: Control, plan: Plan | None) -> None:
        connector = self._link.charger.connectors.get(connector_id)
        ctl.applied = plan
        ctl.applied_unit = self._known.effective.rate_unit if plan is not None else None
        ctl.applied_phases = self.phases(connector_id, ctl)
        ctl.meter_mark = connector.last_meter_at if connector is not None else None


def _profile(
    connector_id: int,
    purpose: ProfilePurpose,
    plan: Plan,
    shape: Shape,
    *,
    tx_id: int | str | None,
    phases: int,
) -> ChargingProfile:
    """Return the plan as a profile of this shape."""
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
