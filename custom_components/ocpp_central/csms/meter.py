"""Turn sampled values, as chargers really send them, into model samples in base units."""

from __future__ import annotations

import math

from .model import Phase, Sample

DEFAULT_MEASURAND = "Energy.Active.Import.Register"

# Multiplier to W, Wh, A, V, var, varh, VA or % from the unit a charger reports in.
_UNIT_SCALE: dict[str, float] = {
    "wh": 1.0,
    "kwh": 1000.0,
    "w": 1.0,
    "kw": 1000.0,
    "a": 1.0,
    "v": 1.0,
    "percent": 1.0,
    "%": 1.0,
    "var": 1.0,
    "kvar": 1000.0,
    "varh": 1.0,
    "kvarh": 1000.0,
    "va": 1.0,
    "kva": 1000.0,
    "hz": 1.0,
    "celsius": 1.0,
}

_PHASES: dict[str, Phase] = {
    "L1": Phase.L1,
    "L2": Phase.L2,
    "L3": Phase.L3,
    "L1-N": Phase.L1,
    "L2-N": Phase.L2,
    "L3-N": Phase.L3,
    "L1-L2": Phase.L1,
    "L2-L3": Phase.L2,
    "L3-L1": Phase.L3,
}
_LINE_TO_LINE = frozenset({"L1-L2", "L2-L3", "L3-L1"})


def to_sample(
    measurand: object,
    value: object,
    unit: object,
    phase: object,
    multiplier: int = 0,
) -> Sample | None:
    """Build a sample, or None when the value is not a usable number (signed data, garbage, neutral)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except TypeError, ValueError:
        return None
    if not math.isfinite(number):
        return None
    phase = phase.upper() if isinstance(phase, str) and phase else None
    if phase == "N":
        return None
    measurand = measurand if isinstance(measurand, str) and measurand else DEFAULT_MEASURAND
    number *= 10.0**multiplier
    unit_key = unit.lower() if isinstance(unit, str) else ""
    if unit_key == "fahrenheit":
        number = (number - 32.0) * 5.0 / 9.0
    elif unit_key == "k":
        number -= 273.15
    else:
        number *= _UNIT_SCALE.get(unit_key, 1.0)
    if measurand == "Voltage" and phase in _LINE_TO_LINE:
        number /= math.sqrt(3)
    return Sample(measurand, number, _PHASES.get(phase) if phase else None)
