"""Control services (start, stop, pause, resume, limits, schedules) through the smart-charging engine."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER, ScriptedCharger
from tests.helpers.services_common import act, device_of, profile_summary, start_session
from tests.helpers.waiting import timeout_for, wait_for

pytestmark = pytest.mark.usefixtures("quiet_setup")


async def test_set_current_limit(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """A TxDefaultProfile on the connector, limit rounded; the answer carries the engine's state."""
    response = await act(
        hass, "set_current_limit", {"device_id": device_of(central), "limit": 10.04}, response=True
    )
    assert [profile_summary(p) for p in cp.received("SetChargingProfile")] == [
        {
            "connectorId": 1,
            "chargingProfileId": 1001,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingRateUnit": "A",
            "limits": [(0, 10.0)],
            "transactionId": None,
            # Absolute: a duration always (a limit without an end: a year), and validFrom.
            "duration": ABSOLUTE_DURATION_S,
            "validTo": None,
        }
    ]
    profile = cp.received("SetChargingProfile")[0]["csChargingProfiles"]
    assert profile["chargingSchedule"]["startSchedule"].endswith("Z")
    assert profile["validFrom"] == profile["chargingSchedule"]["startSchedule"]
    assert response["status"] == "Accepted"
    assert response["requested"] == 10.04
    assert response["applied"] == 10.0


async def test_set_current_limit_in_watts_during_a_session(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """With a session running, a TxProfile bound to its transaction follows the TxDefaultProfile."""
    tx = await start_session(hass, cp)
    await act(
        hass,
        "set_current_limit",
        {"device_id": device_of(central), "limit": 6900, "unit": "W", "duration": 600},
    )
    sent = [profile_summary(p) for p in cp.received("SetChargingProfile")]
    assert [(p["chargingProfilePurpose"], p["transactionId"]) for p in sent] == [
        ("TxDefaultProfile", None),
        ("TxProfile", tx),
    ]
    assert all(p["limits"] == [(0, 10.0)] for p in sent)  # 6900 W over 3 x 230 V
    assert all(p["duration"] is not None and p["duration"] >= 600 for p in sent)


async def test_pause_and_resume(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Pause is 0 A without ending anything; resume restores the previous limit."""
    device = {"device_id": device_of(central)}
    await act(hass, "set_current_limit", device | {"limit": 13})
    paused = await act(hass, "pause_charging", device, response=True)
    resumed = await act(hass, "resume_charging", device, response=True)
    limits = [profile_summary(p)["limits"] for p in cp.received("SetChargingProfile")]
    assert limits == [[(0, 13.0)], [(0, 0.0)], [(0, 13.0)]]
    assert paused["paused"] is True
    assert resumed["paused"] is False
    assert not cp.received("RemoteStopTransaction")


async def test_set_charging_schedule(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """One multi-period Absolute profile from the first start, with validTo; local times allowed."""
    await act(
        hass,
        "set_charging_schedule",
        {
            "device_id": device_of(central),
            "periods": [
                {"start": "2099-01-01T02:00:00+01:00", "limit": 8, "price": 0.31},
                {"start": "2099-01-01T00:00:00Z", "limit": 16},
                {"start": "2099-01-01T01:30:00Z", "limit": 6.04},
            ],
            "valid_to": "2099-01-01T03:00:00Z",
        },
    )
    (payload,) = cp.received("SetChargingProfile")
    summary = profile_summary(payload)
    assert summary["chargingProfilePurpose"] == "TxDefaultProfile"
    assert summary["chargingProfileKind"] == "Absolute"
    assert summary["limits"] == [(0, 16.0), (3600, 8.0), (5400, 6.0)]
    assert summary["validTo"] == "2099-01-01T03:00:00Z"
    assert payload["csChargingProfiles"]["chargingSchedule"]["startSchedule"] == (
        "2099-01-01T00:00:00Z"
    )


async def test_clear_charging_profile(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Only ours, by id: all of them without a connector, one connector's when named; Unknown is
    no error. Everything only when asked for (all)."""
    device = {"device_id": device_of(central)}
    assert await act(hass, "clear_charging_profile", device, response=True) == {
        "status": "Accepted"
    }
    cp.script.answers["ClearChargingProfile"] = "Unknown"
    response = await act(
        hass, "clear_charging_profile", device | {"connector_id": 1}, response=True
    )
    assert response == {"status": "Unknown"}
    await act(hass, "clear_charging_profile", device | {"all": True})
    assert cp.received("ClearChargingProfile") == [
        {"id": 1001},
        {"id": 2001},
        {"id": 3000},
        {"id": 1001},
        {"id": 2001},
        {},
    ]


async def test_start_and_stop(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Start without a session: RemoteStartTransaction; stop ends the running one."""
    device = {"device_id": device_of(central)}
    await act(hass, "start_charging", device | {"id_tag": "TAG-0002"})
    assert cp.received("RemoteStartTransaction") == [{"connectorId": 1, "idTag": "TAG-0002"}]
    tx = await start_session(hass, cp)
    await act(hass, "stop_charging", device)
    assert cp.received("RemoteStopTransaction") == [{"transactionId": tx}]


async def test_stop_without_session(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """Nothing to stop is the caller's mistake; nothing is sent."""
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "stop_charging", {"device_id": device_of(central)})
    assert excinfo.value.translation_key == "no_transaction"
    assert excinfo.value.translation_placeholders == {
        "charger": "Charger CP1",
        "action": "RemoteStopTransaction",
        "detail": "",
    }
    assert str(excinfo.value).startswith(
        "Charger CP1 has no session running, so RemoteStopTransaction was not sent"
    )
    assert not cp.received("RemoteStopTransaction")


async def test_stop_while_offline(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """A session is known but the charger is gone: charger_offline."""
    await start_session(hass, cp)
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "stop_charging", {"device_id": device_of(central)})
    assert excinfo.value.translation_key == "charger_offline"


@pytest.mark.parametrize(
    ("answer", "key", "detail"),
    [
        ({"status": "Rejected"}, "command_rejected", "Rejected"),
        (NO_ANSWER, "charger_timeout", None),
    ],
    ids=["rejected", "no_answer"],
)
@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("set_current_limit", {"limit": 10}),
        ("pause_charging", {}),
        ("set_charging_schedule", {"periods": [{"start": "2099-01-01T00:00:00Z", "limit": 6}]}),
    ],
)
async def test_control_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: ScriptedCharger,
    service: str,
    data: dict[str, Any],
    answer: Any,
    key: str,
    detail: str | None,
) -> None:
    """A refused or unanswered profile surfaces as the charger's answer (pause: every fallback)."""
    await start_session(hass, cp)
    for action in ("SetChargingProfile", "ChangeAvailability", "RemoteStopTransaction"):
        cp.script.answers[action] = answer
    with timeout_for(answer, cp), pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, service, {"device_id": device_of(central)} | data)
    assert not isinstance(excinfo.value, ServiceValidationError)
    assert excinfo.value.translation_key == key
    placeholders = excinfo.value.translation_placeholders
    assert placeholders["charger"] == "Charger CP1"
    if detail is not None:
        assert placeholders["detail"] == detail
    assert cp.received("SetChargingProfile")


async def test_control_callerror(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """A CALLERROR answer to RemoteStartTransaction carries the charger's code."""
    cp.script.answers["RemoteStartTransaction"] = CALLERROR
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "start_charging", {"device_id": device_of(central)})
    assert excinfo.value.translation_key == "charger_call_error"
    assert excinfo.value.translation_placeholders["detail"] == "NotSupported: scripted error"


async def test_limit_not_supported(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """NotSupported SetChargingProfile (no smart charging): the charger's word in the error."""
    cp.script.answers["SetChargingProfile"] = "NotSupported"
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "set_current_limit", {"device_id": device_of(central), "limit": 16})
    assert excinfo.value.translation_key == "command_rejected"
    assert excinfo.value.translation_placeholders["detail"] == "NotSupported"
