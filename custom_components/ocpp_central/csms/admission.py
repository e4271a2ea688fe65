"""Who may knock: charger identity rules, per-address budgets, bounded pending chargers.

Pure bookkeeping (no Home Assistant, no sockets); every clock is passed in, so tests need no
waiting and the central system decides what a limit being hit means.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
import re
import time

# OCPP 2.0.1 part 4 section 3.1.1 (and the 1.6 chargeBoxIdentity it follows): at most 48
# characters; an id is case-sensitive as configured.
MAX_IDENTITY_LENGTH = 48
# Ids not configured by the homeowner must also be identifierString (OCPP 2.0.1 part 2, 2.1.2),
# so an invented id like "<script>" or "A B" never becomes a device or a notification.
_IDENTIFIER_STRING = re.compile(r"[A-Za-z0-9*\-_=:+|@.]+")

PENDING_CAP = 10
# A pending charger that has not connected for this long is forgotten (its notification too).
PENDING_EXPIRY_S = 600.0
# Refused and pending connections one address may open: a burst of this many, refilled over a minute.
ADDRESS_BURST = 20
ADDRESS_REFILL_PER_MINUTE = 20.0
# Chargers "Add automatically" may add in an hour; beyond it they are kept pending (asked about).
AUTO_ADD_PER_HOUR = 5
LOG_EVERY_S = 60.0

type Clock = Callable[[], float]


def identity_problem(charger_id: str) -> str | None:
    """Why an id is no charger identity at all (HTTP 400), None when it is one."""
    if not charger_id:
        return "no charger id in the URL"
    if len(charger_id) > MAX_IDENTITY_LENGTH:
        return f"longer than {MAX_IDENTITY_LENGTH} characters"
    if not charger_id.isprintable():
        return "control or unprintable characters"
    if charger_id != charger_id.strip():
        return "leading or trailing whitespace"
    return None


def fits_new_identity(charger_id: str) -> bool:
    """Whether an id nobody configured may become a pending or automatically added charger."""
    return _IDENTIFIER_STRING.fullmatch(charger_id) is not None


@dataclass(slots=True)
class AddressBudget:
    """A token bucket per source address for refused and pending connections."""

    burst: int = ADDRESS_BURST
    refill_per_minute: float = ADDRESS_REFILL_PER_MINUTE
    clock: Clock = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def spend(self, address: str) -> bool:
        """Take one token for this address; False when it has none left."""
        now = self.clock()
        tokens, then = self._buckets.get(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.refill_per_minute / 60)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return False
        self._buckets[address] = (tokens - 1, now)
        if len(self._buckets) > 4096:
            # Full buckets carry no information; drop them so addresses cannot grow the map.
            self._buckets = {
                key: value for key, value in self._buckets.items() if value[0] < self.burst - 1
            }
        return True


@dataclass(slots=True)
class LogThrottle:
    """At most one log line per key (a source address) per minute; counts what it kept back."""

    every_s: float = LOG_EVERY_S
    clock: Clock = time.monotonic
    _last: dict[str, tuple[float, int]] = field(default_factory=dict)

    def allow(self, key: str) -> int | None:
        """Lines kept back since the last one when this one may be logged; None to keep it back."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last[0] < self.every_s:
            self._last[key] = (last[0], last[1] + 1)
            return None
        if len(self._last) > 4096:
            self._last = {k: v for k, v in self._last.items() if now - v[0] < self.every_s}
        self._last[key] = (now, 0)
        return last[1] if last is not None else 0


@dataclass(slots=True)
class PendingVisit:
    """An unconfirmed charger: where it connects from and when it was last connected."""

    address: str
    last_seen: float
    connected: bool = True


@dataclass(slots=True)
class PendingChargers:
    """At most `cap` pending chargers, oldest first; each forgotten after a while away."""

    cap: int = PENDING_CAP
    expiry_s: float = PENDING_EXPIRY_S
    clock: Clock = time.monotonic
    visits: dict[str, PendingVisit] = field(default_factory=dict)

    def arrive(self, charger_id: str, address: str) -> list[str]:
        """Note a pending charger's connection; return the oldest ones it pushes out."""
        self.visits.pop(charger_id, None)
        self.visits[charger_id] = PendingVisit(address, self.clock())
        overflow = list(self.visits)[: max(0, len(self.visits) - self.cap)]
        for gone in overflow:
            del self.visits[gone]
        return overflow

    def leave(self, charger_id: str) -> None:
        """Its connection closed: the expiry runs from now."""
        if (visit := self.visits.get(charger_id)) is not None:
            visit.connected = False
            visit.last_seen = self.clock()

    def expired(self) -> list[str]:
        """Forget and return those away longer than the expiry."""
        now = self.clock()
        gone = [
            charger_id
            for charger_id, visit in self.visits.items()
            if not visit.connected and now - visit.last_seen > self.expiry_s
        ]
        for charger_id in gone:
            del self.visits[charger_id]
        return gone

    def forget(self, charger_id: str) -> None:
        """Drop a charger that was confirmed or refused."""
        self.visits.pop(charger_id, None)


@dataclass(slots=True)
class HourlyCap:
    """At most `limit` events in any hour (chargers added automatically)."""

    limit: int = AUTO_ADD_PER_HOUR
    clock: Clock = time.monotonic
    _times: deque[float] = field(default_factory=deque)

    def take(self) -> bool:
        """Count one event; False (not counted) when the hour's limit is reached."""
        now = self.clock()
        while self._times and now - self._times[0] >= 3600:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True
