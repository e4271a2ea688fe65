"""OCPP 2.0.1 transactions as the station knows them: blocks E (transactions) and F (remote control).

The station side plays the specification's sequence diagrams with the `ocpp` package; every frame
the central system sends is checked against the official schemas (tests/conformance/conftest.py).

Use cases and the tests that cover them:

- E14 Check Transaction status, after a reconnect with a session open (E_31-style): the station
  ended it while apart → closed as stale: test_e14_reconnect_closes_ended_transaction
- E14 after a reconnect, the session still runs → kept: test_e14_reconnect_keeps_ongoing_transaction
- F01 Remote Start Transaction with a TxProfile (chargingProfile in RequestStartTransaction):
  test_f01_remote_start_with_profile
- F01 Remote Start while Home Assistant still holds a session the station no longer runs:
  test_f01_remote_start_after_stale_transaction
- F03 Remote Stop Transaction of a named session: test_f03_remote_stop_named_transaction
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.events import ChargerEvent, ChargerEventType
from custom_components.ocpp_central.csms.model import Connector
from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance201
from tests.helpers.services_common import act, device_of
from tests.helpers.waiting import wait_for

NOT_ONGOING = {"messagesInQueue": False, "ongoingIndicator": False}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _connector(central: MockConfigEntry, number: int = 1) -> Connector:
    return central.runtime_data.coordinators["CP1"].charger.connectors[number]


def _ended(central: MockConfigEntry) -> list[ChargerEvent]:
    ended: list[ChargerEvent] = []

    def listen(event: ChargerEvent) -> None:
        if event.type is ChargerEventType.TRANSACTION_ENDED:
            ended.append(event)

    central.runtime_data.coordinators["CP1"].async_add_event_listener(listen)
    return ended


async def _booted(hass: HomeAssistant, connect201: ConnectConformance) -> Conformance201:
    cp: Conformance201 = await connect201()
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def _session(hass: HomeAssistant, cp: Conformance201) -> str:
    tx = await cp.start_transaction(1, "TAG-1", 1000, _now())
    await hass.async_block_till_done(wait_background_tasks=True)
    return tx


async def _reconnected(
    hass: HomeAssistant,
    central: MockConfigEntry,
    cp: Conformance201,
    connect201: ConnectConformance,
) -> Conformance201:
    """The station drops the connection and comes back without booting."""
    await cp._connection.close()
    coordinator = central.runtime_data.coordinators["CP1"]
    await wait_for(lambda: not coordinator.charger.connected)
    again: Conformance201 = await connect201()
    return again


async def test_e14_reconnect_closes_ended_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """GetTransactionStatus after the reconnect: not ongoing, nothing queued → closed as stale."""
    cp = await _booted(hass, connect201)
    ended = _ended(central)
    tx = await _session(hass, cp)
    with patch.object(ProtocolAdapter, "status_grace_s", 0.05):
        again = await _reconnected(hass, central, cp, connect201)
        again.script.answers["GetTransactionStatus"] = NOT_ONGOING
        assert await again.wait_for_call("GetTransactionStatus") == {"transactionId": tx}
        await wait_for(lambda: _connector(central).transaction is None)
    assert [(e.transaction_id, e.stop_reason) for e in ended] == [(tx, "Stale")]
    assert _connector(central).last_session_energy_wh == 0
    await hass.async_block_till_done(wait_background_tasks=True)
    # Nothing is asked of a session that is gone.
    assert "TransactionEvent" not in [
        p["requestedMessage"] for p in again.received("TriggerMessage")
    ]


async def test_e14_reconnect_keeps_ongoing_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """Ongoing: the session stays open."""
    cp = await _booted(hass, connect201)
    tx = await _session(hass, cp)
    with patch.object(ProtocolAdapter, "status_grace_s", 0.05):
        again = await _reconnected(hass, central, cp, connect201)
        assert await again.wait_for_call("GetTransactionStatus") == {"transactionId": tx}
        await hass.async_block_till_done(wait_background_tasks=True)
    connector = _connector(central)
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == tx


async def test_f01_remote_start_with_profile(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """RequestStartTransaction carries a TxProfile (no transactionId: none exists yet)."""
    cp = await _booted(hass, connect201)
    await act(
        hass,
        "start_charging",
        {"device_id": device_of(central), "id_tag": "GUEST", "limit": 4140, "unit": "W"},
        response=True,
    )
    (start,) = cp.received("RequestStartTransaction")
    assert isinstance(start.pop("remoteStartId"), int)
    profile = start["chargingProfile"]
    assert start == {
        "idToken": {"idToken": "GUEST", "type": "Central"},
        "evseId": 1,
        "chargingProfile": {
            "id": 2001,
            "stackLevel": profile["stackLevel"],
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": [
                {
                    "id": 2001,
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 4140.0}],
                }
            ],
        },
    }


async def test_f01_remote_start_after_stale_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """Home Assistant holds a session: asked first, the station says it ended; the start goes."""
    cp = await _booted(hass, connect201)
    tx = await _session(hass, cp)
    cp.script.answers["GetTransactionStatus"] = NOT_ONGOING
    answer = await act(hass, "start_charging", {"device_id": device_of(central)}, response=True)
    assert answer["status"] == "Accepted"
    calls = [f.action for f in cp.sent_by_central if f.kind == "call"]
    asked = calls.index("GetTransactionStatus")
    assert calls[asked:] == ["GetTransactionStatus", "RequestStartTransaction"]
    assert cp.received("GetTransactionStatus") == [{"transactionId": tx}]
    assert _connector(central).transaction is None


async def test_f01_remote_start_with_session_running(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """The station confirms the session runs: no second start, the running one is named."""
    cp = await _booted(hass, connect201)
    tx = await _session(hass, cp)
    answer = await act(hass, "start_charging", {"device_id": device_of(central)}, response=True)
    assert answer["transaction_id"] == tx
    assert cp.received("RequestStartTransaction") == []


async def test_f03_remote_stop_named_transaction(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance, hooked: None
) -> None:
    """RequestStopTransaction for the named session; without a name, the connector's own."""
    cp = await _booted(hass, connect201)
    tx = await _session(hass, cp)
    await act(hass, "stop_charging", {"device_id": device_of(central), "transaction_id": "OLD-7"})
    await act(hass, "stop_charging", {"device_id": device_of(central)})
    assert cp.received("RequestStopTransaction") == [
        {"transactionId": "OLD-7"},
        {"transactionId": tx},
    ]
