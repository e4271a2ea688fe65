"""OCPP values read leniently, the same in every version: times, numbers, text and meter values.

A charger that gets a value wrong costs that value, not the message: unreadable entries are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.exceptions import ProtocolError

from ..model import Sample

# A reading stamped further ahead than this comes from a charger whose clock is wrong; its
# timestamp is not trusted (otherwise it would make every later, correct reading look stale).
# A day leaves room for chargers that send local time marked as UTC.
CLOCK_SKEW = timedelta(days=1)


def text_or_none(value: Any) -> str | None:
    """Return a non-empty string as is, anything else as None."""
    return value if isinstance(value, str) and value else None


def number_or_none(value: Any) -> float | None:
    """Return a JSON number as float, anything else as None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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
        samples = [
            sample
            for raw in entry.get("sampled_value") or []
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
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
