"""Shared by the service tests: a booted charger, calling a service, and the direct-command cases."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Context, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.scripted_charger import ConnectScripted, ScriptedCharger


async def booted(
    hass: HomeAssistant, connect: ConnectScripted, charger_id: str = "CP1", connectors: int = 1
) -> ScriptedCharger:
    """Connect, boot and report the station and its connectors Available."""
    cp = await connect(charger_id)
    await cp.boot()
    for connector_id in range(connectors + 1):
        await cp.status(connector_id, "Available")
    await hass.async_block_till_done()
    return cp


def device_of(entry: MockConfigEntry, charger_id: str = "CP1") -> str:
    """The device id of a charger."""
    return str(entry.runtime_data.coordinators[charger_id].device_id)


async def act(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    *,
    response: bool = False,
    context: Context | None = None,
) -> Any:
    """Call one of our services, blocking."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response, context=context
    )


# (service, extra data, OCPP action, payload the charger receives, response, supports response)
DIRECT: list[tuple[str, dict[str, Any], str, dict[str, Any], Any]] = [
    (
        "get_composite_schedule",
        {"duration": 600, "unit": "w"},
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"},
        {
            "connector_id": 1,
            "schedule_start": "2026-11-25T08:00:00Z",
            "duration_s": None,
            "rate_unit": "A",
            "min_rate": None,
            "periods": [{"start_s": 0, "limit": 16.0}],
        },
    ),
    (
        "get_configuration",
        {"keys": ["HeartbeatInterval"]},
        "GetConfiguration",
        {"key": ["HeartbeatInterval"]},
        None,  # its own test
    ),
    (
        "set_configuration",
        {"key": "HeartbeatInterval", "value": 60},
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "60"},
        {"status": "Accepted"},
    ),
    (
        "trigger_message",
        {"message": "MeterValues", "connector_id": 1},
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": 1},
        None,
    ),
    ("reset", {}, "Reset", {"type": "Soft"}, None),
    ("reset", {"type": "hard"}, "Reset", {"type": "Hard"}, None),
    ("unlock_connector", {}, "UnlockConnector", {"connectorId": 1}, None),
    (
        "change_availability",
        {"operative": False},
        "ChangeAvailability",
        {"connectorId": 0, "type": "Inoperative"},
        {"status": "Accepted"},
    ),
    (
        "change_availability",
        {"operative": True, "connector_id": 1},
        "ChangeAvailability",
        {"connectorId": 1, "type": "Operative"},
        {"status": "Accepted"},
    ),
    (
        "data_transfer",
        {"vendor_id": "com.acme", "message_id": "ping", "data": "x"},
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "ping", "data": "x"},
        {"status": "Accepted", "data": "pong"},
    ),
    ("clear_cache", {}, "ClearCache", {}, None),
    (
        "update_firmware",
        {
            "location": "https://fw.example/2.bin",
            "retrieve_date": "2026-11-25T10:00:00+01:00",
            "retries": 2,
            "retry_interval": 30,
        },
        "UpdateFirmware",
        {
            "location": "https://fw.example/2.bin",
            "retrieveDate": "2026-11-25T09:00:00Z",
            "retries": 2,
            "retryInterval": 30,
        },
        None,
    ),
    (
        "get_diagnostics",
        {"location": "ftp://logs.example/in"},
        "GetDiagnostics",
        {"location": "ftp://logs.example/in"},
        {"file_name": "diag.tar.gz"},
    ),
    ("get_local_list_version", {}, "GetLocalListVersion", {}, {"list_version": 3}),
    (
        "reserve_now",
        {"id_tag": "TAG-0001", "expiry": "2026-11-25T12:00:00Z", "reservation_id": 5},
        "ReserveNow",
        {
            "connectorId": 1,
            "expiryDate": "2026-11-25T12:00:00Z",
            "idTag": "TAG-0001",
            "reservationId": 5,
        },
        {"reservation_id": 5},
    ),
    (
        "cancel_reservation",
        {"reservation_id": 5},
        "CancelReservation",
        {"reservationId": 5},
        None,
    ),
]
DIRECT_IDS = [f"{s}-{n}" for n, (s, *_) in enumerate(DIRECT)]


MINIMAL: dict[str, dict[str, Any]] = {
    "set_current_limit": {"limit": 10},
    "set_charging_schedule": {"periods": [{"start": "2099-01-01T00:00:00Z", "limit": 6}]},
    "set_configuration": {"key": "K", "value": "V"},
    "set_charging_profile": {
        "profile_id": 7,
        "purpose": "tx_default",
        "periods": [{"start": 0, "limit": 16}],
    },
    "trigger_message": {"message": "Heartbeat"},
    "change_availability": {"operative": True},
    "data_transfer": {"vendor_id": "v"},
    "update_firmware": {"location": "https://x.example/f"},
    "get_diagnostics": {"location": "https://x.example/d"},
    "reserve_now": {"id_tag": "T", "expiry": "2099-01-01T00:00:00Z"},
    "cancel_reservation": {"reservation_id": 1},
    "delete_certificate": {
        "hash_algorithm": "SHA256",
        "issuer_name_hash": "aa",
        "issuer_key_hash": "bb",
        "serial_number": "01",
    },
}


def profile_summary(payload: dict[str, Any]) -> dict[str, Any]:
    """What matters of a SetChargingProfile: everything but the start time."""
    profile = payload["csChargingProfiles"]
    schedule = profile["chargingSchedule"]
    return {
        "connectorId": payload["connectorId"],
        "chargingProfileId": profile["chargingProfileId"],
        "stackLevel": profile["stackLevel"],
        "chargingProfilePurpose": profile["chargingProfilePurpose"],
        "chargingProfileKind": profile["chargingProfileKind"],
        "chargingRateUnit": schedule["chargingRateUnit"],
        "limits": [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]],
        "transactionId": profile.get("transactionId"),
        "duration": schedule.get("duration"),
        "validTo": profile.get("validTo"),
    }


async def start_session(hass: HomeAssistant, cp: ScriptedCharger, connector_id: int = 1) -> int:
    """The charger starts a session; return its transaction id."""
    tx = await cp.start_transaction(connector_id, "TAG-0001", 0, "2026-11-25T08:00:00Z")
    await hass.async_block_till_done()
    return tx
