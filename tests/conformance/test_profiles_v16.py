"""OCPP 1.6 Smart Charging as an automation manages it: set, clear and read profiles.

The charger side plays the specification's Smart Charging sequence diagrams (1.6 edition 2,
chapter 3.13 and 5.16/5.5/5.7: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule)
with the `ocpp` package; every frame the central system sends is checked against the official
schemas (tests/conformance/conftest.py).

Use cases and the tests that cover them:

- Set Charging Profile, TxDefaultProfile, Absolute with validity and duration:
  test_k01_set_tx_default_profile
- Set Charging Profile, Recurring (daily): test_k01_set_recurring_profile
- Set Charging Profile, TxProfile bound to the running transaction: test_k01_set_tx_profile
- Set Charging Profile, ChargePointMaxProfile on connector 0: test_k01_set_charge_point_max_profile
- A profile id of the integration's reserved range is refused (translated), nothing sent:
  test_k01_reserved_profile_id_refused
- The integration's own limit: Absolute with validFrom and duration:
  test_k01_own_limit_carries_valid_from_and_duration
- Clear Charging Profile without criteria clears only the integration's own (by id):
  test_k10_clear_only_own_profiles
- Clear Charging Profile by id, by purpose, stack level and connector, and all when asked:
  test_k10_clear_by_criteria
- Get Composite Schedule standing in for a profile list (1.6 cannot list):
  test_k08_get_profiles_reads_composite_schedule
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance16
from tests.helpers.services_common import act, device_of


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def _booted(hass: HomeAssistant, connect16: ConnectConformance) -> Conformance16:
    cp: Conformance16 = await connect16()
    await cp.boot()
    await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


def _device(central: MockConfigEntry, **data: Any) -> dict[str, Any]:
    return {"device_id": device_of(central)} | data


async def test_k01_set_tx_default_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """Every field as given: id, purpose, stack level, kind, validity, start, duration, periods."""
    cp = await _booted(hass, connect16)
    answer = await act(
        hass,
        "set_charging_profile",
        _device(
            central,
            profile_id=42,
            purpose="tx_default",
            stack_level=2,
            kind="absolute",
            start="2026-12-24T18:00:00+00:00",
            duration=7200,
            valid_from="2026-12-24T17:00:00+00:00",
            valid_to="2026-12-25T06:00:00+00:00",
            periods=[{"start": 3600, "limit": 6}, {"start": 0, "limit": 16, "phases": 3}],
        ),
        response=True,
    )
    assert answer == {"status": "Accepted", "profile_id": 42}
    assert cp.received("SetChargingProfile") == [
        {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 42,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "validFrom": "2026-12-24T17:00:00Z",
                "validTo": "2026-12-25T06:00:00Z",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                        {"startPeriod": 3600, "limit": 6.0},
                    ],
                    "duration": 7200,
                    "startSchedule": "2026-12-24T18:00:00Z",
                },
            },
        }
    ]


async def test_k01_set_recurring_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """Recurring daily from its start; no validFrom given, none invented."""
    cp = await _booted(hass, connect16)
    await act(
        hass,
        "set_charging_profile",
        _device(
            central,
            profile_id=43,
            purpose="tx_default",
            kind="recurring",
            recurrency="daily",
            start="2026-12-01T22:00:00+00:00",
            duration=28800,
            unit="W",
            periods=[{"start": 0, "limit": 11000}],
        ),
    )
    (sent,) = cp.received("SetChargingProfile")
    assert sent["csChargingProfiles"] == {
        "chargingProfileId": 43,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring",
        "recurrencyKind": "Daily",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0}],
            "duration": 28800,
            "startSchedule": "2026-12-01T22:00:00Z",
        },
    }
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(
            hass,
            "set_charging_profile",
            _device(
                central,
                profile_id=44,
                purpose="tx_default",
                kind="recurring",
                periods=[{"start": 0, "limit": 6}],
            ),
        )
    assert excinfo.value.translation_key == "profile_recurring"


async def test_k01_set_tx_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """A TxProfile is bound to the connector's running transaction; Relative has no start."""
    cp = await _booted(hass, connect16)
    tx = await cp.start_transaction(1, "TAG-1", 0, _now())
    await hass.async_block_till_done(wait_background_tasks=True)
    await act(
        hass,
        "set_charging_profile",
        _device(
            central,
            profile_id=50,
            purpose="tx",
            stack_level=3,
            kind="relative",
            periods=[{"start": 0, "limit": 10}],
        ),
    )
    profile = cp.received("SetChargingProfile")[-1]["csChargingProfiles"]
    assert profile == {
        "chargingProfileId": 50,
        "stackLevel": 3,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": tx,
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
        },
    }


async def test_k01_set_charge_point_max_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """ChargePointMaxProfile goes to connector 0; Absolute without a start: now, with
    validFrom and a duration."""
    cp = await _booted(hass, connect16)
    await act(
        hass,
        "set_charging_profile",
        _device(central, profile_id=60, purpose="station_max", periods=[{"start": 0, "limit": 25}]),
    )
    (sent,) = cp.received("SetChargingProfile")
    assert sent["connectorId"] == 0
    profile = sent["csChargingProfiles"]
    assert profile["chargingProfilePurpose"] == "ChargePointMaxProfile"
    assert profile["validFrom"] == profile["chargingSchedule"]["startSchedule"]
    assert profile["chargingSchedule"]["duration"] == ABSOLUTE_DURATION_S


async def test_k01_reserved_profile_id_refused(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """Ids 1000-3999 are the integration's: refused before anything is sent."""
    cp = await _booted(hass, connect16)
    for profile_id in (1000, 2001, 3999):
        with pytest.raises(ServiceValidationError) as excinfo:
            await act(
                hass,
                "set_charging_profile",
                _device(
                    central,
                    profile_id=profile_id,
                    purpose="tx_default",
                    periods=[{"start": 0, "limit": 6}],
                ),
            )
        assert excinfo.value.translation_key == "profile_id_reserved"
        assert excinfo.value.translation_placeholders["first"] == "1000"
        assert excinfo.value.translation_placeholders["last"] == "3999"
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(
            hass,
            "set_charging_profile",
            _device(
                central,
                profile_id=7,
                purpose="tx_default",
                periods=[{"start": 60, "limit": 6}],
            ),
        )
    assert excinfo.value.translation_key == "profile_periods"
    assert cp.received("SetChargingProfile") == []


async def test_k01_own_limit_carries_valid_from_and_duration(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """The integration's own Absolute limit: validFrom (its start) and a duration, always."""
    cp = await _booted(hass, connect16)
    await act(hass, "set_current_limit", _device(central, limit=10))
    (sent,) = cp.received("SetChargingProfile")
    profile = sent["csChargingProfiles"]
    assert profile["chargingProfileId"] == 1001
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["validFrom"] == profile["chargingSchedule"]["startSchedule"]
    assert profile["chargingSchedule"]["duration"] == ABSOLUTE_DURATION_S


async def test_k10_clear_only_own_profiles(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """No criteria: one ClearChargingProfile per id of ours, never an empty one."""
    cp = await _booted(hass, connect16)
    await act(hass, "clear_charging_profile", _device(central))
    await act(hass, "clear_charging_profile", _device(central, connector_id=1))
    assert cp.received("ClearChargingProfile") == [
        {"id": 1001},
        {"id": 2001},
        {"id": 3000},
        {"id": 1001},
        {"id": 2001},
    ]


async def test_k10_clear_by_criteria(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """Criteria go as given (the charger matches them all); everything only with all: true."""
    cp = await _booted(hass, connect16)
    await act(hass, "clear_charging_profile", _device(central, profile_id=42))
    await act(
        hass,
        "clear_charging_profile",
        _device(central, connector_id=1, purpose="tx_default", stack_level=2),
    )
    await act(hass, "clear_charging_profile", _device(central, all=True))
    assert cp.received("ClearChargingProfile") == [
        {"id": 42},
        {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2},
        {},
    ]


async def test_k08_get_profiles_reads_composite_schedule(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """1.6 cannot list profiles: the composite schedule of the next day is read instead."""
    cp = await _booted(hass, connect16)
    answer = await act(
        hass, "get_charging_profiles", _device(central, connector_id=1), response=True
    )
    assert cp.received("GetCompositeSchedule") == [
        {"connectorId": 1, "duration": 86400, "chargingRateUnit": "A"}
    ]
    assert answer["status"] == "Accepted"
    assert answer["composite_schedule"]["periods"] == [{"start_s": 0, "limit": 16.0}]
    cp.script.answers["GetCompositeSchedule"] = "Rejected"
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "get_charging_profiles", _device(central), response=True)
    assert excinfo.value.translation_key == "command_rejected"
    assert "GetCompositeSchedule" in str(excinfo.value)
