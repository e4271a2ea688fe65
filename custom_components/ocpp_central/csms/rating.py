"""What a station can physically do, as far as we know: the bounds of what it may report.

A value outside them cannot be true (a fault, a firmware bug, a fuzzer), and is never shown.
The bounds are generous: a charger may ignore the limit it was given, so the configured maximum
current is doubled and never taken below a household connection's.
"""

from __future__ import annotations

from dataclasses import dataclass

# No current beyond this, whatever is configured (A per phase).
CURRENT_CEILING_A = 1000.0
# A current ceiling never below this (A per phase): a charger may ignore its limit; this is more
# than a household connection gives.
CURRENT_FLOOR_A = 80.0
# Mains voltage per phase with its 10 % tolerance: with the current ceiling, the power ceiling.
MAINS_VOLTAGE_V = 253.0
PHASES = 3
# No voltage beyond this (DC fast chargers stay below).
VOLTAGE_CEILING_V = 1000.0


@dataclass(slots=True)
class Rating:
    """A station's configured maximum current; not stored (the configuration tells it anew).

    Connector and EVSE ids are bounded by model.MAX_CONNECTORS only: stations report their
    number of connectors (1.6 NumberOfConnectors), but some report one and use two.
    """

    # As the homeowner configured it; None: not configured (a pending charger).
    max_current_a: float | None = None

    @property
    def current_ceiling_a(self) -> float:
        """The highest plausible current per phase."""
        if self.max_current_a is None:
            return CURRENT_CEILING_A
        return min(CURRENT_CEILING_A, max(2 * self.max_current_a, CURRENT_FLOOR_A))

    def power_ceiling_w(self, voltage_v: float = 0.0) -> float:
        """Return the highest plausible power: the current ceiling on three phases at this voltage."""
        return self.current_ceiling_a * PHASES * max(voltage_v, MAINS_VOLTAGE_V)
