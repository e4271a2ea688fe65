"""A charger's meter readings as they can be true: read, judged against its rating, applied.

Also the statuses of connectors no station has (an id beyond MAX_CONNECTORS): acknowledged, not kept.

What cannot be true (negative power, a state of charge of 250 %, an energy register that jumps
faster than the station can charge) is dropped, never shown, and said in a warning once an hour
per charger: a broken meter must not flood the log. The rest of the message is used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import time
from typing import Any

from ...const import LOGGER
from ..meter import plausible
from ..model import MAX_CONNECTORS, Charger, Connector, Sample
from ..rating import VOLTAGE_CEILING_V
from .values import meter_batches

type Batches = list[tuple[datetime | None, list[Sample]]]

# How often a charger's implausible values are logged as a warning (the rest go to debug).
DOUBT_LOG_INTERVAL_S = 3600.0


class Readings:
    """One charger's readings at the door of its model."""

    def __init__(self, charger: Charger) -> None:
        """Judge readings for this charger (its rating bounds them)."""
        self.charger = charger

    def doubt(self, what: str) -> None:
        """Log a value dropped as implausible: a warning once an hour per charger, else debug."""
        charger = self.charger
        now = time.monotonic()
        last = charger.implausible_logged_at
        if last is not None and now - last < DOUBT_LOG_INTERVAL_S:
            LOGGER.debug(
                "Charger %s sent an implausible value, dropped: %s", charger.charger_id, what
            )
            return
        charger.implausible_logged_at = now
        LOGGER.warning(
            "Charger %s sent an implausible value, dropped: %s (implausible values from this "
            "charger are logged once an hour)",
            charger.charger_id,
            what,
        )

    def beyond_station(self, number: int) -> bool:
        """Whether a connector or EVSE number is beyond any station (MAX_CONNECTORS): doubted."""
        if number <= MAX_CONNECTORS:
            return False
        self.doubt(f"a status of connector {number}")
        return True

    def batches(
        self, meter_value: Any, sample_of: Callable[[dict[str, Any]], Sample | None]
    ) -> Batches:
        """Read a MeterValue list (values.meter_batches), keeping only what can be true."""
        return [
            (at, self.plausible(samples)) for at, samples in meter_batches(meter_value, sample_of)
        ]

    def plausible(self, samples: list[Sample]) -> list[Sample]:
        """Keep the samples that can be true for this station (meter.plausible); doubt the rest."""
        told = [s.value for s in samples if s.measurand == "Voltage"]
        known = [v for c in self.charger.connectors.values() for v in c.voltage_v.values()]
        voltage = max((v for v in told + known if v <= VOLTAGE_CEILING_V), default=0.0)
        kept = []
        for sample in samples:
            if (checked := plausible(sample, self.charger.rating, voltage)) is None:
                phase = f" on {sample.phase}" if sample.phase else ""
                self.doubt(f"{sample.measurand}{phase} {sample.value:g}")
            else:
                kept.append(checked)
        return kept

    def apply(self, connector: Connector, batches: Batches) -> None:
        """Apply read readings (batches), oldest first, within the station's rating."""
        for at, samples in batches:
            connector.apply_samples(samples, at, self.charger.rating)

    def report_refused(self) -> None:
        """Doubt what the energy registers refused (a jump faster than the station can charge)."""
        for connector in self.charger.connectors.values():
            for refused in connector.energy.take_refused():
                self.doubt(refused)
