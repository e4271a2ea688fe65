"""Shared pieces of the smart-charging tests: a charger that answers per payload, and payload checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.charging.engine import SmartCharging
from tests.helpers.scripted_charger import ConnectScripted, Script, ScriptedCharger

Rule = Callable[[dict[str, Any]], str | dict[str, Any]]

CONFIG_KEYS = [
    "ChargeProfileMaxStackLevel",
    "ChargingScheduleAllowedChargingRateUnit",
    "ChargingScheduleMaxPeriods",
    "SupportedFeatureProfiles",
    "NumberOfConnectors",
    "GetConfigurationMaxKeys",
    "ConnectorSwitch3to1PhaseSupported",
]


@dataclass
class RuleScript(Script):
    """Answers decided per payload: rules[action](payload) -> status word, CALLERROR, NO_ANSWER, dict."""

    charger: ScriptedCharger | None = None
    rules: dict[str, Rule] = field(default_factory=dict)

    def answer_for(self, action: str) -> str | dict[str, Any]:
        rule = self.rules.get(action)
        if rule is not None and self.charger is not None:
            return rule(self.charger.calls[-1].payload)
        return super().answer_for(action)


def rules(cp: ScriptedCharger, **by_action: Rule) -> RuleScript:
    """Give the charger per-payload answers (other actions: Accepted)."""
    script = RuleScript(charger=cp, rules=dict(by_action))
    cp.script = script
    return script


def configuration(**values: str) -> dict[str, Any]:
    """A GetConfiguration answer holding these keys."""
    return {
        "configurationKey": [
            {"key": key, "readonly": True, "value": value} for key, value in values.items()
        ],
        "unknownKey": [],
    }


def engine(entry: MockConfigEntry, charger_id: str = "CP1") -> SmartCharging:
    """The charger's smart-charging engine."""
    return entry.runtime_data.coordinators[charger_id].smart


def end_connect_grace(hass: HomeAssistant, entry: MockConfigEntry, charger_id: str = "CP1") -> None:
    """The grace after a connection without a boot is over: its timer fires now, not in 10 s."""
    grace = timedelta(seconds=engine(entry, charger_id).connect_grace_s)
    async_fire_time_changed(hass, dt_util.utcnow() + grace)


async def booted(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    charger_id: str = "CP1",
    setup: Callable[[ScriptedCharger], None] | None = None,
) -> ScriptedCharger:
    """A charger that connected and booted; detection done."""
    cp = await connect_scripted(charger_id)
    if setup is not None:
        setup(cp)
    await cp.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    return cp


async def start_transaction(hass: HomeAssistant, cp: ScriptedCharger, connector_id: int = 1) -> int:
    """The charger starts a session; the engine's reaction is done when this returns."""
    tx = await cp.start_transaction(connector_id, "TAG-1", 1000, datetime.now(UTC).isoformat())
    await hass.async_block_till_done(wait_background_tasks=True)
    return tx


def profiles(cp: ScriptedCharger) -> list[dict[str, Any]]:
    """Every SetChargingProfile the charger received."""
    return cp.received("SetChargingProfile")


def assert_profile(
    payload: dict[str, Any],
    *,
    limit: float,
    purpose: str = "TxDefaultProfile",
    connector: int = 1,
    stack: int = 8,
    kind: str = "Absolute",
    unit: str = "A",
    transaction_id: int | None = None,
    profile_id: int | None = None,
) -> dict[str, Any]:
    """Check one SetChargingProfile payload field by field; return its schedule."""
    assert payload["connectorId"] == connector
    profile = payload["csChargingProfiles"]
    ids = {"TxDefaultProfile": 1000, "TxProfile": 2000, "ChargePointMaxProfile": 3000}
    assert profile["chargingProfileId"] == (profile_id or ids[purpose] + connector)
    assert profile["chargingProfilePurpose"] == purpose
    assert profile["stackLevel"] == stack
    assert profile["chargingProfileKind"] == kind
    assert profile.get("transactionId") == transaction_id
    schedule = profile["chargingSchedule"]
    assert schedule["chargingRateUnit"] == unit
    assert schedule["chargingSchedulePeriod"][0] == {"startPeriod": 0, "limit": limit}
    if kind == "Absolute":
        # A minute before it was sent: nearer that than to "now", however slow the machine.
        start = datetime.fromisoformat(schedule["startSchedule"].replace("Z", "+00:00"))
        assert abs(start - (datetime.now(UTC) - timedelta(seconds=60))) < timedelta(seconds=30)
        # Absolute: always validFrom and a duration.
        assert profile["validFrom"] == schedule["startSchedule"]
        assert isinstance(schedule["duration"], int)
        assert schedule["duration"] > 0
    else:
        assert "startSchedule" not in schedule
    return schedule
