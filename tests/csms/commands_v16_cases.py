"""The OCPP 1.6 commands under test: how each is called, what the charger must receive, the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from custom_components.ocpp_central.csms.commands import (
    ChargingProfile,
    CommandResult,
    LocalListEntry,
    ProfileKind,
    ProfilePurpose,
    RateUnit,
    SchedulePeriod,
)
from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from custom_components.ocpp_central.csms.protocol.v16 import Ocpp16Adapter

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def profile(**changes: Any) -> ChargingProfile:
    """A TxDefault profile of one 16 A period, starting at START."""
    values: dict[str, Any] = {
        "connector_id": 1,
        "profile_id": 7,
        "stack_level": 3,
        "purpose": ProfilePurpose.TX_DEFAULT,
        "kind": ProfileKind.ABSOLUTE,
        "rate_unit": RateUnit.AMPERE,
        "periods": (SchedulePeriod(0, 16),),
        "start": START,
    } | changes
    return ChargingProfile(**values)


# (command, action, payload the charger must receive, result for "Accepted")
COMMANDS: list[tuple[Callable[[Ocpp16Adapter], Awaitable[Any]], str, dict[str, Any], Any]] = [
    (
        lambda s: s.set_charging_profile(profile()),
        "SetChargingProfile",
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 7,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "startSchedule": "2026-11-25T08:00:00Z",
                    "duration": ABSOLUTE_DURATION_S,
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                },
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.set_charging_profile(
            profile(
                connector_id=2,
                purpose=ProfilePurpose.TX,
                transaction_id=77,
                rate_unit=RateUnit.WATT,
                periods=(SchedulePeriod(0, 7360.04, 3), SchedulePeriod(600, 1380, 1)),
                duration_s=1200,
                valid_to=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
            )
        ),
        "SetChargingProfile",
        {
            "connectorId": 2,
            "csChargingProfiles": {
                "chargingProfileId": 7,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "chargingSchedule": {
                    "chargingRateUnit": "W",
                    "duration": 1200,
                    "startSchedule": "2026-11-25T08:00:00Z",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 7360.0, "numberPhases": 3},
                        {"startPeriod": 600, "limit": 1380.0, "numberPhases": 1},
                    ],
                },
                "transactionId": 77,
                "validTo": "2026-11-25T09:00:00Z",
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.clear_charging_profile(
            profile_id=7, connector_id=1, purpose=ProfilePurpose.TX_DEFAULT, stack_level=3
        ),
        "ClearChargingProfile",
        {"id": 7, "connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 3},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.clear_charging_profile(),
        "ClearChargingProfile",
        {},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_composite_schedule(1, 3600, RateUnit.WATT),
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"},
        CommandResult(
            "Accepted",
            {
                "connector_id": 1,
                "schedule_start": "2026-11-25T08:00:00Z",
                "duration_s": None,
                "rate_unit": "A",
                "min_rate": None,
                "periods": [{"start_s": 0, "limit": 16.0}],
            },
        ),
    ),
    (
        lambda s: s.remote_start(1, "TAG-0001"),
        "RemoteStartTransaction",
        {"idTag": "TAG-0001", "connectorId": 1},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.remote_start(None, "TAG-0001", profile(purpose=ProfilePurpose.TX)),
        "RemoteStartTransaction",
        {
            "idTag": "TAG-0001",
            "chargingProfile": {
                "chargingProfileId": 7,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "startSchedule": "2026-11-25T08:00:00Z",
                    "duration": ABSOLUTE_DURATION_S,
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                },
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.remote_stop(41),
        "RemoteStopTransaction",
        {"transactionId": 41},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.remote_stop("42"),
        "RemoteStopTransaction",
        {"transactionId": 42},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.change_availability(0, False),
        "ChangeAvailability",
        {"connectorId": 0, "type": "Inoperative"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.change_availability(2, True),
        "ChangeAvailability",
        {"connectorId": 2, "type": "Operative"},
        CommandResult("Accepted"),
    ),
    (lambda s: s.reset(True), "Reset", {"type": "Hard"}, CommandResult("Accepted")),
    (lambda s: s.reset(False), "Reset", {"type": "Soft"}, CommandResult("Accepted")),
    (
        lambda s: s.unlock_connector(1),
        "UnlockConnector",
        {"connectorId": 1},
        CommandResult("Unlocked"),
    ),
    (
        lambda s: s.trigger_message("MeterValues", 1),
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": 1},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.trigger_message("StatusNotification"),
        "TriggerMessage",
        {"requestedMessage": "StatusNotification"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_configuration(["HeartbeatInterval", "Nope"]),
        "GetConfiguration",
        {"key": ["HeartbeatInterval", "Nope"]},
        None,  # checked in its own test
    ),
    (lambda s: s.get_configuration(), "GetConfiguration", {}, None),
    (
        lambda s: s.change_configuration("HeartbeatInterval", "60"),
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "60"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.data_transfer("com.acme", "ping", "x"),
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "ping", "data": "x"},
        CommandResult("Accepted", {"data": "pong"}),
    ),
    (lambda s: s.clear_cache(), "ClearCache", {}, CommandResult("Accepted")),
    (
        lambda s: s.update_firmware(
            "https://fw.example/v2.bin", datetime(2026, 11, 25, 9, 30, 15, 500, tzinfo=UTC), 3, 60
        ),
        "UpdateFirmware",
        {
            "location": "https://fw.example/v2.bin",
            "retrieveDate": "2026-11-25T09:30:15Z",
            "retries": 3,
            "retryInterval": 60,
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_diagnostics("ftp://logs.example/up"),
        "GetDiagnostics",
        {"location": "ftp://logs.example/up"},
        CommandResult("Accepted", {"file_name": "diag.tar.gz"}),
    ),
    (
        lambda s: s.send_local_list(4, [LocalListEntry("A"), LocalListEntry("B", "Blocked")]),
        "SendLocalList",
        {
            "listVersion": 4,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "A", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
            ],
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.send_local_list(5, [], full=False),
        "SendLocalList",
        {"listVersion": 5, "updateType": "Differential", "localAuthorizationList": []},
        CommandResult("Accepted"),
    ),
    (lambda s: s.get_local_list_version(), "GetLocalListVersion", {}, 3),
    (
        lambda s: s.reserve_now(1, datetime(2026, 11, 25, 10, 0, tzinfo=UTC), "TAG-0001", 9),
        "ReserveNow",
        {
            "connectorId": 1,
            "expiryDate": "2026-11-25T10:00:00Z",
            "idTag": "TAG-0001",
            "reservationId": 9,
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.cancel_reservation(9),
        "CancelReservation",
        {"reservationId": 9},
        CommandResult("Accepted"),
    ),
]
IDS = [f"{action}-{n}" for n, (_, action, _, _) in enumerate(COMMANDS)]
# Commands whose answer is a status word.
STATUS_COMMANDS = [c for c in COMMANDS if isinstance(c[3], CommandResult)]
STATUS_IDS = [f"{action}-{n}" for n, (_, action, _, _) in enumerate(STATUS_COMMANDS)]
