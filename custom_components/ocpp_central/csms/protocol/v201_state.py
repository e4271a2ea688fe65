"""OCPP 2.0.1 bookkeeping that outlives a connection, and the parsing of 2.0.1 values.

Chargers resend unconfirmed TransactionEvents after a reconnect, so what was already applied is
remembered per charger, not per session: seqNos per transaction, ended transactions, the EVSE
statuses, the remote starts we asked for and the token types the charger showed us. All bounded
(the variables' mutability by the station's device model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ocpp.exceptions import TypeConstraintViolationError

from ..meter import DEFAULT_MEASURAND, to_sample
from ..model import Charger, ExternalLimit, LimitPeriod, Sample
from .values import number_or_none, parse_time

EVENT_TYPES = frozenset({"Started", "Updated", "Ended"})
# Bookkeeping kept per charger across reconnects, bounded.
MAX_REMEMBERED = 64


@dataclass(slots=True)
class EvseState:
    """What an EVSE last reported, in 2.0.1 terms."""

    statuses: dict[int, str] = field(default_factory=dict)
    charging_state: str | None = None
    # A session ended while the car is still plugged in (1.6: Finishing).
    finished: bool = False


@dataclass(slots=True)
class Ledger:
    """A charger's 2.0.1 bookkeeping: it outlives a connection, as chargers resend after reconnects."""

    evses: dict[int, EvseState] = field(default_factory=dict)
    seq_nos: dict[str, set[int]] = field(default_factory=dict)
    ended: dict[str, None] = field(default_factory=dict)
    remote_starts: dict[int, str] = field(default_factory=dict)
    token_types: dict[str, str] = field(default_factory=dict)
    # Configuration key → read-only, as the last base report (NotifyReport mutability) told.
    read_only: dict[str, bool] = field(default_factory=dict)

    def evse(self, evse_id: int) -> EvseState:
        """Return an EVSE's state, creating it on first mention."""
        return self.evses.setdefault(evse_id, EvseState())

    @staticmethod
    def remember[K, V](store: dict[K, V], key: K, value: V) -> None:
        """Add to a bounded, oldest-first memory."""
        store.pop(key, None)
        store[key] = value
        while len(store) > MAX_REMEMBERED:
            del store[next(iter(store))]


# Per charger id; replaced when the model object is (another config entry, a test).
_LEDGERS: dict[str, tuple[Charger, Ledger]] = {}


def ledger_for(charger: Charger) -> Ledger:
    """Return the charger's ledger."""
    found = _LEDGERS.get(charger.charger_id)
    if found is None or found[0] is not charger:
        found = _LEDGERS[charger.charger_id] = (charger, Ledger())
    return found[1]


def nonneg_int(value: Any, name: str) -> int:
    """Return a non-negative integer field; TypeConstraintViolation otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeConstraintViolationError(
            details={"cause": f"{name} must be a non-negative integer, got {value!r}"}
        )
    return value


def sample_201(raw: dict[str, Any]) -> Sample | None:
    """Read a 2.0.1 sampledValue: unit and power-of-ten multiplier in unitOfMeasure (default Wh)."""
    unit_of_measure = raw.get("unit_of_measure")
    unit: Any = None
    multiplier = 0
    if isinstance(unit_of_measure, dict):
        unit = unit_of_measure.get("unit")
        power = unit_of_measure.get("multiplier")
        if isinstance(power, int) and not isinstance(power, bool) and abs(power) <= 9:
            multiplier = power
    return to_sample(raw.get("measurand"), raw.get("value"), unit, raw.get("phase"), multiplier)


def energy_reading(
    batches: list[tuple[datetime | None, list[Sample]]], *, last: bool
) -> tuple[float | None, datetime | None]:
    """Return the first (or last) total energy register reading among the batches, and its time."""
    for at, samples in reversed(batches) if last else batches:
        for sample in samples:
            if sample.measurand == DEFAULT_MEASURAND and sample.phase is None:
                return sample.value, at
    return None, None


def external_limit_201(source: str, schedules: Any, told_at: datetime) -> ExternalLimit:
    """Read NotifyChargingLimit's chargingSchedules; one without a startSchedule starts when told."""
    periods: list[LimitPeriod] = []
    for schedule in schedules if isinstance(schedules, list) else []:
        if not isinstance(schedule, dict):
            continue
        start = parse_time(schedule.get("start_schedule")) or told_at
        duration = number_or_none(schedule.get("duration"))
        end = None if duration is None else start + timedelta(seconds=duration)
        unit = "W" if schedule.get("charging_rate_unit") == "W" else "A"
        told = sorted(
            found
            for raw in schedule.get("charging_schedule_period") or []
            if (found := _limit_period(raw)) is not None
        )
        for n, (begin, limit, phases) in enumerate(told):
            ends = start + timedelta(seconds=told[n + 1][0]) if n + 1 < len(told) else None
            if end is not None:
                ends = end if ends is None else min(ends, end)
            periods.append(LimitPeriod(start + timedelta(seconds=begin), ends, limit, unit, phases))
    return ExternalLimit(source=source, set_at=told_at, periods=tuple(periods))


def _limit_period(raw: Any) -> tuple[float, float, int] | None:
    """Read a chargingSchedulePeriod: (startPeriod, limit, numberPhases: three when not told)."""
    if not isinstance(raw, dict):
        return None
    begin, limit = number_or_none(raw.get("start_period")), number_or_none(raw.get("limit"))
    if begin is None or limit is None:
        return None
    phases = raw.get("number_phases")
    return begin, limit, phases if phases in (1, 2, 3) and not isinstance(phases, bool) else 3
