"""Which callbacks hold the event loop: time per coroutine (or callback) name, on the loop only.

cProfile since Python 3.12 follows every thread (sys.monitoring), so the recorder's SQLite work
mixes into its figures; this times only what the loop runs, one asyncio handle at a time, by the
wall clock and by the loop thread's own CPU time: a run much longer by the wall than in CPU waited
(for the GIL held by another thread, or for a core), which no change to that callback can fix.
"""

from __future__ import annotations

import asyncio.events
from collections import defaultdict
from collections.abc import Callable
import time
from typing import Any

_original_run = asyncio.events.Handle._run


def _name(callback: Callable[..., Any]) -> str:
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        return f"task {getattr(coro, '__qualname__', repr(coro))}"
    return f"callback {getattr(callback, '__qualname__', repr(callback))}"


class HandleTimes:
    """Total, count and longest run per name while installed."""

    def __init__(self) -> None:
        # Per name: wall total, runs, longest wall, CPU total, longest CPU.
        self.times: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0.0, 0.0, 0.0])

    def install(self) -> None:
        times = self.times

        def _run(handle: asyncio.events.Handle) -> None:
            started = time.perf_counter()
            cpu = time.thread_time()
            try:
                _original_run(handle)
            finally:
                spent = time.perf_counter() - started
                cpu = time.thread_time() - cpu
                entry = times[_name(handle._callback)]
                entry[0] += spent
                entry[1] += 1
                entry[2] = max(entry[2], spent)
                entry[3] += cpu
                entry[4] = max(entry[4], cpu)

        asyncio.events.Handle._run = _run  # type: ignore[method-assign]

    def uninstall(self) -> None:
        asyncio.events.Handle._run = _original_run  # type: ignore[method-assign]

    def top(self, limit: int = 15) -> list[tuple[str, float, int, float, float, float]]:
        """(name, wall s, runs, longest wall s, CPU s, longest CPU s), most wall time first."""
        ranked = sorted(self.times.items(), key=lambda item: -item[1][0])[:limit]
        return [(name, *values[:1], int(values[1]), *values[2:]) for name, values in ranked]
