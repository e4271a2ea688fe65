"""The lifetime energy register: it never drops, never jumps, and believes a reset only on evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import math

from .rating import Rating

# A reading below this share of the previous one may be a register reset; a smaller drop is a glitch.
RESET_RATIO = 0.5
# Time a register may have counted beyond the time between two readings' timestamps, at the
# station's highest power: a charger's clock an hour off (daylight saving time, local time sent
# as UTC), readings held back, registers counting in whole kWh.
JUMP_SLACK_H = 1.0
UNRATED = Rating()


@dataclass
class EnergyRegister:
    """A lifetime energy counter that never drops, even when the charger's register does.

    Chargers that reset their register per session (Vestel, Grizzl-E) or to zero add what was
    counted before the reset as an offset. A reset is believed on evidence only: a new session
    whose start reading is lower, a register seen resetting before, or a register that counts on
    from the new low base at the next reading. One low reading alone (a zero, a meter that answered
    wrong) is held in doubt, and forgotten when the register carries on where it was.

    A small drop (rounding when a charger mixes kWh and Wh readings, two meters reporting for one
    connector) is a glitch: it is ignored, because taking it as a reset would add the whole
    register to the lifetime total. A rise faster than the station's power allows is doubted the
    same way: dropped, unless the register counts on from there (a new meter), and then the total
    carries on from where it was, without the jump.
    """

    last_raw_wh: float | None = None
    offset_wh: float = 0.0

    def __post_init__(self) -> None:
        """Start the register's working memory: no field, so neither stored nor compared."""
        # When the last reading was taken (the charger's clock, else ours).
        self.read_at: datetime | None = None
        # A reading held in doubt, and when it was taken.
        self.doubt: tuple[float, datetime] | None = None
        # Whether the register was seen resetting (per-session registers).
        self.resets = False
        # Readings refused since the adapter last asked (it says so, once in a while).
        self.refused: list[str] = []

    @property
    def total_wh(self) -> float | None:
        """Lifetime energy in Wh."""
        if self.last_raw_wh is None:
            return None
        return self.offset_wh + self.last_raw_wh

    def at_reading(self, raw_wh: float) -> float:
        """Return the lifetime energy an older reading stands for (a backlog replayed late)."""
        return max(0.0, self.offset_wh + raw_wh)

    def take_refused(self) -> list[str]:
        """Return the readings refused since last asked, and forget them."""
        refused, self.refused = self.refused, []
        return refused

    def update(
        self,
        raw_wh: float,
        at: datetime | None = None,
        *,
        rating: Rating = UNRATED,
        new_session: bool = False,
    ) -> None:
        """Take a register reading taken at `at` (None: now); new_session: a session's start reading."""
        at = at or datetime.now(UTC)
        if not math.isfinite(raw_wh) or raw_wh < 0:
            self.refused.append(f"energy register reading {raw_wh} Wh")
            return
        last = self.last_raw_wh
        if last is None or last <= raw_wh <= last + self._allowance(self.read_at, at, rating):
            self._take(raw_wh, at)
            return
        if (doubt := self.doubt) is not None and (
            doubt[0] < raw_wh <= doubt[0] + self._allowance(doubt[1], at, rating)
        ):
            # The register counts on from the doubted reading: a new base.
            self._rebase(last, doubt, rating)
            self._take(raw_wh, at)
            return
        if raw_wh < last:
            if raw_wh >= last * RESET_RATIO:
                return
            if new_session or (self.resets and raw_wh > 0):
                self._rebase(last, (raw_wh, at), rating)
                self._take(raw_wh, at)
                return
        else:
            self.refused.append(
                f"energy register jumping from {last:.0f} Wh to {raw_wh:.0f} Wh, faster than "
                f"{rating.power_ceiling_w() / 1000:.0f} kW"
            )
        self.doubt = (raw_wh, at)

    def _take(self, raw_wh: float, at: datetime) -> None:
        self.last_raw_wh = raw_wh
        self.read_at = at
        self.doubt = None

    def _rebase(self, last: float, base: tuple[float, datetime], rating: Rating) -> None:
        """Carry the total on from a register's new base: up to it from zero if that is plausible."""
        base_wh, base_at = base
        counted = 0.0
        if base_wh < last:
            self.resets = True
            if base_wh <= self._allowance(self.read_at, base_at, rating):
                counted = base_wh
        self.offset_wh += last - base_wh + counted

    def _allowance(self, since: datetime | None, at: datetime, rating: Rating) -> float:
        """Return the most a register can gain from `since` to `at` (no limit: `since` unknown)."""
        if since is None:
            return math.inf
        hours = max(0.0, (at - since).total_seconds()) / 3600
        return rating.power_ceiling_w() * (hours + JUMP_SLACK_H)
