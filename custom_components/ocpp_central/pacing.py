"""Paced admission: the costly part of taking chargers in runs a loop slice at a time.

After a restart or a power cut a car park's chargers connect within seconds. Admitting one is a
dict lookup; what follows is not: its device and its tens of entities (registry entries, first
states), tens of milliseconds each. Done inside every charger's message handler, hundreds of them
ran back to back and held the event loop for seconds (p99 1.9 s at 280 chargers), while WebSocket
pings, the frontend and every other integration waited. Here that work waits in a queue, first
come first served, and runs at most BUDGET_S per loop slice before the loop gets its turn again.

No charger is refused or dropped for waiting: its session runs (and is answered) meanwhile; only
its device and entities come a little later. One task drains the queue while it is not empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback

if TYPE_CHECKING:
    from .config_entry import OcppCentralConfigEntry

# Loop time the queued work may take in one go: the loop lag goal is 100 ms, and one item (a
# charger's entities) can overrun the budget by its own cost.
BUDGET_S = 0.02

type Work = Callable[[], None]


@dataclass(slots=True)
class Pacer:
    """Queued work, one item per key (a charger), run in slices of at most `budget_s`."""

    hass: HomeAssistant
    entry: OcppCentralConfigEntry
    budget_s: float = BUDGET_S
    clock: Callable[[], float] = time.monotonic
    _queue: dict[str, Work] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    # How many slices the queue took and the most items one slice ran (diagnostics, tests).
    slices: int = 0
    most_in_a_slice: int = 0

    @property
    def waiting(self) -> int:
        """Items in the queue."""
        return len(self._queue)

    def __contains__(self, key: object) -> bool:
        """Whether work for `key` waits in the queue."""
        return key in self._queue

    @callback
    def async_enqueue(self, key: str, work: Work) -> None:
        """Queue work for `key`; one already waiting keeps its place (work reads current state)."""
        if key in self._queue:
            return
        self._queue[key] = work
        if self._task is None:
            self._task = self.entry.async_create_task(
                self.hass, self._drain(), "ocpp_central paced admission", eager_start=False
            )

    @callback
    def async_forget(self, key: str) -> None:
        """Drop the queued work of `key` (its charger was removed)."""
        self._queue.pop(key, None)

    @callback
    def async_stop(self) -> None:
        """Drop everything queued; the draining task ends."""
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _drain(self) -> None:
        try:
            while self._queue:
                started = self.clock()
                ran = 0
                while self._queue and (ran == 0 or self.clock() - started < self.budget_s):
                    key = next(iter(self._queue))
                    self._queue.pop(key)()
                    ran += 1
                self.slices += 1
                self.most_in_a_slice = max(self.most_in_a_slice, ran)
                # Yield: due timers, pings and other chargers' frames run before the next slice.
                await asyncio.sleep(0)
        finally:
            self._task = None
