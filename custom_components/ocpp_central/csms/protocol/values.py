"""OCPP values as read, the same in every version: times, numbers, text, ids and meter values.

Most are read leniently: a charger that gets a value wrong costs that value, not the message
(unreadable entries are skipped). The fields a message stands on (connector and EVSE ids,
sequence numbers, transaction ids, a session's start reading) are strict: a value no station can
mean gets the CALLERROR the specification names, and nothing of the message is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
import math
from typing import Any

from ocpp.exceptions import (
    PropertyConstraintViolationError,
    ProtocolError,
    TypeConstraintViolationError,
)

from ..model import Sample

# A reading stamped further ahead than this comes from a charger whose clock is wrong; its
# timestamp is not trusted (otherwise it would make every later, correct reading look stale).
# A day leaves room for chargers that send local time marked as UTC.
CLOCK_SKEW = timedelta(days=1)
# OCPP's integer is 32 bits (1.6 and 2.0.1 alike).
INT32_MAX = 2**31 - 1
# Text longer than this is no id, name or code a charger means; nor does a state hold more.
MAX_TEXT = 255


def text_or_none(value: Any, max_length: int = MAX_TEXT) -> str | None:
    """Return a non-empty string of at most max_length characters as is, anything else as None."""
    return value if isinstance(value, str) and value and len(value) <= max_length else None


def number_or_none(value: Any) -> float | None:
    """Return a finite JSON number as float, anything else (and what no float holds) as None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def number_within(value: Any, low: float, high: float) -> float | None:
    """Return a JSON number within [low, high] as float, anything else as None."""
    number = number_or_none(value)
    return number if number is not None and low <= number <= high else None


def shown(value: Any) -> str:
    """Return a value as shown in a log line or an error's cause: at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def nonneg_int(value: Any, name: str, ceiling: int = INT32_MAX) -> int:
    """Return a strict non-negative integer field up to ceiling; the right CALLERROR otherwise.

    Not an integer (or negative): TypeConstraintViolation; beyond the ceiling (a connector the
    station does not have, beyond 32 bits): PropertyConstraintViolation.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeConstraintViolationError(
            details={"cause": f"{name} must be a non-negative integer, got {shown(value)}"}
        )
    if value > ceiling:
        raise PropertyConstraintViolationError(
            details={"cause": f"{name} {shown(value)} is beyond {ceiling}"}
        )
    return value


def register_wh(value: Any, name: str) -> float | None:
    """Return a strict energy register field in Wh (None when absent); the right CALLERROR otherwise.

    A register counts up from zero in whole Wh within 32 bits (1.6 meterStart); a fraction is
    taken as sent.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeConstraintViolationError(
            details={"cause": f"{name} must be a number of Wh, got {shown(value)}"}
        )
    number = number_within(value, 0, INT32_MAX)
    if number is None:
        raise PropertyConstraintViolationError(
            details={"cause": f"{name} {shown(value)} is no energy register reading"}
        )
    return number


def reading_time(value: Any) -> datetime | None:
    """Timestamp of a reading, unless absent, unreadable or implausibly far in the future."""
    parsed = parse_time(value)
    if parsed is not None and parsed > datetime.now(UTC) + CLOCK_SKEW:
        return None
    return parsed


def meter_batches(
    meter_value: Any, sample_of: Callable[[dict[str, Any]], Sample | None]
) -> list[tuple[datetime | None, list[Sample]]]:
    """Parse a MeterValue list leniently, oldest first: unreadable entries are skipped, not fatal.

    sample_of turns one sampledValue (snake_case keys) into a sample; it is what differs per version.
    """
    if not isinstance(meter_value, list):
        raise ProtocolError(details={"cause": "meterValue must be a list"})
    batches: list[tuple[datetime | None, list[Sample]]] = []
    for entry in meter_value:
        if not isinstance(entry, dict):
            continue
        sampled = entry.get("sampled_value")
        if isinstance(sampled, dict):  # one sampled value, not in its list
            sampled = [sampled]
        samples = [
            sample
            for raw in (sampled if isinstance(sampled, list) else [])
            if isinstance(raw, dict) and (sample := sample_of(raw)) is not None
        ]
        batches.append((reading_time(entry.get("timestamp")), samples))
    batches.sort(key=lambda batch: batch[0] or datetime.min.replace(tzinfo=UTC))
    return batches


def parse_time(value: Any) -> datetime | None:
    """Parse an OCPP timestamp; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        # A time whose offset takes it past year 1 or 9999 cannot be compared with others.
        parsed.astimezone(UTC)
    except ValueError, OverflowError:
        return None
    return parsed
