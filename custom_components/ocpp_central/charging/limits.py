"""What the smart-charging engine wants per connector, what it tells entities, and the limit arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import Any

from ..csms.commands import ProfilePurpose, RateUnit
from .quirks import PauseMethod, Quirks

# Nominal phase voltage for A ↔ W on chargers that only take power.
VOLTAGE = 230.0
# The start of an Absolute limit lies this far back, so a charger whose clock runs a little ahead of
# ours does not see a profile that has not begun yet.
START_BACKDATE = timedelta(minutes=1)
# What 1p/3p switching may ask for (numberPhases).
PHASE_CHOICES = (1, 3)


class LimitReason(StrEnum):
    """Why a connector's limit is what it is (entities show this)."""

    NO_LIMIT = "no_limit"
    USER_LIMIT = "user_limit"
    PAUSED = "paused"
    CLAMPED_TO_MINIMUM = "clamped_to_minimum"
    CLAMPED_TO_MAXIMUM = "clamped_to_maximum"
    WAITING_FOR_INTERVAL = "waiting_for_interval"
    SCHEDULE = "schedule"
    REJECTED = "rejected"
    NO_ANSWER = "no_answer"
    CHARGER_OFFLINE = "charger_offline"


@dataclass(slots=True, frozen=True)
class LimitState:
    """A connector's limit as entities show it.

    requested is what was asked, in `unit`; applied is what the charger last accepted, in
    `applied_unit` (the limit of the period in force for a schedule); verified compares it with the
    charger's Current.Offered (Power.Offered for watts): None until a reading arrives after the write.
    phases is what was asked (1 or 3), None when left to the charger.
    """

    requested: float | None
    unit: RateUnit
    target_a: float | None
    applied: float | None
    applied_unit: RateUnit | None
    paused: bool
    verified: bool | None
    reason: LimitReason
    detail: str | None = None
    pending_until: datetime | None = None
    phases: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (service responses)."""
        return {
            "requested": self.requested,
            "unit": self.unit.value,
            "target_a": self.target_a,
            "applied": self.applied,
            "applied_unit": self.applied_unit.value if self.applied_unit else None,
            "paused": self.paused,
            "verified": self.verified,
            "reason": self.reason.value,
            "detail": self.detail,
            "pending_until": _iso(self.pending_until),
            "phases": self.phases,
        }


@dataclass(slots=True)
class Intent:
    """What was asked of a connector; persisted, so it is re-applied after a restart."""

    requested: float | None = None
    unit: RateUnit = RateUnit.AMPERE
    expires_at: datetime | None = None
    schedule: tuple[tuple[datetime, float], ...] | None = None
    schedule_valid_to: datetime | None = None
    paused: bool = False
    # A pause that is not a 0 A profile and must be undone (ChangeAvailability or RemoteStop).
    held: PauseMethod | None = None
    # One of our profiles sits on the charger (so "no limit" must clear it).
    installed: bool = False
    # Phases to charge on (1 or 3, numberPhases), None: the charger decides.
    phases: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready for the store."""
        return {
            "requested": self.requested,
            "unit": self.unit.value,
            "expires_at": _iso(self.expires_at),
            "schedule": [[at.isoformat(), limit] for at, limit in self.schedule]
            if self.schedule
            else None,
            "schedule_valid_to": _iso(self.schedule_valid_to),
            "paused": self.paused,
            "held": self.held.value if self.held else None,
            "installed": self.installed,
            "phases": self.phases,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Intent:
        """Restore from the store (ValueError, TypeError or KeyError when unusable)."""
        requested = data.get("requested")
        schedule = data.get("schedule")
        return cls(
            requested=None if requested is None else float(requested),
            unit=RateUnit(data.get("unit", RateUnit.AMPERE)),
            expires_at=_time(data.get("expires_at")),
            schedule=tuple((datetime.fromisoformat(at), float(limit)) for at, limit in schedule)
            if schedule
            else None,
            schedule_valid_to=_time(data.get("schedule_valid_to")),
            paused=bool(data.get("paused", False)),
            held=PauseMethod(data["held"]) if data.get("held") else None,
            installed=bool(data.get("installed", False)),
            phases=valid_phases(data.get("phases")),
        )

    def drop_limit(self) -> None:
        """Forget the limit or schedule (it ended, or our profiles are gone); a pause stays."""
        self.requested = self.expires_at = self.phases = None
        self.schedule = self.schedule_valid_to = None


def valid_phases(value: Any) -> int | None:
    """Return 1 or 3 (or None); ValueError for anything else."""
    if value is None or (type(value) is int and value in PHASE_CHOICES):
        return value
    raise ValueError(f"Invalid number of phases {value!r}: 1 or 3")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@dataclass(slots=True, frozen=True)
class Plan:
    """Limits in amps to put on the charger as one profile.

    start None anchors a single limit one minute back (Absolute) or at the charger's own start
    (Relative); schedules carry their start and only go out as Absolute profiles. phases is the
    numberPhases of every period (None: not sent).
    """

    periods: tuple[tuple[int, float], ...]
    start: datetime | None = None
    duration_s: int | None = None
    valid_to: datetime | None = None
    phases: int | None = None

    @property
    def is_schedule(self) -> bool:
        """A plan with its own start time (Absolute only)."""
        return self.start is not None

    @property
    def halts(self) -> bool:
        """A single 0 A limit: pause semantics."""
        return not self.is_schedule and self.periods[0][1] == 0

    def amps_at(self, now: datetime) -> float:
        """Return the limit in force at `now`."""
        if self.start is None:
            return self.periods[0][1]
        elapsed = (now - self.start).total_seconds()
        current = self.periods[0][1]
        for start_s, amps in self.periods:
            if start_s <= elapsed:
                current = amps
        return current

    def key(self, tx_id: int | str | None) -> tuple[Any, ...]:
        """Return what makes two writes the same (an unchanged limit is not sent again)."""
        return (self.periods, self.start, self.duration_s, self.valid_to, self.phases, tx_id)


@dataclass(slots=True)
class Control:
    """The engine's runtime bookkeeping for one connector."""

    intent: Intent = field(default_factory=Intent)
    reason: LimitReason = LimitReason.NO_LIMIT
    detail: str | None = None
    # Per purpose: the key of the last accepted write and when it went out.
    sent: dict[ProfilePurpose, tuple[Any, ...]] = field(default_factory=dict)
    last_write: dict[ProfilePurpose, datetime] = field(default_factory=dict)
    applied: Plan | None = None
    applied_unit: RateUnit | None = None
    applied_phases: int = 3
    meter_mark: object = None
    # A changed limit waits for the minimum write interval: it goes out then.
    due: datetime | None = None

    def forget_profiles(self, *, keep_intent: bool = False) -> None:
        """Our profiles are gone from the charger (cleared or expired); the limit too, unless kept."""
        if not keep_intent:
            self.intent.drop_limit()
            if self.intent.held is None:
                self.intent.paused = False
            self.reason = LimitReason.PAUSED if self.intent.paused else LimitReason.NO_LIMIT
        self.intent.installed = False
        self.sent.clear()
        self.applied = self.applied_unit = None


def limit_state(
    ctl: Control, plan: Plan | None, now: datetime, verified: bool | None
) -> LimitState:
    """Return what entities show of a connector: its plan now and what the charger accepted."""
    intent = ctl.intent
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
        verified=verified,
        reason=ctl.reason,
        detail=ctl.detail,
        pending_until=ctl.due,
        phases=intent.phases,
    )


def round_down(amps: float, whole_amps: bool) -> float:
    """Never offer more than asked: whole amps, or 0.1 A (the 1.6 schema's multipleOf)."""
    step = 1 if whole_amps else 10
    return round(math.floor(amps * step + 1e-6) / step, 1)


def target_amps(
    value: float,
    unit: RateUnit,
    *,
    phases: int,
    min_a: float,
    max_a: float,
    whole_amps: bool,
) -> tuple[float, LimitReason]:
    """Clamp a request to [minimum, maximum].

    Below the minimum current (IEC 61851: 6 A) a car cannot charge, and offering the minimum
    would exceed the caller's budget (a solar surplus, a fuse), so the connector gets 0 A: it
    pauses, and its session stays open (reason clamped_to_minimum).
    """
    amps = value if unit is RateUnit.AMPERE else value / (VOLTAGE * phases)
    if amps > max_a:
        return round_down(max_a, whole_amps), LimitReason.CLAMPED_TO_MAXIMUM
    if amps <= 0:
        return 0.0, LimitReason.USER_LIMIT
    if amps < min_a:
        return 0.0, LimitReason.CLAMPED_TO_MINIMUM
    return round_down(amps, whole_amps), LimitReason.USER_LIMIT


def in_unit(amps: float, unit: RateUnit, phases: int) -> float:
    """Convert a limit in amps to what the charger takes (whole watts for power)."""
    if unit is RateUnit.AMPERE:
        return amps
    return float(math.floor(amps * VOLTAGE * phases))


def plan_limits(
    intent: Intent,
    now: datetime,
    *,
    phases: int,
    number_phases: int | None,
    min_a: float,
    max_a: float,
    quirks: Quirks,
) -> tuple[Plan | None, LimitReason]:
    """Return the limits the intent asks for at `now`, in amps, clamped and rounded.

    phases converts watts; number_phases goes out with the plan (None: left to the charger).
    """

    def amps(value: float) -> tuple[float, LimitReason]:
        return target_amps(
            value,
            intent.unit,
            phases=phases,
            min_a=min_a,
            max_a=max_a,
            whole_amps=quirks.whole_amps,
        )

    if intent.schedule and intent.schedule_valid_to and intent.schedule_valid_to > now:
        start = intent.schedule[0][0]
        kept = intent.schedule[: quirks.max_periods]
        valid_to = intent.schedule_valid_to
        if len(intent.schedule) > len(kept):
            valid_to = min(valid_to, intent.schedule[len(kept)][0])
        periods = tuple((int((at - start).total_seconds()), amps(limit)[0]) for at, limit in kept)
        plan = Plan(periods, start=start, valid_to=valid_to, phases=number_phases)
        return plan, LimitReason.SCHEDULE
    if intent.requested is not None and (intent.expires_at is None or intent.expires_at > now):
        value, reason = amps(intent.requested)
        return Plan(((0, value),), valid_to=intent.expires_at, phases=number_phases), reason
    return None, LimitReason.NO_LIMIT
