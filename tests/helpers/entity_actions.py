"""Shared by the action platform tests: a booted scripted charger and the ways a command fails."""

from __future__ import annotations

from collections.abc import Coroutine, Generator
import contextlib
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.ocpp_central.charging.engine import SmartCharging
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.protocol.profiles import ABSOLUTE_DURATION_S
from tests.helpers.scripted_charger import CALLERROR, NO_ANSWER, ConnectScripted, ScriptedCharger
from tests.helpers.waiting import TIMED_OUT

# Stands for the action's own refusal word (Rejected, UnlockFailed, ...) in FAILURES.
REFUSAL = "<refusal>"

# How a charger refuses or fails a command: (scripted answer, translation key, detail placeholder).
FAILURES: list[tuple[str, str, str]] = [
    (REFUSAL, "command_rejected", REFUSAL),
    (CALLERROR, "charger_call_error", "NotSupported: scripted error"),
    (NO_ANSWER, "charger_timeout", TIMED_OUT),  # under timing_out() (tests/helpers/waiting.py)
]
FAILURE_IDS = ["rejected", "callerror", "no_answer"]


@contextlib.contextmanager
def engine_at_once() -> Generator[None]:
    """The engine acts on the charger's events at once: no settling, no grace after a connect."""
    with (
        patch.object(SmartCharging, "settle_s", 0),
        patch.object(SmartCharging, "connect_grace_s", 0),
    ):
        yield


async def booted(
    hass: HomeAssistant, connect_scripted: ConnectScripted, connectors: int = 1
) -> ScriptedCharger:
    """Connect CP1, boot it and report the station and its connectors Available.

    The engine reads the charger's smart-charging keys after the boot (GetConfiguration); that
    call is awaited and then forgotten, so a test sees only the calls its actions cause.
    """
    cp = await connect_scripted("CP1")
    await cp.boot()
    await cp.wait_for_call("GetConfiguration")
    for connector_id in range(connectors + 1):
        await cp.status(connector_id, "Available")
    await hass.async_block_till_done(wait_background_tasks=True)
    cp.calls.clear()
    return cp


async def start_session(hass: HomeAssistant, cp: ScriptedCharger, connector_id: int = 1) -> int:
    """The charger starts a session (a tag was presented) and reports Charging."""
    tx = await cp.start_transaction(connector_id, "TAG-0001", 10000, "2026-11-25T08:00:00Z")
    await status(hass, cp, connector_id, "Charging")
    await hass.async_block_till_done(wait_background_tasks=True)
    return tx


async def status(hass: HomeAssistant, cp: ScriptedCharger, connector_id: int, value: str) -> None:
    """Report a connector's status."""
    await cp.status(connector_id, value)
    await hass.async_block_till_done()


# The scripted charger reports ChargeProfileMaxStackLevel 8 (read after boot).
STACK_LEVEL = 8


def profile_payload(
    purpose: str,
    limit: float,
    *,
    connector_id: int = 1,
    transaction_id: int | None = None,
    start: str = "2026-11-25T07:59:00Z",
) -> dict[str, Any]:
    """SetChargingProfile as the charger must receive it: one period, Absolute, a minute back."""
    ids = {"TxDefaultProfile": 1000, "TxProfile": 2000, "ChargePointMaxProfile": 3000}
    profile: dict[str, Any] = {
        "chargingProfileId": ids[purpose] + connector_id,
        "stackLevel": STACK_LEVEL,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "validFrom": start,
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": start,
            "duration": ABSOLUTE_DURATION_S,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return {"connectorId": connector_id, "csChargingProfiles": profile}


async def assert_translated_error(
    action_call: Coroutine[Any, Any, Any],
    translation_key: str,
    action: str,
    detail: str,
    charger: str = "Charger CP1",
) -> HomeAssistantError:
    """Run the action; it must fail with the translated error for this charger, action and answer."""
    with pytest.raises(HomeAssistantError) as excinfo:
        await action_call
    error = excinfo.value
    found = (error.translation_domain, error.translation_key, error.translation_placeholders)
    expected = (
        DOMAIN,
        translation_key,
        {"charger": charger, "action": action, "detail": detail},
    )
    assert found == expected, f"{found} != {expected}"
    # The message is translated (en.json has the key and every placeholder fits).
    assert str(error).startswith(charger), str(error)
    return error


__all__ = [
    "CALLERROR",
    "FAILURES",
    "FAILURE_IDS",
    "NO_ANSWER",
    "REFUSAL",
    "STACK_LEVEL",
    "ConnectScripted",
    "assert_translated_error",
    "booted",
    "engine_at_once",
    "profile_payload",
    "start_session",
    "status",
]
