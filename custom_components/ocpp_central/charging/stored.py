"""What the smart-charging engine keeps across restarts, in the store's format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..const import LOGGER
from .limits import Intent
from .quirks import DetectedQuirks


@dataclass(slots=True)
class StoredState:
    """The charger's known quirks, its station maximum and each connector's intent."""

    detected: DetectedQuirks = field(default_factory=DetectedQuirks)
    station_max: float | None = None
    intents: dict[int, Intent] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], charger_id: str) -> StoredState:
        """Read the store; an unreadable connector is dropped (and logged), the rest is kept."""
        station_max = data.get("station_max")
        intents: dict[int, Intent] = {}
        for key, stored in (data.get("connectors") or {}).items():
            try:
                intents[int(key)] = Intent.from_dict(stored)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                LOGGER.warning(
                    "Dropped unreadable stored limit of %s connector %s: %s", charger_id, key, err
                )
        return cls(
            detected=DetectedQuirks.from_dict(data.get("detected") or {}),
            station_max=float(station_max) if isinstance(station_max, int | float) else None,
            intents=intents,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready for the store (also shown in diagnostics)."""
        return {
            "detected": self.detected.as_dict(),
            "station_max": self.station_max,
            "connectors": {
                str(number): intent.as_dict() for number, intent in self.intents.items()
            },
        }
