"""The fallback ladder: the profile shapes tried, in order, when a charger answers Rejected.

Each rung probes one quirk; what an accepted shape lower down teaches goes back into DetectedQuirks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..csms.commands import ProfileKind, RateUnit

if TYPE_CHECKING:
    from .quirks import DetectedQuirks


@dataclass(slots=True, frozen=True)
class Shape:
    """How a profile is put to the charger: what the ladder varies."""

    stack_level: int
    kind: ProfileKind
    unit: RateUnit


@dataclass(slots=True, frozen=True)
class Rung:
    """One step down the ladder: the quirk it probes and how it changes the shape."""

    quirk: str
    applies: Callable[[Shape], bool]
    step: Callable[[Shape], Shape]


def _swap_kind(shape: Shape) -> Shape:
    other = ProfileKind.RELATIVE if shape.kind is ProfileKind.ABSOLUTE else ProfileKind.ABSOLUTE
    return replace(shape, kind=other)


# Tried in order, each on top of the ones before, when the charger answers Rejected. The ladder's
# third rung (TxProfile → TxDefaultProfile) is the engine's: a refused TxProfile is dropped, as the
# TxDefaultProfile already carries the limit.
LADDER: tuple[Rung, ...] = (
    Rung("stack_level", lambda s: s.stack_level != 0, lambda s: replace(s, stack_level=0)),
    Rung("profile_kind", lambda s: True, _swap_kind),
    Rung(
        "rate_unit", lambda s: s.unit is RateUnit.AMPERE, lambda s: replace(s, unit=RateUnit.WATT)
    ),
)


def ladder(start: Shape, fixed: frozenset[str]) -> list[Shape]:
    """Return the shapes to try, the first being the start; quirks in `fixed` are not varied."""
    shapes = [start]
    for rung in LADDER:
        current = shapes[-1]
        if rung.quirk not in fixed and rung.applies(current):
            shapes.append(rung.step(current))
    return shapes


def learned_from(start: Shape, accepted: Shape, detected: DetectedQuirks) -> DetectedQuirks:
    """Return what an accepted shape lower on the ladder teaches about the charger."""
    changes: dict[str, Any] = {}
    if accepted.stack_level == 0 and start.stack_level != 0:
        changes["stack_level_zero"] = True
    if accepted.kind is not start.kind:
        changes["profile_kind"] = accepted.kind
    if accepted.unit is not start.unit:
        changes["rate_unit"] = accepted.unit
    return replace(detected, **changes) if changes else detected
