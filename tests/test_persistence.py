"""Durable state across restarts: transaction ids, open transactions and lifetime energy."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.model import Charger
from custom_components.ocpp_central.storage.store import STORAGE_VERSION
from tests.helpers.on_disk import crash_to, read_disk
from tests.helpers.sim_charger import ConnectFn, SimCharger

SAVE_DELAY_S = 30


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Charger:
    return entry.runtime_data.coordinators[charger_id].charger


def storage_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


def energy(value: str, timestamp: str) -> dict[str, Any]:
    return {
        "timestamp": timestamp,
        "sampledValue": [{"value": value, "measurand": "Energy.Active.Import.Register"}],
    }


async def start(cp: SimCharger, meter_start: int, timestamp: str, connector_id: int = 1) -> int:
    result = await cp.call(
        call.StartTransaction(
            connector_id=connector_id, id_tag="TAG-1", meter_start=meter_start, timestamp=timestamp
        )
    )
    return int(result.transaction_id)


async def stop(cp: SimCharger, transaction_id: int, meter_stop: int, timestamp: str) -> None:
    await cp.call(
        call.StopTransaction(
            transaction_id=transaction_id, meter_stop=meter_stop, timestamp=timestamp
        )
    )


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload and set the entry up again: same storage, new central system."""
    old = entry.runtime_data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old


async def test_open_transaction_survives_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """An open session resumes after a restart and its stop gives the right session energy."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    tx_id = await start(cp, 10000, "2025-06-25T08:00:00Z")
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx_id,
            meter_value=[energy("11000", "2025-06-25T08:30:00Z")],
        )
    )
    await cp._connection.close()

    await restart(hass, central)
    stored = hass_storage[storage_key(central)]
    assert stored["version"] == STORAGE_VERSION
    assert (
        stored["data"]["chargers"]["CP1"]["connectors"]["1"]["transaction"]["transaction_id"]
        == tx_id
    )

    connector = model(central).connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == tx_id
    assert connector.transaction.meter_start_wh == 10000.0
    assert connector.energy.total_wh == 11000.0
    # Entities exist right away (restored shape) but are unavailable until the charger is back.
    assert hass.states.get("sensor.charger_cp1_lifetime_energy").state == STATE_UNAVAILABLE

    cp = await connect("CP1")
    await cp.call(call.Heartbeat())
    await hass.async_block_till_done()
    assert hass.states.get("sensor.charger_cp1_transaction").state == str(tx_id)
    assert hass.states.get("sensor.charger_cp1_session_energy").state == "1.0"
    assert hass.states.get("sensor.charger_cp1_lifetime_energy").state == "11.0"

    await stop(cp, tx_id, 12500, "2025-06-25T09:00:00Z")
    await hass.async_block_till_done()
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2500.0
    assert hass.states.get("sensor.charger_cp1_session_energy").state == "2.5"
    assert hass.states.get("sensor.charger_cp1_lifetime_energy").state == "12.5"

    # And that, too, is durable.
    await restart(hass, central)
    connector = model(central).connectors[1]
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2500.0
    assert connector.energy.total_wh == 12500.0


async def test_transaction_ids_continue_after_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The counter never hands out an id twice, restart or not."""
    cp = await connect("CP1")
    seen = []
    for n in range(3):
        tx_id = await start(cp, 0, f"2025-06-25T0{n}:00:00Z")
        await stop(cp, tx_id, 10, f"2025-06-25T0{n}:30:00Z")
        seen.append(tx_id)
    await restart(hass, central)
    cp = await connect("CP1")
    after = await start(cp, 0, "2025-06-25T05:00:00Z")
    assert after > max(seen)
    assert seen == sorted(seen)
    assert len(set(seen)) == 3


async def test_transaction_ids_not_reused_after_crash(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """Even when the last write is lost (power cut), ids handed out before are not reused."""
    cp = await connect("CP1")
    first = await start(cp, 0, "2025-06-25T01:00:00Z")
    # What was on disk right after the first id was handed out.
    on_disk = await read_disk(hass, central, hass_storage)
    handed_out = [first]
    for n in range(2, 6):
        handed_out.append(await start(cp, 0, f"2025-06-25T0{n}:00:00Z", connector_id=n))
    await crash_to(hass, central, hass_storage, on_disk)
    cp = await connect("CP1")
    assert await start(cp, 0, "2025-06-25T07:00:00Z") > max(handed_out)


async def test_counter_never_below_open_transaction(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
) -> None:
    """A stored counter behind a stored open transaction (old or hand-edited store) is corrected."""
    hass_storage[storage_key(config_entry)] = {
        "version": STORAGE_VERSION,
        "key": storage_key(config_entry),
        "data": {
            "transaction_id_reserved": 3,
            "chargers": {
                "CP1": {
                    "info": {},
                    "connectors": {
                        "1": {
                            "energy_raw_wh": 500.0,
                            "energy_offset_wh": 0.0,
                            "transaction": {
                                "transaction_id": 41,
                                "connector_id": 1,
                                "id_tag": "T",
                                "meter_start_wh": 100.0,
                                "started_at": "2025-06-25T08:00:00+00:00",
                            },
                        }
                    },
                }
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    cp = await connect("CP1")
    assert await start(cp, 500, "2025-06-25T09:00:00Z", connector_id=2) == 42


async def test_unreadable_store_entries_are_dropped(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A damaged stored charger or connector costs that part only, never the whole setup."""
    hass_storage[storage_key(config_entry)] = {
        "version": STORAGE_VERSION,
        "key": storage_key(config_entry),
        "data": {
            "transaction_id_reserved": "garbage",
            "chargers": {
                "CP1": {
                    "info": {"vendor": "Acme"},
                    "connectors": {
                        "1": {"energy_raw_wh": 1000.0, "transaction": {"transaction_id": 1}},
                        "2": {"energy_raw_wh": "lots"},
                        "x": {},
                        "3": {"energy_raw_wh": 42.0, "last_meter_at": "yesterday"},
                    },
                },
                "CP9": {"info": None},
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    charger = model(config_entry)
    assert charger.info.vendor == "Acme"
    assert sorted(charger.connectors) == [3]
    assert charger.connectors[3].energy.total_wh == 42.0
    assert charger.connectors[3].last_meter_at is None
    assert "Dropped unreadable stored state" in caplog.text


async def test_lifetime_energy_survives_and_never_drops(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Vestel-style per-session registers: lifetime energy keeps increasing across restarts."""
    cp = await connect("CP1")
    tx_id = await start(cp, 0, "2025-06-20T08:00:00Z")
    await stop(cp, tx_id, 3000, "2025-06-20T09:00:00Z")
    assert model(central).connectors[1].energy.total_wh == 3000.0

    await restart(hass, central)
    assert model(central).connectors[1].energy.total_wh == 3000.0
    cp = await connect("CP1")
    tx_id = await start(cp, 0, "2025-06-21T08:00:00Z")
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx_id,
            meter_value=[energy("500", "2025-06-21T08:10:00Z")],
        )
    )
    assert model(central).connectors[1].energy.total_wh == 3500.0
    await restart(hass, central)
    cp = await connect("CP1")
    await stop(cp, tx_id, 2000, "2025-06-21T09:00:00Z")
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 5000.0
    assert connector.last_session_energy_wh == 2000.0
    await hass.async_block_till_done()
    assert hass.states.get("sensor.charger_cp1_lifetime_energy").state == "5.0"


async def test_backlog_after_restart_does_not_inflate_lifetime(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Alfen replays old readings after a reconnect; after a restart they are still old."""
    cp = await connect("CP1")
    await cp.call(
        call.MeterValues(connector_id=1, meter_value=[energy("20000", "2025-06-25T08:00:00Z")])
    )
    await restart(hass, central)
    cp = await connect("CP1")
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=9223372036854775807,
            meter_value=[
                energy("5000", "2022-01-01T00:00:00Z"),
                energy("5100", "2022-01-01T00:15:00Z"),
            ],
        ),
        skip_schema_validation=True,
    )
    await cp.call(
        call.MeterValues(connector_id=1, meter_value=[energy("20100", "2025-06-25T08:10:00Z")])
    )
    assert model(central).connectors[1].energy.total_wh == 20100.0


async def test_main_meter_choice_survives_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A connector with its own meter keeps ignoring the station meter after a restart."""
    cp = await connect("CP1")
    await cp.call(
        call.MeterValues(connector_id=1, meter_value=[energy("1000", "2025-06-25T08:00:00Z")])
    )
    await restart(hass, central)
    cp = await connect("CP1")
    await cp.call(
        call.MeterValues(connector_id=0, meter_value=[energy("250000", "2025-06-25T08:01:00Z")])
    )
    assert model(central).connectors[1].energy.total_wh == 1000.0


async def test_pending_charger_adopted_with_its_data(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn, hass_storage: dict[str, Any]
) -> None:
    """A discovered charger confirmed by the homeowner keeps what it reported while pending."""
    cp = await connect("NEW1")
    assert (await cp.boot(vendor="Zaptec", model="Go")).status == "Pending"
    await cp.call(
        call.MeterValues(connector_id=0, meter_value=[energy("777", "2025-06-25T08:00:00Z")])
    )
    central.runtime_data.async_add_charger("NEW1", "New charger", "", 16)
    await hass.async_block_till_done()
    charger = model(central, "NEW1")
    assert charger.info.vendor == "Zaptec"
    assert charger.connectors[1].energy.total_wh == 777.0
    assert charger.connected
    # The charger is asked to boot again, now to be accepted.
    for _ in range(100):
        if cp.received:
            break
        await hass.async_block_till_done()
        await cp.call(call.Heartbeat())
    assert cp.received == [("TriggerMessage", {"requested_message": "BootNotification"})]
    assert (await cp.boot(vendor="Zaptec", model="Go")).status == "Accepted"
    await restart(hass, central)
    assert model(central, "NEW1").connectors[1].energy.total_wh == 777.0


async def test_readings_written_within_the_save_delay(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Energy readings reach the disk within the save delay, without waiting for a shutdown."""
    cp = await connect("CP1")
    await cp.call(
        call.MeterValues(connector_id=1, meter_value=[energy("4321", "2025-06-25T08:00:00Z")])
    )
    await hass.async_block_till_done()
    assert storage_key(central) not in hass_storage
    # Another reading a bit later does not push the write further out.
    freezer.tick(SAVE_DELAY_S - 5)
    await cp.call(
        call.MeterValues(connector_id=1, meter_value=[energy("4400", "2025-06-25T08:00:25Z")])
    )
    freezer.tick(6)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    stored = hass_storage[storage_key(central)]["data"]
    assert stored["chargers"]["CP1"]["connectors"]["1"]["energy_raw_wh"] == 4400.0
