"""A 1.6 charge point that answers the central system's commands like real chargers do.

Every CALL it receives is recorded with its exact camelCase payload. Per action it answers with a status
word (Accepted, Rejected, NotSupported, ...), a CALLERROR, or not at all, as the test scripts it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any

from ocpp.messages import Call, MessageType, unpack
from ocpp.v16 import ChargePoint as ChargePoint16
from websockets.asyncio.client import ClientConnection

from tests.helpers.sim_charger import boot_notification

CALLERROR = "CALLERROR"
NO_ANSWER = "NO_ANSWER"

# Answer payloads for "Accepted" per action, where the answer carries more than a status.
_ACCEPTED_PAYLOADS: dict[str, dict[str, Any]] = {
    "GetConfiguration": {
        "configurationKey": [
            {"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "8"},
            {
                "key": "ChargingScheduleAllowedChargingRateUnit",
                "readonly": True,
                "value": "Current",
            },
            {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
            {
                "key": "SupportedFeatureProfiles",
                "readonly": True,
                "value": "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
            },
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        ],
        "unknownKey": [],
    },
    "GetCompositeSchedule": {
        "status": "Accepted",
        "connectorId": 1,
        "scheduleStart": "2026-11-25T08:00:00Z",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        },
    },
    "GetLocalListVersion": {"listVersion": 3},
    "GetDiagnostics": {"fileName": "diag.tar.gz"},
    "UpdateFirmware": {},
    "DataTransfer": {"status": "Accepted", "data": "pong"},
    "UnlockConnector": {"status": "Unlocked"},
}


@dataclass
class Received:
    """One CALL the charger received."""

    action: str
    payload: dict[str, Any]


@dataclass
class Script:
    """How the charger answers, per action: a status word, CALLERROR, NO_ANSWER or a payload dict."""

    answers: dict[str, str | dict[str, Any]] = field(default_factory=dict)
    callerror_code: str = "NotSupported"

    def answer_for(self, action: str) -> str | dict[str, Any]:
        return self.answers.get(action, "Accepted")


class ScriptedCharger(ChargePoint16):
    """A charge point whose answers to commands are scripted and whose received calls are recorded."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        self.script = Script()
        self.calls: list[Received] = []
        self._arrived = asyncio.Event()

    def received(self, action: str) -> list[dict[str, Any]]:
        """Payloads of every call of this action, in order."""
        return [c.payload for c in self.calls if c.action == action]

    async def wait_for_call(self, action: str, count: int = 1) -> dict[str, Any]:
        """Wait until `count` calls of `action` arrived; return the last one."""
        async with asyncio.timeout(5):
            while len(self.received(action)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received(action)[-1]

    async def route_message(self, raw_msg: str | bytes) -> None:
        msg = unpack(raw_msg)
        if msg.message_type_id != MessageType.Call:
            self._response_queue.put_nowait(msg)
            return
        assert isinstance(msg, Call)
        self.calls.append(Received(msg.action, msg.payload))
        self._arrived.set()
        answer = self.script.answer_for(msg.action)
        if answer == NO_ANSWER:
            return
        if answer == CALLERROR:
            frame = [4, msg.unique_id, self.script.callerror_code, "scripted error", {}]
        elif isinstance(answer, dict):
            frame = [3, msg.unique_id, answer]
        elif answer == "Accepted" and msg.action in _ACCEPTED_PAYLOADS:
            frame = [3, msg.unique_id, _ACCEPTED_PAYLOADS[msg.action]]
        elif msg.action in (
            "GetConfiguration",
            "GetLocalListVersion",
            "UpdateFirmware",
            "GetDiagnostics",
        ):
            frame = [3, msg.unique_id, _ACCEPTED_PAYLOADS[msg.action]]
        else:
            frame = [3, msg.unique_id, {"status": answer}]
        await self._send(json.dumps(frame))

    async def boot(self, vendor: str = "Acme", model: str = "Wallbox 1") -> Any:
        return await self.call(boot_notification(vendor, model))


ConnectScripted = Callable[..., Awaitable[ScriptedCharger]]
