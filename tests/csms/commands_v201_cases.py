"""The OCPP 2.0.1 commands under test: how each is called, what the station must receive, the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from unittest.mock import ANY

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

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
CENTRAL_TAG = {"idToken": "TAG-1", "type": "Central"}


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


TX_PROFILE = profile(
    connector_id=2,
    profile_id=9,
    purpose=ProfilePurpose.TX,
    transaction_id="TX-0001",
    rate_unit=RateUnit.WATT,
    periods=(SchedulePeriod(0, 7360.04, 3), SchedulePeriod(600, 1380, 1)),
    duration_s=1200,
    valid_to=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
)

type Command = Callable[[Any], Awaitable[Any]]

# (command, action, payload the station must receive, result for "Accepted"; None: not compared)
COMMANDS: list[tuple[Command, str, dict[str, Any], Any]] = [
    (
        lambda s: s.set_charging_profile(profile()),
        "SetChargingProfile",
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 7,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "chargingSchedule": [
                    {
                        "id": 7,
                        "chargingRateUnit": "A",
                        "startSchedule": "2026-11-25T08:00:00Z",
                        "duration": ABSOLUTE_DURATION_S,
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                    }
                ],
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.set_charging_profile(TX_PROFILE),
        "SetChargingProfile",
        {
            "evseId": 2,
            "chargingProfile": {
                "id": 9,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "transactionId": "TX-0001",
                "validTo": "2026-11-25T09:00:00Z",
                "chargingSchedule": [
                    {
                        "id": 9,
                        "chargingRateUnit": "W",
                        "startSchedule": "2026-11-25T08:00:00Z",
                        "duration": 1200,
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 7360.0, "numberPhases": 3},
                            {"startPeriod": 600, "limit": 1380.0, "numberPhases": 1},
                        ],
                    }
                ],
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.set_charging_profile(
            profile(
                connector_id=0,
                profile_id=1,
                stack_level=0,
                purpose=ProfilePurpose.STATION_MAX,
                kind=ProfileKind.RELATIVE,
                periods=(SchedulePeriod(0, 32),),
            )
        ),
        "SetChargingProfile",
        {
            "evseId": 0,
            "chargingProfile": {
                "id": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "ChargingStationMaxProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0}],
                    }
                ],
            },
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.clear_charging_profile(profile_id=7),
        "ClearChargingProfile",
        {"chargingProfileId": 7},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.clear_charging_profile(
            connector_id=1, purpose=ProfilePurpose.TX_DEFAULT, stack_level=3
        ),
        "ClearChargingProfile",
        {
            "chargingProfileCriteria": {
                "evseId": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": 3,
            }
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_composite_schedule(1, 3600, RateUnit.AMPERE),
        "GetCompositeSchedule",
        {"duration": 3600, "evseId": 1, "chargingRateUnit": "A"},
        CommandResult(
            "Accepted",
            {
                "connector_id": 1,
                "schedule_start": "2026-11-25T08:00:00Z",
                "duration_s": 3600,
                "rate_unit": "A",
                "min_rate": None,
                "periods": [{"start_s": 0, "limit": 16.0}],
            },
        ),
    ),
    (
        lambda s: s.remote_start(
            1, "TAG-1", profile(purpose=ProfilePurpose.TX, transaction_id="T")
        ),
        "RequestStartTransaction",
        {
            "idToken": CENTRAL_TAG,
            "remoteStartId": ANY,
            "evseId": 1,
            "chargingProfile": {
                "id": 7,
                "stackLevel": 3,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-11-25T08:00:00Z",
                "chargingSchedule": [
                    {
                        "id": 7,
                        "chargingRateUnit": "A",
                        "startSchedule": "2026-11-25T08:00:00Z",
                        "duration": ABSOLUTE_DURATION_S,
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
                    }
                ],
            },
        },
        CommandResult("Accepted", {"remote_start_id": ANY}),
    ),
    (
        lambda s: s.remote_start(None, "TAG-1"),
        "RequestStartTransaction",
        {"idToken": CENTRAL_TAG, "remoteStartId": ANY},
        CommandResult("Accepted", {"remote_start_id": ANY}),
    ),
    (
        lambda s: s.remote_stop("TX-0001"),
        "RequestStopTransaction",
        {"transactionId": "TX-0001"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.change_availability(0, False),
        "ChangeAvailability",
        {"operationalStatus": "Inoperative"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.change_availability(1, True),
        "ChangeAvailability",
        {"operationalStatus": "Operative", "evse": {"id": 1}},
        CommandResult("Accepted"),
    ),
    (lambda s: s.reset(True), "Reset", {"type": "Immediate"}, CommandResult("Accepted")),
    (lambda s: s.reset(False), "Reset", {"type": "OnIdle"}, CommandResult("Accepted")),
    (
        lambda s: s.unlock_connector(1),
        "UnlockConnector",
        {"evseId": 1, "connectorId": 1},
        CommandResult("Unlocked"),
    ),
    (
        lambda s: s.trigger_message("StatusNotification", 1),
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.trigger_message("DiagnosticsStatusNotification"),
        "TriggerMessage",
        {"requestedMessage": "LogStatusNotification"},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.trigger_message("MeterValues", 2),
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "evse": {"id": 2}},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.change_configuration("HeartbeatInterval", "120"),
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "120",
                }
            ]
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.set_basic_auth_password("0123456789abcdef0123"),
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                    "attributeValue": "0123456789abcdef0123",
                }
            ]
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_configuration(["GetConfigurationMaxKeys", "EVSE@1/Power"]),
        "GetVariables",
        {
            "getVariableData": [
                {
                    "component": {"name": "DeviceDataCtrlr"},
                    "variable": {"name": "ItemsPerMessage", "instance": "GetVariables"},
                },
                {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}},
            ]
        },
        None,
    ),
    (
        lambda s: s.data_transfer("com.acme", "ping", "x"),
        "DataTransfer",
        {"vendorId": "com.acme", "messageId": "ping", "data": "x"},
        CommandResult("Accepted", {"data": "pong"}),
    ),
    (lambda s: s.clear_cache(), "ClearCache", {}, CommandResult("Accepted")),
    (
        lambda s: s.update_firmware("https://example.com/fw.bin", START, 3, 60),
        "UpdateFirmware",
        {
            "requestId": ANY,
            "firmware": {
                "location": "https://example.com/fw.bin",
                "retrieveDateTime": "2026-11-25T08:00:00Z",
            },
            "retries": 3,
            "retryInterval": 60,
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_diagnostics("ftp://example.com/logs/"),
        "GetLog",
        {
            "log": {"remoteLocation": "ftp://example.com/logs/"},
            "logType": "DiagnosticsLog",
            "requestId": ANY,
        },
        CommandResult("Accepted", {"file_name": "diagnostics.log"}),
    ),
    (
        lambda s: s.send_local_list(
            4, [LocalListEntry("TAG-1"), LocalListEntry("OLD", "Blocked")], full=False
        ),
        "SendLocalList",
        {
            "versionNumber": 4,
            "updateType": "Differential",
            "localAuthorizationList": [
                {"idToken": CENTRAL_TAG, "idTokenInfo": {"status": "Accepted"}},
                {
                    "idToken": {"idToken": "OLD", "type": "Central"},
                    "idTokenInfo": {"status": "Blocked"},
                },
            ],
        },
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.send_local_list(5, []),
        "SendLocalList",
        {"versionNumber": 5, "updateType": "Full"},
        CommandResult("Accepted"),
    ),
    (lambda s: s.get_local_list_version(), "GetLocalListVersion", {}, 3),
    (
        lambda s: s.reserve_now(1, START, "TAG-1", 5),
        "ReserveNow",
        {"id": 5, "expiryDateTime": "2026-11-25T08:00:00Z", "idToken": CENTRAL_TAG, "evseId": 1},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.cancel_reservation(5),
        "CancelReservation",
        {"reservationId": 5},
        CommandResult("Accepted"),
    ),
    (
        lambda s: s.get_base_report(),
        "GetBaseReport",
        {"requestId": ANY, "reportBase": "FullInventory"},
        None,
    ),
]
IDS = [f"{n:02d}-{action}" for n, (_, action, _, _) in enumerate(COMMANDS)]
# The commands whose answer is a status word a refusal replaces.
STATUS_COMMANDS = [
    case
    for case in COMMANDS
    if case[1]
    not in {
        "GetVariables",
        "GetLocalListVersion",
        "GetBaseReport",
        "GetCompositeSchedule",
        "SetVariables",
    }
]
STATUS_IDS = [f"{n:02d}-{case[1]}" for n, case in enumerate(STATUS_COMMANDS)]
