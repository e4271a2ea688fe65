"""OCPP 2.0.1 transactions: TransactionEvent Started/Updated/Ended, seqNo de-duplication, offline events.

Transaction ids are the charger's strings; every (transactionId, seqNo) is applied once, also when a
station resends after a reconnect; late `offline` events never move the lifetime energy back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from homeassistant.core import HomeAssistant
from ocpp.exceptions import ProtocolError, TypeConstraintViolationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.events import ChargerEvent, ChargerEventType
from custom_components.ocpp_central.csms.model import Charger, ConnectorStatus
from tests.helpers.charger_v201 import Charger201
from tests.helpers.charger_v201_data import energy_201, meter_value

type Connect = Callable[..., Awaitable[Charger201]]
TAG = {"id_token": "04A2B3C4D5", "type": "ISO14443"}


def model(entry: MockConfigEntry) -> Charger:
    return entry.runtime_data.coordinators["CP1"].charger


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


@pytest.fixture
def events(central: MockConfigEntry) -> list[ChargerEvent]:
    seen: list[ChargerEvent] = []
    central.runtime_data.coordinators["CP1"].async_add_event_listener(seen.append)
    return seen


def sessions(events: list[ChargerEvent]) -> list[tuple[str, object]]:
    wanted = (ChargerEventType.TRANSACTION_STARTED, ChargerEventType.TRANSACTION_ENDED)
    return [(e.type.value, e.transaction_id) for e in events if e.type in wanted]


def reading(timestamp: str, wh: float, context: str | None = None) -> list[dict[str, object]]:
    return [meter_value(timestamp, energy_201(wh, context))]


async def test_transaction_lifecycle(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """Started → Charging → readings → Ended: the charger's id, session energy, events and entities."""
    cp = await connect_v201("CP1")
    await cp.boot()
    await cp.status(1, "Preparing")
    tx = await cp.start_transaction(1, "04A2B3C4D5", 10000, "2026-11-25T08:00:00Z")
    await cp.status(1, "Charging")
    await cp.transaction_event(
        "Updated", 1, "MeterValuePeriodic", meter_value=reading("2026-11-25T08:30:00Z", 11500)
    )
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    transaction = connector.transaction
    assert transaction is not None
    assert (transaction.transaction_id, transaction.id_tag) == ("TX-0001", "04A2B3C4D5")
    assert transaction.started_at == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert transaction.meter_start_wh == 10000.0
    assert state(hass, "sensor.charger_cp1_transaction") == "TX-0001"
    assert state(hass, "sensor.charger_cp1_session_energy") == "1.5"
    assert state(hass, "binary_sensor.charger_cp1_charging") == "on"
    await cp.stop_transaction(tx, 13500, "2026-11-25T09:00:00Z", id_tag="04A2B3C4D5")
    await hass.async_block_till_done()
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 3500.0
    assert connector.status is ConnectorStatus.FINISHING
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "13.5"
    assert state(hass, "sensor.charger_cp1_transaction") == "unknown"
    assert sessions(events) == [
        ("transaction_started", "TX-0001"),
        ("transaction_ended", "TX-0001"),
    ]
    presented = [e for e in events if e.type is ChargerEventType.TAG_PRESENTED]
    assert [(e.id_tag, e.connector_id) for e in presented] == [("04A2B3C4D5", 1)] * 2
    # The order 1.6 has too: the tag, then the session.
    assert events.index(presented[0]) < [e.type for e in events].index(
        ChargerEventType.TRANSACTION_STARTED
    )


async def test_seq_no_duplicates(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """A repeated seqNo is answered like the first but applied once, also after a reconnect."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = "TX-D"
    for _ in range(2):
        answer = await cp.transaction_event(
            "Started",
            1,
            "Authorized",
            seq_no=0,
            id_token=TAG,
            meter_value=reading("2026-11-25T08:00:00Z", 1000),
        )
        assert answer.id_token_info == {"status": "Accepted"}
    await cp.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        seq_no=1,
        meter_value=reading("2026-11-25T08:10:00Z", 1500),
    )
    # The same seqNo with other content (a buggy firmware) is not applied again.
    await cp.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        seq_no=1,
        meter_value=reading("2026-11-25T08:20:00Z", 9000),
    )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 1500.0
    await cp.transaction_event(
        "Ended", 1, "EVDeparted", seq_no=2, meter_value=reading("2026-11-25T08:30:00Z", 2000)
    )
    # After a reconnect the station resends what it had no answer for.
    again = await connect_v201("CP1")
    again.transactions[1] = "TX-D"
    await again.transaction_event(
        "Ended", 1, "EVDeparted", seq_no=2, meter_value=reading("2026-11-25T08:30:00Z", 2000)
    )
    await again.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        seq_no=1,
        meter_value=reading("2026-11-25T08:10:00Z", 1500),
    )
    await again.transaction_event("Started", 1, "Authorized", seq_no=0, id_token=TAG)
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 1000.0
    assert sessions(events) == [("transaction_started", "TX-D"), ("transaction_ended", "TX-D")]
    tags = [e for e in events if e.type is ChargerEventType.TAG_PRESENTED]
    assert len(tags) == 1


async def test_seq_no_gap_filled_late(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """A missing seqNo arriving late is applied, without moving the lifetime energy back."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = "TX-G"
    await cp.transaction_event(
        "Started", 1, "CablePluggedIn", seq_no=0, meter_value=reading("2026-11-25T08:00:00Z", 1000)
    )
    await cp.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        seq_no=2,
        meter_value=reading("2026-11-25T08:20:00Z", 3000),
    )
    await cp.transaction_event(
        "Updated",
        1,
        "Authorized",
        seq_no=1,
        id_token=TAG,
        meter_value=reading("2026-11-25T08:10:00Z", 2000),
    )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 3000.0
    assert connector.transaction is not None
    assert connector.transaction.id_tag == "04A2B3C4D5"
    assert connector.session_energy_wh == 2000.0


async def test_offline_events_after_live_readings(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """A whole session queued offline arrives after newer readings: counted, lifetime untouched."""
    cp = await connect_v201("CP1")
    await cp.call(
        cp.call_module.MeterValues(evse_id=1, meter_value=reading("2026-11-25T12:00:00Z", 25000))
    )
    cp.transactions[1] = "TX-OFF"
    for seq, kind, stamp, wh in (
        (0, "Started", "2026-11-25T10:00:00Z", 20000),
        (1, "Updated", "2026-11-25T10:30:00Z", 21000),
        (2, "Ended", "2026-11-25T11:00:00Z", 23000),
    ):
        await cp.transaction_event(
            kind,
            1,
            "MeterValuePeriodic",
            seq_no=seq,
            offline=True,
            timestamp=stamp,
            meter_value=reading(stamp, wh, "Transaction.End" if kind == "Ended" else None),
        )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 25000.0
    assert connector.last_session_energy_wh == 3000.0
    assert connector.last_meter_at == datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert sessions(events) == [("transaction_started", "TX-OFF"), ("transaction_ended", "TX-OFF")]


async def test_lost_started_event(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """A session first seen in an Updated event opens there; its late Started moves the start back."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = "TX-L"
    await cp.transaction_event(
        "Updated",
        1,
        "MeterValuePeriodic",
        seq_no=3,
        meter_value=reading("2026-11-25T08:30:00Z", 5000),
    )
    connector = model(central).connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.meter_start_wh == 5000.0
    await cp.transaction_event(
        "Started",
        1,
        "Authorized",
        seq_no=0,
        id_token=TAG,
        timestamp="2026-11-25T08:00:00Z",
        meter_value=reading("2026-11-25T08:00:00Z", 4000),
    )
    assert connector.transaction.started_at == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert connector.transaction.meter_start_wh == 4000.0
    assert connector.transaction.id_tag == "04A2B3C4D5"
    assert connector.energy.total_wh == 5000.0
    assert connector.session_energy_wh == 1000.0
    assert sessions(events) == [("transaction_started", "TX-L")]


async def test_unknown_and_superseded_transactions(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """An Ended of a session never seen is acknowledged; a new session closes a stale open one."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = "TX-GHOST"
    await cp.transaction_event("Ended", 1, "EVDeparted", seq_no=7)
    assert model(central).connectors[1].transaction is None
    cp.transactions[1] = "TX-A"
    await cp.transaction_event(
        "Started", 1, "CablePluggedIn", meter_value=reading("2026-11-25T08:00:00Z", 100)
    )
    cp.transactions[1] = "TX-B"
    await cp.transaction_event(
        "Started", 1, "CablePluggedIn", meter_value=reading("2026-11-25T09:00:00Z", 300)
    )
    connector = model(central).connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == "TX-B"
    assert connector.last_session_energy_wh == 200.0
    assert sessions(events) == [
        ("transaction_started", "TX-A"),
        ("transaction_ended", "TX-A"),
        ("transaction_started", "TX-B"),
    ]


async def test_transaction_event_without_evse_goes_to_the_only_evse(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """evse is only required in the first event: later ones find their session by id."""
    cp = await connect_v201("CP1")
    await cp.status(2, "Available")
    cp.transactions[2] = "TX-2"
    await cp.transaction_event(
        "Updated", 2, "MeterValuePeriodic", meter_value=reading("2026-11-25T08:00:00Z", 10)
    )
    assert model(central).connectors[2].transaction is not None


async def test_invalid_transaction_events(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """No transaction id or a negative seqNo: a CALLERROR, and the session carries on."""
    cp = await connect_v201("CP1")
    c = cp.call_module
    with pytest.raises(ProtocolError):
        await cp.call(
            c.TransactionEvent(
                event_type="Started",
                timestamp="2026-11-25T08:00:00Z",
                trigger_reason="Authorized",
                seq_no=0,
                transaction_info={},
            ),
            skip_schema_validation=True,
            suppress=False,
        )
    with pytest.raises(TypeConstraintViolationError):
        await cp.call(
            c.TransactionEvent(
                event_type="Started",
                timestamp="2026-11-25T08:00:00Z",
                trigger_reason="Authorized",
                seq_no=-1,
                transaction_info={"transaction_id": "T"},
            ),
            skip_schema_validation=True,
            suppress=False,
        )
    assert (await cp.heartbeat()).current_time


async def test_ev_info_from_transaction_events(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Phases used and the cable's rating are kept per session; a new session starts blank."""
    cp = await connect_v201("CP1")
    cp.transactions[1] = "TX-1"
    await cp.transaction_event(
        "Started", 1, "CablePluggedIn", number_of_phases_used=1, cable_max_current=20
    )
    ev = model(central).connectors[1].ev
    assert (ev.phases_used, ev.cable_max_current_a) == (1, 20.0)
    await cp.transaction_event("Ended", 1, "EVDeparted")
    cp.transactions[1] = "TX-2"
    await cp.transaction_event("Started", 1, "CablePluggedIn")
    assert model(central).connectors[1].ev.phases_used is None
    with pytest.raises(ProtocolError):
        await cp.transaction_event(
            "Updated", 1, "Authorized", id_token={"type": "ISO14443"}, skip_validation=True
        )


def test_ledger_memory_is_bounded() -> None:
    """Remembered ids are bounded, the oldest go first; remembering again makes one recent."""
    from custom_components.ocpp_central.csms.protocol.v201_state import MAX_REMEMBERED, Ledger

    store: dict[str, None] = {}
    for n in range(MAX_REMEMBERED + 5):
        Ledger.remember(store, f"TX-{n}", None)
        if n == 3:
            Ledger.remember(store, "TX-0", None)
    assert len(store) == MAX_REMEMBERED
    assert "TX-0" not in store
    assert "TX-5" in store
