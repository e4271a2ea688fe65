"""OCPP 1.6 payload mapping: version-neutral profiles to 1.6 JSON, 1.6 answers back.

The profile's fields are those of every version (profiles.py), in 1.6's shape: one chargingSchedule,
integer transaction ids. Payloads are schema-valid by construction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from ocpp.charge_point import snake_to_camel_case
from ocpp.v16.enums import ChargingProfilePurposeType, ChargingRateUnitType

from ..commands import ChargingProfile, ProfilePurpose, RateUnit
from .profiles import profile_fields, schedule_fields

PURPOSE: dict[ProfilePurpose, ChargingProfilePurposeType] = {
    ProfilePurpose.STATION_MAX: ChargingProfilePurposeType.charge_point_max_profile,
    ProfilePurpose.TX_DEFAULT: ChargingProfilePurposeType.tx_default_profile,
    ProfilePurpose.TX: ChargingProfilePurposeType.tx_profile,
}
UNIT: dict[RateUnit, ChargingRateUnitType] = {
    RateUnit.AMPERE: ChargingRateUnitType.amps,
    RateUnit.WATT: ChargingRateUnitType.watts,
}


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
    fields = profile_fields(
        profile,
        purpose=PURPOSE[profile.purpose].value,
        transaction_id=tx_id,
        with_transaction=with_transaction,
    )
    profile_16 = {
        "charging_profile_id": int(profile.profile_id),
        **fields,
        "charging_schedule": schedule_fields(profile),
    }
    return cast("dict[str, Any]", snake_to_camel_case(profile_16))


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
