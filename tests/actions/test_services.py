"""Service actions sent straight to the charger: payloads, answers, responses and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.actions.history import HISTORY_SERVICES
from custom_components.ocpp_central.actions.id_tags import ID_TAG_SERVICES
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.dashboard import SERVICE_CREATE_DASHBOARD
from custom_components.ocpp_central.services import SERVICES
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER, ScriptedCharger
from tests.helpers.services_common import DIRECT, DIRECT_IDS, MINIMAL, act, device_of
from tests.helpers.waiting import TIMED_OUT, timeout_for

pytestmark = pytest.mark.usefixtures("quiet_setup")
FOLDER = Path(__file__).parents[2] / "custom_components" / DOMAIN
# Every action, from the one place that lists them all: services.yaml (keys starting with '.'
# are YAML anchors). Registering an action anywhere (services.py, actions/, dashboard.py) without
# describing it there, or describing one that async_setup does not register, fails below.
ALL_SERVICES = {
    name for name in load_yaml_dict(str(FOLDER / "services.yaml")) if not name.startswith(".")
}


def test_every_registry_is_described() -> None:
    """The registries of actions in the code are all in services.yaml."""
    for registry in (SERVICES, ID_TAG_SERVICES, HISTORY_SERVICES, (SERVICE_CREATE_DASHBOARD,)):
        assert set(registry) <= ALL_SERVICES, registry


async def test_services_registered_in_async_setup(hass: HomeAssistant) -> None:
    """Every action exists once the integration is set up, before any entry is."""
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, DOMAIN, {})
    assert set(hass.services.async_services_for_domain(DOMAIN)) == ALL_SERVICES


async def test_descriptions(hass: HomeAssistant) -> None:
    """services.yaml, the translations (en, sv) and icons.json describe the same actions and fields."""
    from homeassistant.helpers.service import async_get_all_descriptions
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, DOMAIN, {})
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(descriptions) == ALL_SERVICES
    icons = json.loads((FOLDER / "icons.json").read_text())["services"]
    assert set(icons) == ALL_SERVICES
    for language in ("en", "sv"):
        strings = json.loads((FOLDER / "translations" / f"{language}.json").read_text())
        assert set(strings["services"]) == ALL_SERVICES
        for name, description in descriptions.items():
            # An action without fields (create_dashboard) has no "fields" in either.
            fields = strings["services"][name].get("fields", {})
            assert set(fields) == set(description["fields"]), name
            assert strings["services"][name]["name"]


@pytest.mark.parametrize(
    ("service", "data", "action", "payload", "response"), DIRECT, ids=DIRECT_IDS
)
async def test_direct_service(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    service: str,
    data: dict[str, Any],
    action: str,
    payload: dict[str, Any],
    response: Any,
) -> None:
    """The charger receives exactly this; the service answers with the charger's data."""
    supports = SERVICES[service][1].value != "none"
    result = await act(hass, service, {"device_id": device_of(central)} | data, response=supports)
    assert cp.received(action) == [payload]
    if response is not None:
        assert result == response


# How each action says no, in its own words.
REFUSALS = {
    "GetCompositeSchedule": "Rejected",
    "ChangeConfiguration": "NotSupported",
    "TriggerMessage": "NotImplemented",
    "Reset": "Rejected",
    "UnlockConnector": "UnlockFailed",
    "ChangeAvailability": "Rejected",
    "DataTransfer": "UnknownVendorId",
    "ClearCache": "Rejected",
    "ReserveNow": "Occupied",
    "CancelReservation": "Rejected",
}
FAILURES = [
    pytest.param(
        case,
        {"status": REFUSALS[case[2]]},
        "command_rejected",
        REFUSALS[case[2]],
        id=f"{name}-refused",
    )
    for case, name in zip(DIRECT, DIRECT_IDS, strict=True)
    if case[2] in REFUSALS
] + [
    pytest.param(case, answer, key, detail, id=f"{name}-{label}")
    for case, name in zip(DIRECT, DIRECT_IDS, strict=True)
    for answer, key, detail, label in (
        (CALLERROR, "charger_call_error", "NotSupported: scripted error", "callerror"),
        (NO_ANSWER, "charger_timeout", TIMED_OUT, "no_answer"),
    )
]


@pytest.mark.parametrize(("case", "answer", "key", "detail"), FAILURES)
async def test_direct_service_failures(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    case: tuple[str, dict[str, Any], str, dict[str, Any], Any],
    answer: Any,
    key: str,
    detail: str,
) -> None:
    """A refusal, a CALLERROR or silence: a translated error carrying the charger's answer."""
    service, data, action, _, _ = case
    cp.script.answers[action] = answer
    supports = SERVICES[service][1].value != "none"
    with timeout_for(answer, cp), pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, service, {"device_id": device_of(central)} | data, response=supports)
    assert not isinstance(excinfo.value, ServiceValidationError)
    assert excinfo.value.translation_domain == DOMAIN
    assert excinfo.value.translation_key == key
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "action": action,
        "detail": detail,
    }
    assert "Charger CP1" in str(excinfo.value)


# Without a connection: resume has nothing to undo (a no-op) and stop finds no session (own test);
# replay_solar_day and start_trace send nothing (test_replay_service.py, test_trace_service.py).
OFFLINE_SERVICES = sorted(
    set(SERVICES) - {"resume_charging", "stop_charging", "replay_solar_day", "start_trace"}
)


@pytest.mark.parametrize("service", OFFLINE_SERVICES)
async def test_charger_offline(hass: HomeAssistant, central: MockConfigEntry, service: str) -> None:
    """A charger that is not connected: ServiceValidationError, nothing hangs."""
    data = {"device_id": device_of(central)} | MINIMAL.get(service, {})
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, service, data, response=SERVICES[service][1].value == "only")
    assert excinfo.value.translation_key == "charger_offline"
    assert excinfo.value.translation_placeholders["charger"] == "Charger CP1"
    assert "Charger CP1" in str(excinfo.value)


# The least data each service needs.
@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_unknown_device(hass: HomeAssistant, central: MockConfigEntry, service: str) -> None:
    """A device that is not one of our chargers is the caller's mistake."""
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    for device_id in ("no-such-device", foreign.id):
        with pytest.raises(ServiceValidationError) as excinfo:
            await act(
                hass,
                service,
                {"device_id": device_id} | MINIMAL.get(service, {}),
                response=SERVICES[service][1].value == "only",
            )
        assert excinfo.value.translation_key == "unknown_device"
        assert excinfo.value.translation_placeholders == {"device_id": device_id}


async def test_not_loaded(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Services outlive an unloaded entry and say so."""
    device_id = device_of(central)
    assert await hass.config_entries.async_unload(central.entry_id)
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "clear_cache", {"device_id": device_id})
    assert excinfo.value.translation_key == "not_loaded"
    assert excinfo.value.translation_placeholders == {"device": "Charger CP1"}


async def test_targeting_a_device_logs_no_deprecation(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The device's config entry is read the current way (HA reports `config_entries` as deprecated)."""
    await act(hass, "clear_cache", {"device_id": device_of(central)})
    assert cp.received("ClearCache") == [{}]
    deprecations = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert deprecations == []


# --- what the direct services answer -------------------------------------------------------


async def test_get_configuration_response(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Keys, values, read-only flags and unknown keys."""
    cp.script.answers["GetConfiguration"] = {
        "configurationKey": [
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
            {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
            {"key": "AuthorizationKey", "readonly": False},
        ],
        "unknownKey": ["Nope"],
    }
    response = await act(
        hass,
        "get_configuration",
        {"device_id": device_of(central), "keys": ["HeartbeatInterval", "Nope"]},
        response=True,
    )
    assert response == {
        "configuration": [
            {"key": "HeartbeatInterval", "value": "300", "readonly": False},
            {"key": "NumberOfConnectors", "value": "1", "readonly": True},
            {"key": "AuthorizationKey", "value": None, "readonly": False},
        ],
        "unknown_keys": ["Nope"],
    }
    await act(hass, "get_configuration", {"device_id": device_of(central)}, response=True)
    assert cp.received("GetConfiguration")[-1] == {}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("Accepted", "Accepted"),
        ("RebootRequired", "RebootRequired"),
        ("Rejected", "command_rejected"),
        ("NotSupported", "command_rejected"),
    ],
)
async def test_set_configuration_statuses(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger, status: str, outcome: str
) -> None:
    """Accepted and RebootRequired are answers; Rejected and NotSupported are errors."""
    cp.script.answers["ChangeConfiguration"] = status
    data = {"device_id": device_of(central), "key": "MeterValueSampleInterval", "value": "30"}
    if outcome == status:
        assert await act(hass, "set_configuration", data, response=True) == {"status": status}
        assert await act(hass, "set_configuration", data) is None
        return
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "set_configuration", data)
    assert excinfo.value.translation_key == outcome
    assert excinfo.value.translation_placeholders["detail"] == status


async def test_change_availability_scheduled(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Scheduled (after the running session) is a yes, and the answer says so."""
    cp.script.answers["ChangeAvailability"] = "Scheduled"
    response = await act(
        hass,
        "change_availability",
        {"device_id": device_of(central), "operative": False, "connector_id": 1},
        response=True,
    )
    assert response == {"status": "Scheduled"}


async def test_send_local_list(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """The managed id tags as a Full list, one version above the charger's."""
    response = await act(hass, "send_local_list", {"device_id": device_of(central)}, response=True)
    assert cp.received("SendLocalList") == [
        {
            "listVersion": 4,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "TAG-0001", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "TAG-0002", "idTagInfo": {"status": "Accepted"}},
            ],
        }
    ]
    assert response == {
        "list_version": 4,
        "update_type": "Full",
        "id_tags": ["TAG-0001", "TAG-0002"],
        "removed": [],
    }


@pytest.mark.parametrize(
    ("version", "answer", "action", "detail"),
    [
        (-1, "Accepted", "GetLocalListVersion", "NotSupported"),
        (3, "VersionMismatch", "SendLocalList", "VersionMismatch"),
        (3, "Failed", "SendLocalList", "Failed"),
    ],
)
async def test_send_local_list_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    version: int,
    answer: str,
    action: str,
    detail: str,
) -> None:
    """No local list support, or a refused list: command_rejected with the charger's word."""
    cp.script.answers["GetLocalListVersion"] = {"listVersion": version}
    cp.script.answers["SendLocalList"] = answer
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "send_local_list", {"device_id": device_of(central)})
    assert excinfo.value.translation_key == "command_rejected"
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "action": action,
        "detail": detail,
    }


async def test_reserve_now_picks_an_id(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Without a reservation id one is chosen and returned."""
    response = await act(
        hass,
        "reserve_now",
        {"device_id": device_of(central), "id_tag": "TAG-0001", "expiry": "2099-01-01T00:00:00"},
        response=True,
    )
    (payload,) = cp.received("ReserveNow")
    assert payload["reservationId"] == response["reservation_id"] > 0
    assert payload["expiryDate"].endswith("Z")


async def test_composite_schedule_rejected(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Rejected GetCompositeSchedule is an error, not an empty schedule."""
    cp.script.answers["GetCompositeSchedule"] = {"status": "Rejected"}
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "get_composite_schedule", {"device_id": device_of(central)}, response=True)
    assert excinfo.value.translation_key == "command_rejected"
