"""A simulated OCPP 2.0.1 (or 2.1) charging station on the ocpp package, as a charger's firmware would be.

Like the 1.6 ScriptedCharger: every CALL it receives is recorded with its exact camelCase payload and
answered as scripted per action (a status word, a payload dict, CALLERROR or NO_ANSWER; by default a
valid "Accepted" answer). It keeps a small device model (GetVariables / SetVariables / GetBaseReport,
the report sent in NotifyReport pages) and the charging profiles it was given (GetChargingProfiles,
reported in ReportChargingProfiles pages). Its own calls validate our answers against the schemas.

It also speaks the version-neutral driver interface of tests/drivers.py, so that entity and service
tests can run over 1.6 and 2.0.1 alike.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from ocpp.v21 import call as call_21, call_result as call_result_21
from ocpp.v201 import ChargePoint as ChargePoint201, call
from websockets.asyncio.client import ClientConnection

from tests.helpers.charger_v201_data import (
    ACCEPTED,
    DEVICE_MODEL,
    READ_ONLY,
    WRITE_ONLY,
    address_of,
    component_variable,
    energy_201,
    meter_value,
    now,
)
from tests.helpers.drivers import STATUS_201, sampled_201
from tests.helpers.scripted_charger import ScriptedCalls


class Charger201(ScriptedCalls, ChargePoint201):
    """A 2.0.1 charging station: scripted answers, recorded calls, a device model, a driver."""

    version = "2.0.1"
    call_module: Any = call

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        self._start_recording()
        self.variables = dict(DEVICE_MODEL)
        self.profiles: dict[int, tuple[int, dict[str, Any]]] = {}
        self.page_size = 3
        self._tx_ids = itertools.count(1)
        self._seq: dict[str, int] = {}
        # EVSE → transaction id, as the driver interface runs them.
        self.transactions: dict[int, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # What a call sent after our answer raised (TimeoutError when nobody answered it).
        self.late_errors: list[BaseException] = []

    # --- answers to the central system's calls ---------------------------------------

    def _answer_payload(self, action: str, payload: dict[str, Any], word: str) -> dict[str, Any]:
        return self._accepted(action, payload) if word == "Accepted" else {"status": word}

    def _accepted(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A valid yes, doing what was asked."""
        if action == "GetVariables":
            return {"getVariableResult": [self._get(item) for item in payload["getVariableData"]]}
        if action == "SetVariables":
            return {"setVariableResult": [self._set(item) for item in payload["setVariableData"]]}
        if action == "SetChargingProfile":
            self.profiles[payload["chargingProfile"]["id"]] = (
                payload["evseId"],
                payload["chargingProfile"],
            )
        if action == "GetBaseReport":
            self._later(self._report(payload["requestId"]))
        if action == "GetTransactionStatus":
            # A station reconnected in a test may not know its session: scripts say otherwise.
            return {"messagesInQueue": False, "ongoingIndicator": True}
        if action == "GetChargingProfiles":
            if not self.profiles:
                return {"status": "NoProfiles"}
            self._later(self._report_profiles(payload["requestId"]))
        return ACCEPTED.get(action, {"status": "Accepted"})

    def _get(self, item: dict[str, Any]) -> dict[str, Any]:
        key = address_of(item)
        result = {"component": item["component"], "variable": item["variable"]}
        if key not in self.variables:
            known = {k.split("/")[0] for k in self.variables}
            status = "UnknownVariable" if key.split("/")[0] in known else "UnknownComponent"
            return {**result, "attributeStatus": status}
        if key in WRITE_ONLY:
            return {**result, "attributeStatus": "Rejected"}
        return {**result, "attributeStatus": "Accepted", "attributeValue": self.variables[key]}

    def _set(self, item: dict[str, Any]) -> dict[str, Any]:
        key = address_of(item)
        result = {"component": item["component"], "variable": item["variable"]}
        if key not in self.variables:
            return {**result, "attributeStatus": "UnknownVariable"}
        if key in READ_ONLY:
            return {**result, "attributeStatus": "Rejected"}
        self.variables[key] = item["attributeValue"]
        return {**result, "attributeStatus": "Accepted"}

    async def start(self) -> None:
        """Run until the connection closes; what it was still sending is dropped with it."""
        try:
            await super().start()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _later(self, coroutine: Any) -> None:
        """Send after our answer went out (a call from inside route_message would deadlock)."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        """Keep what a late call raised: the central system went away (a reload) before answering."""
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self.late_errors.append(error)

    async def _report(self, request_id: int) -> None:
        items = [
            {
                **component_variable(key),
                "variableAttribute": [
                    {"value": value, "mutability": "ReadOnly"}
                    if key in READ_ONLY
                    else {"mutability": "WriteOnly"}
                    if key in WRITE_ONLY
                    else {"value": value}
                ],
            }
            for key, value in self.variables.items()
        ]
        pages = [items[n : n + self.page_size] for n in range(0, len(items), self.page_size)]
        for seq_no, page in enumerate(pages):
            await self.call(
                self.call_module.NotifyReport(
                    request_id=request_id,
                    generated_at=now(),
                    seq_no=seq_no,
                    report_data=page,
                    tbc=seq_no < len(pages) - 1,
                )
            )

    async def _report_profiles(self, request_id: int) -> None:
        installed = list(self.profiles.values())
        for n, (evse_id, profile) in enumerate(installed):
            await self.call(
                self.call_module.ReportChargingProfiles(
                    request_id=request_id,
                    charging_limit_source="CSO",
                    charging_profile=[profile],
                    evse_id=evse_id,
                    tbc=n < len(installed) - 1,
                )
            )

    # --- the version-neutral driver interface (tests/drivers.py) ------------------

    async def boot(self, vendor: str = "Acme", model: str = "Wallbox 1") -> Any:
        return await self.call(
            self.call_module.BootNotification(
                charging_station={
                    "vendor_name": vendor,
                    "model": model,
                    "serial_number": "SN-1",
                    "firmware_version": "1.2.3",
                },
                reason="PowerUp",
            )
        )

    async def heartbeat(self) -> Any:
        return await self.call(self.call_module.Heartbeat())

    async def status(self, connector_id: int, status: str) -> None:
        """A 1.6 status: the 2.0.1 connector status, and a charging state for a running session."""
        connector_status, charging_state = STATUS_201[status]
        await self.call(
            self.call_module.StatusNotification(
                timestamp=now(),
                connector_status=connector_status,
                evse_id=connector_id,
                connector_id=1,
            )
        )
        if charging_state is not None:
            assert connector_id in self.transactions, f"{status} needs a running session"
            await self.transaction_event(
                "Updated", connector_id, "ChargingStateChanged", charging_state=charging_state
            )

    async def authorize(self, id_tag: str) -> str:
        result = await self.call(
            self.call_module.Authorize(id_token={"id_token": id_tag, "type": "ISO14443"})
        )
        return str(result.id_token_info["status"])

    async def start_transaction(
        self, connector_id: int, id_tag: str, meter_start: float, timestamp: str
    ) -> str:
        """A session authorized by an RFID tag; returns its (charger-made) transaction id."""
        tx_id = f"TX-{next(self._tx_ids):04d}"
        self.transactions[connector_id] = tx_id
        await self.transaction_event(
            "Started",
            connector_id,
            "Authorized",
            id_token={"id_token": id_tag, "type": "ISO14443"},
            timestamp=timestamp,
            meter_value=[meter_value(timestamp, energy_201(meter_start, "Transaction.Begin"))],
            charging_state="EVConnected",
        )
        return tx_id

    async def meter_values(
        self, connector_id: int, meter_value16: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """1.6-shaped readings: inside the session's TransactionEvent if one runs, else MeterValues.

        Temperature is no 2.0.1 measurand: it goes as a NotifyEvent of the EVSE's Temperature.
        """
        values = []
        temperatures = []
        for mv in meter_value16:
            sampled = []
            for value in mv["sampledValue"]:
                if value.get("measurand") == "Temperature":
                    temperatures.append((mv["timestamp"], value["value"]))
                else:
                    sampled.append(sampled_201(value))
            values.append({"timestamp": mv["timestamp"], "sampled_value": sampled})
        if connector_id in self.transactions:
            await self.transaction_event(
                "Updated", connector_id, "MeterValuePeriodic", meter_value=values
            )
        else:
            await self.call(self.call_module.MeterValues(evse_id=connector_id, meter_value=values))
        for n, (timestamp, value) in enumerate(temperatures):
            await self.call(
                self.call_module.NotifyEvent(
                    generated_at=now(),
                    seq_no=n,
                    event_data=[
                        {
                            "event_id": n + 1,
                            "timestamp": timestamp,
                            "trigger": "Periodic",
                            "actual_value": str(value),
                            "event_notification_type": "PreconfiguredMonitor",
                            "component": {"name": "EVSE", "evse": {"id": connector_id}},
                            "variable": {"name": "Temperature"},
                        }
                    ],
                )
            )

    async def stop_transaction(
        self, transaction_id: str, meter_stop: float, timestamp: str, id_tag: str | None = None
    ) -> None:
        connector_id = next(c for c, tx in self.transactions.items() if tx == transaction_id)
        await self.transaction_event(
            "Ended",
            connector_id,
            "StopAuthorized" if id_tag else "EVDeparted",
            timestamp=timestamp,
            id_token={"id_token": id_tag, "type": "ISO14443"} if id_tag else None,
            meter_value=[meter_value(timestamp, energy_201(meter_stop, "Transaction.End"))],
            charging_state="EVConnected",
            stopped_reason="Local" if id_tag else "EVDisconnected",
        )
        del self.transactions[connector_id]

    async def transaction_event(
        self,
        event_type: str,
        connector_id: int,
        trigger_reason: str,
        *,
        timestamp: str | None = None,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        seq_no: int | None = None,
        skip_validation: bool = False,
        **fields: Any,
    ) -> Any:
        """One TransactionEvent of the session running on the EVSE (seqNo counted per session)."""
        tx_id = self.transactions[connector_id]
        if seq_no is None:
            seq_no = self._seq.get(tx_id, -1) + 1
        self._seq[tx_id] = max(seq_no, self._seq.get(tx_id, -1))
        info: dict[str, Any] = {"transaction_id": tx_id}
        if charging_state:
            info["charging_state"] = charging_state
        if stopped_reason:
            info["stopped_reason"] = stopped_reason
        return await self.call(
            self.call_module.TransactionEvent(
                event_type=event_type,
                timestamp=timestamp or now(),
                trigger_reason=trigger_reason,
                seq_no=seq_no,
                transaction_info=info,
                evse={"id": connector_id, "connector_id": 1} if event_type == "Started" else None,
                **{k: v for k, v in fields.items() if v is not None},
            ),
            skip_schema_validation=skip_validation,
            suppress=False,
        )


class Charger21(Charger201):
    """The same station speaking OCPP 2.1."""

    version = "2.1"
    call_module = call_21
    _call = call_21
    _call_result = call_result_21
    _ocpp_version = "2.1"
