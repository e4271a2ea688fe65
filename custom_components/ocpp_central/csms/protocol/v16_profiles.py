"""OCPP 1.6 payload mapping: version-neutral profiles and times to 1.6 JSON, 1.6 answers back.

Everything here is schema-valid by construction: limits are multiples of 0.1 (the 1.6 schemas'
multipleOf, checked with Decimal by the library), times are UTC with whole seconds and a Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ocpp.v16.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
)

from ..commands import ChargingProfile, ProfileKind, ProfilePurpose, RateUnit

PURPOSE: dict[ProfilePurpose, ChargingProfilePurposeType] = {
    ProfilePurpose.STATION_MAX: ChargingProfilePurposeType.charge_point_max_profile,
    ProfilePurpose.TX_DEFAULT: ChargingProfilePurposeType.tx_default_profile,
    ProfilePurpose.TX: ChargingProfilePurposeType.tx_profile,
}
_KIND: dict[ProfileKind, ChargingProfileKindType] = {
    ProfileKind.ABSOLUTE: ChargingProfileKindType.absolute,
    ProfileKind.RELATIVE: ChargingProfileKindType.relative,
}
UNIT: dict[RateUnit, ChargingRateUnitType] = {
    RateUnit.AMPERE: ChargingRateUnitType.amps,
    RateUnit.WATT: ChargingRateUnitType.watts,
}
# An Absolute schedule without a given start begins a minute ago: a charger whose clock runs a
# little behind ours must not see it as lying in the future.
_ABSOLUTE_START_MARGIN = timedelta(minutes=1)


def ocpp_time(value: datetime) -> str:
    """Return a time the way OCPP 1.6 wants it: UTC, whole seconds, with a Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ocpp_limit(value: float) -> float:
    """Return a limit as a multiple of 0.1 (1.6 schemas); round() keeps the float's repr exact."""
    return round(float(value), 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def tx_id(transaction_id: int | str) -> int:
    """1.6 transaction ids are integers (we hand them out); a digit string is accepted too."""
    if isinstance(transaction_id, int) and not isinstance(transaction_id, bool):
        return transaction_id
    if isinstance(transaction_id, str) and transaction_id.strip().lstrip("-").isdigit():
        return int(transaction_id)
    raise ValueError(f"{transaction_id!r} is not an OCPP 1.6 transaction id")


def charging_profile_16(
    profile: ChargingProfile, *, with_transaction: bool = True
) -> dict[str, Any]:
    """Map a version-neutral profile to a 1.6 csChargingProfiles object (camelCase)."""
    period_list: list[dict[str, Any]] = []
    for period in profile.periods:
        entry: dict[str, Any] = {
            "startPeriod": int(period.start_s),
            "limit": ocpp_limit(period.limit),
        }
        if period.number_phases is not None:
            entry["numberPhases"] = int(period.number_phases)
        period_list.append(entry)
    schedule: dict[str, Any] = {"chargingRateUnit": UNIT[profile.rate_unit].value}
    if profile.duration_s is not None:
        schedule["duration"] = int(profile.duration_s)
    start = profile.start
    if start is None and profile.kind is ProfileKind.ABSOLUTE:
        start = datetime.now(UTC) - _ABSOLUTE_START_MARGIN
    if start is not None and profile.kind is ProfileKind.ABSOLUTE:
        schedule["startSchedule"] = ocpp_time(start)
    schedule["chargingSchedulePeriod"] = period_list
    result: dict[str, Any] = {
        "chargingProfileId": int(profile.profile_id),
        "stackLevel": int(profile.stack_level),
        "chargingProfilePurpose": PURPOSE[profile.purpose].value,
        "chargingProfileKind": _KIND[profile.kind].value,
        "chargingSchedule": schedule,
    }
    if (
        with_transaction
        and profile.purpose is ProfilePurpose.TX
        and profile.transaction_id is not None
    ):
        result["transactionId"] = tx_id(profile.transaction_id)
    if profile.valid_from is not None:
        result["validFrom"] = ocpp_time(profile.valid_from)
    if profile.valid_to is not None:
        result["validTo"] = ocpp_time(profile.valid_to)
    return result


def _number(value: Any) -> float | None:
    """Return a number from an answer as float (1.6 limits arrive as Decimal after validation)."""
    ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    return float(value) if ok else None


def schedule_data(answer: Any) -> dict[str, Any]:
    """Version-neutral, JSON-ready composite schedule from a 1.6 GetCompositeSchedule answer."""
    schedule = answer.charging_schedule if isinstance(answer.charging_schedule, dict) else {}
    periods: list[dict[str, Any]] = []
    for raw in schedule.get("charging_schedule_period") or []:
        period: dict[str, Any] = {
            "start_s": raw.get("start_period"),
            "limit": _number(raw.get("limit")),
        }
        if raw.get("number_phases") is not None:
            period["number_phases"] = raw["number_phases"]
        periods.append(period)
    return {
        "connector_id": answer.connector_id,
        "schedule_start": answer.schedule_start or schedule.get("start_schedule"),
        "duration_s": schedule.get("duration"),
        "rate_unit": schedule.get("charging_rate_unit"),
        "min_rate": _number(schedule.get("min_charging_rate")),
        "periods": periods,
    }
