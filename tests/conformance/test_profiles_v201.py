"""OCPP 2.0.1 block K (smart charging) as an automation manages it: set, clear and read profiles.

The station side plays the specification's sequence diagrams with the `ocpp` package; every frame
the central system sends is checked against the official schemas (tests/conformance/conftest.py).

Use cases and the tests that cover them:

- K01 SetChargingProfile, TxDefaultProfile with id, stack level, validity, start and duration:
  test_k01_set_tx_default_profile
- K01 ChargingStationMaxProfile on EVSE 0: test_k01_set_charging_station_max_profile
- K01 the integration's own limit: Absolute with validFrom and duration:
  test_k01_own_limit_carries_valid_from_and_duration
- K10 ClearChargingProfile: only the integration's own by default, by criteria, all when asked:
  test_k10_clear_charging_profile
- K09 GetChargingProfiles with ReportChargingProfiles: test_k09_get_charging_profiles
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance201
from tests.helpers.services_common import act, device_of


async def _booted(hass: HomeAssistant, connect201: ConnectConformance) -> Conformance201:
    cp: Conformance201 = await connect201()
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


def _device(central: MockConfigEntry, **data: Any) -> dict[str, Any]:
    return {"device_id": device_of(central)} | data


async def test_k01_set_tx_default_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """Every field as given, in 2.0.1's shape (a list of schedules with ids)."""
    cp = await _booted(hass, connect201)
    await act(
        hass,
        "set_charging_profile",
        _device(
            central,
            profile_id=42,
            purpose="tx_default",
            stack_level=2,
            start="2026-12-24T18:00:00+00:00",
            duration=7200,
            valid_from="2026-12-24T17:00:00+00:00",
            valid_to="2026-12-25T06:00:00+00:00",
            periods=[{"start": 0, "limit": 16}, {"start": 3600, "limit": 6}],
        ),
    )
    assert cp.received("SetChargingProfile") == [
        {
            "evseId": 1,
            "chargingProfile": {
                "id": 42,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-12-24T17:00:00Z",
                "validTo": "2026-12-25T06:00:00Z",
                "chargingSchedule": [
                    {
                        "id": 42,
                        "chargingRateUnit": "A",
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0},
                            {"startPeriod": 3600, "limit": 6.0},
                        ],
                        "duration": 7200,
                        "startSchedule": "2026-12-24T18:00:00Z",
                    }
                ],
            },
        }
    ]


async def test_k01_set_charging_station_max_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """ChargingStationMaxProfile on EVSE 0."""
    cp = await _booted(hass, connect201)
    await act(
        hass,
        "set_charging_profile",
        _device(central, profile_id=60, purpose="station_max", periods=[{"start": 0, "limit": 32}]),
    )
    (sent,) = cp.received("SetChargingProfile")
    assert sent["evseId"] == 0
    profile = sent["chargingProfile"]
    assert profile["chargingProfilePurpose"] == "ChargingStationMaxProfile"
    assert profile["validFrom"] == profile["chargingSchedule"][0]["startSchedule"]
    assert profile["chargingSchedule"][0]["duration"] == ABSOLUTE_DURATION_S


async def test_k01_own_limit_carries_valid_from_and_duration(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """The integration's own Absolute limit: validFrom and a duration, always."""
    cp = await _booted(hass, connect201)
    await act(hass, "set_current_limit", _device(central, limit=10))
    (sent,) = cp.received("SetChargingProfile")
    profile = sent["chargingProfile"]
    assert profile["id"] == 1001
    assert profile["validFrom"] == profile["chargingSchedule"][0]["startSchedule"]
    assert profile["chargingSchedule"][0]["duration"] == ABSOLUTE_DURATION_S


async def test_k10_clear_charging_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """Ours by id without criteria; criteria as given; everything only with all: true."""
    cp = await _booted(hass, connect201)
    await act(hass, "clear_charging_profile", _device(central, connector_id=1))
    await act(hass, "clear_charging_profile", _device(central, profile_id=42))
    await act(
        hass,
        "clear_charging_profile",
        _device(central, connector_id=1, purpose="tx_default", stack_level=2),
    )
    await act(hass, "clear_charging_profile", _device(central, all=True))
    assert cp.received("ClearChargingProfile") == [
        {"chargingProfileId": 1001},
        {"chargingProfileId": 2001},
        {"chargingProfileId": 42},
        {
            "chargingProfileCriteria": {
                "evseId": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "stackLevel": 2,
            }
        },
        {},
    ]


async def test_k09_get_charging_profiles(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """GetChargingProfiles with the criteria; the reported profiles come back, ours marked."""
    cp = await _booted(hass, connect201)
    await act(hass, "set_current_limit", _device(central, limit=10))
    await act(
        hass,
        "set_charging_profile",
        _device(central, profile_id=42, purpose="tx_default", periods=[{"start": 0, "limit": 16}]),
    )
    answer = await act(
        hass, "get_charging_profiles", _device(central, purpose="tx_default"), response=True
    )
    (asked,) = cp.received("GetChargingProfiles")
    assert isinstance(asked.pop("requestId"), int)
    assert asked == {"chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}
    assert answer["status"] == "Accepted"
    assert sorted((p["profile_id"], p["ours"]) for p in answer["profiles"]) == [
        (42, False),
        (1001, True),
    ]
    cp.profiles.clear()
    answer = await act(
        hass, "get_charging_profiles", _device(central, profile_id=42), response=True
    )
    assert cp.received("GetChargingProfiles")[-1]["chargingProfile"] == {"chargingProfileId": [42]}
    assert answer == {"status": "NoProfiles", "profiles": []}
