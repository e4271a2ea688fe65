"""The OCPP 2.0.1 variant of scripts/sim_charger.py: the same car and meter, spoken as 2.0.1.

    .venv/bin/python scripts/sim_charger.py ws://127.0.0.1:9000 DEMO2 --ocpp 2.0.1

Boot, StatusNotification (Available/Occupied), TransactionEvent Started/Updated/Ended with the
meter values of the 1.6 simulator, and answers to what a central system asks of a 2.0.1 station:
SetChargingProfile / ClearChargingProfile (the car follows the limit), RequestStart/Stop-
Transaction, TriggerMessage, Get/SetVariables, Reset, ChangeAvailability, UnlockConnector.
"""

from __future__ import annotations

import asyncio
from typing import Any
import uuid

from ocpp.routing import on
from ocpp.v16.enums import ChargePointStatus, Reason
from ocpp.v201 import ChargePoint, call, call_result
from sim_charger import Simulation, log, now_iso

# The 1.6 simulator's statuses, as 2.0.1 says them: connector status and charging state.
CONNECTOR = {ChargePointStatus.available: "Available"}
CHARGING_STATE = {
    ChargePointStatus.preparing: "EVConnected",
    ChargePointStatus.charging: "Charging",
    ChargePointStatus.suspended_ev: "SuspendedEV",
    ChargePointStatus.suspended_evse: "SuspendedEVSE",
    ChargePointStatus.finishing: "EVConnected",
}
VARIABLES = {
    ("SmartChargingCtrlr", "Enabled"): "true",
    ("SmartChargingCtrlr", "RateUnit"): "A,W",
    ("SmartChargingCtrlr", "PeriodsPerSchedule"): "48",
    ("SmartChargingCtrlr", "ProfileStackLevel"): "8",
    ("SampledDataCtrlr", "TxUpdatedInterval"): "5",
    ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
}


class Sim201ChargePoint(ChargePoint):
    """Answers the central system's 2.0.1 calls."""

    def __init__(self, charger_id: str, connection: Any, sim: Simulation201) -> None:
        super().__init__(charger_id, connection, response_timeout=30)
        self.sim = sim

    @on("RequestStartTransaction")
    def on_request_start(self, id_token: dict[str, Any], **kwargs: Any) -> Any:
        if self.sim.state.transaction_id is not None:
            return call_result.RequestStartTransaction(status="Rejected")
        self.sim.id_tag = id_token.get("id_token", self.sim.id_tag)
        self.sim.wake.set()
        return call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id: str, **kwargs: Any) -> Any:
        if transaction_id != self.sim.state.transaction_id:
            return call_result.RequestStopTransaction(status="Rejected")
        self.sim.stop_reason = Reason.remote
        self.sim.wake.set()
        return call_result.RequestStopTransaction(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **kwargs: Any
    ) -> Any:
        schedules = charging_profile.get("charging_schedule") or [{}]
        accepted = self.sim.profiles.set(
            str(charging_profile.get("charging_profile_purpose", "TxDefaultProfile")).replace(
                "ChargingStationMaxProfile", "ChargePointMaxProfile"
            ),
            charging_profile.get("id"),
            schedules[0],
        )
        self.sim.limit_changed()
        return call_result.SetChargingProfile(status="Accepted" if accepted else "Rejected")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        purpose = (charging_profile_criteria or {}).get("charging_profile_purpose")
        cleared = self.sim.profiles.clear(charging_profile_id, purpose)
        self.sim.limit_changed()
        return call_result.ClearChargingProfile(status="Accepted" if cleared else "Unknown")

    @on("GetChargingProfiles")
    def on_get_charging_profiles(self, request_id: int, **kwargs: Any) -> Any:
        return call_result.GetChargingProfiles(status="NoProfiles")

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(self, **kwargs: Any) -> Any:
        return call_result.GetCompositeSchedule(status="Rejected")

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        if requested_message not in {
            "BootNotification",
            "Heartbeat",
            "StatusNotification",
            "MeterValues",
            "TransactionEvent",
        }:
            return call_result.TriggerMessage(status="NotImplemented")
        self.sim.spawn(self.sim.send_triggered(requested_message))  # type: ignore[arg-type]
        return call_result.TriggerMessage(status="Accepted")

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        results = []
        for item in get_variable_data:
            component, variable = item["component"], item["variable"]
            value = VARIABLES.get((component["name"], variable["name"]))
            result: dict[str, Any] = {
                "attribute_status": "Accepted" if value is not None else "UnknownVariable",
                "component": component,
                "variable": variable,
            }
            if value is not None:
                result["attribute_value"] = value
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        return call_result.SetVariables(
            set_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in set_variable_data
            ]
        )

    @on("GetBaseReport")
    def on_get_base_report(self, **kwargs: Any) -> Any:
        return call_result.GetBaseReport(status="NotSupported")

    @on("Reset")
    def on_reset(self, type: str, **kwargs: Any) -> Any:
        log.info("%s: %s reset requested; rebooting", self.id, type)
        self.sim.spawn(self.sim.reboot())
        return call_result.Reset(status="Accepted")

    @on("ChangeAvailability")
    def on_change_availability(self, **kwargs: Any) -> Any:
        return call_result.ChangeAvailability(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, **kwargs: Any) -> Any:
        return call_result.UnlockConnector(status="Unlocked")

    @on("GetLocalListVersion")
    def on_get_local_list_version(self, **kwargs: Any) -> Any:
        return call_result.GetLocalListVersion(version_number=0)

    @on("SendLocalList")
    def on_send_local_list(self, **kwargs: Any) -> Any:
        return call_result.SendLocalList(status="Accepted")

    @on("DataTransfer")
    def on_data_transfer(self, **kwargs: Any) -> Any:
        return call_result.DataTransfer(status="UnknownVendorId")


class Simulation201(Simulation):
    """The 1.6 simulation's car and meter behind a 2.0.1 station."""

    subprotocol = "ocpp2.0.1"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._connector_status: str | None = None
        self._seq = 0

    def make_cp(self, ws: Any) -> Any:
        self._connector_status = None
        return Sim201ChargePoint(self.charger_id, ws, self)

    async def _boot(self, cp: Any) -> None:
        while True:
            reply = await cp.call(
                call.BootNotification(
                    charging_station={
                        "vendor_name": self.args.vendor,
                        "model": self.args.model,
                        "serial_number": f"SIM-{self.charger_id}",
                        "firmware_version": "sim-2.0",
                    },
                    reason="PowerUp",
                ),
                suppress=False,
            )
            self.heartbeat_interval = max(10, int(reply.interval or 300))
            if reply.status == "Accepted":
                log.info("%s: boot accepted (OCPP 2.0.1)", self.charger_id)
                return
            log.info("%s: boot %s; asking again", self.charger_id, reply.status)
            await asyncio.sleep(self.heartbeat_interval)

    async def _heartbeats(self, cp: Any) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await cp.call(call.Heartbeat())

    async def _notify(self, cp: Any, connector: int, status: ChargePointStatus) -> None:
        if not connector:
            return
        changed = status != self.status
        self.status = status
        wanted = CONNECTOR.get(status, "Occupied")
        if wanted != self._connector_status:
            self._connector_status = wanted
            await cp.call(
                call.StatusNotification(
                    timestamp=now_iso(), connector_status=wanted, evse_id=1, connector_id=1
                )
            )
        if changed and self.state.transaction_id is not None and status in CHARGING_STATE:
            await self._transaction_event(cp, "Updated", "ChargingStateChanged")

    async def _transaction_event(
        self,
        cp: Any,
        event: str,
        trigger: str,
        *,
        meter: bool = False,
        stopped: str | None = None,
    ) -> None:
        self._seq += 1
        info: dict[str, Any] = {
            "transaction_id": str(self.state.transaction_id),
            "charging_state": CHARGING_STATE.get(self.status, "Idle"),
        }
        if stopped:
            info["stopped_reason"] = stopped
        await cp.call(
            call.TransactionEvent(
                event_type=event,
                timestamp=now_iso(),
                trigger_reason=trigger,
                seq_no=self._seq,
                transaction_info=info,
                meter_value=[self.meter_value_201()] if meter else None,
                evse={"id": 1, "connector_id": 1} if event == "Started" else None,
                id_token={"id_token": self.id_tag, "type": "ISO14443"}
                if event == "Started"
                else None,
            )
        )

    def meter_value_201(self) -> dict[str, Any]:
        """The 1.6 meter value in 2.0.1's shape (numbers, unitOfMeasure)."""
        entry = self.meter_value()
        samples = []
        for sample in entry["sampled_value"]:
            if sample["measurand"] == "Temperature":  # no 2.0.1 measurand
                continue
            converted: dict[str, Any] = {
                "value": float(sample["value"]),
                "measurand": sample["measurand"],
                "context": sample["context"],
                "location": sample["location"],
            }
            if "phase" in sample:
                converted["phase"] = sample["phase"]
            if "unit" in sample:
                converted["unit_of_measure"] = {"unit": sample["unit"]}
            samples.append(converted)
        return {"timestamp": entry["timestamp"], "sampled_value": samples}

    async def _start_session(self, cp: Any) -> None:
        await self._notify(cp, 1, ChargePointStatus.available)
        await self._pause(self.args.idle)
        log.info("%s: car plugged in (state of charge %.0f %%)", self.charger_id, self.state.soc)
        self.state.meter_start_wh = self.state.register_wh
        self.state.transaction_id = uuid.uuid4().hex[:16]  # type: ignore[assignment]
        self._seq = -1
        self.status = ChargePointStatus.preparing
        await cp.call(
            call.StatusNotification(
                timestamp=now_iso(), connector_status="Occupied", evse_id=1, connector_id=1
            )
        )
        self._connector_status = "Occupied"
        await self._transaction_event(cp, "Started", "CablePluggedIn", meter=True)
        self.save_state()
        log.info("%s: transaction %s started", self.charger_id, self.state.transaction_id)
        self._last_tick = asyncio.get_running_loop().time()
        await self._notify(cp, 1, ChargePointStatus.charging)

    async def send_meter_values(self, cp: Any) -> None:
        if self.state.transaction_id is None:
            await cp.call(call.MeterValues(evse_id=1, meter_value=[self.meter_value_201()]))
            return
        await self._transaction_event(cp, "Updated", "MeterValuePeriodic", meter=True)

    async def _end_session(self, cp: Any) -> None:
        reason = self.stop_reason or Reason.ev_disconnected
        self.stop_reason = None
        stopped = "Remote" if reason == Reason.remote else "EVDisconnected"
        trigger = "RemoteStop" if reason == Reason.remote else "EVDeparted"
        self._power_w = self._current_a = 0.0
        self.status = ChargePointStatus.finishing
        await self._transaction_event(cp, "Ended", trigger, meter=True, stopped=stopped)
        log.info(
            "%s: transaction %s stopped (%s), %.2f kWh charged",
            self.charger_id,
            self.state.transaction_id,
            stopped,
            (self.state.register_wh - self.state.meter_start_wh) / 1000,
        )
        self.state.transaction_id = None
        self.profiles.end_transaction()
        await self._notify(cp, 1, ChargePointStatus.available)
        await asyncio.sleep(5)
        self.state.soc = 20.0 + (self.state.register_wh % 25_000) / 1000
        self.save_state()

    async def send_triggered(self, message: Any) -> None:
        await asyncio.sleep(0.1)
        cp = self.cp
        if cp is None:
            return
        if message == "BootNotification":
            await self._boot(cp)
        elif message == "Heartbeat":
            await cp.call(call.Heartbeat())
        elif message == "StatusNotification":
            await cp.call(
                call.StatusNotification(
                    timestamp=now_iso(),
                    connector_status=self._connector_status or "Available",
                    evse_id=1,
                    connector_id=1,
                )
            )
        else:
            await self.send_meter_values(cp)
