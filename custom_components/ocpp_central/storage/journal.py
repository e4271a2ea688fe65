"""An append-only journal of durable changes, on disk before the charger hears our answer.

Home Assistant's Store writes a whole snapshot, so it is written seldom; a crash in between would
lose transactions and energy. Every durable change is therefore also appended here as one JSON
line, numbered (seq), written and fsync'd in the executor within milliseconds; the protocol
adapter awaits that before it answers. The store replays the lines newer than its snapshot on
load, and drops them once a snapshot on disk holds them. A line cut short by a crash is skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes

from ..const import LOGGER

# An answer waits at most this long for the disk: a hanging disk must not stall the charger.
JOURNAL_WAIT_S = 10.0

type Line = tuple[int, bytes]


class Journal:
    """Numbered JSON lines in one file; one writer at a time, in the executor."""

    def __init__(self, hass: HomeAssistant, path: Path) -> None:
        """Journal in this file (created on the first write)."""
        self._hass = hass
        self._path = path
        self._fd: int | None = None
        # The last number handed out, and the last one whose line is on disk (or given up on).
        self._last_seq = 0
        self._written_seq = 0
        self._pending: list[Line] = []
        # Lines written since the file was last rewritten: what a compaction may have to keep.
        self._in_file: list[Line] = []
        self._lock = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        # The file ends in the middle of a line (crash, failed write): start the next on a new one.
        self._torn = False
        self._failing = False
        self._slow_logged = False

    @property
    def last_seq(self) -> int:
        """The number of the latest record appended."""
        return self._last_seq

    async def async_read(self, after: int) -> list[dict[str, Any]]:
        """Return the readable records numbered above `after`, in order; numbering goes on from there."""
        raw = await self._hass.async_add_executor_job(self._read)
        self._torn = bool(raw) and not raw.endswith(b"\n")
        records: list[dict[str, Any]] = []
        skipped = 0
        last = after
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                skipped += 1
                continue
            seq = record.get("seq") if isinstance(record, dict) else None
            if not isinstance(seq, int) or isinstance(seq, bool):
                skipped += 1
                continue
            last = max(last, seq)
            if seq > after:
                records.append(record)
        if skipped:
            LOGGER.warning(
                "Skipped %d unreadable line(s) of %s (cut short by a crash, or damaged)",
                skipped,
                self._path.name,
            )
        self._last_seq = self._written_seq = max(self._last_seq, last)
        records.sort(key=lambda record: int(record["seq"]))
        return records

    def append(self, record: dict[str, Any]) -> int:
        """Queue a record of JSON-safe values for the disk now; return its number."""
        self._last_seq += 1
        line = json_bytes({"seq": self._last_seq, **record})
        self._pending.append((self._last_seq, line + b"\n"))
        if self._writer is None or self._writer.done():
            # A tracked task: Home Assistant's stop waits for it rather than cancelling it.
            self._writer = self._hass.async_create_task(
                self._async_drain(), f"write {self._path.name}"
            )
        return self._last_seq

    async def async_written(self, seq: int) -> None:
        """Return once record `seq` is on disk (or after JOURNAL_WAIT_S, with one warning)."""
        if seq <= self._written_seq:
            return
        waiter: asyncio.Future[None] = self._hass.loop.create_future()
        self._waiters.append((seq, waiter))
        try:
            async with asyncio.timeout(JOURNAL_WAIT_S):
                await waiter
        except TimeoutError:
            if not self._slow_logged:
                self._slow_logged = True
                LOGGER.warning(
                    "Writing %s takes over %.0f s; answering the charger anyway",
                    self._path.name,
                    JOURNAL_WAIT_S,
                )

    async def async_drop_through(self, seq: int) -> None:
        """Forget the records up to `seq`: a snapshot on disk holds them."""
        async with self._lock:
            keep = [line for line in self._in_file if line[0] > seq]
            try:
                await self._hass.async_add_executor_job(
                    self._rewrite, b"".join(data for _, data in keep)
                )
            except OSError as err:
                LOGGER.warning("Could not compact %s: %s", self._path.name, err)
                return
            self._in_file = keep

    async def async_close(self) -> None:
        """Write what is queued and close the file."""
        if self._pending:
            await self._async_drain()
        async with self._lock:
            if self._fd is not None:
                await self._hass.async_add_executor_job(self._close)

    async def async_remove(self) -> None:
        """Delete the journal (its config entry was removed)."""
        await self.async_close()
        async with self._lock:
            await self._hass.async_add_executor_job(self._rewrite, b"")

    # --- in the event loop, one writer at a time ----------------------------------------

    async def _async_drain(self) -> None:
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._hass.async_add_executor_job(
                        self._write, b"".join(data for _, data in batch)
                    )
                except OSError as err:
                    if not self._failing:
                        LOGGER.error(
                            "Could not write %s: %s; changes are kept until the next snapshot",
                            self._path.name,
                            err,
                        )
                    self._failing = True
                else:
                    if self._failing:
                        LOGGER.info("Writing %s works again", self._path.name)
                    self._failing = False
                    self._in_file.extend(batch)
                self._written_seq = batch[-1][0]
                self._wake()

    def _wake(self) -> None:
        waiting = []
        for seq, waiter in self._waiters:
            if seq > self._written_seq:
                waiting.append((seq, waiter))
            elif not waiter.done():
                waiter.set_result(None)
        self._waiters = waiting

    # --- in the executor ------------------------------------------------------------------

    def _read(self) -> bytes:
        try:
            return self._path.read_bytes()
        except FileNotFoundError:
            return b""

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self._fd = self._open()
        if self._torn:
            data = b"\n" + data
        self._torn = True
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)
        self._torn = False

    def _open(self) -> int:
        # A new installation may have no .storage folder yet: the journal's first line makes it.
        self._path.parent.mkdir(parents=True, exist_ok=True)
        created = not self._path.exists()
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if created:
            self._sync_dir()
        return fd

    def _rewrite(self, data: bytes) -> None:
        """Replace the file by these lines, atomically; no lines: no file."""
        self._close()
        if not data:
            try:
                self._path.unlink()
            except FileNotFoundError:
                return
        else:
            temporary = self._path.with_name(self._path.name + ".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            temporary.replace(self._path)
        self._torn = False
        self._sync_dir()

    def _sync_dir(self) -> None:
        """Make a created, replaced or deleted file's directory entry durable too."""
        fd = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
