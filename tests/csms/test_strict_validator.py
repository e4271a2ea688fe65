"""Our charging profiles checked by an independent strict validator.

The charger is tests/js/strict_charger.js: the npm package ocpp-rpc in strictMode, which validates
every message both ways against the official OCPP 1.6 JSON schemas (its own implementation, not the
`ocpp` package's). The engine drives it through every kind of profile and command it sends; any
message that fails the schema shows up as an "invalid" line.
Needs `npm ci --prefix tests/js` (the CI script runs it); skipped only where node is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import itertools
import json
import os
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.engine import SmartCharging
from custom_components.ocpp_central.csms.commands import RateUnit
from tests.helpers.smart_helpers import engine
from tests.helpers.subentries import charger_subentry

JS = Path(__file__).parents[1] / "js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


@pytest.fixture(autouse=True)
def no_settle() -> Generator[None]:
    with patch.object(SmartCharging, "settle_s", 0):
        yield


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [charger_subentry("CPJS")]


@dataclass
class StrictCharger:
    """The Node charger process and what it printed."""

    process: asyncio.subprocess.Process
    lines: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def of(self, kind: str, method: str | None = None) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines
            if line["type"] == kind and (method is None or line.get("method") == method)
        ]

    def profiles(self) -> list[dict[str, Any]]:
        return [
            line["params"]["csChargingProfiles"] for line in self.of("call", "SetChargingProfile")
        ]

    async def until(self, condition: Callable[[], object]) -> None:
        async with asyncio.timeout(10):
            while not condition():  # noqa: ASYNC110 - lines arrive from another process
                await asyncio.sleep(0.02)

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Make the charger send a call; return its answer line."""
        request_id = next(self.ids)
        assert self.process.stdin is not None
        self.process.stdin.write(
            json.dumps({"id": request_id, "method": method, "params": params}).encode() + b"\n"
        )
        await self.process.stdin.drain()
        await self.until(lambda: any(line.get("id") == request_id for line in self.lines))
        return next(line for line in self.lines if line.get("id") == request_id)


async def _read(charger: StrictCharger) -> None:
    assert charger.process.stdout is not None
    async for raw in charger.process.stdout:
        charger.lines.append(json.loads(raw))


@pytest.fixture
async def strict_charger(
    hass: HomeAssistant, central: MockConfigEntry, port: int
) -> AsyncGenerator[StrictCharger]:
    if not (JS / "node_modules" / "ocpp-rpc").is_dir():
        pytest.fail("ocpp-rpc is not installed: run `npm ci --prefix tests/js`")
    assert NODE is not None
    process = await asyncio.create_subprocess_exec(
        NODE,
        str(JS / "strict_charger.js"),
        f"ws://127.0.0.1:{port}/ocpp",
        "CPJS",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "STRICT_CONFIG": ""},
    )
    charger = StrictCharger(process)
    reader = asyncio.get_running_loop().create_task(_read(charger))
    try:
        await charger.until(lambda: charger.of("ready") or charger.of("fatal"))
        assert not charger.of("fatal"), charger.of("fatal")
        await hass.async_block_till_done(wait_background_tasks=True)
        yield charger
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def set_options(hass: HomeAssistant, entry: MockConfigEntry, **options: object) -> None:
    subentry = next(iter(entry.subentries.values()))
    hass.config_entries.async_update_subentry(entry, subentry, data={**subentry.data, **options})


async def test_every_profile_we_send_is_schema_valid(
    hass: HomeAssistant, central: MockConfigEntry, strict_charger: StrictCharger
) -> None:
    charger = strict_charger
    smart = engine(central, "CPJS")
    assert (
        charger.of("call", "GetConfiguration")[0]["params"]["key"][0]
        == "ChargeProfileMaxStackLevel"
    )
    assert smart.detected.max_stack_level == 8

    await smart.async_set_current_limit(1, 16)  # TxDefaultProfile, Absolute
    started = await charger.call(
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": "TAG-1",
            "meterStart": 0,
            "timestamp": datetime.now(UTC).isoformat(),
        },
    )
    tx_id = started["result"]["transactionId"]
    await hass.async_block_till_done(wait_background_tasks=True)  # TxProfile for the session
    await smart.async_set_current_limit(1, 10, duration_s=900, immediate=True)
    await smart.async_pause(1)  # 0 A
    await smart.async_resume(1)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    await smart.async_set_schedule(
        1,
        [(start + timedelta(minutes=15 * n), limit) for n, limit in enumerate([6, 16, 0, 32])],
        RateUnit.AMPERE,
        start + timedelta(hours=2),
    )
    await smart.async_set_station_max(25)  # ChargePointMaxProfile
    # The quirks: Relative, stack level 0, watts, whole amps off (a limit that is a clean 0.1 multiple).
    set_options(
        hass,
        central,
        profile_kind="relative",
        stack_level_zero=True,
        rate_unit="W",
        whole_amps=False,
        min_write_interval=0,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    await smart.async_set_current_limit(1, 7.7)
    # Pause by availability, ending and starting sessions, clearing.
    set_options(hass, central, pause_method="change_availability")
    await hass.async_block_till_done(wait_background_tasks=True)
    await smart.async_pause(1)
    await smart.async_resume(1)
    await smart.async_stop(1)
    await charger.call(
        "StopTransaction",
        {"transactionId": tx_id, "meterStop": 1000, "timestamp": datetime.now(UTC).isoformat()},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    await smart.async_start(1, "REMOTE-1")
    await smart.async_clear_profiles(1)
    await smart.async_clear_profiles()
    # The charger prints in order: once the answer to its own Heartbeat is read, so is every line
    # about the calls before it.
    await charger.call("Heartbeat", {})

    assert charger.of("invalid") == []
    profiles = charger.profiles()
    purposes = {profile["chargingProfilePurpose"] for profile in profiles}
    assert purposes == {"TxDefaultProfile", "TxProfile", "ChargePointMaxProfile"}
    assert {profile["chargingProfileKind"] for profile in profiles} == {"Absolute", "Relative"}
    assert {p["chargingSchedule"]["chargingRateUnit"] for p in profiles} == {"A", "W"}
    assert any(len(p["chargingSchedule"]["chargingSchedulePeriod"]) == 4 for p in profiles)
    assert any(p.get("transactionId") == tx_id for p in profiles)
    sent = {line["method"] for line in charger.of("call")}
    assert {
        "ChangeAvailability",
        "RemoteStopTransaction",
        "RemoteStartTransaction",
        "ClearChargingProfile",
    } <= sent


async def test_tenth_amps_are_valid_multiples_of_a_tenth(
    hass: HomeAssistant, central: MockConfigEntry, strict_charger: StrictCharger
) -> None:
    """The 1.6 schemas want limits that are multiples of 0.1: 0.1 A steps pass a float validator."""
    set_options(hass, central, whole_amps=False, min_write_interval=0)
    await hass.async_block_till_done(wait_background_tasks=True)
    smart = engine(central, "CPJS")
    for limit in (10.7, 6.1, 13.3, 31.9, 16.45):
        await smart.async_set_current_limit(1, limit)
    assert strict_charger.of("invalid") == []
    sent = [
        p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        for p in strict_charger.profiles()
    ]
    assert sent == [10.7, 6.1, 13.3, 31.9, 16.4]
    assert smart.state(1).applied == 16.4


async def test_the_validator_catches_what_is_wrong(
    hass: HomeAssistant, central: MockConfigEntry, strict_charger: StrictCharger
) -> None:
    """A control: a profile that breaks the schema (sent without our own validation) is caught."""
    from ocpp.v16 import call

    session = central.runtime_data.session("CPJS")
    bad = {"chargingProfileId": 1, "stackLevel": -1, "chargingProfilePurpose": "TxDefaultProfile"}
    with pytest.raises(Exception, match=r"(?i)violation"):
        await session.call(
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=bad),
            suppress=False,
            skip_schema_validation=True,
        )
    [invalid] = strict_charger.of("invalid")
    assert (invalid["method"], invalid["outbound"], invalid["isCall"]) == (
        "SetChargingProfile",
        False,
        True,
    )
