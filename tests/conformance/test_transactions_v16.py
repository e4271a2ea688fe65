"""OCPP 1.6 transactions as the charger knows them: Core remote start/stop, Remote Trigger.

The charger side plays the specification's sequence diagrams (1.6 edition 2, Core profile:
Remote Start Transaction, Remote Stop Transaction; Smart Charging: Remote Start Transaction with
Charging Profile; Remote Trigger: Trigger Message) with the `ocpp` package, and every frame the
central system sends is checked against the official schemas (tests/conformance/conftest.py).

Use cases and the tests that cover them:

- Core, Remote Start Transaction, after a session Home Assistant still held but the charger no
  longer runs (it reports Preparing): test_core_remote_start_after_stale_transaction
- Smart Charging, Remote Start Transaction with a TxProfile:
  test_smart_charging_remote_start_with_profile
- Core, Remote Stop Transaction of a named session: test_core_remote_stop_named_transaction
- Core, Start Transaction on a connector with an open session (its stop was lost):
  test_core_new_start_closes_stale_transaction
- Core, Stop Transaction after the session was closed as stale (Available came first):
  test_core_late_stop_of_stale_transaction
- Remote Trigger after a reconnect with a session open (StatusNotification, MeterValues):
  test_remote_trigger_after_reconnect_reconciles
- A command delivered, then the charger disconnected: test_command_delivered_then_disconnected
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.events import ChargerEvent, ChargerEventType
from custom_components.ocpp_central.csms.model import Connector
from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance16
from tests.helpers.scripted_charger import NO_ANSWER
from tests.helpers.services_common import act, device_of
from tests.helpers.waiting import wait_for


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _energy(wh: int) -> list[dict[str, Any]]:
    value = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return [{"timestamp": _now(), "sampledValue": [value]}]


def _connector(central: MockConfigEntry, number: int = 1) -> Connector:
    return central.runtime_data.coordinators["CP1"].charger.connectors[number]


def _ended(central: MockConfigEntry) -> list[ChargerEvent]:
    """Every TRANSACTION_ENDED event the charger reports from now on."""
    ended: list[ChargerEvent] = []

    def listen(event: ChargerEvent) -> None:
        if event.type is ChargerEventType.TRANSACTION_ENDED:
            ended.append(event)

    central.runtime_data.coordinators["CP1"].async_add_event_listener(listen)
    return ended


def _calls(cp: Conformance16) -> list[str]:
    """The actions of every CALL the central system sent this charger, in order."""
    return [frame.action for frame in cp.sent_by_central if frame.kind == "call"]


async def _booted(hass: HomeAssistant, connect16: ConnectConformance) -> Conformance16:
    cp: Conformance16 = await connect16()
    await cp.boot()
    await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def _session(hass: HomeAssistant, cp: Conformance16) -> int:
    """A session from 1000 Wh to 3000 Wh, still running."""
    await cp.status(1, "Preparing")
    tx = await cp.start_transaction(1, "TAG-1", 1000, _now())
    await cp.status(1, "Charging")
    await cp.meter_values(1, _energy(3000), transaction_id=tx)
    await hass.async_block_till_done(wait_background_tasks=True)
    return tx


async def test_core_remote_start_after_stale_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """The charger lost a session (its stop never came) and reports Preparing: a remote start
    goes out, and the old session is closed as stale with its energy (2 kWh)."""
    cp = await _booted(hass, connect16)
    ended = _ended(central)
    tx = await _session(hass, cp)
    await cp.status(1, "Preparing")
    await hass.async_block_till_done(wait_background_tasks=True)
    connector = _connector(central)
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2000
    assert [(e.transaction_id, e.stop_reason) for e in ended] == [(tx, "Stale")]

    answer = await act(hass, "start_charging", {"device_id": device_of(central)}, response=True)
    assert answer["status"] == "Accepted"
    start = cp.received("RemoteStartTransaction")
    assert len(start) == 1
    assert start[0]["connectorId"] == 1
    assert isinstance(start[0]["idTag"], str)
    assert "chargingProfile" not in start[0]
    # Nothing was bound to the stale session.
    assert all(
        "transactionId" not in p["csChargingProfiles"] for p in cp.received("SetChargingProfile")
    )


async def test_smart_charging_remote_start_with_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """RemoteStartTransaction carries a TxProfile: our id, Relative, no transactionId."""
    cp = await _booted(hass, connect16)
    await act(
        hass,
        "start_charging",
        {"device_id": device_of(central), "id_tag": "GUEST", "limit": 10},
        response=True,
    )
    (start,) = cp.received("RemoteStartTransaction")
    assert start == {
        "connectorId": 1,
        "idTag": "GUEST",
        "chargingProfile": {
            "chargingProfileId": 2001,
            "stackLevel": start["chargingProfile"]["stackLevel"],
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
            },
        },
    }


async def test_core_remote_stop_named_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """stop_charging with a transaction id stops that session, not the connector's own."""
    cp = await _booted(hass, connect16)
    tx = await _session(hass, cp)
    await act(hass, "stop_charging", {"device_id": device_of(central), "transaction_id": "77"})
    await act(hass, "stop_charging", {"device_id": device_of(central)})
    assert cp.received("RemoteStopTransaction") == [{"transactionId": 77}, {"transactionId": tx}]


async def test_core_new_start_closes_stale_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """A StartTransaction on a connector with an open session: that one ends as stale, its
    energy up to the new start reading, counted once."""
    cp = await _booted(hass, connect16)
    ended = _ended(central)
    first = await _session(hass, cp)
    second = await cp.start_transaction(1, "TAG-2", 3500, _now())
    await hass.async_block_till_done(wait_background_tasks=True)
    connector = _connector(central)
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == second
    assert connector.last_session_energy_wh == 2500
    assert [(e.transaction_id, e.stop_reason) for e in ended] == [(first, "Stale")]
    await cp.meter_values(1, _energy(4000), transaction_id=second)
    await cp.stop_transaction(second, 4500, _now())
    await hass.async_block_till_done()
    assert connector.last_session_energy_wh == 1000
    assert connector.energy.total_wh == 4500


async def test_core_late_stop_of_stale_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """Available before the StopTransaction (some chargers send it so): the session closes as
    stale, and the stop that follows still brings its reading."""
    cp = await _booted(hass, connect16)
    tx = await _session(hass, cp)
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    connector = _connector(central)
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2000
    await cp.stop_transaction(tx, 3600, _now())
    await hass.async_block_till_done()
    assert connector.last_session_energy_wh == 2600
    assert connector.energy.total_wh == 3600
    # A repeat changes nothing.
    await cp.stop_transaction(tx, 3600, _now())
    assert connector.last_session_energy_wh == 2600


async def test_remote_trigger_after_reconnect_reconciles(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect16: ConnectConformance,
    hooked: None,
) -> None:
    """Reconnect without a boot with a session open: TriggerMessage StatusNotification and
    MeterValues for the connector; the status it then reports (Available) closes the session."""
    cp = await _booted(hass, connect16)
    await _session(hass, cp)
    await cp._connection.close()
    coordinator = central.runtime_data.coordinators["CP1"]
    await wait_for(lambda: not coordinator.charger.connected)
    with patch.object(ProtocolAdapter, "status_grace_s", 0.05):
        again: Conformance16 = await connect16()
        await again.wait_for_call("TriggerMessage", 2)
    assert again.received("TriggerMessage") == [
        {"requestedMessage": "StatusNotification", "connectorId": 1},
        {"requestedMessage": "MeterValues", "connectorId": 1},
    ]
    await again.status(1, "Available")
    await hass.async_block_till_done()
    assert _connector(central).transaction is None
    assert _connector(central).last_session_energy_wh == 2000


async def test_command_delivered_then_disconnected(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """The charger received RemoteStopTransaction and dropped the connection without answering:
    the error says so (it may have stopped), not "not connected"."""
    cp = await _booted(hass, connect16)
    await _session(hass, cp)
    cp.script.answers["RemoteStopTransaction"] = NO_ANSWER
    stopping = asyncio.ensure_future(act(hass, "stop_charging", {"device_id": device_of(central)}))
    await cp.wait_for_call("RemoteStopTransaction")
    await cp._connection.close()
    with pytest.raises(HomeAssistantError) as excinfo:
        await stopping
    assert excinfo.value.translation_domain == DOMAIN
    assert excinfo.value.translation_key == "charger_disconnected"
    assert "may have been applied" in str(excinfo.value)
    # Not connected at all: that one still says so.
    await wait_for(lambda: not central.runtime_data.coordinators["CP1"].charger.connected)
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "stop_charging", {"device_id": device_of(central), "transaction_id": "1"})
    assert excinfo.value.translation_key == "charger_offline"
