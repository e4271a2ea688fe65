"""Charging profiles as every OCPP version sends them: times, limits, the schedule and its validity.

Each version wraps these fields (snake_case) in its own shape, with its own names for purposes and
transaction ids: 1.6 sends one chargingSchedule, 2.0.1 a list of schedules with ids. Everything here
is schema-valid by construction: limits are multiples of 0.1 (the 1.6 schemas' multipleOf, checked
with Decimal by the library), times are UTC with whole seconds and a Z.

An Absolute profile always carries `validFrom` (its start, unless given) and a schedule `duration`
(until its validTo, else ABSOLUTE_DURATION): optional in both versions, but conformance cases
require them and some chargers misbehave without.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..commands import ChargingProfile, ProfileKind, ProfilePurpose

_KIND = {
    ProfileKind.ABSOLUTE: "Absolute",
    ProfileKind.RELATIVE: "Relative",
    ProfileKind.RECURRING: "Recurring",
}
# An Absolute schedule without a given start begins a minute ago: a charger whose clock runs a
# little behind ours must not see it as lying in the future.
_ABSOLUTE_START_MARGIN = timedelta(minutes=1)
# How long an Absolute schedule without an end lasts on the charger: a year (the engine writes it
# again long before, at each boot or change).
ABSOLUTE_DURATION_S = 366 * 86400


def absolute_start(profile: ChargingProfile) -> datetime:
    """Return when an Absolute schedule starts: as given, else a minute ago, in whole seconds."""
    start = profile.start or datetime.now(UTC) - _ABSOLUTE_START_MARGIN
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.replace(microsecond=0)


def absolute_duration(profile: ChargingProfile, start: datetime) -> int:
    """Return an Absolute schedule's duration: as given, else until validTo, else a year."""
    if profile.duration_s is not None:
        return int(profile.duration_s)
    if profile.valid_to is not None:
        valid_to = profile.valid_to
        if valid_to.tzinfo is None:
            valid_to = valid_to.replace(tzinfo=UTC)
        return max(1, round((valid_to - start).total_seconds()))
    return ABSOLUTE_DURATION_S


def ocpp_time(value: datetime) -> str:
    """Return a time the way OCPP wants it: UTC, whole seconds, with a Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ocpp_limit(value: float) -> float:
    """Return a limit as a multiple of 0.1 (1.6 schemas); round() keeps the float's repr exact."""
    return round(float(value), 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def schedule_fields(profile: ChargingProfile) -> dict[str, Any]:
    """Return the schedule: rate unit, periods, duration and, for an Absolute one, its start."""
    periods: list[dict[str, Any]] = []
    for period in profile.periods:
        entry: dict[str, Any] = {
            "start_period": int(period.start_s),
            "limit": ocpp_limit(period.limit),
        }
        if period.number_phases is not None:
            entry["number_phases"] = int(period.number_phases)
        periods.append(entry)
    schedule: dict[str, Any] = {
        "charging_rate_unit": profile.rate_unit.value,
        "charging_schedule_period": periods,
    }
    if profile.kind is ProfileKind.ABSOLUTE:
        start = absolute_start(profile)
        schedule["duration"] = absolute_duration(profile, start)
        schedule["start_schedule"] = ocpp_time(start)
    else:
        if profile.duration_s is not None:
            schedule["duration"] = int(profile.duration_s)
        if profile.kind is ProfileKind.RECURRING and profile.start is not None:
            schedule["start_schedule"] = ocpp_time(profile.start)
    return schedule


def profile_fields(
    profile: ChargingProfile,
    *,
    purpose: str,
    transaction_id: Callable[[int | str], int | str],
    with_transaction: bool,
) -> dict[str, Any]:
    """Return the profile around its schedule: stack level, purpose, kind, transaction, validity.

    Only a TxProfile is bound to its transaction (transaction_id names it in the version's terms),
    and not when it comes with the RemoteStart that opens the transaction (with_transaction False).
    """
    fields: dict[str, Any] = {
        "stack_level": int(profile.stack_level),
        "charging_profile_purpose": purpose,
        "charging_profile_kind": _KIND[profile.kind],
    }
    if profile.kind is ProfileKind.RECURRING and profile.recurrency is not None:
        fields["recurrency_kind"] = profile.recurrency
    if (
        with_transaction
        and profile.purpose is ProfilePurpose.TX
        and profile.transaction_id is not None
    ):
        fields["transaction_id"] = transaction_id(profile.transaction_id)
    if profile.valid_from is not None:
        fields["valid_from"] = ocpp_time(profile.valid_from)
    elif profile.kind is ProfileKind.ABSOLUTE:
        fields["valid_from"] = ocpp_time(absolute_start(profile))
    if profile.valid_to is not None:
        fields["valid_to"] = ocpp_time(profile.valid_to)
    return fields
