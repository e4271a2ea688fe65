"""Durable charger state: transaction ids, open transactions and energy registers survive restarts."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .model import Charger, Connector, EnergyRegister, StationInfo, Transaction

STORAGE_VERSION = 1
# Energy readings arrive every few seconds; writing them at most this often keeps flash wear low.
# Home Assistant writes pending data on shutdown, so only a crash can lose this window.
SAVE_DELAY_S = 30
# Transaction ids are reserved in blocks: the stored high-water mark is always ahead of every id handed out,
# so an id is never reused, not even after a crash.
TRANSACTION_ID_BLOCK = 100


class ChargerStore:
    """Load and save the charger model's durable parts in Home Assistant's Store."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the store for one central system."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}"
        )
        self._chargers: dict[str, Charger] = {}
        self._next_transaction_id = 1
        self._reserved_until = 0

    async def async_load(self) -> dict[str, Charger]:
        """Read the stored chargers."""
        data = await self._store.async_load() or {}
        self._next_transaction_id = self._reserved_until = int(
            data.get("transaction_id_reserved", 1)
        )
        self._chargers = {
            charger_id: _charger_from_dict(charger_id, stored)
            for charger_id, stored in data.get("chargers", {}).items()
        }
        return self._chargers

    def charger(self, charger_id: str) -> Charger:
        """Return the durable model of a charger, creating it on first use."""
        if (charger := self._chargers.get(charger_id)) is None:
            charger = self._chargers[charger_id] = Charger(charger_id)
        return charger

    def adopt(self, charger: Charger) -> None:
        """Keep a newly confirmed charger's model, with what it already reported."""
        self._chargers[charger.charger_id] = charger
        self.schedule_save(delay=0)

    def forget(self, charger_id: str) -> None:
        """Drop a removed charger's history."""
        if self._chargers.pop(charger_id, None) is not None:
            self.schedule_save(delay=0)

    def next_transaction_id(self) -> int:
        """Hand out a transaction id that was never used before."""
        transaction_id = self._next_transaction_id
        self._next_transaction_id += 1
        if self._next_transaction_id >= self._reserved_until:
            self._reserved_until = self._next_transaction_id + TRANSACTION_ID_BLOCK
            self.schedule_save(delay=0)
        return transaction_id

    def schedule_save(self, delay: float = SAVE_DELAY_S) -> None:
        """Write soon; several changes within the delay become one write."""
        self._store.async_delay_save(self._as_dict, delay)

    async def async_save(self) -> None:
        """Write now (on unload)."""
        await self._store.async_save(self._as_dict())

    def _as_dict(self) -> dict[str, Any]:
        return {
            "transaction_id_reserved": self._reserved_until,
            "chargers": {
                charger_id: _charger_as_dict(charger)
                for charger_id, charger in self._chargers.items()
            },
        }


def _charger_as_dict(charger: Charger) -> dict[str, Any]:
    info = charger.info
    return {
        "info": {
            "vendor": info.vendor,
            "model": info.model,
            "serial_number": info.serial_number,
            "firmware_version": info.firmware_version,
            "meter_type": info.meter_type,
            "meter_serial_number": info.meter_serial_number,
        },
        "connectors": {
            str(connector_id): {
                "energy_raw_wh": connector.energy.last_raw_wh,
                "energy_offset_wh": connector.energy.offset_wh,
                "transaction": connector.transaction.as_dict()
                if connector.transaction
                else None,
                "last_session_energy_wh": connector.last_session_energy_wh,
                "seen_measurands": sorted(connector.seen_measurands),
            }
            for connector_id, connector in charger.connectors.items()
        },
    }


def _charger_from_dict(charger_id: str, data: dict[str, Any]) -> Charger:
    info = data.get("info", {})
    charger = Charger(
        charger_id,
        info=StationInfo(
            vendor=info.get("vendor"),
            model=info.get("model"),
            serial_number=info.get("serial_number"),
            firmware_version=info.get("firmware_version"),
            meter_type=info.get("meter_type"),
            meter_serial_number=info.get("meter_serial_number"),
        ),
    )
    for key, stored in data.get("connectors", {}).items():
        connector_id = int(key)
        transaction = stored.get("transaction")
        charger.connectors[connector_id] = Connector(
            connector_id,
            energy=EnergyRegister(
                last_raw_wh=stored.get("energy_raw_wh"),
                offset_wh=stored.get("energy_offset_wh", 0.0),
            ),
            transaction=Transaction.from_dict(transaction) if transaction else None,
            last_session_energy_wh=stored.get("last_session_energy_wh"),
            seen_measurands=set(stored.get("seen_measurands", [])),
        )
    return charger
