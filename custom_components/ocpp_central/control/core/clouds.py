"""Tell a passing cloud from a dull spell: the surplus of the last minutes, and what it would cost.

A start is worth spending when, over the recent window, a car charging at least at its minimum
would have taken little from the grid. The history keeps 10 s means of the
surplus available to the cars; `import_share` replays them for one car's power range.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime

BUCKET_S = 10.0
RAW_S = 30.0
PEAK_S = 3600.0
PEAK_BLOCK_S = 600.0


@dataclass(slots=True)
class _Bucket:
    start: datetime
    total_w: float = 0.0
    count: int = 0


@dataclass(slots=True)
class SurplusHistory:
    """10 s means of the available surplus over the last window_s seconds."""

    window_s: float = 600.0
    _buckets: deque[_Bucket] = field(default_factory=deque)
    # The readings of the last RAW_S seconds, for the surplus's trend.
    _raw: deque[tuple[datetime, float]] = field(default_factory=deque)
    # The highest 10 s mean of each PEAK_BLOCK_S block of the last 2 * PEAK_S seconds.
    _peaks: deque[tuple[datetime, float]] = field(default_factory=deque)

    def add(self, now: datetime, available_w: float) -> None:
        """Record one reading of the surplus available to the cars."""
        buckets = self._buckets
        if not buckets or (now - buckets[-1].start).total_seconds() >= BUCKET_S:
            if buckets:
                self._note_peak(buckets[-1])
            buckets.append(_Bucket(now))
        buckets[-1].total_w += available_w
        buckets[-1].count += 1
        self._raw.append((now, available_w))
        while (now - self._raw[0][0]).total_seconds() > RAW_S:
            self._raw.popleft()
        while (now - buckets[0].start).total_seconds() > self.window_s:
            buckets.popleft()

    def recent_mean(self, now: datetime, seconds: float) -> float | None:
        """Mean surplus of the buckets that began in the last `seconds` (None: no reading)."""
        total = count = 0.0
        for bucket in reversed(self._buckets):
            if (now - bucket.start).total_seconds() >= seconds:
                break
            total += bucket.total_w
            count += bucket.count
        return total / count if count else None

    def _note_peak(self, bucket: _Bucket) -> None:
        peaks = self._peaks
        mean = bucket.total_w / bucket.count
        if peaks and (bucket.start - peaks[-1][0]).total_seconds() < PEAK_BLOCK_S:
            peaks[-1] = (peaks[-1][0], max(peaks[-1][1], mean))
        else:
            peaks.append((bucket.start, mean))
        while (bucket.start - peaks[0][0]).total_seconds() >= 2 * PEAK_S:
            peaks.popleft()

    def climbing(self, now: datetime) -> bool:
        """Whether the last hour's highest surplus is above the hour's before (the sun climbs).

        False until the history covers the hour and a block before it (a gap, a restart).
        """
        peaks = self._peaks
        if not peaks or (now - peaks[0][0]).total_seconds() < PEAK_S + PEAK_BLOCK_S:
            return False
        recent = [w for at, w in peaks if (now - at).total_seconds() < PEAK_S]
        earlier = [w for at, w in peaks if (now - at).total_seconds() >= PEAK_S]
        return bool(recent and earlier) and max(recent) > max(earlier)

    def recent_peak(self, now: datetime, seconds: float) -> float | None:
        """Highest mean of the buckets that began in the last `seconds` (None: no reading)."""
        peak = None
        for bucket in reversed(self._buckets):
            if (now - bucket.start).total_seconds() >= seconds:
                break
            mean = bucket.total_w / bucket.count
            peak = mean if peak is None else max(peak, mean)
        return peak

    def trend(self, now: datetime, seconds: float) -> float | None:
        """Change of the surplus (W per second) from the reading `seconds` ago to the latest."""
        raw = self._raw
        earlier = [(at, watts) for at, watts in raw if (now - at).total_seconds() >= seconds]
        if not earlier or not raw:
            return None
        at, watts = earlier[-1]
        span = (raw[-1][0] - at).total_seconds()
        return (raw[-1][1] - watts) / span if span > 0 else None

    def import_share(self, now: datetime, min_w: float, max_w: float) -> float | None:
        """Share of grid energy a car charging between min_w and max_w would have drawn.

        None while the history covers less than half the window (just started, or a gap).
        """
        buckets = self._buckets
        if not buckets or (now - buckets[0].start).total_seconds() < self.window_s / 2:
            return None
        drawn = imported = 0.0
        for bucket in buckets:
            surplus = bucket.total_w / bucket.count
            power = min(max(surplus, min_w), max_w)
            drawn += power
            imported += power - min(power, max(surplus, 0.0))
        return imported / drawn if drawn else None


@dataclass(slots=True)
class ImportBudget:
    """Energy the cars in surplus modes charged today, and what of it came from the grid."""

    day: date | None = None
    car_wh: float = 0.0
    import_wh: float = 0.0
    _last: datetime | None = None

    def add(self, now: datetime, cars_w: float, grid_w: float) -> None:
        """Account the time since the last reading at these powers (gaps over a minute count not)."""
        if self.day != now.date():
            self.day, self.car_wh, self.import_wh = now.date(), 0.0, 0.0
        if self._last is not None:
            seconds = (now - self._last).total_seconds()
            if 0 < seconds <= 60:
                self.car_wh += cars_w * seconds / 3600
                self.import_wh += min(max(grid_w, 0.0), cars_w) * seconds / 3600
        self._last = now

    def left(self, share: float, allowance_wh: float) -> bool:
        """Whether today's import is still under share of the energy charged (plus the allowance)."""
        return self.import_wh < share * self.car_wh + allowance_wh
