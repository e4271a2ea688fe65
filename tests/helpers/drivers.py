"""One charger interface for every OCPP version, so that behaviour tests can run over 1.6 and 2.0.1.

A driver is a scripted charger (ScriptedCharger for 1.6, Charger201 for 2.0.1): it records the calls
it receives and answers them as scripted (`script`, `calls`, `received`, `wait_for_call`), and it
plays the charger's side of a session in version-neutral steps:

    await cp.boot()                                   # -> answer with .status
    await cp.heartbeat()
    await cp.status(connector_id, "Available")        # 1.6 status words, see STATUS_201
    tx = await cp.start_transaction(connector_id, id_tag, meter_start_wh, timestamp)
    await cp.status(connector_id, "Charging")         # 2.0.1: Occupied + chargingState
    await cp.meter_values(connector_id, all_measurands())   # 1.6-shaped readings
    await cp.stop_transaction(tx, meter_stop_wh, timestamp, id_tag=None)
    await cp.authorize(id_tag)                        # -> "Accepted" / "Invalid"

Transaction ids are ours (int) on 1.6 and the charger's (str, "TX-0001") on 2.0.1. Use the
`connect_charger` fixture and parametrize `charger_version` (tests/conftest.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from tests.helpers.sim_charger import all_measurands

# 1.6 status → (2.0.1 connector status, charging state of the running session or None).
STATUS_201: dict[str, tuple[str, str | None]] = {
    "Available": ("Available", None),
    "Preparing": ("Occupied", None),
    "Charging": ("Occupied", "Charging"),
    "SuspendedEV": ("Occupied", "SuspendedEV"),
    "SuspendedEVSE": ("Occupied", "SuspendedEVSE"),
    "Finishing": ("Occupied", None),
    "Reserved": ("Reserved", None),
    "Unavailable": ("Unavailable", None),
    "Faulted": ("Faulted", None),
}


def sampled_201(sampled: dict[str, Any]) -> dict[str, Any]:
    """A 1.6 sampledValue (camelCase, value a string) as a 2.0.1 one (snake_case, for the ocpp package)."""
    result: dict[str, Any] = {"value": float(sampled["value"])}
    for key in ("measurand", "phase", "location", "context"):
        if key in sampled:
            result[key] = sampled[key]
    if "unit" in sampled:
        result["unit_of_measure"] = {"unit": sampled["unit"]}
    return result


async def start_charging(cp: Any, connector_id: int = 1, measurands: Any = None) -> int | str:
    """Boot, heartbeat, plug in, start a session, charge and send every measurand (any version)."""
    await cp.boot()
    await cp.heartbeat()
    if cp.version == "1.6":
        await cp.status(0, "Available")
    await cp.status(connector_id, "Preparing")
    tx = await cp.start_transaction(connector_id, "TAG-0001", 10000, "2026-11-25T08:00:00Z")
    await cp.status(connector_id, "Charging")
    await cp.meter_values(connector_id, measurands or all_measurands())
    return tx


# --- helpers of the tests that run over versions (tests/test_parity_*.py) ------------------

# What the smart-charging engine reads after a boot (its quirk detection), per version.
DETECTION_CALL = {"1.6": "GetConfiguration", "2.0.1": "GetVariables", "2.1": "GetVariables"}
# Profile purposes 2.0.1 renamed.
_PURPOSE_201 = {"ChargePointMaxProfile": "ChargingStationMaxProfile"}


async def booted_driver(hass: Any, cp: Any, *, detection: bool = True) -> Any:
    """Boot a driver, let the engine read its quirks, report it Available; forget those calls."""
    await cp.boot()
    if detection:
        await cp.wait_for_call(DETECTION_CALL[cp.version])
    if cp.version == "1.6":
        await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=detection)
    cp.calls.clear()
    return cp


async def run_session(hass: Any, cp: Any, connector_id: int = 1) -> int | str:
    """The charger starts a session (a tag was presented) and reports Charging."""
    tx = await cp.start_transaction(connector_id, "TAG-0001", 10000, "2026-11-25T08:00:00Z")
    await cp.status(connector_id, "Charging")
    await hass.async_block_till_done()
    return tx


def absolute_duration_s(start: str, valid_to: str | None) -> int:
    """An Absolute schedule's duration as the central system sends it."""
    if valid_to is None:
        return ABSOLUTE_DURATION_S
    ends = datetime.fromisoformat(valid_to.replace("Z", "+00:00"))
    return round((ends - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds())


def profile_for(
    version: str,
    purpose: str,
    periods: list[tuple[int, float]],
    *,
    connector_id: int = 1,
    profile_id: int | None = None,
    stack_level: int = 8,
    transaction_id: int | str | None = None,
    start: str | None = "2026-11-25T07:59:00Z",
    unit: str = "A",
    valid_to: str | None = None,
) -> dict[str, Any]:
    """SetChargingProfile exactly as a charger of `version` must receive it (1.6 purpose names)."""
    ids = {"TxDefaultProfile": 1000, "TxProfile": 2000, "ChargePointMaxProfile": 3000}
    pid = profile_id if profile_id is not None else ids[purpose] + connector_id
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": limit} for s, limit in periods],
    }
    profile: dict[str, Any] = {"stackLevel": stack_level, "chargingProfileKind": "Absolute"}
    if start is not None:
        # Absolute: always validFrom (its start) and a duration (to validTo, else a year).
        schedule["startSchedule"] = start
        schedule["duration"] = absolute_duration_s(start, valid_to)
        profile["validFrom"] = start
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    if valid_to is not None:
        profile["validTo"] = valid_to
    if version == "1.6":
        profile |= {"chargingProfileId": pid, "chargingProfilePurpose": purpose}
        return {
            "connectorId": connector_id,
            "csChargingProfiles": profile | {"chargingSchedule": schedule},
        }
    # 2.0.1: a list of schedules with ids (ours: the profile's), the charger's string transaction id.
    profile |= {"id": pid, "chargingProfilePurpose": _PURPOSE_201.get(purpose, purpose)}
    return {
        "evseId": connector_id,
        "chargingProfile": profile | {"chargingSchedule": [{"id": pid, **schedule}]},
    }


def profile_meaning(payload: dict[str, Any]) -> dict[str, Any]:
    """What a SetChargingProfile of either version means: the same for the same intent."""
    if "csChargingProfiles" in payload:
        connector, profile = payload["connectorId"], payload["csChargingProfiles"]
        schedule, pid = profile["chargingSchedule"], profile["chargingProfileId"]
    else:
        connector, profile = payload["evseId"], payload["chargingProfile"]
        (schedule,) = profile["chargingSchedule"]
        pid = profile["id"]
    purpose = profile["chargingProfilePurpose"]
    return {
        "connector": connector,
        "id": pid,
        "purpose": {v: k for k, v in _PURPOSE_201.items()}.get(purpose, purpose),
        "unit": schedule["chargingRateUnit"],
        "periods": [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]],
        "transaction_id": profile.get("transactionId"),
    }
