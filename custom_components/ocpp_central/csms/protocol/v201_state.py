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

from ..meter import DEFAULT_MEASURAND, to_sample
from ..model import Charger, ExternalLimit, LimitPeriod, Sample
from ..rating import CURRENT_CEILING_A, PHASES, VOLTAGE_CEILING_V
from .values import number_within, parse_time

EVENT_TYPES = frozenset({"Started", "Updated", "Ended"})
# The furthest a limit's schedule reaches (s): ten years.
MAX_SCHEDULE_S = 10 * 365 * 24 * 3600
# The highest limit anyone can mean, per rate unit.
_LIMIT_CEILING = {"A": CURRENT_CEILING_A, "W": CURRENT_CEILING_A * PHASES * VOLTAGE_CEILING_V}
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
    """Read NotifyChargingLimit's chargingSchedules; one without a startSchedule starts when told.

    Periods that cannot be meant (a negative limit, one beyond any station, a start beyond the
    calendar) are left out.
    """
    periods: list[LimitPeriod] = []
    for schedule in schedules if isinstance(schedules, list) else []:
        if not isinstance(schedule, dict):
            continue
        try:
            periods.extend(_limit_periods(schedule, told_at))
        except OverflowError:
            continue
    return ExternalLimit(source=source, set_at=told_at, periods=tuple(periods))


def _limit_periods(schedule: dict[str, Any], told_at: datetime) -> list[LimitPeriod]:
    """Read one chargingSchedule's periods; OverflowError when it reaches beyond the calendar."""
    start = parse_time(schedule.get("start_schedule")) or told_at
    duration = number_within(schedule.get("duration"), 0, MAX_SCHEDULE_S)
    end = None if duration is None else start + timedelta(seconds=duration)
    unit = "W" if schedule.get("charging_rate_unit") == "W" else "A"
    periods = schedule.get("charging_schedule_period")
    told = sorted(
        found
        for raw in (periods if isinstance(periods, list) else [])
        if (found := _limit_period(raw, _LIMIT_CEILING[unit])) is not None
    )
    limits = []
    for n, (begin, limit, phases) in enumerate(told):
        ends = start + timedelta(seconds=told[n + 1][0]) if n + 1 < len(told) else None
        if end is not None:
            ends = end if ends is None else min(ends, end)
        limits.append(LimitPeriod(start + timedelta(seconds=begin), ends, limit, unit, phases))
    return limits


def _limit_period(raw: Any, ceiling: float) -> tuple[float, float, int] | None:
    """Read a chargingSchedulePeriod: (startPeriod, limit, numberPhases: three when not told)."""
    if not isinstance(raw, dict):
        return None
    begin = number_within(raw.get("start_period"), 0, MAX_SCHEDULE_S)
    limit = number_within(raw.get("limit"), 0, ceiling)
    if begin is None or limit is None:
        return None
    phases = raw.get("number_phases")
    return begin, limit, phases if phases in (1, 2, 3) and not isinstance(phases, bool) else 3
