"""The day's final stop: with no start left, a pause lasts for the rest of the day (solar.py).

The last session rides a shortfall at its minimum for the final stop delay. A shortfall that came
as a step (a load switched on, a cloud) leaves as it came, often just after that delay ran out
(the autumn bench day lost its afternoon that way); one that drifted in (the sun going down)
does not come back. So while a step is still what keeps the surplus below the minimum, the stop
is measured in grid energy, not time: the energy the delay buys at a full shortfall. Only while
the sun still climbs (solar.py passes no level before the step otherwise): past the day's peak,
riding buys grid for less sun than is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A step is a drop of at least STEP_SHARE of the car's minimum power from the highest 10 s
# mean of the last STEP_S seconds, which itself covered the minimum.
STEP_S = 60.0
STEP_SHARE = 0.25
# Longer gaps between readings count as this long (a missed reading is not an hour of import).
MAX_GAP_S = 60.0


@dataclass(slots=True)
class StopRide:
    """The step that began the current stop timer, and the grid energy bought since."""

    step_w: float = 0.0
    before_w: float = 0.0
    import_wh: float = 0.0
    counted_at: datetime | None = None

    def begin(self, before_w: float | None, available_w: float | None, minimum_w: float) -> None:
        """Note how the shortfall began: the surplus before it, and the step down (0: a drift)."""
        self.import_wh, self.counted_at = 0.0, None
        self.before_w = before_w or 0.0
        self.step_w = 0.0
        if before_w is None or available_w is None or before_w < minimum_w:
            return
        drop = before_w - available_w
        if drop >= STEP_SHARE * minimum_w:
            self.step_w = drop

    def rides(
        self,
        now: datetime,
        available_w: float | None,
        grid_w: float | None,
        minimum_w: float,
        limit_s: float,
    ) -> bool:
        """Whether the car rides on at its minimum past the final stop delay.

        Only while the step is still there (the surplus has not come back by half of it) and
        would, once gone, carry the minimum again; and until the grid energy bought since the
        timer started reaches what limit_s at the minimum, all bought, would cost.
        """
        if self.counted_at is not None and grid_w is not None:
            seconds = min((now - self.counted_at).total_seconds(), MAX_GAP_S)
            self.import_wh += min(max(grid_w, 0.0), minimum_w) * seconds / 3600
        self.counted_at = now
        step = self.step_w
        if not step or available_w is None:
            return False
        if available_w + step < minimum_w or available_w > self.before_w - step / 2:
            return False
        return self.import_wh < minimum_w * limit_s / 3600
