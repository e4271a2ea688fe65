"""Smart-charging engine: the fallback ladder and what a charger's refusals teach, and detection of
what a charger supports, against a scripted 1.6 charge point (exact payloads)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.csms.commands import (
    ChargerTimeoutError,
    CommandRejectedError,
    ProfileKind,
    RateUnit,
)
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER
from tests.helpers.smart_helpers import (
    CONFIG_KEYS,
    ConnectScripted,
    assert_profile,
    booted,
    configuration,
    engine,
    profiles,
    rules,
    start_transaction,
)
from tests.helpers.waiting import timeout_for


async def test_refused_txprofile_is_dropped(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Rung 3: a refused TxProfile leaves the limit to the TxDefaultProfile, and is not tried again."""
    cp = await booted(hass, connect_scripted)
    rules(
        cp,
        SetChargingProfile=lambda p: (
            "Rejected"
            if p["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile"
            else "Accepted"
        ),
    )
    smart = engine(central)
    await start_transaction(hass, cp)
    result = await smart.async_set_current_limit(1, 12)
    assert result.status == "Accepted"
    purposes = [p["csChargingProfiles"]["chargingProfilePurpose"] for p in profiles(cp)]
    # TxProfile tried at stack level 8, then 0, then Relative; then given up.
    assert purposes == ["TxDefaultProfile", "TxProfile", "TxProfile", "TxProfile"]
    assert smart.detected.tx_profile is False
    await smart.async_set_current_limit(1, 14, immediate=True)
    assert [p["csChargingProfiles"]["chargingProfilePurpose"] for p in profiles(cp)[4:]] == [
        "TxDefaultProfile"
    ]


@pytest.mark.parametrize(
    ("accepts", "attempts", "learned"),
    [
        # ABB Terra AC: stack level 0 only.
        (
            lambda p: p["stackLevel"] == 0,
            [(8, "Absolute", "A"), (0, "Absolute", "A")],
            {"stack_level_zero": True},
        ),
        # Wallbox: Relative only.
        (
            lambda p: p["chargingProfileKind"] == "Relative",
            [(8, "Absolute", "A"), (0, "Absolute", "A"), (0, "Relative", "A")],
            {"stack_level_zero": True, "profile_kind": ProfileKind.RELATIVE},
        ),
        # Power only (and not detected as such).
        (
            lambda p: p["chargingSchedule"]["chargingRateUnit"] == "W",
            [
                (8, "Absolute", "A"),
                (0, "Absolute", "A"),
                (0, "Relative", "A"),
                (0, "Relative", "W"),
            ],
            {
                "stack_level_zero": True,
                "profile_kind": ProfileKind.RELATIVE,
                "rate_unit": RateUnit.WATT,
            },
        ),
    ],
)
async def test_fallback_ladder_learns(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    accepts: object,
    attempts: list[tuple[int, str, str]],
    learned: dict[str, object],
) -> None:
    cp = await booted(hass, connect_scripted)
    rules(
        cp,
        SetChargingProfile=lambda p: "Accepted" if accepts(p["csChargingProfiles"]) else "Rejected",  # type: ignore[operator]
    )
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    shapes = [
        (
            p["csChargingProfiles"]["stackLevel"],
            p["csChargingProfiles"]["chargingProfileKind"],
            p["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"],
        )
        for p in profiles(cp)
    ]
    assert shapes == attempts
    for name, value in learned.items():
        assert getattr(smart.detected, name) == value
    stack, kind, unit = attempts[-1]
    assert_profile(
        profiles(cp)[-1], limit=11040.0 if unit == "W" else 16.0, stack=stack, kind=kind, unit=unit
    )
    # What worked is used straight away next time, and survives in the store.
    await smart.async_set_current_limit(1, 10, immediate=True)
    assert len(profiles(cp)) == len(attempts) + 1
    stored = central.runtime_data.store.smart_charging("CP1")["detected"]
    assert stored["stack_level_zero"] is True
    diagnostics = smart.diagnostics()
    assert diagnostics["quirks"]["stack_level"] == 0
    assert diagnostics["quirk_sources"]["stack_level"] == "learned"
    assert diagnostics["connectors"]["1"]["requested"] == 10


@pytest.mark.parametrize(
    ("answer", "error", "reason", "detail", "calls"),
    [
        ("Rejected", CommandRejectedError, LimitReason.REJECTED, "Rejected", 4),
        ("NotSupported", CommandRejectedError, LimitReason.REJECTED, "NotSupported", 1),
        (CALLERROR, CommandRejectedError, LimitReason.REJECTED, "CALLERROR", 1),
        (NO_ANSWER, ChargerTimeoutError, LimitReason.NO_ANSWER, None, 1),
    ],
)
async def test_refusals(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    answer: str,
    error: type[Exception],
    reason: LimitReason,
    detail: str | None,
    calls: int,
) -> None:
    cp = await booted(hass, connect_scripted)
    cp.script.answers["SetChargingProfile"] = answer
    smart = engine(central)
    with timeout_for(answer, cp), pytest.raises(error):
        await smart.async_set_current_limit(1, 16)
    assert (
        len(profiles(cp)) == calls
    )  # the ladder only on Rejected: 8/Abs/A, 0/Abs/A, 0/Rel/A, 0/Rel/W
    state = smart.state(1)
    assert state.reason is reason
    assert state.applied is None
    if detail is not None:
        assert state.detail is not None and state.detail.startswith(detail)
    # The request is kept: it goes out when the charger takes it.
    cp.script.answers["SetChargingProfile"] = "Accepted"
    await smart.async_set_current_limit(1, 16, immediate=True)
    assert smart.state(1).applied == 16


async def test_power_only_charger_gets_watts(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    def setup(cp: object) -> None:
        cp.script.answers["GetConfiguration"] = configuration(  # type: ignore[attr-defined]
            ChargeProfileMaxStackLevel="3",
            ChargingScheduleAllowedChargingRateUnit="Power",
            GetConfigurationMaxKeys="20",
        )

    cp = await booted(hass, connect_scripted, setup=setup)
    assert len(cp.received("GetConfiguration")) == 1  # MaxKeys 20: no key-by-key retry
    smart = engine(central)
    await smart.async_set_current_limit(1, 16)
    assert_profile(profiles(cp)[-1], limit=11040.0, stack=3, unit="W")
    state = smart.state(1)
    assert (state.applied, state.applied_unit) == (11040.0, RateUnit.WATT)


async def test_one_key_per_call_fallback(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Vestel-like: GetConfigurationMaxKeys 1, so several keys at once come back unknown."""
    values = {"ChargeProfileMaxStackLevel": "1", "ChargingScheduleMaxPeriods": "5"}

    def answer(payload: dict[str, object]) -> dict[str, object]:
        keys = payload["key"]
        assert isinstance(keys, list)
        if len(keys) > 1:
            return {"configurationKey": [], "unknownKey": keys}
        found = {key: values[key] for key in keys if key in values}
        return configuration(**found) | {"unknownKey": [k for k in keys if k not in found]}

    cp = await booted(hass, connect_scripted, setup=lambda cp: rules(cp, GetConfiguration=answer))
    asked = [payload["key"] for payload in cp.received("GetConfiguration")]
    assert asked == [CONFIG_KEYS] + [[key] for key in CONFIG_KEYS]
    detected = engine(central).detected
    assert (detected.max_stack_level, detected.max_periods) == (1, 5)
    assert detected.one_key_per_call is True
