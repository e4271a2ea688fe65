"""Session accounting: where each car's energy came from (solar or grid), and what the grid part cost.

Pure (no Home Assistant): the site controller feeds it on every pass (every grid reading, at least
every 10 s) with the time, the site's grid power and price, and per connector its session (the
transaction id), the session energy from the charger's register and the power to the car.

The split: at each pass, the site's grid import goes to the cars that draw power, in proportion to
their power and never more than a car draws; the rest of what a car draws is solar surplus (a home
battery that discharges into the car counts as surplus too). The split holds until the next pass.
Each pass adds the car's power x the time since the last pass to its solar, grid or unknown part
(unknown: no grid reading). A step of the charger's register is divided in proportion to these
sums since the register's previous step; a step with no power seen before it is split as the
current pass splits. Cost = grid energy x the price at the time (solar costs nothing).

Guards: a register that goes back counts nothing; a step faster than any charger (MAX_POWER_W) is
ignored; a gap of more than GAP_S between passes, the charger away, or a restart leave the next
step unattributed (unknown). Energy the session counted before it was first seen is unknown too,
so that solar + grid + unknown is the session's energy.

A new transaction id starts a new account; the finished session's account stays, closed, until
the next one starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Passes further apart than this (Home Assistant was down or stalled): the next step is unknown.
GAP_S = 300.0
# No charger delivers more; a faster register step is a glitch and is ignored.
MAX_POWER_W = 400_000.0
# A register never steps back by less (rounding of kWh readings): smaller drops are noise.
EPSILON_WH = 1e-6

# Price units per kWh: the energy part of "<money>/<energy>", and money in hundredths.
_ENERGY_SCALE = {"wh": 1000.0, "kwh": 1.0, "mwh": 0.001}
_SUBUNITS = frozenset({"c", "ct", "cent", "cents", "öre", "ore", "øre", "p", "pence", "rp"})


def price_per_kwh(value: float, unit: str | None) -> float:
    """Return a price per kWh in the currency's main unit ("EUR/MWh", "öre/kWh", "c/kWh" converted)."""
    if not unit or "/" not in unit:
        return value
    money, _, energy = unit.partition("/")
    scale = _ENERGY_SCALE.get(energy.strip().lower(), 1.0)
    if money.strip().lower() in _SUBUNITS:
        scale /= 100.0
    return value * scale


@dataclass(frozen=True, slots=True)
class ConnectorReading:
    """One connector at a pass."""

    # Transaction id of the running session; None: no session runs.
    session: str | None
    # Session energy from the charger's register (Wh); None while the charger is away.
    energy_wh: float | None
    # Power to the car (W); 0 while it does not charge.
    power_w: float


@dataclass(frozen=True, slots=True)
class SiteReading:
    """The site at a pass."""

    # Grid power, positive when importing (W); None: missing or stale.
    grid_w: float | None
    # Import price per kWh; None: no price (the grid energy then has no cost).
    price: float | None


@dataclass(frozen=True, slots=True)
class _Split:
    """A car's power and its grid share at a pass, held until the next pass."""

    power_w: float
    # Share of the power bought from the grid (0..1); None: unknown (no grid reading).
    grid_share: float | None
    price: float | None


@dataclass(slots=True)
class _Pending:
    """Power x time (W·s) by origin since the register's last step."""

    solar: float = 0.0
    grid: float = 0.0
    unknown: float = 0.0
    # Grid W·s x price per kWh; and grid W·s without a price.
    cost: float = 0.0
    unpriced: float = 0.0
    # Something happened that makes the next step unattributable.
    gap: bool = False

    @property
    def total(self) -> float:
        return self.solar + self.grid + self.unknown

    def add(self, split: _Split, seconds: float) -> None:
        weight = split.power_w * seconds
        if split.grid_share is None:
            self.unknown += weight
            return
        grid = weight * split.grid_share
        self.grid += grid
        self.solar += weight - grid
        if split.price is None:
            self.unpriced += grid
        else:
            self.cost += grid * split.price


@dataclass(slots=True)
class SessionAccount:
    """Where one session's energy came from."""

    transaction_id: str
    started_at: datetime
    ended_at: datetime | None = None
    solar_wh: float = 0.0
    grid_wh: float = 0.0
    unknown_wh: float = 0.0
    # Cost of the grid energy (currency of the price), and grid energy that had no price.
    cost: float = 0.0
    unpriced_wh: float = 0.0
    # Register steps ignored as glitches (not in any total).
    ignored_wh: float = 0.0
    # The register reading last taken, when, and the last pass.
    register_wh: float | None = None
    register_at: datetime | None = None
    updated_at: datetime | None = None
    _split: _Split | None = None
    _pending: _Pending = field(default_factory=_Pending)

    @property
    def running(self) -> bool:
        """Whether the session still runs."""
        return self.ended_at is None

    @property
    def solar_share(self) -> float | None:
        """Solar share of the attributed energy (%); None before any."""
        attributed = self.solar_wh + self.grid_wh
        return 100.0 * self.solar_wh / attributed if attributed > 0 else None

    @property
    def shown(self) -> tuple[Any, ...]:
        """What the account shows; sensors are written when it changes."""
        return (
            self.transaction_id,
            self.started_at,
            self.ended_at,
            self.solar_wh,
            self.grid_wh,
            self.unknown_wh,
            self.cost,
            self.unpriced_wh,
        )

    @classmethod
    def start(
        cls, transaction_id: str, now: datetime, energy_wh: float | None, split: _Split | None
    ) -> SessionAccount:
        """Open the account of a session first seen now (what it counted so far is unknown)."""
        return cls(
            transaction_id=transaction_id,
            started_at=now,
            unknown_wh=energy_wh or 0.0,
            register_wh=energy_wh,
            register_at=now if energy_wh is not None else None,
            updated_at=now,
            _split=split if energy_wh is not None else None,
        )

    def advance(self, now: datetime, energy_wh: float | None, split: _Split | None) -> None:
        """Take a pass: weigh the time since the last one, then the register's reading."""
        if self.updated_at is not None:
            seconds = (now - self.updated_at).total_seconds()
            if seconds > 0:
                if self._split is None or seconds > GAP_S:
                    self._pending.gap = True
                else:
                    self._pending.add(self._split, seconds)
        self.updated_at = now
        if energy_wh is None:
            # The charger is away: what it counts meanwhile cannot be split.
            self._pending.gap = True
            self._split = None
            return
        self._take(now, energy_wh, split)
        self._split = split

    def close(self, now: datetime) -> None:
        """Close the account: the session ended; its numbers stay as they are."""
        self.ended_at = now
        self._split = None
        self._pending = _Pending()

    def reopen(self) -> None:
        """Open the account again: its session runs on; what it counted meanwhile is unknown."""
        self.ended_at = None
        self._pending = _Pending(gap=True)

    def _take(self, now: datetime, energy_wh: float, split: _Split | None) -> None:
        if self.register_wh is None or self.register_at is None:
            # First reading of a session seen without one: all of it came before we saw it.
            self.unknown_wh += energy_wh
            self._rebase(now, energy_wh)
            return
        step = energy_wh - self.register_wh
        if abs(step) <= EPSILON_WH:
            return
        if step < 0:
            # The register went back (a reset the model did not catch): count from here.
            self._rebase(now, energy_wh)
            return
        elapsed = max(1.0, (now - self.register_at).total_seconds())
        if step > MAX_POWER_W * elapsed / 3600:
            self.ignored_wh += step
        else:
            self._attribute(step, split)
        self._rebase(now, energy_wh)

    def _attribute(self, step: float, split: _Split | None) -> None:
        pending = self._pending
        if not pending.gap and pending.total <= 0 and split is not None:
            # No power was seen while it was counted (the first reading of a session): split as now.
            pending.add(split, 1.0)
        total = pending.total
        if pending.gap or total <= 0:
            self.unknown_wh += step
            return
        self.solar_wh += step * pending.solar / total
        self.grid_wh += step * pending.grid / total
        self.unknown_wh += step * pending.unknown / total
        self.unpriced_wh += step * pending.unpriced / total
        # W·s x price/kWh over W·s, times Wh: Wh x price/kWh.
        self.cost += step * pending.cost / total / 1000.0

    def _rebase(self, now: datetime, energy_wh: float) -> None:
        self.register_wh = energy_wh
        self.register_at = now
        self._pending = _Pending()

    def as_dict(self) -> dict[str, Any]:
        """Serialise (restart): the totals and the register reading; the split starts anew."""
        return {
            "transaction_id": self.transaction_id,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "solar_wh": self.solar_wh,
            "grid_wh": self.grid_wh,
            "unknown_wh": self.unknown_wh,
            "cost": self.cost,
            "unpriced_wh": self.unpriced_wh,
            "ignored_wh": self.ignored_wh,
            "register_wh": self.register_wh,
            "register_at": self.register_at.isoformat() if self.register_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionAccount:
        """Restore after a restart; TypeError, ValueError or KeyError when unusable.

        What the charger counted since the account was saved is not split (unknown): the first
        step after a restart is a gap.
        """
        return cls(
            transaction_id=str(data["transaction_id"]),
            started_at=_time(data["started_at"]),
            ended_at=_time(data["ended_at"]) if data.get("ended_at") else None,
            solar_wh=_number(data["solar_wh"]),
            grid_wh=_number(data["grid_wh"]),
            unknown_wh=_number(data["unknown_wh"]),
            cost=_number(data["cost"]),
            unpriced_wh=_number(data.get("unpriced_wh", 0.0)),
            ignored_wh=_number(data.get("ignored_wh", 0.0)),
            register_wh=_number(data["register_wh"])
            if data.get("register_wh") is not None
            else None,
            register_at=_time(data["register_at"]) if data.get("register_at") else None,
            updated_at=_time(data["updated_at"]) if data.get("updated_at") else None,
            _pending=_Pending(gap=True),
        )


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"Not a time: {value!r}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"No time zone: {value!r}")
    return moment


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"Not a number: {value!r}")
    return float(value)


@dataclass
class SessionAccounting:
    """The session accounts of every connector, fed once per controller pass."""

    accounts: dict[str, SessionAccount] = field(default_factory=dict)
    # Connectors whose account was restored (or offered for restoring) since start.
    _restored: set[str] = field(default_factory=set)

    def account(self, key: str) -> SessionAccount | None:
        """Return the connector's running session's account, or its last one's."""
        return self.accounts.get(key)

    def update(
        self, now: datetime, site: SiteReading, connectors: Mapping[str, ConnectorReading]
    ) -> set[str]:
        """Take a pass; return the connectors whose account shows something new."""
        drawing = sum(reading.power_w for reading in connectors.values() if reading.power_w > 0)
        grid_share: float | None = None
        if site.grid_w is not None:
            grid_share = min(1.0, max(0.0, site.grid_w) / drawing) if drawing > 0 else 0.0
        changed: set[str] = set()
        for key, reading in connectors.items():
            before = (account := self.accounts.get(key)) and account.shown
            split = _Split(max(0.0, reading.power_w), grid_share, site.price)
            self._update_one(key, now, reading, split)
            after = (account := self.accounts.get(key)) and account.shown
            if after != before:
                changed.add(key)
        return changed

    def _update_one(
        self, key: str, now: datetime, reading: ConnectorReading, split: _Split
    ) -> None:
        account = self.accounts.get(key)
        if reading.session is not None and (
            account is None or account.transaction_id != reading.session
        ):
            if account is not None and account.running:
                # Its end was missed (a new session replaced it): what came after its last step is lost.
                account.close(now)
            self.accounts[key] = SessionAccount.start(
                reading.session, now, reading.energy_wh, split
            )
            return
        if account is None:
            return
        if not account.running:
            if reading.session != account.transaction_id:
                return
            # Its session runs again (closed before a restart, still open at the charger).
            account.reopen()
        account.advance(now, reading.energy_wh, split if reading.session is not None else None)
        if reading.session is None:
            # Ended: the last step (to the charger's stop reading) was taken just now.
            account.close(now)

    def restore(self, key: str, account: SessionAccount) -> bool:
        """Take a connector's account from before a restart; once per connector, first offer wins.

        An account opened since the start for the same session (the first pass comes before the
        entities are restored) is replaced: it only knew the session's energy as unknown.
        """
        if key in self._restored:
            return False
        self._restored.add(key)
        current = self.accounts.get(key)
        if current is not None and current.transaction_id != account.transaction_id:
            return False
        self.accounts[key] = account
        return True
