"""A 1.6 charger charging a car at fixed readings, run as its own process by the browser tests.

    python charger_process.py ws://127.0.0.1:9000/ocpp CHARGER_ID record.jsonl

It boots, plugs in, starts a session and sends every few seconds the same power (7.2 kW), a
register 250 Wh above its start (session energy 0.25 kWh), 16 A per phase and the car's state of
charge (55 %). Every call the central system sends is appended to the record file as one JSON
line {"action": ..., "payload": ...} before it is answered, so a test can assert what the
charger was told. SetChargingProfile, ClearChargingProfile, ChangeConfiguration and
TriggerMessage are accepted; the offered current follows the last TxDefault/Tx profile.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from pathlib import Path
import sys
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from websockets.asyncio.client import connect

POWER_W = 7200.0
START_WH = 100_000.0
SESSION_WH = 250.0
SOC = 55


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Charger(ChargePoint):
    """Records and accepts what the central system asks."""

    def __init__(self, charger_id: str, connection: Any, record: Path) -> None:
        super().__init__(charger_id, connection, response_timeout=30)
        self.record = record
        self.offered = 16.0

    def _log(self, action: str, payload: dict[str, Any]) -> None:
        with self.record.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"action": action, "payload": payload}, default=float) + "\n")

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any]
    ) -> Any:
        self._log(
            "SetChargingProfile",
            {"connector_id": connector_id, "cs_charging_profiles": cs_charging_profiles},
        )
        periods = cs_charging_profiles["charging_schedule"]["charging_schedule_period"]
        if cs_charging_profiles["charging_profile_purpose"] != "ChargePointMaxProfile" and periods:
            self.offered = float(periods[0]["limit"])
        return call_result.SetChargingProfile(status="Accepted")

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, **kwargs: Any) -> Any:
        self._log("ClearChargingProfile", kwargs)
        return call_result.ClearChargingProfile(status="Accepted")

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str) -> Any:
        self._log("ChangeConfiguration", {"key": key, "value": value})
        return call_result.ChangeConfiguration(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(self, **kwargs: Any) -> Any:
        self._log("GetConfiguration", kwargs)
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": "MeterValueSampleInterval", "readonly": False, "value": "5"},
                {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
                {
                    "key": "SupportedFeatureProfiles",
                    "readonly": True,
                    "value": "Core,SmartCharging",
                },
                {
                    "key": "ChargingScheduleAllowedChargingRateUnit",
                    "readonly": True,
                    "value": "Current",
                },
            ]
        )

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        self._log("TriggerMessage", {"requested_message": requested_message, **kwargs})
        return call_result.TriggerMessage(status="Accepted")

    async def run_session(self) -> None:
        await self.call(
            call.BootNotification(
                charge_point_vendor="Acme",
                charge_point_model="Browserbox",
                charge_point_serial_number="SN-B1",
                firmware_version="1.0.0",
            )
        )
        await self.call(
            call.StatusNotification(connector_id=0, error_code="NoError", status="Available")
        )
        await self.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
        )
        await self.call(call.Authorize(id_tag="CARD"))
        started = await self.call(
            call.StartTransaction(
                connector_id=1, id_tag="CARD", meter_start=int(START_WH), timestamp=now()
            )
        )
        await self.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Charging")
        )
        while True:
            sampled = [
                {
                    "value": str(START_WH + SESSION_WH),
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {"value": str(POWER_W), "measurand": "Power.Active.Import", "unit": "W"},
                {"value": str(self.offered), "measurand": "Current.Offered", "unit": "A"},
                {"value": str(SOC), "measurand": "SoC", "unit": "Percent", "location": "EV"},
            ]
            sampled += [
                {"value": "10.4", "measurand": "Current.Import", "unit": "A", "phase": phase}
                for phase in ("L1", "L2", "L3")
            ]
            await self.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=started.transaction_id,
                    meter_value=[{"timestamp": now(), "sampledValue": sampled}],
                )
            )
            await asyncio.sleep(5)


async def main(url: str, charger_id: str, record: Path) -> None:
    while True:  # until hass listens, and again after it closed the connection
        try:
            async with connect(f"{url}/{charger_id}", subprotocols=["ocpp1.6"]) as websocket:  # type: ignore[list-item]
                charger = Charger(charger_id, websocket, record)
                listener = asyncio.create_task(charger.start())
                try:
                    await charger.run_session()
                finally:
                    listener.cancel()
        except Exception as err:  # keep trying, as a charger does
            print(f"charger: {err!r}", file=sys.stderr, flush=True)
            await asyncio.sleep(1)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
