"""Durable charger state that survives restarts, and crashes.

Transaction ids, open transactions, energy registers, what the car told about itself (until its
session ends or it leaves), other parties' limits (until the charger reboots), and the
smart-charging engine's detected quirks and requested limits.

Every durable change goes to the journal (journal.py) at once, and the protocol adapter answers
the charger only once it is on disk: a crash loses no transaction, reuses no id and loses at most
the energy of one meter reading. Home Assistant's Store holds a snapshot, written every
SAVE_DELAY_S while things change and at shutdown; it absorbs the journal, which is then emptied.
One charger's unserialisable data (a connector id beyond JSON's integers, say) is logged once
and left out; its last good record is kept and every other charger's is saved as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import STORAGE_DIR, Store

from ..const import DOMAIN, LOGGER
from ..csms.model import Charger
from .journal import Journal
from .stored import Stored, charger_from_dict, check_json_safe, stored_parts

STORAGE_VERSION = 1
# The snapshot is written at most this often while readings arrive (the journal holds them
# meanwhile), and at shutdown.
SAVE_DELAY_S = 30
# Transaction ids are reserved in blocks: the mark on disk is always ahead of every id handed out,
# so an id is never reused, not even after a crash.
TRANSACTION_ID_BLOCK = 100

# How a charger's non-connector parts are called in the log.
_PART_NAMES = {"info": "station info", "smart": "smart-charging state"}


class _SnapshotStore(Store[Stored]):
    """Home Assistant's Store, telling whether a save reached the disk (a failed one is only logged)."""

    saved = False

    async def _async_write_data(self, data: dict[str, Any]) -> None:
        await super()._async_write_data(data)
        self.saved = True


def _storage_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}"


def _journal(hass: HomeAssistant, entry_id: str) -> Journal:
    return Journal(hass, Path(hass.config.path(STORAGE_DIR, f"{_storage_key(entry_id)}.journal")))


async def async_remove_stored(hass: HomeAssistant, entry_id: str) -> None:
    """Delete what a removed central system kept: its snapshot and its journal."""
    await Store[Stored](hass, STORAGE_VERSION, _storage_key(entry_id)).async_remove()
    await _journal(hass, entry_id).async_remove()


class ChargerStore:
    """Load and save the charger model's durable parts: journal first, snapshot later."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Create the store for one central system."""
        self._hass = hass
        self._store = _SnapshotStore(
            hass, STORAGE_VERSION, _storage_key(entry_id), atomic_writes=True
        )
        self._journal = _journal(hass, entry_id)
        self._chargers: dict[str, Charger] = {}
        self._smart_charging: dict[str, Stored] = {}
        self._next_transaction_id = 1
        self._reserved_until = 0
        # What is on disk (journal or snapshot) per part: only a change is journaled, and a part
        # that cannot be serialised now is snapshotted as it last was.
        self._on_disk: dict[tuple[str, str], Stored] = {}
        # Per charger, the last record its answers wait for; the last id reservation, for all.
        self._last_record: dict[str, int] = {}
        self._reservation_record = 0
        self._unserialisable: set[tuple[str, str]] = set()
        self._timer: CALLBACK_TYPE | None = None
        self._save_due: float | None = None
        self._compacting = asyncio.Lock()
        self._unsub_final_write: CALLBACK_TYPE | None = None

    async def async_load(self) -> dict[str, Charger]:
        """Read the snapshot and replay the journal over it."""
        data = await self._store.async_load()
        if not isinstance(data, dict):
            data = {}
        snapshot_seq = data.get("journal_seq")
        records = await self._journal.async_read(
            snapshot_seq if isinstance(snapshot_seq, int) and snapshot_seq > 0 else 0
        )
        for record in records:
            _replay(data, record)
        self._chargers = {}
        chargers = data.get("chargers")
        for charger_id, stored in (chargers if isinstance(chargers, dict) else {}).items():
            try:
                self._chargers[charger_id] = charger_from_dict(charger_id, stored)
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
        for charger in self._chargers.values():
            self._note_on_disk(charger)
        self._unsub_final_write = self._hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_FINAL_WRITE, self._async_final_write
        )
        if records:
            # The snapshot absorbs what was replayed: the journal starts afresh.
            await self._async_compact()
        return self._chargers

    def charger(self, charger_id: str) -> Charger:
        """Return the durable model of a charger, creating it on first use."""
        if (charger := self._chargers.get(charger_id)) is None:
            charger = self._chargers[charger_id] = Charger(charger_id)
        return charger

    def adopt(self, charger: Charger) -> None:
        """Keep a newly confirmed charger's model, with what it already reported."""
        self._chargers[charger.charger_id] = charger
        self.write_ahead(charger)
        self.schedule_save()

    def forget(self, charger_id: str) -> None:
        """Drop a removed charger's history."""
        smart = self._smart_charging.pop(charger_id, None)
        if self._chargers.pop(charger_id, None) is not None or smart is not None:
            self._journal.append({"forget": charger_id})
            for key in [key for key in self._on_disk if key[0] == charger_id]:
                del self._on_disk[key]
            self._last_record.pop(charger_id, None)
            self.schedule_save()

    def smart_charging(self, charger_id: str) -> Stored:
        """Return the smart-charging engine's persisted state of a charger (empty if none)."""
        return self._smart_charging.get(charger_id, {})

    def set_smart_charging(self, charger_id: str, data: Stored) -> None:
        """Keep the engine's state (a user's pause must survive a crash: journaled at once)."""
        if self._smart_charging.get(charger_id) == data:
            return
        self._smart_charging[charger_id] = data
        self._write_ahead_part(charger_id, "smart", partial(dict, data))
        self.schedule_save()

    def next_transaction_id(self) -> int:
        """Hand out a transaction id never used before; a new block is journaled first."""
        transaction_id = self._next_transaction_id
        self._next_transaction_id += 1
        if self._next_transaction_id >= self._reserved_until:
            self._reserved_until = self._next_transaction_id + TRANSACTION_ID_BLOCK
            self._reservation_record = self._journal.append({"reserved": self._reserved_until})
            self.schedule_save()
        return transaction_id

    def write_ahead(self, charger: Charger) -> None:
        """Journal the parts of a charger's durable state that changed."""
        for part, build in stored_parts(charger):
            self._write_ahead_part(charger.charger_id, part, build)

    def _write_ahead_part(self, charger_id: str, part: str, build: Callable[[], Stored]) -> None:
        # Compared first: most changes leave most parts as they are, and checking costs more.
        state = self._serialisable(
            charger_id, part, build, unless=self._on_disk.get((charger_id, part))
        )
        if state is None:
            return
        self._on_disk[charger_id, part] = state
        self._last_record[charger_id] = self._journal.append(
            {"charger": charger_id, "part": part, "state": state}
        )

    def durable_mark(self, charger_id: str) -> int:
        """Return the journal number that the charger's changes and the id reservation reach."""
        return max(self._last_record.get(charger_id, 0), self._reservation_record)

    async def async_on_disk(self, charger_id: str, through: int | None = None) -> None:
        """Return once the charger's journaled changes (up to `through`) are on disk."""
        await self._journal.async_written(
            self.durable_mark(charger_id) if through is None else through
        )

    def schedule_save(self, delay: float = SAVE_DELAY_S) -> None:
        """Write the snapshot soon; changes within the delay become one write, never postponed."""
        due = self._hass.loop.time() + delay
        if self._save_due is not None and self._save_due <= due:
            return
        self._cancel_timer()
        self._save_due = due
        self._timer = async_call_later(self._hass, delay, self._async_timer_fired)

    async def async_save(self) -> None:
        """Write the snapshot now and close the journal (on unload)."""
        if self._unsub_final_write is not None:
            self._unsub_final_write()
            self._unsub_final_write = None
        await self._async_compact()
        await self._journal.async_close()

    async def _async_final_write(self, _event: Event) -> None:
        """Home Assistant stops without unloading config entries: snapshot on its last write."""
        self._unsub_final_write = None
        await self._async_compact()
        await self._journal.async_close()

    async def _async_timer_fired(self, _now: datetime) -> None:
        self._timer = None
        await self._async_compact()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        self._save_due = None

    async def _async_compact(self) -> None:
        """Write the snapshot; once it is on disk, the journal lines it holds are dropped."""
        async with self._compacting:
            self._cancel_timer()
            seq = self._journal.last_seq
            self._store.saved = False
            await self._store.async_save(self._as_dict(seq))
            if self._store.saved:
                await self._journal.async_drop_through(seq)

    def _as_dict(self, journal_seq: int) -> Stored:
        chargers: dict[str, Stored] = {}
        for charger_id, charger in self._chargers.items():
            parts = {
                part: state
                for part, build in stored_parts(charger)
                if (state := self._current(charger_id, part, build)) is not None
            }
            chargers[charger_id] = {"info": parts.pop("info", {}), "connectors": parts}
        smart = {
            charger_id: state
            for charger_id, data in self._smart_charging.items()
            if (state := self._current(charger_id, "smart", partial(dict, data))) is not None
        }
        return {
            "transaction_id_reserved": self._reserved_until,
            "chargers": chargers,
            "smart_charging": smart,
            # The journal's records up to here are in this snapshot: replay only later ones.
            "journal_seq": journal_seq,
        }

    def _current(self, charger_id: str, part: str, build: Callable[[], Stored]) -> Stored | None:
        """Return a part as it is now; as it was last on disk when it cannot be stored now."""
        state = self._serialisable(charger_id, part, build)
        return state if state is not None else self._on_disk.get((charger_id, part))

    def _note_on_disk(self, charger: Charger) -> None:
        """Remember a loaded charger's parts as on disk (journal only what changes later)."""
        charger_id = charger.charger_id
        parts = stored_parts(charger)
        if (smart := self._smart_charging.get(charger_id)) is not None:
            parts.append(("smart", partial(dict, smart)))
        for part, build in parts:
            if (state := self._serialisable(charger_id, part, build)) is not None:
                self._on_disk[charger_id, part] = state

    def _serialisable(
        self,
        charger_id: str,
        part: str,
        build: Callable[[], Stored],
        *,
        unless: Stored | None = None,
    ) -> Stored | None:
        """Return a part's stored form; None when it equals `unless` or cannot be stored as JSON.

        The latter is logged once per part.
        """
        try:
            state = build()
            if state == unless:
                return None
            check_json_safe(state)
        except (TypeError, ValueError, AttributeError, OverflowError) as err:
            if (charger_id, part) not in self._unserialisable:
                self._unserialisable.add((charger_id, part))
                LOGGER.warning(
                    "Charger %s: %s cannot be stored (%s); its last good state is kept",
                    charger_id,
                    _PART_NAMES.get(part, f"connector {part}"),
                    err,
                )
            return None
        return state


def _replay(data: Stored, record: Stored) -> None:
    """Apply one journal record to the snapshot's data (a record that does not fit is skipped)."""
    try:
        if isinstance(reserved := record.get("reserved"), int):
            stored = data.get("transaction_id_reserved")
            data["transaction_id_reserved"] = max(
                reserved, stored if isinstance(stored, int) else 0
            )
        elif isinstance(gone := record.get("forget"), str):
            data.get("chargers", {}).pop(gone, None)
            data.get("smart_charging", {}).pop(gone, None)
        elif (part := record["part"]) == "smart":
            data.setdefault("smart_charging", {})[record["charger"]] = record["state"]
        else:
            charger = data.setdefault("chargers", {}).setdefault(record["charger"], {})
            if part == "info":
                charger["info"] = record["state"]
            else:
                charger.setdefault("connectors", {})[str(part)] = record["state"]
    except (KeyError, TypeError, AttributeError) as err:
        LOGGER.warning("Skipped a journal record that does not fit: %s", err)
