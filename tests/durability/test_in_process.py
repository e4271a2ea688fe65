"""What is on disk when a charger hears our answer, and what a crash at that moment leaves.

The real integration in a real hass, real OCPP clients over a real WebSocket. The files are read
from disk (the journal is a real file; the Store snapshot is what phcc's storage mock holds), and a
crash is played by starting again from the files as they were at that moment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.csms.model import Transaction
from custom_components.ocpp_central.storage.store import SAVE_DELAY_S, STORAGE_VERSION
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.on_disk import (
    OnDisk,
    crash_to,
    journal_path,
    journal_records,
    read_disk,
    storage_key,
    stored_connector,
)
from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.subentries import charger_subentry


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Any:
    return entry.runtime_data.coordinators[charger_id].charger


def energy(value: float, timestamp: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": timestamp,
            "sampledValue": [{"value": str(value), "measurand": "Energy.Active.Import.Register"}],
        }
    ]


async def start(
    cp: SimCharger, meter_start: int, timestamp: str, connector_id: int = 1, **kwargs: Any
) -> Any:
    return await cp.call(
        call.StartTransaction(
            connector_id=connector_id, id_tag="TAG-1", meter_start=meter_start, timestamp=timestamp
        ),
        **kwargs,
    )


async def test_start_and_stop_are_on_disk_when_their_answers_arrive(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """StartTransaction.conf and StopTransaction.conf go out only once the journal holds them."""
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    after_start = await read_disk(hass, central, hass_storage)
    transaction = stored_connector(after_start)["transaction"]
    assert transaction["transaction_id"] == tx_id
    assert transaction["meter_start_wh"] == 1000.0
    reserved = [r["reserved"] for r in journal_records(after_start) if "reserved" in r]
    assert reserved
    assert max(reserved) > tx_id

    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx_id, meter_value=energy(1200, "2025-06-25T08:10:00Z")
        )
    )
    assert stored_connector(await read_disk(hass, central, hass_storage))["energy_raw_wh"] == 1200
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id, meter_stop=1300, timestamp="2025-06-25T08:20:00Z"
        )
    )
    after_stop = await read_disk(hass, central, hass_storage)
    assert stored_connector(after_stop)["transaction"] is None
    assert stored_connector(after_stop)["last_session_energy_wh"] == 300.0

    # A crash right after the start answer: the session is still there, and its stop counts.
    await crash_to(hass, central, hass_storage, after_start)
    connector = model(central).connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == tx_id
    cp = await connect("CP1")
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id, meter_stop=1300, timestamp="2025-06-25T08:20:00Z"
        )
    )
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 300.0
    assert connector.energy.total_wh == 1300.0
    # The id is not handed out again.
    assert (await start(cp, 1300, "2025-06-25T09:00:00Z")).transaction_id > tx_id


async def test_a_stopped_session_stays_stopped_after_a_crash(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """The stop record wins on replay: a crash right after StopTransaction.conf revives nothing."""
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    await cp.call(
        call.StopTransaction(
            transaction_id=tx_id, meter_stop=2500, timestamp="2025-06-25T08:20:00Z"
        )
    )
    await crash_to(hass, central, hass_storage, await read_disk(hass, central, hass_storage))
    connector = model(central).connectors[1]
    assert connector.transaction is None
    assert connector.energy.total_wh == 2500.0
    assert connector.last_session_energy_wh == 1500.0


async def test_201_started_and_ended_are_on_disk_when_answered(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: ConnectAnyFn,
    hass_storage: dict[str, Any],
) -> None:
    """OCPP 2.0.1: the Started and the Ended TransactionEvent are on disk before their answers."""
    cp = await connect_v201("CP1")
    await cp.boot()
    tx_id = await cp.start_transaction(1, "TAG-1", 5000, "2025-06-25T08:00:00Z")
    started = await read_disk(hass, central, hass_storage)
    assert stored_connector(started)["transaction"]["transaction_id"] == tx_id
    await cp.stop_transaction(tx_id, 5800, "2025-06-25T08:30:00Z")
    ended = await read_disk(hass, central, hass_storage)
    assert stored_connector(ended)["transaction"] is None
    assert stored_connector(ended)["energy_raw_wh"] == 5800.0

    await crash_to(hass, central, hass_storage, started)
    assert model(central).connectors[1].transaction.transaction_id == tx_id
    await crash_to(hass, central, hass_storage, ended)
    assert model(central).connectors[1].transaction is None
    assert model(central).connectors[1].last_session_energy_wh == 800.0


async def test_damaged_and_torn_journal_lines_are_skipped(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A damaged line costs that line; a line cut short by the crash, nothing else."""
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx_id, meter_value=energy(1100, "2025-06-25T08:05:00Z")
        )
    )
    on_disk = await read_disk(hass, central, hass_storage)
    assert on_disk.journal is not None
    lines = on_disk.journal.splitlines(keepends=True)
    damaged = b"".join([lines[0], b"\x00\xff not json\n", *lines[1:]])
    torn = b'{"seq":999,"charger":"CP1","part":"1","state":{"energy_raw_wh":99'
    await crash_to(hass, central, hass_storage, OnDisk(on_disk.snapshot, damaged + torn))
    assert "Skipped 2 unreadable line(s)" in caplog.text
    connector = model(central).connectors[1]
    assert connector.transaction.transaction_id == tx_id
    assert connector.energy.total_wh == 1100.0


async def test_a_record_after_a_torn_line_starts_on_a_line_of_its_own(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing to replay but a torn line: the next record must not be glued onto it."""
    torn = b'{"seq":1,"charger":"CP1","part":"1","state":{"energy_raw_wh":9'
    await crash_to(hass, central, hass_storage, OnDisk(None, torn))
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    on_disk = await read_disk(hass, central, hass_storage)
    assert on_disk.journal is not None
    assert on_disk.journal.startswith(torn + b"\n")
    assert stored_connector(on_disk)["transaction"]["transaction_id"] == tx_id
    await crash_to(hass, central, hass_storage, on_disk)
    assert model(central).connectors[1].transaction.transaction_id == tx_id


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1"), charger_subentry("CP2")]])
async def test_one_chargers_bad_data_does_not_stop_the_others_being_saved(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An id of 2^64 (and a register that is no number) cost CP1's bad connector only."""
    cp1 = await connect("CP1")
    cp2 = await connect("CP2")
    await cp1.call(
        call.MeterValues(connector_id=1, meter_value=energy(700, "2025-06-25T07:00:00Z"))
    )
    # What the protocol door (its own tests) would refuse, as if it got through: a session whose
    # connector id is beyond JSON's integers, a register that is no number.
    bad = model(central, "CP1")
    bad.connectors[1].transaction = Transaction(
        2**64, 2**64, "TAG-1", 0.0, datetime(2025, 6, 25, 8, tzinfo=UTC)
    )
    bad.connectors[1].energy.last_raw_wh = float("nan")
    central.runtime_data.changed(bad, durable=True)
    central.runtime_data.changed(bad, durable=True)

    handed_out = []
    for n in range(3):
        result = await start(cp2, 1000 * n, f"2025-06-25T0{n + 1}:00:00Z")
        handed_out.append(result.transaction_id)
        await cp2.call(
            call.StopTransaction(
                transaction_id=result.transaction_id,
                meter_stop=1000 * n + 500,
                timestamp=f"2025-06-25T0{n + 1}:30:00Z",
            )
        )
    on_disk = await read_disk(hass, central, hass_storage)
    assert stored_connector(on_disk, charger="CP2")["energy_raw_wh"] == 2500.0
    assert stored_connector(on_disk, charger="CP1")["energy_raw_wh"] == 700.0

    freezer.tick(SAVE_DELAY_S + 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    snapshot = hass_storage[storage_key(central)]["data"]
    assert snapshot["chargers"]["CP2"]["connectors"]["1"]["energy_raw_wh"] == 2500.0
    assert snapshot["chargers"]["CP1"]["connectors"]["1"]["energy_raw_wh"] == 700.0
    assert snapshot["chargers"]["CP1"]["connectors"]["1"]["transaction"] is None
    assert snapshot["transaction_id_reserved"] > max(handed_out)
    # The snapshot holds it all: the journal is emptied.
    assert not await hass.async_add_executor_job(journal_path(hass, central).exists)
    # Logged once per part, however often it is written.
    assert caplog.text.count("CP1: connector 1 cannot be stored") == 1

    # And a clean shutdown saves too.
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    assert (
        hass_storage[storage_key(central)]["data"]["chargers"]["CP2"]["connectors"]["1"][
            "last_session_energy_wh"
        ]
        == 500.0
    )
    assert await hass.config_entries.async_setup(central.entry_id)
    await hass.async_block_till_done()
    cp2 = await connect("CP2")
    assert (await start(cp2, 3000, "2025-06-25T09:00:00Z")).transaction_id > max(handed_out)


TODAYS_FORMAT: dict[str, Any] = {
    "transaction_id_reserved": 142,
    "chargers": {
        "CP1": {
            "info": {
                "vendor": "Acme",
                "model": "Wallbox 1",
                "serial_number": "SN-1",
                "firmware_version": "1.2.3",
                "meter_type": None,
                "meter_serial_number": None,
            },
            "connectors": {
                "1": {
                    "energy_raw_wh": 12500.0,
                    "energy_offset_wh": 3000.0,
                    "transaction": {
                        "transaction_id": 41,
                        "connector_id": 1,
                        "id_tag": "TAG-1",
                        "meter_start_wh": 15000.0,
                        "started_at": "2025-06-25T08:00:00+00:00",
                    },
                    "last_session_energy_wh": 2000.0,
                    "last_meter_at": "2025-06-25T08:30:00+00:00",
                    "seen_measurands": ["Energy.Active.Import.Register", "Power.Active.Import"],
                    "metered_directly": True,
                    "ev": {
                        "energy_requested_wh": 20000.0,
                        "energy_capacity_wh": None,
                        "min_current_a": None,
                        "max_current_a": None,
                        "max_power_w": None,
                        "max_voltage_v": None,
                        "cable_max_current_a": None,
                        "requested_at_session_wh": 0.0,
                        "departure_time": "2025-06-25T16:00:00+00:00",
                        "phases_used": 3,
                    },
                    "external_limits": [
                        {
                            "source": "EMS",
                            "set_at": "2025-06-25T08:00:00+00:00",
                            "periods": [
                                {
                                    "begins": "2025-06-25T08:00:00+00:00",
                                    "ends": None,
                                    "limit": 10.0,
                                    "unit": "A",
                                    "phases": 3,
                                }
                            ],
                        }
                    ],
                }
            },
        }
    },
    "smart_charging": {"CP1": {"detected": {}, "connectors": {}}},
}


async def test_a_store_written_by_earlier_versions_loads(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """A snapshot in today's format (no journal yet) loads as it is, and the journal goes on from it."""
    hass_storage[storage_key(config_entry)] = {
        "version": STORAGE_VERSION,
        "key": storage_key(config_entry),
        "data": TODAYS_FORMAT,
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    charger = model(config_entry)
    assert charger.info.vendor == "Acme"
    connector = charger.connectors[1]
    assert connector.energy.total_wh == 15500.0
    assert connector.transaction.transaction_id == 41
    assert connector.ev.energy_requested_wh == 20000.0
    assert connector.ev.phases_used == 3
    assert connector.external_limits["EMS"].periods[0].limit == 10.0
    assert connector.last_session_energy_wh == 2000.0

    cp = await connect("CP1")
    await cp.call(
        call.StopTransaction(transaction_id=41, meter_stop=13000, timestamp="2025-06-25T09:00:00Z")
    )
    assert (await start(cp, 13000, "2025-06-25T09:10:00Z")).transaction_id == 142
    await crash_to(
        hass, config_entry, hass_storage, await read_disk(hass, config_entry, hass_storage)
    )
    connector = model(config_entry).connectors[1]
    assert connector.transaction.transaction_id == 142
    assert connector.last_session_energy_wh == 1000.0


async def test_a_journal_that_cannot_be_written_does_not_stop_charging(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing disk is logged once; the charger is answered and the snapshot still saves."""
    path = journal_path(hass, central)
    # A directory where the journal should be: every write fails.
    await hass.async_add_executor_job(partial(path.mkdir, parents=True))
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx_id, meter_value=energy(1100, "2025-06-25T08:05:00Z")
        )
    )
    # A reading's answer does not wait for the disk: let the write happen.
    await hass.async_block_till_done()
    assert caplog.text.count("Could not write") == 1

    await hass.async_add_executor_job(path.rmdir)
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx_id, meter_value=energy(1200, "2025-06-25T08:10:00Z")
        )
    )
    await hass.async_block_till_done()
    assert "works again" in caplog.text
    assert stored_connector(await read_disk(hass, central, hass_storage))["energy_raw_wh"] == 1200

    await hass.async_add_executor_job(path.unlink)
    await hass.async_add_executor_job(path.mkdir)
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    assert "Could not compact" in caplog.text
    snapshot = hass_storage[storage_key(central)]["data"]
    assert snapshot["chargers"]["CP1"]["connectors"]["1"]["energy_raw_wh"] == 1200.0
    await hass.async_add_executor_job(path.rmdir)


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1"), charger_subentry("CP2")]])
async def test_smart_charging_state_and_a_removed_charger_survive_a_crash(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """The engine's state is journaled at once; so is forgetting a removed charger."""
    store = central.runtime_data.store
    store.set_smart_charging("CP1", {"connectors": {"1": {"paused": True}}})
    cp2 = await connect("CP2")
    await cp2.call(
        call.MeterValues(connector_id=1, meter_value=energy(500, "2025-06-25T08:00:00Z"))
    )
    subentry = next(s for s in central.subentries.values() if s.unique_id == "CP2")
    assert hass.config_entries.async_remove_subentry(central, subentry.subentry_id)
    await hass.async_block_till_done()
    on_disk = await read_disk(hass, central, hass_storage)
    assert any(record.get("forget") == "CP2" for record in journal_records(on_disk))

    await crash_to(hass, central, hass_storage, on_disk)
    store = central.runtime_data.store
    assert store.smart_charging("CP1") == {"connectors": {"1": {"paused": True}}}
    assert "CP2" not in central.runtime_data.coordinators
    assert store.charger("CP2").connectors == {}


async def test_home_assistant_stopping_writes_the_snapshot(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """Home Assistant stops without unloading entries: its final write takes the journal over."""
    cp = await connect("CP1")
    tx_id = (await start(cp, 1000, "2025-06-25T08:00:00Z")).transaction_id
    assert storage_key(central) not in hass_storage
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    snapshot = hass_storage[storage_key(central)]["data"]
    assert snapshot["chargers"]["CP1"]["connectors"]["1"]["transaction"]["transaction_id"] == tx_id
    assert not await hass.async_add_executor_job(journal_path(hass, central).exists)
