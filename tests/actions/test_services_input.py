"""Service input the caller has to fix, targeting of connector devices, admin rights, isolation."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from ocpp.v16 import call
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.services import SERVICES
from tests.helpers.scripted_charger import NO_ANSWER, ConnectScripted, ScriptedCharger
from tests.helpers.services_common import MINIMAL, act, booted, device_of
from tests.helpers.waiting import COMMAND_TIMEOUT

pytestmark = pytest.mark.usefixtures("quiet_setup")

# --- input the caller has to fix -------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_current_limit", {"limit": -1}),
        ("set_current_limit", {"limit": 10, "unit": "kW"}),
        ("set_current_limit", {"limit": 10, "duration": 0}),
        ("set_charging_schedule", {"periods": []}),
        ("set_charging_schedule", {"periods": [{"start": "tomorrow", "limit": 6}]}),
        ("set_charging_schedule", {"periods": [{"start": "2099-01-01T00:00:00Z"}]}),
        ("trigger_message", {"message": "TransactionEvent"}),
        ("reset", {"type": "cold"}),
        ("set_configuration", {"key": "K" * 51, "value": "1"}),
        ("update_firmware", {"location": "not a url"}),
        ("start_charging", {"id_tag": "X" * 37}),
        ("unlock_connector", {"connector_id": -1}),
        ("clear_cache", {"unexpected": 1}),
    ],
)
async def test_schema_rejects(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    service: str,
    data: dict[str, Any],
) -> None:
    """Bad input never reaches the charger."""
    with pytest.raises(probatio.Invalid):
        await act(hass, service, {"device_id": device_of(central)} | data)
    assert not [c for c in cp.calls if c.action != "GetConfiguration"]


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {
                "periods": [
                    {"start": "2099-01-01T01:00:00+01:00", "limit": 6},
                    {"start": "2099-01-01T00:00:00Z", "limit": 8},
                ]
            },
            "schedule_duplicate_start",
            {"start": "2099-01-01T00:00:00+00:00"},
        ),
        (
            {
                "periods": [{"start": "2099-01-01T00:00:00Z", "limit": 6}],
                "valid_to": "2098-12-31T23:00:00Z",
            },
            "schedule_valid_to",
            {"valid_to": "2098-12-31T23:00:00+00:00", "start": "2099-01-01T00:00:00+00:00"},
        ),
    ],
)
async def test_schedule_rejects(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """A schedule that cannot be sent as one profile is the caller's to fix."""
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "set_charging_schedule", {"device_id": device_of(central)} | data)
    assert excinfo.value.translation_key == key
    assert excinfo.value.translation_placeholders == placeholders
    assert not cp.received("SetChargingProfile")


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("start_charging", {"id_tag": "X" * 21}),
        ("reserve_now", {"id_tag": "X" * 21, "expiry": "2099-01-01T00:00:00Z"}),
    ],
)
async def test_input_the_protocol_cannot_carry(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    service: str,
    data: dict[str, Any],
) -> None:
    """An id tag longer than OCPP 1.6 allows (20): invalid_input, nothing sent."""
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, service, {"device_id": device_of(central)} | data)
    assert excinfo.value.translation_key == "invalid_input"
    assert excinfo.value.translation_placeholders["charger"] == "Charger CP1"
    assert "too long" in excinfo.value.translation_placeholders["error"]
    assert not cp.received("RemoteStartTransaction")
    assert not cp.received("ReserveNow")


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("unlock_connector", {"connector_id": 3}),
        ("unlock_connector", {"connector_id": 0}),
        ("set_current_limit", {"connector_id": 2, "limit": 6}),
        ("trigger_message", {"connector_id": 5, "message": "MeterValues"}),
    ],
)
async def test_invalid_connector(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    service: str,
    data: dict[str, Any],
) -> None:
    """A connector the charger does not have (or the station where a connector is needed)."""
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, service, {"device_id": device_of(central)} | data)
    assert excinfo.value.translation_key == "invalid_connector"
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "connector_id": str(data["connector_id"]),
    }


async def test_connector_devices(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """A two-connector station: connector devices aim at their connector; the station needs one."""
    cp = await booted(hass, connect_scripted, connectors=2)
    registry = dr.async_get(hass)
    second = registry.async_get_or_create(
        config_entry_id=central.entry_id, identifiers={(DOMAIN, "CP1_2")}
    )
    await act(hass, "unlock_connector", {"device_id": second.id})
    await act(hass, "unlock_connector", {"device_id": second.id, "connector_id": 2})
    await act(hass, "unlock_connector", {"device_id": device_of(central), "connector_id": 1})
    assert cp.received("UnlockConnector") == [
        {"connectorId": 2},
        {"connectorId": 2},
        {"connectorId": 1},
    ]
    await act(hass, "trigger_message", {"device_id": second.id, "message": "StatusNotification"})
    await act(hass, "trigger_message", {"device_id": device_of(central), "message": "Heartbeat"})
    assert cp.received("TriggerMessage") == [
        {"requestedMessage": "StatusNotification", "connectorId": 2},
        {"requestedMessage": "Heartbeat"},
    ]
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "unlock_connector", {"device_id": second.id, "connector_id": 1})
    assert excinfo.value.translation_key == "connector_mismatch"
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "connector_id": "1",
        "device_connector": "2",
    }
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "pause_charging", {"device_id": device_of(central)})
    assert excinfo.value.translation_key == "connector_required"


async def test_admin_only(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    hass_read_only_user: MockUser,
) -> None:
    """Reset, firmware, configuration and the local list need an administrator."""
    device = {"device_id": device_of(central)}
    context = Context(user_id=hass_read_only_user.id)
    for service in ("reset", "update_firmware", "set_configuration", "send_local_list"):
        assert SERVICES[service][2]
        with pytest.raises(Unauthorized):
            await act(hass, service, device | MINIMAL.get(service, {}), context=context)
    await act(hass, "clear_cache", device, context=context)
    assert not cp.received("Reset")
    assert cp.received("ClearCache") == [{}]


async def test_one_charger_never_blocks_another(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """While CP1 leaves a command unanswered, CP2's commands and its own messages go through.

    CP1 never answers, so only the timeout ends its command; CP2's ten round trips on the loopback
    are done long before those 5 s, busy machine or not. Had they waited for CP1, its command would
    be over when they are.
    """
    cp1 = await booted(hass, connect_scripted, "CP1")
    cp2 = await booted(hass, connect_scripted, "CP2")
    cp1.script.answers["Reset"] = NO_ANSWER
    with patch(COMMAND_TIMEOUT, 5):
        stuck = hass.async_create_task(act(hass, "reset", {"device_id": device_of(central, "CP1")}))
        await cp1.wait_for_call("Reset")
        for _ in range(5):
            await act(hass, "clear_cache", {"device_id": device_of(central, "CP2")})
            await cp2.call(call.Heartbeat())
        assert len(cp2.received("ClearCache")) == 5
        assert not stuck.done()
        with pytest.raises(HomeAssistantError) as excinfo:
            await stuck
    assert excinfo.value.translation_key == "charger_timeout"
