"""Durable charger state that survives restarts.

Transaction ids, open transactions, energy registers, what the car told about itself (until its
session ends or it leaves), other parties' limits (until the charger reboots), and the
smart-charging engine's detected quirks and requested limits.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .csms.model import (
    Charger,
    Connector,
    EnergyRegister,
    EvInfo,
    ExternalLimit,
    LimitPeriod,
    StationInfo,
    Transaction,
)

STORAGE_VERSION = 1
# Energy readings arrive every few seconds; writing them at most this often keeps flash wear low.
# Home Assistant writes pending data on shutdown, so only a crash can lose this window.
SAVE_DELAY_S = 30
# Transaction ids are reserved in blocks: the stored high-water mark is always ahead of every id handed out,
# so an id is never reused, not even after a crash.
TRANSACTION_ID_BLOCK = 100
# A requested limit or a detected quirk is written this soon (a user's pause must survive a crash).
SMART_SAVE_DELAY_S = 5
# EvInfo's numbers, stored as they are (its departure as ISO 8601, its phases as an int).
_EV_NUMBERS = tuple(
    f.name for f in fields(EvInfo) if f.name not in ("departure_time", "phases_used")
)


class ChargerStore:
    """Load and save the charger model's durable parts in Home Assistant's Store."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the store for one central system."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}")
        # Loop time of the write already scheduled; a later request must not postpone it.
        self._save_due: float | None = None
        self._chargers: dict[str, Charger] = {}
        self._smart_charging: dict[str, dict[str, Any]] = {}
        self._next_transaction_id = 1
        self._reserved_until = 0

    async def async_load(self) -> dict[str, Charger]:
        """Read the stored chargers."""
        data = await self._store.async_load() or {}
        self._chargers = {}
        for charger_id, stored in data.get("chargers", {}).items():
            try:
                self._chargers[charger_id] = _charger_from_dict(charger_id, stored)
            except (ValueError, TypeError, AttributeError) as err:
                LOGGER.warning("Dropped unreadable stored state of charger %s: %s", charger_id, err)
        smart = data.get("smart_charging")
        self._smart_charging = {
            charger_id: stored
            for charger_id, stored in (smart if isinstance(smart, dict) else {}).items()
            if isinstance(stored, dict)
        }
        reserved = data.get("transaction_id_reserved")
        # Never below an id still in use, whatever the stored mark says.
        open_ids = [
            connector.transaction.transaction_id
            for charger in self._chargers.values()
            for connector in charger.connectors.values()
            if connector.transaction is not None
            and isinstance(connector.transaction.transaction_id, int)
        ]
        self._next_transaction_id = self._reserved_until = max(
            [reserved if isinstance(reserved, int) and reserved > 0 else 1]
            + [tx_id + 1 for tx_id in open_ids]
        )
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
        smart = self._smart_charging.pop(charger_id, None)
        if self._chargers.pop(charger_id, None) is not None or smart is not None:
            self.schedule_save(delay=0)

    def smart_charging(self, charger_id: str) -> dict[str, Any]:
        """Return the smart-charging engine's persisted state of a charger (empty if none)."""
        return self._smart_charging.get(charger_id, {})

    def set_smart_charging(self, charger_id: str, data: dict[str, Any]) -> None:
        """Keep the engine's state; written soon (limits change rarely, so no long delay)."""
        if self._smart_charging.get(charger_id) == data:
            return
        self._smart_charging[charger_id] = data
        self.schedule_save(delay=SMART_SAVE_DELAY_S)

    def next_transaction_id(self) -> int:
        """Hand out a transaction id that was never used before."""
        transaction_id = self._next_transaction_id
        self._next_transaction_id += 1
        if self._next_transaction_id >= self._reserved_until:
            self._reserved_until = self._next_transaction_id + TRANSACTION_ID_BLOCK
            self.schedule_save(delay=0)
        return transaction_id

    def schedule_save(self, delay: float = SAVE_DELAY_S) -> None:
        """Write soon; several changes within the delay become one write.

        Home Assistant's Store moves a pending write to the latest requested time; an urgent
        write (a reserved block of transaction ids) must not wait for the energy-reading delay.
        """
        due = self._hass.loop.time() + delay
        if self._save_due is not None and self._save_due <= due:
            return
        self._save_due = due
        self._store.async_delay_save(self._data_to_write, delay)

    async def async_save(self) -> None:
        """Write now (on unload)."""
        await self._store.async_save(self._data_to_write())

    def _data_to_write(self) -> dict[str, Any]:
        self._save_due = None
        return self._as_dict()

    def _as_dict(self) -> dict[str, Any]:
        return {
            "transaction_id_reserved": self._reserved_until,
            "chargers": {
                charger_id: _charger_as_dict(charger)
                for charger_id, charger in self._chargers.items()
            },
            "smart_charging": self._smart_charging,
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
                "transaction": connector.transaction.as_dict() if connector.transaction else None,
                "last_session_energy_wh": connector.last_session_energy_wh,
                # Without it, a backlog replayed after a restart would look like a register reset.
                "last_meter_at": connector.last_meter_at.isoformat()
                if connector.last_meter_at
                else None,
                "seen_measurands": sorted(connector.seen_measurands),
                "metered_directly": connector.metered_directly,
                # Cheapest plans with the car's departure and energy: it will not say them again.
                "ev": _ev_as_dict(connector.ev),
                # The charger does not tell them again when we come back; only its reboot ends them.
                "external_limits": [
                    _limit_as_dict(limit) for limit in connector.external_limits.values()
                ],
            }
            for connector_id, connector in charger.connectors.items()
        },
    }


def _ev_as_dict(ev: EvInfo) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(ev, name) for name in _EV_NUMBERS}
    data["departure_time"] = ev.departure_time.isoformat() if ev.departure_time else None
    data["phases_used"] = ev.phases_used
    return data


def _ev_from_dict(stored: Any) -> EvInfo:
    """Restore the car's word; a blank one from data stored before it was kept."""
    if not isinstance(stored, dict):
        return EvInfo()
    numbers = {
        name: float(value)
        for name in _EV_NUMBERS
        if isinstance(value := stored.get(name), int | float) and not isinstance(value, bool)
    }
    phases = stored.get("phases_used")
    return EvInfo(
        departure_time=_time(stored.get("departure_time")),
        phases_used=phases if phases in (1, 2, 3) and not isinstance(phases, bool) else None,
        **numbers,
    )


def _limit_as_dict(limit: ExternalLimit) -> dict[str, Any]:
    return {
        "source": limit.source,
        "set_at": limit.set_at.isoformat(),
        "periods": [
            {
                "begins": period.begins.isoformat(),
                "ends": period.ends.isoformat() if period.ends else None,
                "limit": period.limit,
                "unit": period.unit,
                "phases": period.phases,
            }
            for period in limit.periods
        ],
    }


def _limit_from_dict(stored: dict[str, Any]) -> ExternalLimit:
    """Restore one limit; KeyError, TypeError or ValueError when unusable (all are dropped)."""
    set_at = _time(stored["set_at"])
    if not isinstance(stored["source"], str) or set_at is None:
        raise TypeError(f"Unusable stored limit {stored!r}")
    periods = []
    for period in stored["periods"]:
        begins = _time(period["begins"])
        if begins is None or period["unit"] not in ("A", "W") or period["phases"] not in (1, 2, 3):
            raise TypeError(f"Unusable stored limit period {period!r}")
        ends = _time(period["ends"])
        periods.append(
            LimitPeriod(begins, ends, float(period["limit"]), period["unit"], period["phases"])
        )
    return ExternalLimit(stored["source"], set_at, tuple(periods))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


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
        try:
            connector = _connector_from_dict(int(key), stored)
        except (ValueError, TypeError, AttributeError) as err:
            LOGGER.warning(
                "Dropped unreadable stored state of %s connector %s: %s", charger_id, key, err
            )
            continue
        charger.connectors[connector.connector_id] = connector
    return charger


def _connector_from_dict(connector_id: int, stored: dict[str, Any]) -> Connector:
    transaction = stored.get("transaction")
    raw_wh = stored.get("energy_raw_wh")
    return Connector(
        connector_id,
        energy=EnergyRegister(
            last_raw_wh=None if raw_wh is None else float(raw_wh),
            offset_wh=float(stored.get("energy_offset_wh") or 0.0),
        ),
        transaction=Transaction.from_dict(transaction) if transaction else None,
        last_session_energy_wh=stored.get("last_session_energy_wh"),
        last_meter_at=_time(stored.get("last_meter_at")),
        seen_measurands=set(stored.get("seen_measurands", [])),
        metered_directly=bool(stored.get("metered_directly", False)),
        ev=_ev_from_dict(stored.get("ev")),
        external_limits=_limits_from_list(stored.get("external_limits")),
    )


def _limits_from_list(stored: Any) -> dict[str, ExternalLimit]:
    """Others' limits by source; none from data stored before they were kept, or unreadable."""
    try:
        limits = [_limit_from_dict(item) for item in stored or []]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        LOGGER.warning("Dropped unreadable stored charging limits: %s", err)
        return {}
    return {limit.source: limit for limit in limits}
