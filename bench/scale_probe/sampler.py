"""A sampling profiler of the event loop's thread only: where the loop's own time goes.

Every few milliseconds a thread reads the loop thread's stack (sys._current_frames) and counts,
per function, the samples it was on the stack (inclusive) and on top (own). Idle samples (the
loop waiting in select) are counted apart. Unlike cProfile since Python 3.12, other threads (the
recorder's SQLite work) do not mix in, and the loop runs at nearly full speed.
"""

from __future__ import annotations

from collections import Counter
import sys
import threading
import time
from types import FrameType

INTERVAL_S = 0.005
IDLE = frozenset({"select", "poll", "_run_once"})


def _where(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "custom_components/", "python3.14/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{code.co_firstlineno}({code.co_qualname})"


class StackSampler:
    """Samples one thread's stack until stopped."""

    def __init__(self, thread_id: int) -> None:
        self.thread_id = thread_id
        self.own: Counter[str] = Counter()
        self.inclusive: Counter[str] = Counter()
        self.samples = 0
        self.idle = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scale probe sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            frame = sys._current_frames().get(self.thread_id)
            if frame is None:
                continue
            self.samples += 1
            if frame.f_code.co_name in IDLE:
                self.idle += 1
                continue
            self.own[_where(frame)] += 1
            seen = set()
            while frame is not None:
                where = _where(frame)
                if where not in seen:
                    seen.add(where)
                    self.inclusive[where] += 1
                frame = frame.f_back

    def report(self, limit: int = 25) -> dict[str, object]:
        """Shares of the samples: busy, own time and inclusive time per function."""
        total = max(1, self.samples)
        return {
            "samples": self.samples,
            "busy": (self.samples - self.idle) / total,
            "own": [(name, n / total) for name, n in self.own.most_common(limit)],
            "inclusive": [(name, n / total) for name, n in self.inclusive.most_common(limit * 3)],
            "at": time.time(),
        }
