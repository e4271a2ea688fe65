"""Quirks as data: detection from configuration keys, the ladder, learning, overrides, persistence."""

from __future__ import annotations

from custom_components.ocpp_central.charging.ladder import Shape, ladder, learned_from
from custom_components.ocpp_central.charging.limits import (
    Intent,
    LimitReason,
    Plan,
    in_unit,
    round_down,
    target_amps,
)
from custom_components.ocpp_central.charging.quirks import (
    DEFAULT_MAX_PERIODS,
    DetectedQuirks,
    KindChoice,
    PauseMethod,
    QuirkOverrides,
    TxProfileChoice,
    UnitChoice,
    apply_reported,
    effective_quirks,
    quirk_sources,
    reported_values,
)
from custom_components.ocpp_central.csms.commands import (
    ConfigurationEntry,
    ConfigurationReport,
    ProfileKind,
    RateUnit,
)


def report(**values: str | None) -> ConfigurationReport:
    return ConfigurationReport(
        entries=tuple(ConfigurationEntry(key, value, True) for key, value in values.items())
    )


def test_detection_from_configuration_keys() -> None:
    values = reported_values(
        report(
            ChargeProfileMaxStackLevel="16",
            ChargingScheduleAllowedChargingRateUnit="Current, Power",
            ChargingScheduleMaxPeriods="x",  # unreadable: ignored
            SupportedFeatureProfiles="Core,SmartCharging",
            NumberOfConnectors="2",
            HeartbeatInterval="300",  # not ours
            GetConfigurationMaxKeys=None,  # no value
        )
    )
    assert "HeartbeatInterval" not in values
    assert "GetConfigurationMaxKeys" not in values
    detected = apply_reported(DetectedQuirks(), values)
    assert detected.max_stack_level == 16
    assert detected.rate_units == ("Current", "Power")
    assert detected.max_periods is None
    assert detected.feature_profiles == ("Core", "SmartCharging")
    assert detected.number_of_connectors == 2
    quirks = effective_quirks(detected, QuirkOverrides())
    assert (quirks.stack_level, quirks.rate_unit, quirks.max_periods) == (
        16,
        RateUnit.AMPERE,
        DEFAULT_MAX_PERIODS,
    )
    assert quirks.pause_method is PauseMethod.ZERO_CURRENT


def test_defaults_without_anything_detected() -> None:
    quirks = effective_quirks(DetectedQuirks(), QuirkOverrides())
    assert quirks.stack_level == 0
    assert quirks.profile_kind is ProfileKind.ABSOLUTE
    assert quirks.rate_unit is RateUnit.AMPERE
    assert quirks.tx_profile is True
    assert quirks.whole_amps is True
    assert quirks.pinned == frozenset()


def test_power_only_and_no_smart_charging() -> None:
    detected = DetectedQuirks(rate_units=("Power",), feature_profiles=("Core",))
    quirks = effective_quirks(detected, QuirkOverrides())
    assert quirks.rate_unit is RateUnit.WATT
    assert quirks.pause_method is PauseMethod.CHANGE_AVAILABILITY


def test_overrides_beat_learned_beats_reported() -> None:
    detected = DetectedQuirks(
        max_stack_level=8,
        rate_units=("Current",),
        stack_level_zero=True,
        profile_kind=ProfileKind.RELATIVE,
        tx_profile=False,
        pause_method=PauseMethod.REMOTE_STOP,
    )
    learned = effective_quirks(detected, QuirkOverrides())
    assert (learned.stack_level, learned.profile_kind, learned.tx_profile) == (
        0,
        ProfileKind.RELATIVE,
        False,
    )
    assert learned.pause_method is PauseMethod.REMOTE_STOP
    overrides = QuirkOverrides(
        stack_level_zero=True,
        profile_kind=KindChoice.ABSOLUTE,
        rate_unit=UnitChoice.WATT,
        pause_method=PauseMethod.CHANGE_AVAILABILITY,
        tx_profile=TxProfileChoice.ON,
        whole_amps=False,
    )
    configured = effective_quirks(detected, overrides)
    assert configured.profile_kind is ProfileKind.ABSOLUTE
    assert configured.rate_unit is RateUnit.WATT
    assert configured.pause_method is PauseMethod.CHANGE_AVAILABILITY
    assert configured.tx_profile is True
    assert configured.whole_amps is False
    assert configured.pinned == {
        "stack_level",
        "profile_kind",
        "rate_unit",
        "pause_method",
        "tx_profile",
    }
    sources = quirk_sources(detected, overrides)
    assert sources["profile_kind"] == "configured"
    assert quirk_sources(detected, QuirkOverrides())["stack_level"] == "learned"
    plain = quirk_sources(DetectedQuirks(max_stack_level=3), QuirkOverrides())
    assert (plain["stack_level"], plain["profile_kind"]) == ("reported", "default")


def test_overrides_from_data_tolerate_garbage() -> None:
    overrides = QuirkOverrides.from_data(
        {"profile_kind": "relative", "rate_unit": "kW", "pause_method": None, "whole_amps": False}
    )
    assert overrides.profile_kind is KindChoice.RELATIVE
    assert overrides.rate_unit is UnitChoice.AUTO
    assert overrides.pause_method is PauseMethod.AUTO
    assert overrides.whole_amps is False


def test_ladder_order_and_pins() -> None:
    start = Shape(8, ProfileKind.ABSOLUTE, RateUnit.AMPERE)
    assert ladder(start, frozenset()) == [
        start,
        Shape(0, ProfileKind.ABSOLUTE, RateUnit.AMPERE),
        Shape(0, ProfileKind.RELATIVE, RateUnit.AMPERE),
        Shape(0, ProfileKind.RELATIVE, RateUnit.WATT),
    ]
    zero = Shape(0, ProfileKind.RELATIVE, RateUnit.WATT)
    assert ladder(zero, frozenset()) == [zero, Shape(0, ProfileKind.ABSOLUTE, RateUnit.WATT)]
    assert ladder(start, frozenset({"profile_kind", "rate_unit"})) == [
        start,
        Shape(0, ProfileKind.ABSOLUTE, RateUnit.AMPERE),
    ]


def test_learning_from_an_accepted_shape() -> None:
    start = Shape(8, ProfileKind.ABSOLUTE, RateUnit.AMPERE)
    detected = DetectedQuirks(max_stack_level=8)
    assert learned_from(start, start, detected) is detected
    learned = learned_from(start, Shape(0, ProfileKind.RELATIVE, RateUnit.WATT), detected)
    assert learned.stack_level_zero is True
    assert learned.profile_kind is ProfileKind.RELATIVE
    assert learned.rate_unit is RateUnit.WATT


def test_detected_round_trip_and_firmware_change() -> None:
    detected = DetectedQuirks(
        firmware="1.8.21",
        max_stack_level=3,
        rate_units=("Current", "Power"),
        profile_kind=ProfileKind.RELATIVE,
        rate_unit=RateUnit.WATT,
        pause_method=PauseMethod.CHANGE_AVAILABILITY,
    )
    assert DetectedQuirks.from_dict(detected.as_dict()) == detected
    assert (
        DetectedQuirks.from_dict(
            {"max_stack_level": "x", "rate_units": [1], "tx_profile": "no", "nonsense": 1}
        )
        == DetectedQuirks()
    )
    assert DetectedQuirks.from_dict({"profile_kind": "sideways"}) == DetectedQuirks()
    assert detected.without_learned("1.9.0") == DetectedQuirks(firmware="1.9.0")


def test_limit_arithmetic() -> None:
    def amps(value: float, unit: RateUnit = RateUnit.AMPERE, whole: bool = True) -> object:
        return target_amps(value, unit, phases=3, min_a=6, max_a=32, whole_amps=whole)

    assert amps(16.9) == (16.0, LimitReason.USER_LIMIT)
    assert amps(16.96, whole=False) == (16.9, LimitReason.USER_LIMIT)
    assert amps(0) == (0.0, LimitReason.USER_LIMIT)
    assert amps(5.9) == (0.0, LimitReason.CLAMPED_TO_MINIMUM)
    assert amps(33) == (32.0, LimitReason.CLAMPED_TO_MAXIMUM)
    assert amps(11040, RateUnit.WATT) == (16.0, LimitReason.USER_LIMIT)
    assert round_down(6.99, True) == 6.0
    assert round_down(6.9999999999, True) == 7.0  # float noise, not a lower value
    assert round_down(7.0, True) == 7.0
    assert in_unit(16, RateUnit.WATT, 1) == 3680.0
    assert in_unit(16, RateUnit.AMPERE, 1) == 16


def test_plan_and_intent() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 25, 8, tzinfo=UTC)
    plan = Plan(((0, 16.0), (3600, 8.0)), start=start, valid_to=start + timedelta(hours=2))
    assert plan.is_schedule and not plan.halts
    assert plan.amps_at(start + timedelta(minutes=30)) == 16.0
    assert plan.amps_at(start + timedelta(minutes=90)) == 8.0
    assert Plan(((0, 0.0),)).halts
    intent = Intent(
        requested=11.0,
        unit=RateUnit.WATT,
        expires_at=start,
        schedule=((start, 16.0),),
        schedule_valid_to=start + timedelta(hours=1),
        paused=True,
        held=PauseMethod.CHANGE_AVAILABILITY,
        installed=True,
    )
    assert Intent.from_dict(intent.as_dict()) == intent
    assert Intent.from_dict({}) == Intent()
