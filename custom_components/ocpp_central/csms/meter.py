"""Turn sampled values, as chargers really send them, into model samples in base units.

And judge them: a sample whose value cannot be true for the station (negative power, a state of
charge of 250 %, a current beyond any cable) never reaches the model (see plausible).
"""

from __future__ import annotations

from dataclasses import replace
import math

from .model import ENERGY_REGISTER, Phase, Sample
from .rating import VOLTAGE_CEILING_V, Rating

DEFAULT_MEASURAND = ENERGY_REGISTER
# No energy register beyond this (Wh): a terawatt-hour.
ENERGY_CEILING_WH = 1e12
# Readings just below zero are a meter's noise at rest (a few W, a fraction of an A): taken as 0.
_NOISE: dict[str, float] = {
    "Power.Active.Import": 50.0,
    "Power.Offered": 50.0,
    "Current.Import": 0.5,
    "Current.Offered": 0.5,
}
# Fixed bounds of the measurands the model keeps, in base units; power and current: the rating's.
_FIXED_BOUNDS: dict[str, tuple[float, float]] = {
    ENERGY_REGISTER: (0.0, ENERGY_CEILING_WH),
    "Voltage": (0.0, VOLTAGE_CEILING_V),
    "SoC": (0.0, 100.0),
    "Temperature": (-100.0, 300.0),
    "Frequency": (0.0, 1000.0),
}

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
    except TypeError, ValueError, OverflowError:
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
    if not math.isfinite(number):  # a finite value in kWh, times 10^9, can overflow
        return None
    return Sample(measurand, number, _PHASES.get(phase) if phase else None)


def plausible(sample: Sample, rating: Rating, voltage_v: float = 0.0) -> Sample | None:
    """Return the sample as it can be true for the station, or None when it cannot be.

    voltage_v: the highest voltage the station reported, for the power ceiling. Noise just below
    zero reads as zero; measurands the model does not keep pass as they are.
    """
    measurand = sample.measurand
    if measurand in _FIXED_BOUNDS:
        low, high = _FIXED_BOUNDS[measurand]
    elif measurand in ("Power.Active.Import", "Power.Offered"):
        low, high = 0.0, rating.power_ceiling_w(voltage_v)
    elif measurand in ("Current.Import", "Current.Offered"):
        low, high = 0.0, rating.current_ceiling_a
    else:
        return sample
    value = sample.value
    if low <= value <= high:
        return sample
    if low == 0.0 and -_NOISE.get(measurand, 0.0) <= value < 0.0:
        return replace(sample, value=0.0)
    return None
