"""Scripted chargers: every CALL they receive is recorded and answered as the test scripts it.

The part every OCPP version shares (ScriptedCalls: the script, the recorded calls, the answer frames)
and the 1.6 charge point built on it. Each CALL is recorded with its exact camelCase payload; per
action the charger answers with a status word (Accepted, Rejected, NotSupported, ...), a payload, a
CALLERROR, or not at all. The 2.0.1 one is tests/helpers/charger_v201.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import TYPE_CHECKING, Any

from ocpp.messages import Call, MessageType, unpack
from ocpp.v16 import ChargePoint as ChargePoint16, call
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
# Answers that carry no status word: these are what any word gets.
_WITHOUT_STATUS = frozenset(
    {"GetConfiguration", "GetLocalListVersion", "UpdateFirmware", "GetDiagnostics"}
)


@dataclass
class Received:
    """One CALL the charger received, and whether the script let it answer."""

    action: str
    payload: dict[str, Any]
    answered: bool = field(default=True, compare=False)


@dataclass
class Script:
    """How the charger answers, per action: a status word, CALLERROR, NO_ANSWER or a payload dict."""

    answers: dict[str, str | dict[str, Any]] = field(default_factory=dict)
    callerror_code: str = "NotSupported"

    def answer_for(self, action: str) -> str | dict[str, Any]:
        return self.answers.get(action, "Accepted")


class ScriptedCalls:
    """Mixed into an ocpp ChargePoint: records every CALL and answers it as `script` says.

    A status word becomes the version's answer payload (`_answer_payload`); a dict goes as it is.
    """

    script: Script
    calls: list[Received]
    _arrived: asyncio.Event

    if TYPE_CHECKING:
        _response_queue: asyncio.Queue[Any]

        async def _send(self, message: str) -> None:
            """Send a frame (ocpp.charge_point.ChargePoint)."""

    def _start_recording(self) -> None:
        self.script = Script()
        self.calls = []
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
        received = Received(msg.action, msg.payload)
        self.calls.append(received)
        self._arrived.set()
        answer = self.script.answer_for(msg.action)
        if answer == NO_ANSWER:
            received.answered = False
            return
        frame: list[Any]
        if answer == CALLERROR:
            frame = [4, msg.unique_id, self.script.callerror_code, "scripted error", {}]
        elif isinstance(answer, dict):
            frame = [3, msg.unique_id, answer]
        else:
            frame = [3, msg.unique_id, self._answer_payload(msg.action, msg.payload, answer)]
        await self._send(json.dumps(frame))

    def _answer_payload(self, action: str, payload: dict[str, Any], word: str) -> dict[str, Any]:
        """The answer to a call of `action` for a status word (Accepted, Rejected, ...)."""
        raise NotImplementedError


class ScriptedCharger(ScriptedCalls, ChargePoint16):
    """A 1.6 charge point: scripted answers, recorded calls, the driver steps (drivers.py)."""

    version = "1.6"

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        self._start_recording()

    def _answer_payload(self, action: str, payload: dict[str, Any], word: str) -> dict[str, Any]:
        if action in _WITHOUT_STATUS or (word == "Accepted" and action in _ACCEPTED_PAYLOADS):
            return _ACCEPTED_PAYLOADS[action]
        return {"status": word}

    async def boot(self, vendor: str = "Acme", model: str = "Wallbox 1") -> Any:
        return await self.call(boot_notification(vendor, model))

    async def heartbeat(self) -> Any:
        return await self.call(call.Heartbeat())

    async def status(self, connector_id: int, status: str) -> None:
        await self.call(
            call.StatusNotification(connector_id=connector_id, error_code="NoError", status=status)
        )

    async def authorize(self, id_tag: str) -> str:
        return str((await self.call(call.Authorize(id_tag=id_tag))).id_tag_info["status"])

    async def start_transaction(
        self, connector_id: int, id_tag: str, meter_start: float, timestamp: str
    ) -> int:
        started = await self.call(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start=int(meter_start),
                timestamp=timestamp,
            )
        )
        return int(started.transaction_id)

    async def meter_values(
        self, connector_id: int, meter_value16: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.call(
            call.MeterValues(connector_id=connector_id, meter_value=meter_value16, **kwargs)
        )

    async def stop_transaction(
        self, transaction_id: int, meter_stop: float, timestamp: str, id_tag: str | None = None
    ) -> None:
        await self.call(
            call.StopTransaction(
                transaction_id=transaction_id,
                meter_stop=int(meter_stop),
                timestamp=timestamp,
                id_tag=id_tag,
            )
        )


ConnectScripted = Callable[..., Awaitable[ScriptedCharger]]
