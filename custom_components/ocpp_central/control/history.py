"""Session history in Home Assistant: the chargers' sessions, written to storage/sessions.py.

The central system hands every charger event and every change to the SessionLog. A session is
written when it starts (TRANSACTION_STARTED), its energy, peak power and the accounting's
solar/grid split and cost are updated while it runs (at most every PROGRESS_INTERVAL_S), and it
is finalised when it ends (TRANSACTION_ENDED, with the charger's stop reason and time). Sessions
the model still runs after a restart are written again at start (the upsert keeps one row); a row
left open whose session the model no longer runs (Home Assistant stopped between the model's
close and the history's write) is closed at its last update.

Every database call runs in the executor, one after the other (an asyncio lock, which queues
its waiters in order): a query sees every write made before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
import sqlite3
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.events import ChargerEvent, ChargerEventType
from ..storage.sessions import DB_NAME, SessionHistory, SessionQuery, SessionRecord
from .controller import connector_key
from .sessions import SessionRecorder

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator

# A running session's row is updated at most this often (and at its end).
PROGRESS_INTERVAL_S = 60


def history_path(hass: HomeAssistant) -> Path:
    """Return where the session history lives: one file in the configuration folder."""
    return Path(hass.config.path(DB_NAME))


@dataclass
class SessionLog:
    """The sessions of one central system's chargers, kept in the history database."""

    hass: HomeAssistant
    entry_id: str
    coordinators: Mapping[str, ChargerCoordinator]
    recorder: SessionRecorder
    # The name of an id tag's holder, when the tag is managed in the UI.
    holder_of: Callable[[str], str | None]
    history: SessionHistory | None = None
    _open: dict[tuple[str, str], SessionRecord] = field(default_factory=dict)
    _dirty: set[tuple[str, str]] = field(default_factory=set)
    _last: dict[str, SessionRecord] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _listeners: list[CALLBACK_TYPE] = field(default_factory=list)
    _unsub: CALLBACK_TYPE | None = None
    _unsub_stop: CALLBACK_TYPE | None = None

    # --- lifecycle ---------------------------------------------------------------

    async def async_start(self) -> None:
        """Open the database, close rows left open, write the sessions the model runs."""
        self.history = SessionHistory(history_path(self.hass))
        running = {
            (charger_id, str(connector.transaction.transaction_id))
            for charger_id, coordinator in self.coordinators.items()
            for connector in coordinator.charger.connectors.values()
            if connector.transaction is not None
        }
        try:
            rows = await self._run(self.history.unfinished_and_latest, self.entry_id)
        except (sqlite3.Error, OSError) as err:
            LOGGER.error("Session history %s is unusable: %s", self.history.path, err)
            rows = []
        for record in rows:
            key = (record.charger_id, record.transaction_id)
            if record.ended_at is None and key not in running:
                self._save(replace(record, ended_at=record.updated_at or record.started_at))
        for record in rows:
            self._remember_last(record)
        for coordinator in self.coordinators.values():
            self._async_progress(coordinator, save=True)
        self._unsub = async_track_time_interval(
            self.hass, self._async_flush, timedelta(seconds=PROGRESS_INTERVAL_S)
        )
        # Home Assistant stopping unloads no entry: write what runs and close the file then.
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_hass_stopping
        )

    async def _async_hass_stopping(self, _event: Event) -> None:
        self._unsub_stop = None
        await self.async_stop()

    async def async_stop(self) -> None:
        """Write what runs, wait for every write and close the database."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        self._async_flush()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.history is not None:
            async with self._lock:
                await self.hass.async_add_executor_job(self.history.close)

    # --- what the central system tells -------------------------------------------

    @callback
    def async_event(self, coordinator: ChargerCoordinator, event: ChargerEvent) -> None:
        """Write a session when it starts; finalise it when it ends."""
        if event.transaction_id is None or event.connector_id is None:
            return
        charger_id = coordinator.config.charger_id
        key = (charger_id, str(event.transaction_id))
        if event.type is ChargerEventType.TRANSACTION_STARTED:
            connector = coordinator.charger.connectors.get(event.connector_id)
            if connector is not None and connector.transaction is not None:
                self._save(self._record(coordinator, connector.connector_id))
        elif event.type is ChargerEventType.TRANSACTION_ENDED:
            record = self._open.pop(key, None)
            self._dirty.discard(key)
            if record is None:
                LOGGER.debug("Session %s of %s ended before the history saw it", key[1], charger_id)
                return
            connector = coordinator.charger.connector(event.connector_id)
            self._account(record, connector.connector_id)
            self._save(
                replace(
                    record,
                    ended_at=event.at or dt_util.utcnow(),
                    energy_wh=connector.last_session_energy_wh,
                    stop_reason=event.stop_reason,
                    updated_at=dt_util.utcnow(),
                )
            )

    @callback
    def async_changed(self, coordinator: ChargerCoordinator) -> None:
        """Take the running sessions' energy and peak power (written later, by the flush)."""
        self._async_progress(coordinator, save=False)

    # --- reading -----------------------------------------------------------------

    async def async_query(self, query: SessionQuery) -> list[SessionRecord]:
        """Return the sessions the query asks for, with the running ones as they are now."""
        assert self.history is not None
        self._async_flush()
        return await self._run(self.history.query, query)

    def last(self, charger_id: str) -> SessionRecord | None:
        """Return the charger's running session, or its last one."""
        running = [record for (charger, _), record in self._open.items() if charger == charger_id]
        if running:
            return max(running, key=lambda record: record.started_at)
        return self._last.get(charger_id)

    @callback
    def async_listen(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener after each write (a session started, progressed or ended)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # --- internals ---------------------------------------------------------------

    def _record(self, coordinator: ChargerCoordinator, connector_id: int) -> SessionRecord:
        """Return the running session's record, made when first seen."""
        charger_id = coordinator.config.charger_id
        connector = coordinator.charger.connector(connector_id)
        transaction = connector.transaction
        assert transaction is not None
        key = (charger_id, str(transaction.transaction_id))
        record = self._open.get(key)
        if record is None:
            id_tag = transaction.id_tag
            record = self._open[key] = SessionRecord(
                entry_id=self.entry_id,
                charger_id=charger_id,
                transaction_id=key[1],
                connector_id=connector_id,
                started_at=transaction.started_at,
                id_tag=id_tag,
                holder=self.holder_of(id_tag) if id_tag else None,
            )
        elif record.id_tag is None and transaction.id_tag:
            # 2.0.1: the token may come with a later event.
            record.id_tag = transaction.id_tag
            record.holder = self.holder_of(transaction.id_tag)
        energy = connector.session_energy_wh
        if energy is not None:
            record.energy_wh = energy
        if connector.power_w is not None and connector.power_w > (record.max_power_w or 0.0):
            record.max_power_w = connector.power_w
        self._account(record, connector_id)
        return record

    def _account(self, record: SessionRecord, connector_id: int) -> None:
        """Take the accounting's split and cost, when it has them for this session."""
        account = self.recorder.account(connector_key(record.charger_id, connector_id))
        if account is None or account.transaction_id != record.transaction_id:
            return
        inputs = self.recorder.inputs
        if inputs.grid:
            record.solar_wh = account.solar_wh
            record.grid_wh = account.grid_wh
        if inputs.price:
            record.cost = account.cost

    @callback
    def _async_progress(self, coordinator: ChargerCoordinator, *, save: bool) -> None:
        for connector_id, connector in coordinator.charger.connectors.items():
            if connector.transaction is None:
                continue
            record = self._record(coordinator, connector_id)
            key = (record.charger_id, record.transaction_id)
            if save:
                self._save(record)
            else:
                self._dirty.add(key)

    @callback
    def _async_flush(self, _now: Any = None) -> None:
        """Write the running sessions that changed since their last write."""
        for key in list(self._dirty):
            if (record := self._open.get(key)) is not None:
                self._save(record)
        self._dirty.clear()

    def _remember_last(self, record: SessionRecord) -> None:
        last = self._last.get(record.charger_id)
        if last is None or record.started_at >= last.started_at:
            self._last[record.charger_id] = record

    @callback
    def _save(self, record: SessionRecord) -> None:
        """Write a copy of the record (the running one changes on), in order."""
        snapshot = replace(record, updated_at=dt_util.utcnow())
        self._dirty.discard((record.charger_id, record.transaction_id))
        self._remember_last(snapshot)
        assert self.history is not None
        task = self.hass.async_create_task(
            self._async_write(snapshot), "ocpp_central session history", eager_start=True
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        for listener in list(self._listeners):
            listener()

    async def _async_write(self, record: SessionRecord) -> None:
        assert self.history is not None
        try:
            await self._run(self.history.save, record)
        except (sqlite3.Error, OSError) as err:
            LOGGER.error(
                "Session %s of %s not written to %s: %s",
                record.transaction_id,
                record.charger_id,
                self.history.path,
                err,
            )

    async def _run[T](self, function: Callable[..., T], *args: Any) -> T:
        async with self._lock:
            return await self.hass.async_add_executor_job(function, *args)


async def async_remove_history(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the sessions of a central system whose config entry was removed."""
    path = history_path(hass)
    if not await hass.async_add_executor_job(path.exists):
        return
    history = SessionHistory(path)
    try:
        await hass.async_add_executor_job(history.remove_entry, entry_id)
    finally:
        await hass.async_add_executor_job(history.close)
