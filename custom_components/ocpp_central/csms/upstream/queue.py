"""The messages on their way upstream, the transaction-related ones on disk until the upstream has them.

A JSON-lines file per charger, append-only: one line per message queued ({"n", "action",
"payload", "answer"}), one per message the upstream answered ({"ack": n}) and one per transaction
id the upstream gave ({"map": [ours, theirs]}), and the upstream's limits in force ({"caps": ...},
the latest line counts). Each append is flushed and synced before the
message counts as queued; reading it back after a restart leaves the unanswered messages, in order.
Once every message is answered the file is rewritten with only the id mappings still worth keeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
import json
import os
from pathlib import Path
from typing import Any, Protocol

# Transaction ids mapped: the most kept across a rewrite.
MAPS_KEPT = 200
# Answered lines tolerated in the file before it is rewritten when the queue is empty.
REWRITE_AFTER = 1000


class QueueWriter(Protocol):
    """Where the queue lives: appends are on disk (flushed, synced) once they return."""

    async def append(self, lines: list[str]) -> None:
        """Append lines, durably."""

    async def read(self) -> list[str]:
        """Return every line written (none when nothing was)."""

    async def replace(self, lines: list[str]) -> None:
        """Replace the whole content, atomically."""


class JsonLinesFile:
    """A QueueWriter on a file, its blocking I/O run by an executor (never in the event loop)."""

    def __init__(self, path: Path, run: Callable[..., Any] | None = None) -> None:
        """Write to path; run(fn, *args) awaits a blocking call (default: the loop's executor)."""
        self.path = path
        self._run = run

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._run is not None:
            return await self._run(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def append(self, lines: list[str]) -> None:
        """Append and sync."""
        await self._call(self._append, lines)

    async def read(self) -> list[str]:
        """Read every line."""
        result: list[str] = await self._call(self._read)
        return result

    async def replace(self, lines: list[str]) -> None:
        """Write a new file and move it over the old one."""
        await self._call(self._replace, lines)

    def _append(self, lines: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write("".join(f"{line}\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())

    def _read(self) -> list[str]:
        try:
            return self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def _replace(self, lines: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            file.write("".join(f"{line}\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path)


@dataclass(slots=True)
class Queued:
    """One charger-initiated message on its way upstream."""

    number: int
    action: str
    payload: dict[str, Any]
    # Our answer to the charger (1.6 StartTransaction: our transaction id, mapped once answered).
    answer: dict[str, Any]
    durable: bool
    # Set when something waits for the upstream's answer (an Authorize asked of it).
    waiter: asyncio.Future[dict[str, Any] | None] | None = None


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class UpstreamQueue:
    """The messages for the upstream, in the order the charger sent them."""

    def __init__(self, writer: QueueWriter | None, limit: int) -> None:
        """Queue through writer (None: memory only) at most limit durable messages."""
        self._writer = writer
        self.limit = limit
        self.items: deque[Queued] = deque()
        self._next = 1
        self._answered_lines = 0
        # Our transaction id → the upstream's (1.6 StartTransaction).
        self.transaction_ids: dict[str, Any] = {}
        # The upstream's charging limits in force: [connector, profile id, A] (the latest told).
        self.caps: list[list[Any]] = []
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self.items)

    @property
    def durable_count(self) -> int:
        """Messages kept on disk until the upstream has them."""
        return sum(1 for item in self.items if item.durable)

    async def async_load(self) -> None:
        """Read back what an earlier run left unanswered, and the id mappings."""
        if self._writer is None:
            return
        pending: dict[int, Queued] = {}
        for line in await self._writer.read():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: its message was never counted as queued
            if not isinstance(record, dict):
                continue
            if "ack" in record:
                pending.pop(record["ack"], None)
                self._answered_lines += 1
            elif "caps" in record:
                self.caps = [list(cap) for cap in record["caps"] if len(cap) == 3]
            elif "map" in record:
                ours, theirs = record["map"]
                self.transaction_ids[str(ours)] = theirs
            elif "n" in record:
                number = int(record["n"])
                pending[number] = Queued(
                    number, record["action"], record["payload"], record.get("answer", {}), True
                )
                self._next = max(self._next, number + 1)
        self.items.extend(pending[number] for number in sorted(pending))

    def full(self) -> bool:
        """Whether another durable message would exceed the bound."""
        return self.durable_count >= self.limit

    async def put(
        self, action: str, payload: dict[str, Any], answer: dict[str, Any], *, durable: bool
    ) -> Queued:
        """Queue a message; a durable one is on disk when this returns."""
        async with self._lock:
            item = Queued(self._next, action, payload, answer, durable)
            self._next += 1
            if durable and self._writer is not None:
                record = {"n": item.number, "action": action, "payload": payload, "answer": answer}
                await self._writer.append([_dumps(record)])
            self.items.append(item)
            return item

    async def done(self, item: Queued, mapping: tuple[Any, Any] | None = None) -> None:
        """Take the head message off: the upstream answered it (mapping: ids it gave)."""
        if self.items and self.items[0] is item:
            self.items.popleft()
        else:
            try:
                self.items.remove(item)
            except ValueError:
                return
        lines: list[str] = []
        if mapping is not None:
            self.transaction_ids[str(mapping[0])] = mapping[1]
            lines.append(_dumps({"map": [mapping[0], mapping[1]]}))
        if item.durable:
            lines.append(_dumps({"ack": item.number}))
            self._answered_lines += 1
        if self._writer is None or not lines:
            return
        async with self._lock:
            await self._writer.append(lines)
            if self._answered_lines >= REWRITE_AFTER and not any(i.durable for i in self.items):
                kept = list(self.transaction_ids.items())[-MAPS_KEPT:]
                self.transaction_ids = dict(kept)
                lines = [_dumps({"map": [k, v]}) for k, v in kept]
                if self.caps:
                    lines.append(_dumps({"caps": self.caps}))
                await self._writer.replace(lines)
                self._answered_lines = 0

    async def save_caps(self, caps: list[list[Any]]) -> None:
        """Keep the upstream's limits in force, so that a restart does not lift them."""
        self.caps = caps
        if self._writer is not None:
            async with self._lock:
                await self._writer.append([_dumps({"caps": caps})])

    def drop_volatile(self) -> int:
        """Forget the messages not worth keeping while the upstream is away; return how many."""
        kept = deque(item for item in self.items if item.durable or item.waiter is not None)
        dropped = len(self.items) - len(kept)
        self.items = kept
        return dropped
