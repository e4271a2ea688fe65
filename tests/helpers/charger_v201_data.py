"""What the simulated 2.0.1 station knows: its device model, its answers, and 2.0.1 payload helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Variables the station reports; keys in our "Component[instance]@evse/Variable[instance]" form.
DEVICE_MODEL: dict[str, str] = {
    "OCPPCommCtrlr/HeartbeatInterval": "300",
    "SmartChargingCtrlr/ProfileStackLevel": "8",
    "SmartChargingCtrlr/RateUnit": "A,W",
    "SmartChargingCtrlr/PeriodsPerSchedule": "24",
    "SmartChargingCtrlr/Phases3to1": "false",
    "SampledDataCtrlr/TxUpdatedMeasurands": "Energy.Active.Import.Register,Power.Active.Import",
    "SampledDataCtrlr/TxUpdatedInterval": "60",
    "DeviceDataCtrlr/ItemsPerMessage[GetVariables]": "20",
    "SecurityCtrlr/BasicAuthPassword": "",
    "EVSE@1/Power": "22000",
}
READ_ONLY = {"SmartChargingCtrlr/ProfileStackLevel", "SmartChargingCtrlr/RateUnit"}
WRITE_ONLY = {"SecurityCtrlr/BasicAuthPassword"}
# Answers that carry more than a status word.
ACCEPTED: dict[str, dict[str, Any]] = {
    "GetCompositeSchedule": {
        "status": "Accepted",
        "schedule": {
            "evseId": 1,
            "duration": 3600,
            "scheduleStart": "2026-11-25T08:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        },
    },
    "GetLocalListVersion": {"versionNumber": 3},
    "GetLog": {"status": "Accepted", "filename": "diagnostics.log"},
    "DataTransfer": {"status": "Accepted", "data": "pong"},
    "UnlockConnector": {"status": "Unlocked"},
    "GetChargingProfiles": {"status": "Accepted"},
}


def address_of(item: dict[str, Any]) -> str:
    component, variable = item["component"], item["variable"]
    key = component["name"]
    if "instance" in component:
        key += f"[{component['instance']}]"
    if "evse" in component:
        key += f"@{component['evse']['id']}"
        if "connectorId" in component["evse"]:
            key += f".{component['evse']['connectorId']}"
    key += f"/{variable['name']}"
    if "instance" in variable:
        key += f"[{variable['instance']}]"
    return key


def component_variable(key: str) -> dict[str, Any]:
    component, variable = key.split("/")
    result: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    if "@" in component:
        name, evse = component.split("@")
        result["component"] = {"name": name, "evse": {"id": int(evse)}}
    if "[" in variable:
        name, instance = variable.rstrip("]").split("[")
        result["variable"] = {"name": name, "instance": instance}
    return result


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def energy_201(wh: float, context: str | None = None) -> dict[str, Any]:
    """A 2.0.1 energy register reading in Wh."""
    value: dict[str, Any] = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "unit_of_measure": {"unit": "Wh"},
    }
    if context:
        value["context"] = context
    return value


def meter_value(timestamp: str, *sampled: dict[str, Any]) -> dict[str, Any]:
    """A 2.0.1 MeterValue (snake_case, as the ocpp package takes it)."""
    return {"timestamp": timestamp, "sampled_value": list(sampled)}
