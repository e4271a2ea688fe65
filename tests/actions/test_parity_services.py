"""Service parity: every charger command service is obeyed alike by 1.6 and 2.0.1 chargers.

Each case names what the charger of each version must receive (its exact payload) and the one
response the service gives for both. 1.6 configuration keys are 2.0.1 device-model variables
(protocol/v201_variables.py), connectors are EVSEs, id tags are id tokens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.services import SERVICES
from tests.helpers.drivers import booted_driver, profile_for, profile_meaning, run_session
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER
from tests.helpers.subentries import charger_subentry, id_tag_subentry
from tests.helpers.waiting import TIMED_OUT, timeout_for, wait_for

type Connect = Callable[..., Awaitable[Any]]
type Sent = dict[str, tuple[str, dict[str, Any]]]

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
pytestmark = pytest.mark.usefixtures("quiet_setup")


@pytest.fixture
def subentries() -> list[Any]:
    """CP1 and two managed id tags."""
    return [
        charger_subentry("CP1"),
        id_tag_subentry("TAG-0001", "Anna"),
        id_tag_subentry("TAG-0002"),
    ]


@pytest.fixture
async def cp(hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect) -> Any:
    """CP1 of the version under test, booted and Available."""
    return await booted_driver(hass, await connect_charger("CP1"), detection=False)


async def act(
    hass: HomeAssistant, central: MockConfigEntry, service: str, data: dict[str, Any]
) -> Any:
    """Call the service on CP1's device, with a response where it gives one."""
    device = {"device_id": central.runtime_data.coordinators["CP1"].device_id}
    return await hass.services.async_call(
        DOMAIN,
        service,
        device | data,
        blocking=True,
        return_response=SERVICES[service][1].value != "none",
    )


def variable(component: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": name}, **extra}


def token(id_tag: str) -> dict[str, str]:
    """A tag the charger never showed us: a token of the central system's own."""
    return {"idToken": id_tag, "type": "Central"}


def both(action: str, payload: dict[str, Any]) -> Sent:
    """The same action and payload on both versions."""
    return {"1.6": (action, payload), "2.0.1": (action, payload)}


# The same composite schedule in each version's answer.
SCHEDULE = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}
COMPOSITE = {
    "1.6": {"status": "Accepted", "connectorId": 1, "scheduleStart": "2026-11-25T08:00:00Z", "chargingSchedule": {"duration": 3600, **SCHEDULE}},
    "2.0.1": {"status": "Accepted", "schedule": {"evseId": 1, "duration": 3600, "scheduleStart": "2026-11-25T08:00:00Z", **SCHEDULE}},
}  # fmt: skip
FW = "https://fw.example/2.bin"
LOG = "ftp://logs.example/in"
HEARTBEAT = variable("OCPPCommCtrlr", "HeartbeatInterval")

# (service, data, per version: (OCPP action, exact payload), the service's response, the same for both)
# fmt: off
DIRECT: list[tuple[str, dict[str, Any], Sent, Any]] = [
    ("get_configuration", {"keys": ["HeartbeatInterval"]},
     {"1.6": ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
      "2.0.1": ("GetVariables", {"getVariableData": [HEARTBEAT]})},
     {"configuration": [{"key": "HeartbeatInterval", "value": "300", "readonly": False}], "unknown_keys": []}),
    ("set_configuration", {"key": "HeartbeatInterval", "value": 60},
     {"1.6": ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}),
      "2.0.1": ("SetVariables", {"setVariableData": [HEARTBEAT | {"attributeValue": "60"}]})},
     {"status": "Accepted"}),
    # 1.6 Soft / Hard are 2.0.1 OnIdle (after running sessions) / Immediate.
    ("reset", {}, {"1.6": ("Reset", {"type": "Soft"}), "2.0.1": ("Reset", {"type": "OnIdle"})}, None),
    ("reset", {"type": "hard"}, {"1.6": ("Reset", {"type": "Hard"}), "2.0.1": ("Reset", {"type": "Immediate"})}, None),
    ("unlock_connector", {},
     {"1.6": ("UnlockConnector", {"connectorId": 1}),
      "2.0.1": ("UnlockConnector", {"evseId": 1, "connectorId": 1})}, None),
    # No EVSE in 2.0.1: the whole station (1.6 connector 0).
    ("change_availability", {"operative": False},
     {"1.6": ("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}),
      "2.0.1": ("ChangeAvailability", {"operationalStatus": "Inoperative"})},
     {"status": "Accepted"}),
    ("change_availability", {"operative": True, "connector_id": 1},
     {"1.6": ("ChangeAvailability", {"connectorId": 1, "type": "Operative"}),
      "2.0.1": ("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 1}})},
     {"status": "Accepted"}),
    ("trigger_message", {"message": "MeterValues", "connector_id": 1},
     {"1.6": ("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}),
      "2.0.1": ("TriggerMessage", {"requestedMessage": "MeterValues", "evse": {"id": 1}})}, None),
    ("trigger_message", {"message": "StatusNotification", "connector_id": 1},
     {"1.6": ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}),
      "2.0.1": ("TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}})}, None),
    ("data_transfer", {"vendor_id": "com.acme", "message_id": "ping", "data": "x"},
     both("DataTransfer", {"vendorId": "com.acme", "messageId": "ping", "data": "x"}),
     {"status": "Accepted", "data": "pong"}),
    ("clear_cache", {}, both("ClearCache", {}), None),
    ("get_composite_schedule", {"duration": 600, "unit": "w"},
     {"1.6": ("GetCompositeSchedule", {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}),
      "2.0.1": ("GetCompositeSchedule", {"evseId": 1, "duration": 600, "chargingRateUnit": "W"})},
     {"connector_id": 1, "schedule_start": "2026-11-25T08:00:00Z", "duration_s": 3600, "rate_unit": "A",
      "min_rate": None, "periods": [{"start_s": 0, "limit": 16.0}]}),
    # 2.0.1: a request id to match the status notifications by.
    ("update_firmware", {"location": FW, "retrieve_date": "2026-11-25T10:00:00+01:00", "retries": 2},
     {"1.6": ("UpdateFirmware", {"location": FW, "retrieveDate": "2026-11-25T09:00:00Z", "retries": 2}),
      "2.0.1": ("UpdateFirmware", {"requestId": 1, "retries": 2,
                                   "firmware": {"location": FW, "retrieveDateTime": "2026-11-25T09:00:00Z"}})},
     None),
    ("get_diagnostics", {"location": LOG},
     {"1.6": ("GetDiagnostics", {"location": LOG}),
      "2.0.1": ("GetLog", {"requestId": 1, "logType": "DiagnosticsLog", "log": {"remoteLocation": LOG}})},
     {"file_name": "diag.tar.gz"}),
    ("get_local_list_version", {}, both("GetLocalListVersion", {}), {"list_version": 3}),
    ("reserve_now", {"id_tag": "TAG-0001", "expiry": "2026-11-25T13:00:00+01:00", "reservation_id": 5},
     {"1.6": ("ReserveNow", {"connectorId": 1, "expiryDate": "2026-11-25T12:00:00Z", "idTag": "TAG-0001", "reservationId": 5}),
      "2.0.1": ("ReserveNow", {"id": 5, "evseId": 1, "expiryDateTime": "2026-11-25T12:00:00Z", "idToken": token("TAG-0001")})},
     {"reservation_id": 5}),
    ("cancel_reservation", {"reservation_id": 5}, both("CancelReservation", {"reservationId": 5}), None),
]
# fmt: on
DIRECT_IDS = [f"{service}-{n}" for n, (service, *_) in enumerate(DIRECT)]


@VERSIONS
@pytest.mark.parametrize(("service", "data", "sent", "response"), DIRECT, ids=DIRECT_IDS)
async def test_direct_service(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: Any,
    service: str,
    data: dict[str, Any],
    sent: Sent,
    response: Any,
) -> None:
    """The charger receives exactly its version's payload; the service answers the same."""
    cp.script.answers["GetCompositeSchedule"] = COMPOSITE[cp.version]
    cp.script.answers["GetLog"] = {"status": "Accepted", "filename": "diag.tar.gz"}
    if cp.version == "1.6":  # the 2.0.1 station answers from its device model
        configuration = [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        cp.script.answers["GetConfiguration"] = {"configurationKey": configuration}
    result = await act(hass, central, service, data)
    assert [(c.action, c.payload) for c in cp.calls] == [sent[cp.version]]
    assert result == response


# A refusal in each version's words: (1.6 answer, 2.0.1 answer, the detail of the error).
REFUSALS: dict[str, tuple[Any, Any, str]] = {
    "GetCompositeSchedule": ({"status": "Rejected"}, {"status": "Rejected"}, "Rejected"),
    "ChangeConfiguration": (
        "Rejected",
        {
            "setVariableResult": [
                variable("OCPPCommCtrlr", "HeartbeatInterval", attributeStatus="Rejected")
            ]
        },
        "Rejected",
    ),
    "Reset": ("Rejected", "Rejected", "Rejected"),
    "UnlockConnector": ("UnlockFailed", "UnlockFailed", "UnlockFailed"),
    "UpdateFirmware": (None, "Rejected", "Rejected"),  # a 1.6 charger cannot refuse it
    "GetDiagnostics": (None, {"status": "Rejected"}, "Rejected"),
    "ChangeAvailability": ("Rejected", "Rejected", "Rejected"),
    "TriggerMessage": ("NotImplemented", "NotImplemented", "NotImplemented"),
    "DataTransfer": ("UnknownVendorId", "UnknownVendorId", "UnknownVendorId"),
    "ClearCache": ("Rejected", "Rejected", "Rejected"),
    "ReserveNow": ("Occupied", "Occupied", "Occupied"),
    "CancelReservation": ("Rejected", "Rejected", "Rejected"),
}


# Each command refused (where it can be), failed with a CALLERROR, or left unanswered.
FAILURES = [
    pytest.param(service, data, sent, way, id=f"{name}-{way}")
    for (service, data, sent, _), name in zip(DIRECT, DIRECT_IDS, strict=True)
    for way in ("refused", "callerror", "no_answer")
    if way != "refused" or sent["1.6"][0] in REFUSALS
]


@VERSIONS
@pytest.mark.parametrize(("service", "data", "sent", "way"), FAILURES)
async def test_direct_service_failures(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: Any,
    service: str,
    data: dict[str, Any],
    sent: Sent,
    way: str,
) -> None:
    """Refused, CALLERROR or silence: the same translated error on both versions.

    Each names the OCPP action the charger refused or failed, in its version's words (SetVariables
    on 2.0.1 where 1.6 says ChangeConfiguration, say).
    """
    action16, action = sent["1.6"][0], sent[cp.version][0]
    if way == "refused":
        answer16, answer201, detail = REFUSALS[action16]
        if (answer16 if cp.version == "1.6" else answer201) is None:
            pytest.skip(f"{action16} has no refusal in 1.6")
        cp.script.answers[action] = answer16 if cp.version == "1.6" else answer201
        expected = ("command_rejected", action, detail)
    else:
        cp.script.answers[action] = CALLERROR if way == "callerror" else NO_ANSWER
        expected = {
            "callerror": ("charger_call_error", action, "NotSupported: scripted error"),
            "no_answer": ("charger_timeout", action, TIMED_OUT),
        }[way]
    with timeout_for(cp.script.answers[action], cp), pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, central, service, data)
    error = excinfo.value
    assert not isinstance(error, ServiceValidationError)
    placeholders = error.translation_placeholders
    assert (error.translation_key, placeholders["action"], placeholders["detail"]) == expected
    assert placeholders["charger"] == "Charger CP1"


# Services whose OCPP action 2.0.1 renamed: (service, data, the action per version, 2.0.1 refusal).
RENAMED: list[tuple[str, dict[str, Any], dict[str, str], Any]] = [
    ("start_charging", {},
     {"1.6": "RemoteStartTransaction", "2.0.1": "RequestStartTransaction"}, "Rejected"),
    ("stop_charging", {},
     {"1.6": "RemoteStopTransaction", "2.0.1": "RequestStopTransaction"}, "Rejected"),
    ("set_configuration", {"key": "HeartbeatInterval", "value": 60},
     {"1.6": "ChangeConfiguration", "2.0.1": "SetVariables"}, REFUSALS["ChangeConfiguration"][1]),
]  # fmt: skip


@VERSIONS
@pytest.mark.parametrize(
    ("service", "data", "actions", "refusal201"), RENAMED, ids=[r[0] for r in RENAMED]
)
async def test_refusal_names_the_version_action(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: Any,
    service: str,
    data: dict[str, Any],
    actions: dict[str, str],
    refusal201: Any,
) -> None:
    """A refusal names the action the charger was sent, in its version's words, message and all."""
    action = actions[cp.version]
    if service == "stop_charging":
        await run_session(hass, cp)
    cp.script.answers[action] = "Rejected" if cp.version == "1.6" else refusal201
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, central, service, data)
    assert [c.action for c in cp.calls] == [action]
    error = excinfo.value
    assert error.translation_key == "command_rejected"
    assert error.translation_placeholders == {
        "charger": "Charger CP1",
        "action": action,
        "detail": "Rejected",
    }
    assert str(error) == f"Charger CP1 refused {action}: Rejected"


@VERSIONS
async def test_stop_without_session_names_the_version_action(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any
) -> None:
    """No session to stop: nothing is sent, and the error names the version's stop action."""
    action = {"1.6": "RemoteStopTransaction", "2.0.1": "RequestStopTransaction"}[cp.version]
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, central, "stop_charging", {})
    assert cp.calls == []
    assert excinfo.value.translation_key == "no_transaction"
    assert str(excinfo.value) == f"Charger CP1 has no session running, so {action} was not sent"


@VERSIONS
async def test_get_configuration_unknown_and_all(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any
) -> None:
    """A key the charger lacks is unknown on both; without keys the whole configuration comes.

    The full list is in each version's own names: 1.6 keys, 2.0.1 Component/Variable keys.
    """
    if cp.version == "1.6":
        cp.script.answers["GetConfiguration"] = {"unknownKey": ["Nope"]}
    response = await act(hass, central, "get_configuration", {"keys": ["Nope"]})
    assert response == {"configuration": [], "unknown_keys": ["Nope"]}
    # 2.0.1 cannot address a name without a component: nothing is asked.
    assert cp.received({"1.6": "GetConfiguration", "2.0.1": "GetVariables"}[cp.version]) == (
        [{"key": ["Nope"]}] if cp.version == "1.6" else []
    )

    cp.script.answers.pop("GetConfiguration", None)
    response = await act(hass, central, "get_configuration", {})
    heartbeat = {"1.6": "HeartbeatInterval", "2.0.1": "OCPPCommCtrlr/HeartbeatInterval"}[cp.version]
    assert {"key": heartbeat, "value": "300", "readonly": False} in response["configuration"]
    assert response["unknown_keys"] == []
    if cp.version == "2.0.1":  # a GetBaseReport answered in NotifyReport pages
        assert cp.received("GetBaseReport")[0]["reportBase"] == "ConfigurationInventory"


@VERSIONS
async def test_send_local_list(hass: HomeAssistant, central: MockConfigEntry, cp: Any) -> None:
    """The managed id tags as a Full list, one version above the charger's; the same response."""
    response = await act(hass, central, "send_local_list", {})
    assert response == {
        "list_version": 4,
        "update_type": "Full",
        "id_tags": ["TAG-0001", "TAG-0002"],
        "removed": [],
    }
    tags = ("TAG-0001", "TAG-0002")
    expected = {
        "1.6": {
            "listVersion": 4,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": t, "idTagInfo": {"status": "Accepted"}} for t in tags
            ],
        },
        "2.0.1": {
            "versionNumber": 4,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idToken": token(t), "idTokenInfo": {"status": "Accepted"}} for t in tags
            ],
        },
    }
    assert [c.action for c in cp.calls] == ["GetLocalListVersion", "SendLocalList"]
    assert cp.received("SendLocalList") == [expected[cp.version]]


@VERSIONS
async def test_set_charging_schedule(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any, freezer: FrozenDateTimeFactory
) -> None:
    """One multi-period Absolute TxDefaultProfile from the first start, with validTo."""
    freezer.move_to("2026-11-25T08:00:00+00:00")
    periods = [
        {"start": "2099-01-01T02:00:00+01:00", "limit": 8},
        {"start": "2099-01-01T00:00:00Z", "limit": 16},
        {"start": "2099-01-01T01:30:00Z", "limit": 6.04},
    ]
    response = await act(
        hass,
        central,
        "set_charging_schedule",
        {"periods": periods, "valid_to": "2099-01-01T03:00:00Z"},
    )
    sent = cp.received("SetChargingProfile")
    limits = [(0, 16.0), (3600, 8.0), (5400, 6.0)]
    assert sent == [
        profile_for(
            cp.version,
            "TxDefaultProfile",
            limits,
            stack_level=0,
            start="2099-01-01T00:00:00Z",
            valid_to="2099-01-01T03:00:00Z",
        )
    ]
    assert profile_meaning(sent[0]) == {
        "connector": 1,
        "id": 1001,
        "purpose": "TxDefaultProfile",
        "unit": "A",
        "periods": limits,
        "transaction_id": None,
    }
    assert response["status"] == "Accepted"


@VERSIONS
async def test_offline_is_the_same_error(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any
) -> None:
    """The charger went away: every direct service says charger_offline, naming its action.

    The action is named as the charger's version (the one it last spoke) calls it.
    """
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    for service, data, sent, _ in DIRECT:
        with pytest.raises(ServiceValidationError) as excinfo:
            await act(hass, central, service, data)
        assert excinfo.value.translation_key == "charger_offline"
        assert excinfo.value.translation_placeholders == {
            "charger": "Charger CP1",
            "action": sent[cp.version][0],
            "detail": "not connected",
        }


@VERSIONS
async def test_read_only_key(hass: HomeAssistant, central: MockConfigEntry, cp: Any) -> None:
    """A read-only key reads the same and cannot be written on either version.

    Only its flag differs at first: a 2.0.1 GetVariables answer carries no mutability, so the
    adapter cannot tell a read-only variable from a writable one and reports readonly False, until
    a base report (the whole configuration) told it the variable's mutability.
    """
    key = "ChargeProfileMaxStackLevel"  # 2.0.1: SmartChargingCtrlr/ProfileStackLevel
    if cp.version == "1.6":
        cp.script.answers["GetConfiguration"] = {
            "configurationKey": [{"key": key, "readonly": True, "value": "8"}]
        }
        cp.script.answers["ChangeConfiguration"] = "Rejected"
    response = await act(hass, central, "get_configuration", {"keys": [key]})
    readonly = cp.version == "1.6"
    assert response == {
        "configuration": [{"key": key, "value": "8", "readonly": readonly}],
        "unknown_keys": [],
    }
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, central, "set_configuration", {"key": key, "value": "4"})
    assert excinfo.value.translation_key == "command_rejected"
    assert excinfo.value.translation_placeholders["detail"] == "Rejected"

    # The whole configuration: 2.0.1 reports each variable's mutability (NotifyReport pages).
    everything = await act(hass, central, "get_configuration", {})
    if cp.version == "2.0.1":
        reported = {entry["key"]: entry["readonly"] for entry in everything["configuration"]}
        assert reported["SmartChargingCtrlr/ProfileStackLevel"] is True
        assert reported["OCPPCommCtrlr/HeartbeatInterval"] is False
    else:
        cp.script.answers["GetConfiguration"]["configurationKey"].append(
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
        )
    response = await act(hass, central, "get_configuration", {"keys": [key, "HeartbeatInterval"]})
    # Now known on both versions; a writable key stays writable.
    assert response == {
        "configuration": [
            {"key": key, "value": "8", "readonly": True},
            {"key": "HeartbeatInterval", "value": "300", "readonly": False},
        ],
        "unknown_keys": [],
    }


@VERSIONS
async def test_set_unknown_key(hass: HomeAssistant, central: MockConfigEntry, cp: Any) -> None:
    """A key the charger does not have: NotSupported on both (2.0.1: not even sent, no address)."""
    if cp.version == "1.6":
        cp.script.answers["ChangeConfiguration"] = "NotSupported"
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, central, "set_configuration", {"key": "Nope", "value": "1"})
    assert excinfo.value.translation_key == "command_rejected"
    assert excinfo.value.translation_placeholders["detail"] == "NotSupported"
    assert len(cp.calls) == {"1.6": 1, "2.0.1": 0}[cp.version]
