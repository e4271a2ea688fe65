"""One allocation pass: share the surplus between all cars, then keep every phase under the fuse.

Pure functions over plain numbers; the stateful timers and write rules are in solar.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .modes import Strategy


@dataclass(slots=True, kw_only=True)
class Load:
    """A car in a surplus mode, as the allocation sees it (powers in W)."""

    key: str
    priority: int
    # Min+Solar: on whatever the surplus; never shed.
    forced: bool
    # Charging now (or forced).
    enabled: bool
    min_w: float
    max_w: float
    # Results: what it gets, and what it could use uncapped by its maximum.
    alloc_w: float = 0.0
    want_w: float = 0.0


@dataclass(slots=True, frozen=True)
class Allocation:
    """Result of one pass, beside the alloc_w/want_w written into the loads."""

    # The enabled load to shed (lowest priority) when the surplus does not cover all minimums.
    shed_key: str | None
    # The paused load whose start condition holds (one at a time, highest priority).
    enable_key: str | None


def ordered(loads: Sequence[Load]) -> list[Load]:
    """Highest priority first; equal priorities in a stable (key) order."""
    return sorted(loads, key=lambda load: (-load.priority, load.key))


def allocate(
    loads: Sequence[Load],
    available_w: float,
    strategy: Strategy,
    *,
    enable_threshold_w: float = 0.0,
    disable_threshold_w: float = 0.0,
) -> Allocation:
    """Share available_w (the surplus with the cars' own draw added back) between loads."""
    order = ordered(loads)
    on = [load for load in order if load.enabled or load.forced]
    pool = available_w - sum(load.min_w for load in on)
    for load in order:
        load.alloc_w = load.min_w if load in on else 0.0
        load.want_w = load.alloc_w
    shed_key: str | None = None
    if pool < 0 and on:
        # Short of the minimums: the lowest-priority car shows what it could use (a forced
        # Min+Solar car, too: it may switch to fewer phases to buy less), and is shed unless forced.
        sheddable = [load for load in on if not load.forced]
        short = sheddable[-1] if sheddable else on[-1]
        short.want_w = short.min_w + pool
        if sheddable and pool < -disable_threshold_w:
            shed_key = short.key
    if pool > 0:
        if strategy is Strategy.EQUAL:
            _water_fill(on, pool)
        else:
            remaining = pool
            for load in on:
                extra = min(remaining, load.max_w - load.min_w)
                load.want_w = load.min_w + remaining
                load.alloc_w = load.min_w + extra
                remaining -= extra
    enable_key = _enable_candidate(
        order,
        on,
        available_w=available_w,
        pool=pool,
        strategy=strategy,
        threshold_w=enable_threshold_w,
    )
    return Allocation(shed_key=shed_key, enable_key=enable_key)


def _water_fill(on: list[Load], pool: float) -> None:
    """Split pool equally above the minimums; what a capped car cannot take goes to the others."""
    open_loads = list(on)
    remaining = pool
    for load in on:
        load.want_w = load.min_w + pool / len(on)
    while open_loads and remaining > 1e-9:
        share = remaining / len(open_loads)
        capped = [load for load in open_loads if load.max_w - load.alloc_w <= share]
        if not capped:
            for load in open_loads:
                load.alloc_w += share
            return
        for load in capped:
            remaining -= load.max_w - load.alloc_w
            load.alloc_w = load.max_w
            open_loads.remove(load)


def _enable_candidate(
    order: list[Load],
    on: list[Load],
    *,
    available_w: float,
    pool: float,
    strategy: Strategy,
    threshold_w: float,
) -> str | None:
    """Return the first paused load the surplus would carry at its minimum.

    With priorities, a paused car may count on the power of lower-priority cars (which are then
    shed after their delay); with an equal split it only gets what is left over.
    """
    for index, load in enumerate(order):
        if load in on:
            continue
        if strategy is Strategy.PRIORITY:
            ahead = sum(other.min_w for other in order[:index] if other in on)
            room = available_w - ahead
        else:
            room = pool
        if room >= load.min_w + threshold_w:
            load.want_w = room
            return load.key
    return None


@dataclass(slots=True, frozen=True)
class FuseRequest:
    """A connector's wanted current per phase and the grid phases it loads."""

    key: str
    current_a: float
    grid_phases: tuple[int, ...]
    min_current_a: float


@dataclass(slots=True, frozen=True)
class FuseResult:
    """The current a connector may have; limited_by is the grid phase (0..2) that capped it."""

    current_a: float
    limited_by: int | None


def fuse_caps(requests: Sequence[FuseRequest], room_a: list[float]) -> dict[str, FuseResult]:
    """Cap requests, in the given (priority) order, to the room left on each grid phase.

    A connector that cannot get its minimum gets 0 and leaves the room to the others.
    """
    room = list(room_a)
    results: dict[str, FuseResult] = {}
    for request in requests:
        wanted = request.current_a
        limited_by: int | None = None
        if wanted > 0:
            phase = min(request.grid_phases, key=lambda p: room[p])
            if room[phase] < wanted:
                wanted = max(0.0, room[phase])
                limited_by = phase
                if wanted < request.min_current_a:
                    wanted = 0.0
        for phase in request.grid_phases:
            room[phase] -= wanted
        results[request.key] = FuseResult(wanted, limited_by)
    return results
