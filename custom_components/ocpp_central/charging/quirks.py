"""Per-charger quirks as data: reported, learned, configured, and the effective result.

What a charger reported, what the fallback ladder learned, what the homeowner configured, and the
effective quirks the smart-charging engine follows.

No vendor names here. A charger's behaviour is described by fields; detection fills them from its
configuration keys and from which profile shapes it accepted, and the charger's options override them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from ..csms.commands import ConfigurationReport, ProfileKind, RateUnit

# --- the charger's options (subentry data keys; absent = default) ----------------------

CONF_REMOTE_ID_TAG = "remote_id_tag"
CONF_MIN_WRITE_INTERVAL = "min_write_interval"
CONF_MIN_CURRENT = "min_current"
CONF_OCPP_VERSION = "ocpp_version"
CONF_STACK_LEVEL_ZERO = "stack_level_zero"
CONF_PROFILE_KIND = "profile_kind"
CONF_RATE_UNIT = "rate_unit"
CONF_PAUSE_METHOD = "pause_method"
CONF_TX_PROFILE = "tx_profile"
CONF_WHOLE_AMPS = "whole_amps"
CONF_PHASE_SWITCHING = "phase_switching"

DEFAULT_REMOTE_ID_TAG = "HomeAssistant"
DEFAULT_MIN_WRITE_INTERVAL = 30
DEFAULT_MIN_CURRENT = 6.0
# OCPP 1.6 idTag is CiString20.
MAX_REMOTE_ID_TAG_LENGTH = 20

AUTO = "auto"


class KindChoice(StrEnum):
    """Profile kind override."""

    AUTO = AUTO
    ABSOLUTE = ProfileKind.ABSOLUTE.value
    RELATIVE = ProfileKind.RELATIVE.value


class UnitChoice(StrEnum):
    """Rate unit override."""

    AUTO = AUTO
    AMPERE = RateUnit.AMPERE.value
    WATT = RateUnit.WATT.value


class PauseMethod(StrEnum):
    """How a connector is paused without ending its session (last: ending it)."""

    AUTO = AUTO
    ZERO_CURRENT = "zero_current"
    CHANGE_AVAILABILITY = "change_availability"
    REMOTE_STOP = "remote_stop"


class TxProfileChoice(StrEnum):
    """Whether a TxProfile bound to the running transaction is sent besides the TxDefaultProfile."""

    AUTO = AUTO
    ON = "on"
    OFF = "off"


class PhaseSwitchingChoice(StrEnum):
    """Whether the charger switches between 1 and 3 phases (numberPhases in its profiles)."""

    AUTO = AUTO
    ON = "on"
    OFF = "off"


class OcppVersionPin(StrEnum):
    """OCPP version a charger is held to (read by the protocol layer)."""

    AUTO = AUTO
    V16 = "1.6"
    V201 = "2.0.1"


# The order in which pause methods are tried when one is refused.
PAUSE_LADDER = (PauseMethod.ZERO_CURRENT, PauseMethod.CHANGE_AVAILABILITY, PauseMethod.REMOTE_STOP)


@dataclass(slots=True, frozen=True)
class QuirkOverrides:
    """What the homeowner set in the charger's options."""

    stack_level_zero: bool = False
    profile_kind: KindChoice = KindChoice.AUTO
    rate_unit: UnitChoice = UnitChoice.AUTO
    pause_method: PauseMethod = PauseMethod.AUTO
    tx_profile: TxProfileChoice = TxProfileChoice.AUTO
    whole_amps: bool = True
    phase_switching: PhaseSwitchingChoice = PhaseSwitchingChoice.AUTO

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> QuirkOverrides:
        """Read the overrides from subentry data; unknown values count as auto."""
        return cls(
            stack_level_zero=bool(data.get(CONF_STACK_LEVEL_ZERO, False)),
            profile_kind=_choice(KindChoice, data.get(CONF_PROFILE_KIND)),
            rate_unit=_choice(UnitChoice, data.get(CONF_RATE_UNIT)),
            pause_method=_choice(PauseMethod, data.get(CONF_PAUSE_METHOD)),
            tx_profile=_choice(TxProfileChoice, data.get(CONF_TX_PROFILE)),
            whole_amps=bool(data.get(CONF_WHOLE_AMPS, True)),
            phase_switching=_choice(PhaseSwitchingChoice, data.get(CONF_PHASE_SWITCHING)),
        )


def _choice[E: StrEnum](enum: type[E], value: Any) -> E:
    try:
        return enum(value)
    except ValueError:
        return enum(AUTO)


@dataclass(slots=True, frozen=True)
class DetectedQuirks:
    """What the charger reported about itself (configuration keys) and what the ladder learned."""

    firmware: str | None = None
    # The configuration was read for this firmware: it is not read again until the firmware changes.
    configuration_read: bool | None = None
    max_stack_level: int | None = None
    rate_units: tuple[str, ...] | None = None
    max_periods: int | None = None
    feature_profiles: tuple[str, ...] | None = None
    number_of_connectors: int | None = None
    max_keys: int | None = None
    one_key_per_call: bool | None = None
    # ConnectorSwitch3to1PhaseSupported (2.0.1: SmartChargingCtrlr.Phases3to1).
    phase_switching: bool | None = None
    # Learned: the shape a refused profile was finally accepted in, or what a refusal ruled out.
    stack_level_zero: bool | None = None
    profile_kind: ProfileKind | None = None
    rate_unit: RateUnit | None = None
    tx_profile: bool | None = None
    pause_method: PauseMethod | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the store and diagnostics."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DetectedQuirks:
        """Restore from the store; unreadable fields are dropped."""
        values: dict[str, Any] = {}
        for key, parse in _STORED.items():
            try:
                value = parse(data[key])
            except KeyError, TypeError, ValueError:
                continue
            if value is not None:
                values[key] = value
        return cls(**values)

    def without_learned(self, firmware: str | None) -> DetectedQuirks:
        """After a firmware change: what the old firmware taught us may no longer hold."""
        return DetectedQuirks(firmware=firmware)


def _stored(kind: type) -> Callable[[Any], Any]:
    """Return a reader that accepts exactly this JSON type (a bool is no int)."""

    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(value)
        return value

    return read


def _stored_words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(value)
    return tuple(_stored(str)(word) for word in value)


# How each stored field of DetectedQuirks is read back (a wrong type drops the field).
_STORED: dict[str, Callable[[Any], Any]] = {
    "firmware": _stored(str),
    "configuration_read": _stored(bool),
    "max_stack_level": _stored(int),
    "rate_units": _stored_words,
    "max_periods": _stored(int),
    "feature_profiles": _stored_words,
    "number_of_connectors": _stored(int),
    "max_keys": _stored(int),
    "one_key_per_call": _stored(bool),
    "phase_switching": _stored(bool),
    "stack_level_zero": _stored(bool),
    "profile_kind": ProfileKind,
    "rate_unit": RateUnit,
    "tx_profile": _stored(bool),
    "pause_method": PauseMethod,
}


@dataclass(slots=True, frozen=True)
class Quirks:
    """The effective quirks the engine follows."""

    stack_level: int
    profile_kind: ProfileKind
    rate_unit: RateUnit
    tx_profile: bool
    pause_method: PauseMethod
    whole_amps: bool
    max_periods: int
    # Whether profiles carry numberPhases (1p/3p switching); None: the charger did not say.
    phase_switching: bool | None
    # Which of the above the homeowner pinned: the ladder leaves those alone.
    pinned: frozenset[str]


# Without a reported limit a schedule keeps to a size every charger we know accepts.
DEFAULT_MAX_PERIODS = 24


def effective_quirks(detected: DetectedQuirks, overrides: QuirkOverrides) -> Quirks:
    """Combine: overrides beat what was learned, which beats what was reported, then the defaults."""
    pinned: set[str] = set()
    if overrides.stack_level_zero:
        pinned.add("stack_level")
    stack_level = (
        0
        if overrides.stack_level_zero or detected.stack_level_zero
        else detected.max_stack_level or 0
    )
    if overrides.profile_kind is not KindChoice.AUTO:
        pinned.add("profile_kind")
        kind = ProfileKind(overrides.profile_kind.value)
    else:
        kind = detected.profile_kind or ProfileKind.ABSOLUTE
    if overrides.rate_unit is not UnitChoice.AUTO:
        pinned.add("rate_unit")
        unit = RateUnit(overrides.rate_unit.value)
    else:
        unit = detected.rate_unit or _reported_unit(detected.rate_units)
    if overrides.tx_profile is not TxProfileChoice.AUTO:
        pinned.add("tx_profile")
        tx_profile = overrides.tx_profile is TxProfileChoice.ON
    else:
        tx_profile = detected.tx_profile is not False
    phase_switching = detected.phase_switching
    if overrides.phase_switching is not PhaseSwitchingChoice.AUTO:
        phase_switching = overrides.phase_switching is PhaseSwitchingChoice.ON
    pause: PauseMethod
    if overrides.pause_method is not PauseMethod.AUTO:
        pinned.add("pause_method")
        pause = overrides.pause_method
    elif detected.pause_method is not None:
        pause = detected.pause_method
    elif detected.feature_profiles is not None and "SmartCharging" not in detected.feature_profiles:
        pause = PauseMethod.CHANGE_AVAILABILITY
    else:
        pause = PauseMethod.ZERO_CURRENT
    return Quirks(
        stack_level=max(0, stack_level),
        profile_kind=kind,
        rate_unit=unit,
        tx_profile=tx_profile,
        pause_method=pause,
        whole_amps=overrides.whole_amps,
        max_periods=max(1, detected.max_periods or DEFAULT_MAX_PERIODS),
        phase_switching=phase_switching,
        pinned=frozenset(pinned),
    )


def _reported_unit(units: tuple[str, ...] | None) -> RateUnit:
    """Amps wherever the charger takes them; watts only on power-only chargers."""
    if units and not any(unit in {"Current", "A"} for unit in units):
        return RateUnit.WATT
    return RateUnit.AMPERE


# The DetectedQuirks fields the ladder and refusals fill in (the others are reported).
_LEARNED = frozenset(
    {"stack_level_zero", "profile_kind", "rate_unit", "tx_profile", "pause_method"}
)


def quirk_sources(detected: DetectedQuirks, overrides: QuirkOverrides) -> dict[str, str]:
    """Per quirk: configured, learned, reported or default (diagnostics)."""
    defaults = QuirkOverrides()
    sources: dict[str, str] = {}
    for name, reported in (
        ("stack_level", detected.max_stack_level is not None),
        ("profile_kind", False),
        ("rate_unit", detected.rate_units is not None),
        ("tx_profile", False),
        ("pause_method", detected.feature_profiles is not None),
        ("whole_amps", False),
        ("max_periods", detected.max_periods is not None),
        ("phase_switching", detected.phase_switching is not None),
    ):
        learned_field = "stack_level_zero" if name == "stack_level" else name
        if getattr(overrides, learned_field, None) != getattr(defaults, learned_field, None):
            sources[name] = "configured"
        elif learned_field in _LEARNED and getattr(detected, learned_field) is not None:
            sources[name] = "learned"
        else:
            sources[name] = "reported" if reported else "default"
    return sources


# --- detection from configuration keys ------------------------------------------------


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _bool(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.strip().lower())


# Configuration key → (DetectedQuirks field, parser). The whole of detection, as data.
DETECTION_KEYS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "ChargeProfileMaxStackLevel": ("max_stack_level", _int),
    "ChargingScheduleAllowedChargingRateUnit": ("rate_units", _list),
    "ChargingScheduleMaxPeriods": ("max_periods", _int),
    "SupportedFeatureProfiles": ("feature_profiles", _list),
    "NumberOfConnectors": ("number_of_connectors", _int),
    "GetConfigurationMaxKeys": ("max_keys", _int),
    "ConnectorSwitch3to1PhaseSupported": ("phase_switching", _bool),
}


def reported_values(report: ConfigurationReport) -> dict[str, str]:
    """Return the detection keys the charger answered with a value."""
    return {
        entry.key: entry.value
        for entry in report.entries
        if entry.key in DETECTION_KEYS and entry.value is not None
    }


def apply_reported(detected: DetectedQuirks, values: Mapping[str, str]) -> DetectedQuirks:
    """Fill the detected quirks from configuration values."""
    changes: dict[str, Any] = {}
    for key, value in values.items():
        field_name, parse = DETECTION_KEYS[key]
        parsed = parse(value)
        if parsed is not None:
            changes[field_name] = parsed
    return replace(detected, **changes)
