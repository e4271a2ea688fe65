"""The budget oracle: the most solar energy a controller with perfect foresight could put into the car
while keeping the same promises as ours (at most `starts` starts a day, grid import at most `share`
of the energy charged).

The plain oracle (solar_sim.oracle_power) takes all surplus above the car's minimum power, every
second, with no starts counted: on a day of fast clouds no controller with a start budget can reach
it without importing. This one answers "how much was possible at all" under the goals.

Method: 10 s steps of mean surplus; per step the car is off, or on at its minimum to maximum power
on one or three phases (phase changes free, so it stays an upper bound). Dynamic programming over
(starts used, on/off) maximises solar - lambda * import; lambda is bisected until the import share
meets the goal (the Lagrangian relaxation of the constrained problem).
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from solar_sim import VOLTS, Day

STEP_S = 10


@dataclass(frozen=True, slots=True)
class OracleResult:
    """Solar and grid energy into the car (Wh) of the best plan, and its starts."""

    solar_wh: float
    import_wh: float
    starts: int


def _steps(day: Day) -> list[float]:
    """Mean surplus (W) of every STEP_S seconds of the day."""
    surplus = [pv - house for pv, house in zip(day.pv_w, day.house_w, strict=True)]
    return [
        sum(surplus[i : i + STEP_S]) / STEP_S for i in range(0, len(surplus) - STEP_S + 1, STEP_S)
    ]


def _ranges(day: Day) -> list[tuple[float, float]]:
    ranges = [(day.car_min_a * VOLTS * day.phases, day.car_max_a * VOLTS * day.phases)]
    if day.can_switch_phases and day.phases > 1:
        ranges.append((day.car_min_a * VOLTS, day.car_max_a * VOLTS))
    return ranges


def _on_options(surplus: float, ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(solar W, import W) of each way of charging in a step."""
    options = []
    for low, high in ranges:
        power = min(max(surplus, low), high)
        solar = min(power, max(surplus, 0.0))
        options.append((solar, power - solar))
    return options


def _solve(
    steps: list[list[tuple[float, float]]], starts: int, weight: float
) -> tuple[float, float, int]:
    """Best (solar Wh, import Wh, starts) for solar - weight * import."""
    hours = STEP_S / 3600
    # value, solar, import per state (starts used, on); -inf where unreachable.
    off = [(0.0, 0.0, 0.0)] + [(-math.inf, 0.0, 0.0)] * starts
    on = [(-math.inf, 0.0, 0.0)] * (starts + 1)
    for options in steps:
        solar, grid = max(options, key=lambda o: o[0] - weight * o[1])
        gain = (solar - weight * grid) * hours
        new_off = [max(off[k], on[k]) for k in range(starts + 1)]
        new_on = []
        for k in range(starts + 1):
            stay = on[k]
            start = off[k - 1] if k else (-math.inf, 0.0, 0.0)
            best = max(stay, start)
            if best[0] == -math.inf:
                new_on.append(best)
                continue
            new_on.append((best[0] + gain, best[1] + solar * hours, best[2] + grid * hours))
        off, on = new_off, new_on
    best_k, best = max(
        enumerate(max(a, b) for a, b in zip(off, on, strict=True)), key=lambda kv: kv[1][0]
    )
    return best[1], best[2], best_k


def budget_oracle(day: Day, *, starts: int = 3, share: float = 0.02) -> OracleResult:
    """The best plan with at most `starts` starts and import at most `share` of the energy."""
    ranges = _ranges(day)
    steps = [_on_options(s, ranges) for s in _steps(day)]
    low, high = 0.0, 1000.0
    best = _solve(steps, starts, high)
    for _ in range(30):
        weight = (low + high) / 2
        solar, grid, used = _solve(steps, starts, weight)
        if grid <= share * (solar + grid):
            best, high = (solar, grid, used), weight
        else:
            low = weight
    return OracleResult(*best)
