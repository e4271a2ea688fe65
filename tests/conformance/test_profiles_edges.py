"""Profiles and reconnects at their edges: what is refused, what cannot be read back, what changed.

Use cases and the tests that cover them:

- K01 TxProfile for a named transaction, or none running (refused, translated); validity
  reversed (refused): test_k01_tx_profile_needs_a_transaction
- K01 Absolute with validTo and no duration: the duration runs to validTo:
  test_k01_absolute_duration_until_valid_to
- K10 a CALLERROR to ClearChargingProfile is reported: test_k10_clear_refused
- Reconnect (1.6): a composite schedule that cannot be read, or differs, means the profile is
  written again: test_reconnect_rewrites_what_the_charger_lost_v16
- Reconnect (2.0.1): a reported profile that differs from ours is written again:
  test_reconnect_rewrites_what_the_charger_changed_v201
- F01 a transaction status the station cannot give does not block a start (the held session
  counts as running): test_f01_transaction_status_unknown
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.charging.manage import ClearRequest, clears, start_profile
from custom_components.ocpp_central.csms.commands import ProfilePurpose, RateUnit
from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance16, Conformance201
from tests.helpers.scripted_charger import CALLERROR
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 without a minimum write interval: what is written again goes at once."""
    charger = charger_subentry("CP1")
    charger["data"] = {**charger["data"], "min_write_interval": 0}
    return [charger]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _device(central: MockConfigEntry, **data: Any) -> dict[str, Any]:
    return {"device_id": device_of(central)} | data


async def _booted16(hass: HomeAssistant, connect16: ConnectConformance) -> Conformance16:
    cp: Conformance16 = await connect16()
    await cp.boot()
    await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def _booted201(hass: HomeAssistant, connect201: ConnectConformance) -> Conformance201:
    cp: Conformance201 = await connect201()
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def test_k01_tx_profile_needs_a_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    cp = await _booted16(hass, connect16)
    tx_profile = {"profile_id": 5, "purpose": "tx", "periods": [{"start": 0, "limit": 8}]}
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(hass, "set_charging_profile", _device(central, **tx_profile))
    assert excinfo.value.translation_key == "no_transaction"
    await act(hass, "set_charging_profile", _device(central, transaction_id="12", **tx_profile))
    assert cp.received("SetChargingProfile")[-1]["csChargingProfiles"]["transactionId"] == 12
    with pytest.raises(ServiceValidationError) as excinfo:
        await act(
            hass,
            "set_charging_profile",
            _device(
                central,
                profile_id=6,
                purpose="tx_default",
                valid_from="2026-12-02T10:00:00+00:00",
                valid_to="2026-12-02T09:00:00+00:00",
                periods=[{"start": 0, "limit": 8}],
            ),
        )
    assert excinfo.value.translation_key == "schedule_valid_to"
    assert len(cp.received("SetChargingProfile")) == 1


async def test_k01_absolute_duration_until_valid_to(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    cp = await _booted16(hass, connect16)
    await act(
        hass,
        "set_charging_profile",
        _device(
            central,
            profile_id=8,
            purpose="tx_default",
            start="2026-12-24T18:00:00+00:00",
            valid_to="2026-12-24T20:00:00+00:00",
            periods=[{"start": 0, "limit": 8}],
        ),
    )
    profile = cp.received("SetChargingProfile")[-1]["csChargingProfiles"]
    assert profile["chargingSchedule"]["duration"] == 7200
    assert profile["validFrom"] == "2026-12-24T18:00:00Z"
    assert profile["validTo"] == "2026-12-24T20:00:00Z"


async def test_k10_clear_refused(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    cp = await _booted16(hass, connect16)
    cp.script.answers["ClearChargingProfile"] = CALLERROR
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "clear_charging_profile", _device(central, profile_id=42))
    assert excinfo.value.translation_key == "charger_call_error"


def test_clears_and_start_profile() -> None:
    """Which of our profiles a clear may have removed; a start profile's limit must be real."""
    session = (ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX)
    assert clears(ClearRequest(connector_id=2), 1, session, 8) is False
    assert clears(ClearRequest(everything=True), 1, session, 8) is True
    assert clears(ClearRequest(profile_id=1001), 1, session, 8) is True
    assert clears(ClearRequest(profile_id=42), 1, session, 8) is False
    assert clears(ClearRequest(purpose=ProfilePurpose.STATION_MAX), 1, session, 8) is False
    assert clears(ClearRequest(stack_level=3), 1, session, 8) is False
    assert clears(ClearRequest(stack_level=8), 1, session, 8) is True
    with pytest.raises(ValueError):
        start_profile(1, float("nan"), RateUnit.AMPERE, 0)


async def _reconnect_later(
    hass: HomeAssistant, central: MockConfigEntry, cp: Any, connect: Any
) -> Any:
    coordinator = central.runtime_data.coordinators["CP1"]
    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    again = await connect()
    await wait_for(lambda: coordinator.charger.connected)
    await hass.async_block_till_done()
    return again


def _end_grace(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))


async def test_reconnect_rewrites_what_the_charger_lost_v16(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    cp = await _booted16(hass, connect16)
    await act(hass, "set_current_limit", _device(central, limit=12))
    await act(
        hass,
        "set_charging_schedule",
        _device(
            central,
            connector_id=1,
            periods=[
                {"start": (dt_util.utcnow() - timedelta(minutes=5)).isoformat(), "limit": 10},
                {"start": (dt_util.utcnow() + timedelta(hours=1)).isoformat(), "limit": 16},
            ],
        ),
    )
    written = len(cp.received("SetChargingProfile"))
    # It cannot tell (CALLERROR): written again.
    again: Conformance16 = await _reconnect_later(hass, central, cp, connect16)
    again.script.answers["GetCompositeSchedule"] = CALLERROR
    _end_grace(hass)
    await again.wait_for_call("SetChargingProfile")
    assert written
    # It tells another limit: written again.
    third: Conformance16 = await _reconnect_later(hass, central, again, connect16)
    _end_grace(hass)  # the default answer: 16 A, ours is 10 A now
    await third.wait_for_call("SetChargingProfile")
    assert third.received("GetCompositeSchedule")[0]["connectorId"] == 1


async def test_reconnect_rewrites_what_the_charger_changed_v201(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    cp = await _booted201(hass, connect201)
    tx = await cp.start_transaction(1, "TAG-1", 0, _now())
    await hass.async_block_till_done(wait_background_tasks=True)
    await act(hass, "set_current_limit", _device(central, limit=12))
    assert {p["chargingProfile"]["id"] for p in cp.received("SetChargingProfile")} == {1001, 2001}
    with patch.object(ProtocolAdapter, "status_grace_s", 0.05):
        again: Conformance201 = await _reconnect_later(hass, central, cp, connect201)
        again.transactions[1] = tx
        kept = dict(cp.profiles)
        evse, default = kept[1001]
        changed = {**default, "chargingSchedule": [{**default["chargingSchedule"][0]}]}
        changed["chargingSchedule"][0]["chargingSchedulePeriod"] = [
            {"startPeriod": 0, "limit": 6.0}
        ]
        evse_tx, tx_profile = kept[2001]
        kept[1001] = (evse, changed)
        kept[2001] = (evse_tx, {**tx_profile, "transactionId": "OTHER"})
        again.profiles = kept
        await again.wait_for_call("GetTransactionStatus")
        _end_grace(hass)
        await again.wait_for_call("SetChargingProfile", 2)
    rewritten = {p["chargingProfile"]["id"] for p in again.received("SetChargingProfile")}
    assert rewritten == {1001, 2001}


async def test_f01_transaction_status_unknown(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    cp = await _booted201(hass, connect201)
    tx = await cp.start_transaction(1, "TAG-1", 0, _now())
    await hass.async_block_till_done(wait_background_tasks=True)
    cp.script.answers["GetTransactionStatus"] = CALLERROR
    answer = await act(hass, "start_charging", _device(central), response=True)
    assert answer["transaction_id"] == tx
    assert cp.received("RequestStartTransaction") == []
