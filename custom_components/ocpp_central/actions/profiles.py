"""Charging profiles an automation manages: set one, clear by criteria, read them back.

Through the charger's smart-charging engine (charging/manage.py), so that its own profiles (ids in
a reserved range) and the homeowner's never collide, and clearing without criteria clears only
the engine's own.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util

from ..charging.manage import ClearRequest, ReservedProfileIdError, check_user_profile
from ..csms.commands import (
    ChargingProfile,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    SchedulePeriod,
)
from .target import ChargerTarget, require, validation_error


def _purpose(call: ServiceCall) -> ProfilePurpose | None:
    value = call.data.get("purpose")
    return ProfilePurpose(value) if value is not None else None


def _transaction_id(target: ChargerTarget, connector_id: int, given: str | None) -> int | str:
    """Return the session a TxProfile is bound to: as given, else the connector's running one."""
    if given is not None:
        return given
    connector = target.coordinator.charger.connectors.get(connector_id)
    if connector is None or connector.transaction is None:
        raise validation_error(
            "no_transaction",
            charger=target.name,
            action=target.action("SetChargingProfile"),
            detail="",
        )
    return connector.transaction.transaction_id


def profile_from_call(target: ChargerTarget, call: ServiceCall) -> ChargingProfile:
    """Build the homeowner's profile from the call; ServiceValidationError when it cannot be."""
    data = call.data
    purpose = ProfilePurpose(data["purpose"])
    connector_id = 0 if purpose is ProfilePurpose.STATION_MAX else target.connector(call)
    kind = ProfileKind(data["kind"])
    start = dt_util.as_utc(data["start"]) if "start" in data else None
    if kind is ProfileKind.RECURRING and (start is None or "recurrency" not in data):
        raise validation_error("profile_recurring", charger=target.name)
    periods = sorted(data["periods"], key=lambda period: int(period["start"]))
    if int(periods[0]["start"]) != 0 or len({int(p["start"]) for p in periods}) != len(periods):
        raise validation_error("profile_periods", charger=target.name)
    valid_from = dt_util.as_utc(data["valid_from"]) if "valid_from" in data else None
    valid_to = dt_util.as_utc(data["valid_to"]) if "valid_to" in data else None
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise validation_error(
            "schedule_valid_to", valid_to=valid_to.isoformat(), start=valid_from.isoformat()
        )
    tx_id = None
    if purpose is ProfilePurpose.TX:
        tx_id = _transaction_id(target, connector_id, data.get("transaction_id"))
    profile = ChargingProfile(
        connector_id=connector_id,
        profile_id=int(data["profile_id"]),
        stack_level=int(data["stack_level"]),
        purpose=purpose,
        kind=kind,
        rate_unit=RateUnit(data["unit"]),
        periods=tuple(
            SchedulePeriod(int(p["start"]), float(p["limit"]), p.get("phases")) for p in periods
        ),
        start=start if kind is not ProfileKind.RELATIVE else None,
        duration_s=data.get("duration"),
        valid_from=valid_from,
        valid_to=valid_to,
        transaction_id=tx_id,
        recurrency=str(data["recurrency"]).capitalize() if "recurrency" in data else None,
    )
    try:
        check_user_profile(profile)
    except ReservedProfileIdError as err:
        raise validation_error(
            "profile_id_reserved",
            charger=target.name,
            profile_id=str(err.profile_id),
            first=str(err.first),
            last=str(err.last),
        ) from err
    return profile


async def async_set_charging_profile(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Install the homeowner's profile (SetChargingProfile) as given."""
    profile = profile_from_call(target, call)
    result = await target.coordinator.smart.async_set_profile(profile)
    return {"status": result.status, "profile_id": profile.profile_id}


async def async_clear_charging_profile(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Clear ours (no criteria), the profiles matching the criteria, or all (all: true)."""
    request = ClearRequest(
        connector_id=target.optional_connector(call),
        profile_id=call.data.get("profile_id"),
        purpose=_purpose(call),
        stack_level=call.data.get("stack_level"),
        everything=bool(call.data.get("all")),
    )
    result = await target.coordinator.smart.async_clear_profiles(request=request)
    require(result, target, "ClearChargingProfile", "Unknown")
    return {"status": result.status}


async def async_get_charging_profiles(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Read the charger's profiles (2.0.1), or its composite schedule for a day (1.6)."""
    result = await target.coordinator.smart.async_get_profiles(
        target.optional_connector(call),
        purpose=_purpose(call),
        stack_level=call.data.get("stack_level"),
        profile_id=call.data.get("profile_id"),
    )
    # A 1.6 charger was asked for its composite schedule instead.
    action = "GetChargingProfiles" if "profiles" in result.data else "GetCompositeSchedule"
    require(result, target, action, "NoProfiles")
    response: dict[str, Any] = {"status": result.status, **result.data}
    return response
