"""What becomes of a request the upstream sends: passed to the charger, answered by us, or refused.

Rules that always hold, whatever the homeowner chose: nothing that would cut Home Assistant off the
charger reaches it (its central system URL, security profile, AuthorizationKey / BasicAuthPassword,
its identity, network profiles, certificates). Charging profiles never reach the charger: kept, they
cap our own limits (the lower one wins); refused, they are Rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .config import Policy, UpstreamConfig

# Actions the upstream may never have passed on, whatever the policy.
ALWAYS_REFUSED = frozenset(
    {
        "SetNetworkProfile",
        "CertificateSigned",
        "InstallCertificate",
        "DeleteCertificate",
    }
)
# Parts of a configuration key or variable name that mark it as cutting us off when changed.
_PROTECTED_WORDS = (
    "url",
    "securityprofile",
    "authorizationkey",
    "password",
    "networkconfiguration",
    "networkprofile",
    "identity",
    "centralsystem",
    "csms",
    "backend",
    "server",
)
PROFILE_ACTIONS = frozenset(
    {"SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule", "GetChargingProfiles"}
)
# Answers without a status word: what we say when answering them ourselves.
_LOCAL_ANSWERS: dict[str, dict[str, Any]] = {
    "GetConfiguration": {"configurationKey": [], "unknownKey": []},
    "GetLocalListVersion": {"listVersion": -1},
    "GetDiagnostics": {},
    "UpdateFirmware": {},
    "UnlockConnector": {"status": "Unlocked"},
}
_WITHOUT_STATUS = frozenset(
    {"GetConfiguration", "GetLocalListVersion", "GetDiagnostics", "UpdateFirmware"}
)


def protected_name(name: Any) -> bool:
    """Whether changing this configuration key or variable could cut Home Assistant off."""
    if not isinstance(name, str):
        return False
    folded = "".join(char for char in name.casefold() if char.isalnum())
    return any(word in folded for word in _PROTECTED_WORDS)


def _changes_protected(action: str, payload: dict[str, Any]) -> bool:
    if action == "ChangeConfiguration":
        return protected_name(payload.get("key"))
    if action == "SetVariables":
        for item in payload.get("setVariableData") or []:
            if not isinstance(item, dict):
                continue
            component = (item.get("component") or {}).get("name")
            variable = (item.get("variable") or {}).get("name")
            if protected_name(variable) or component == "SecurityCtrlr":
                return True
    return False


@dataclass(slots=True, frozen=True)
class Decision:
    """Pass the request to the charger (answer None), or answer it (payload or CALLERROR code)."""

    policy: Policy
    answer: dict[str, Any] | None = None
    error: str | None = None


def local_answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Return what we answer ourselves, the charger untouched: as if it accepted."""
    if action == "GetVariables":
        return {
            "getVariableResult": [
                {
                    "attributeStatus": "UnknownVariable",
                    "component": item.get("component", {}),
                    "variable": item.get("variable", {}),
                }
                for item in payload.get("getVariableData") or []
                if isinstance(item, dict)
            ]
        }
    if action == "GetConfiguration":
        return {"configurationKey": [], "unknownKey": list(payload.get("key") or [])}
    return dict(_LOCAL_ANSWERS.get(action, {"status": "Accepted"}))


def refusal(action: str, payload: dict[str, Any]) -> Decision:
    """Refuse: Rejected where the answer has a status word, a SecurityError CALLERROR otherwise."""
    if action == "SetVariables":
        results = [
            {
                "attributeStatus": "Rejected",
                "component": item.get("component", {}),
                "variable": item.get("variable", {}),
            }
            for item in payload.get("setVariableData") or []
            if isinstance(item, dict)
        ]
        return Decision(Policy.REFUSE, {"setVariableResult": results})
    if action in _WITHOUT_STATUS or action == "GetVariables":
        return Decision(Policy.REFUSE, error="SecurityError")
    return Decision(Policy.REFUSE, {"status": "Rejected"})


def decide(config: UpstreamConfig, action: str, payload: dict[str, Any]) -> Decision:
    """Decide on one upstream request (charging profiles are the link's: see PROFILE_ACTIONS)."""
    if action in ALWAYS_REFUSED or _changes_protected(action, payload):
        return refusal(action, payload)
    policy = config.policy(action)
    if policy is Policy.ALLOW:
        return Decision(Policy.ALLOW)
    if policy is Policy.LOCAL:
        return Decision(Policy.LOCAL, local_answer(action, payload))
    return refusal(action, payload)


def _schedule(action_payload: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    """Return the connector (1.6) or EVSE (2.0.1) and the first charging schedule of a profile."""
    if "csChargingProfiles" in action_payload:  # 1.6
        profile = action_payload.get("csChargingProfiles") or {}
        number = action_payload.get("connectorId", 0)
        schedule = profile.get("chargingSchedule")
    else:  # 2.0.1
        profile = action_payload.get("chargingProfile") or {}
        number = action_payload.get("evseId", 0)
        schedules = profile.get("chargingSchedule") or []
        schedule = schedules[0] if isinstance(schedules, list) and schedules else None
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        number = 0
    return number, schedule if isinstance(schedule, dict) else None


def profile_id(action_payload: dict[str, Any]) -> Any:
    """Return the chargingProfileId (1.6) or id (2.0.1) of a SetChargingProfile."""
    profile = (
        action_payload.get("csChargingProfiles") or action_payload.get("chargingProfile") or {}
    )
    return profile.get("chargingProfileId", profile.get("id"))


def profile_cap(
    action_payload: dict[str, Any], now: datetime | None = None, voltage: float = 230.0
) -> tuple[int, float] | None:
    """Return the connector and the limit per phase in A in force now under an upstream profile.

    Watts are taken at `voltage` on the period's phases (three when not told). None: no limit read.
    """
    number, schedule = _schedule(action_payload)
    if schedule is None:
        return None
    now = now or datetime.now(UTC)
    start = now
    if isinstance(told := schedule.get("startSchedule"), str):
        try:
            start = datetime.fromisoformat(told.replace("Z", "+00:00"))
        except ValueError:
            start = now
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
    elapsed = (now - start).total_seconds()
    periods = [
        period
        for period in schedule.get("chargingSchedulePeriod") or []
        if isinstance(period, dict)
        and isinstance(period.get("startPeriod"), int | float)
        and isinstance(period.get("limit"), int | float)
    ]
    periods.sort(key=lambda period: period["startPeriod"])
    in_force = [period for period in periods if period["startPeriod"] <= max(elapsed, 0)]
    chosen = in_force[-1] if in_force else (periods[0] if periods else None)
    if chosen is None:
        return None
    limit = float(chosen["limit"])
    if schedule.get("chargingRateUnit") == "W":
        told_phases = chosen.get("numberPhases")
        phases = told_phases if told_phases in (1, 2, 3) else 3
        limit = limit / (voltage * phases)
    return number, max(limit, 0.0)
