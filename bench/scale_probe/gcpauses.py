"""Garbage collector pauses: how often each generation ran and how long it held the loop.

A full collection walks every object of the process; with Home Assistant's heap that takes long
enough to show as loop lag wherever it happens to start (in whatever callback allocated).
"""

from __future__ import annotations

import gc
import time
from typing import Any


class GcPauses:
    """Per generation: collections, total and longest pause (s), while installed."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {}
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        spent = time.perf_counter() - self._started
        entry = self.pauses.setdefault(int(info["generation"]), [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += spent
        entry[2] = max(entry[2], spent)

    def install(self) -> None:
        gc.callbacks.append(self._callback)

    def uninstall(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def report(self) -> dict[str, list[float]]:
        """Generation -> [collections, total s, longest s]."""
        return {str(generation): entry for generation, entry in sorted(self.pauses.items())}
