"""Quiet by default: what the central system sends after a boot and after a reconnect.

The charger side plays the specification's sequences (1.6 Core Boot Notification and Get
Configuration, Smart Charging Get Composite Schedule, Remote Trigger; 2.0.1 B01 boot, B06
GetVariables, E14 GetTransactionStatus, F06 TriggerMessage, K09 GetChargingProfiles) with the
`ocpp` package; every frame the central system sends is checked against the official schemas.

Use cases and the tests that cover them:

- Post-boot configuration read once per firmware, in one request (1.6 GetConfiguration):
  test_boot_configuration_read_once_per_firmware
- Keys the charger calls unknown are not asked again one by one: same test
- Messages in the first 60 s after a first boot, a reconnect mid-session and a reboot with the
  same firmware, and no profile re-sent that the charger still has (1.6 GetCompositeSchedule,
  2.0.1 GetChargingProfiles): test_messages_after_boot_and_reconnect[1.6],
  test_messages_after_boot_and_reconnect[2.0.1]
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance16, SchemaChecked
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

# A charger's honest GetConfiguration answer: the keys it has, the others named unknown.
KNOWN = {
    "ChargeProfileMaxStackLevel": "8",
    "ChargingScheduleAllowedChargingRateUnit": "Current",
    "SupportedFeatureProfiles": "Core,SmartCharging,RemoteTrigger",
    "NumberOfConnectors": "1",
}
UNKNOWN = [
    "ChargingScheduleMaxPeriods",
    "GetConfigurationMaxKeys",
    "ConnectorSwitch3to1PhaseSupported",
]
CONFIGURATION = {
    "configurationKey": [{"key": k, "readonly": True, "value": v} for k, v in KNOWN.items()],
    "unknownKey": UNKNOWN,
}
# No frame for this long: whatever the last one started is done (a bound, not a measurement).
QUIET_S = 0.5
# What the central system sends, per window, after this work (CALLs it started, in order).
# The rebooted charger tells no status after its boot: once the grace after the boot has passed
# it is asked for them (and for its open session), as a reconnected one is (issue 16).
EXPECTED: dict[str, dict[str, list[str]]] = {
    "1.6": {
        "first boot": ["GetConfiguration"],
        "reconnect": ["TriggerMessage", "TriggerMessage", "GetCompositeSchedule"],
        "reboot": ["GetCompositeSchedule", "TriggerMessage", "TriggerMessage"],
    },
    "2.0.1": {
        "first boot": ["GetVariables"],
        "reconnect": ["TriggerMessage", "GetTransactionStatus", "GetChargingProfiles"],
        "reboot": ["GetChargingProfiles", "TriggerMessage", "GetTransactionStatus"],
    },
}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 without a minimum write interval: a profile to write goes at once (else it would
    wait past the window, and the count would hide it)."""
    charger = charger_subentry("CP1")
    charger["data"] = {**charger["data"], "min_write_interval": 0}
    return [charger]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _calls(cp: SchemaChecked) -> list[str]:
    return [frame.action for frame in cp.sent_by_central if frame.kind == "call"]


async def _quiet(hass: HomeAssistant, cp: SchemaChecked) -> None:
    """Wait until no new frame came for a while: what the last one started is done (the
    adapter's own tasks are not hass's background tasks)."""
    async with asyncio.timeout(10):
        while True:
            seen = len(cp.sent_by_central)
            await asyncio.sleep(QUIET_S)
            await hass.async_block_till_done(wait_background_tasks=True)
            if len(cp.sent_by_central) == seen:
                return


async def _sixty_seconds(hass: HomeAssistant, cp: SchemaChecked) -> None:
    """Let the first minute after a (re)connect pass: every timer within it fires.

    What happens at once is done first (moving the clock would time out calls in flight), then
    the clock moves on by 59 s: at 60 s a connection that sent nothing is closed.
    """
    await _quiet(hass, cp)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=59))
    await _quiet(hass, cp)


async def test_boot_configuration_read_once_per_firmware(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, hooked: None
) -> None:
    """One GetConfiguration of the seven keys at the first boot; none at a reboot with the same
    firmware; again after a firmware update. Keys answered unknown are not asked one by one."""
    cp: Conformance16 = await connect16()
    cp.script.answers["GetConfiguration"] = CONFIGURATION
    await cp.boot()
    await hass.async_block_till_done(wait_background_tasks=True)
    (asked,) = cp.received("GetConfiguration")
    assert sorted(asked["key"]) == sorted([*KNOWN, *UNKNOWN])
    smart = central.runtime_data.coordinators["CP1"].smart
    assert smart.detected.configuration_read is True
    assert smart.detected.max_stack_level == 8

    await cp.boot()  # a reboot, same firmware
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(cp.received("GetConfiguration")) == 1

    await cp.call(
        call.BootNotification(
            charge_point_vendor="Acme", charge_point_model="Wallbox 1", firmware_version="2.0.0"
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(cp.received("GetConfiguration")) == 2
    assert smart.detected.firmware == "2.0.0"


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_messages_after_boot_and_reconnect(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect16: ConnectConformance,
    connect201: ConnectConformance,
    hooked: None,
    version: str,
) -> None:
    """Count the CALLs of the first 60 s: after the first boot, after a reconnect mid-session
    (no boot) and after a reboot with the same firmware. The charger keeps its profiles: none is
    written again."""
    connect: Callable[..., Any] = connect16 if version == "1.6" else connect201
    coordinator = central.runtime_data.coordinators["CP1"]
    seen: dict[str, list[str]] = {}

    def keep_profiles(cp: Any, before: Any) -> None:
        """The charger still holds what it was given (answers to reads say so)."""
        if version == "1.6":
            cp.script.answers["GetCompositeSchedule"] = {
                "status": "Accepted",
                "connectorId": 1,
                "scheduleStart": _now(),
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
                },
            }
            cp.script.answers["GetConfiguration"] = CONFIGURATION
        elif before is not None:
            cp.profiles = dict(before.profiles)

    cp = await connect()
    keep_profiles(cp, None)
    await cp.boot()
    await cp.status(1, "Available")
    await _sixty_seconds(hass, cp)
    seen["first boot"] = _calls(cp)

    tx = await cp.start_transaction(1, "TAG-1", 1000, _now())
    await cp.status(1, "Charging")
    await act(hass, "set_current_limit", {"device_id": device_of(central), "limit": 10})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _calls(cp)[-2:] == ["SetChargingProfile", "SetChargingProfile"]

    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    with patch.object(ProtocolAdapter, "status_grace_s", 0.05):
        again = await connect()
        keep_profiles(again, cp)
        if version == "2.0.1":
            again.transactions[1] = tx
        await again.wait_for_call("TriggerMessage")
        await _sixty_seconds(hass, again)
    seen["reconnect"] = _calls(again)

    await again._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    rebooted = await connect()
    keep_profiles(rebooted, again)
    await rebooted.boot()
    await _sixty_seconds(hass, rebooted)
    seen["reboot"] = _calls(rebooted)

    assert seen == EXPECTED[version]
    assert coordinator.smart.state(1).applied == 10.0
