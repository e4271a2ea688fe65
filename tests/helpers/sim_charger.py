"""A plain OCPP 1.6 charge point on the ocpp package, as a charger's firmware would be, and its session.

Unlike the scripted chargers it answers only TriggerMessage (Accepted, recorded in `received`); any
other command gets the ocpp package's NotImplemented CALLERROR, as from firmware that lacks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16, call, call_result
from websockets.asyncio.client import ClientConnection


def boot_notification(vendor: str = "Acme", model: str = "Wallbox 1") -> call.BootNotification:
    """The BootNotification every simulated 1.6 charger sends."""
    return call.BootNotification(
        charge_point_vendor=vendor,
        charge_point_model=model,
        charge_point_serial_number="SN-1",
        firmware_version="1.2.3",
    )


class SimCharger(ChargePoint16):
    """A 1.6 charge point that boots, sends what a test tells it to and records TriggerMessages."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        self.received.append(("TriggerMessage", {"requested_message": requested_message}))
        return call_result.TriggerMessage(status="Accepted")

    async def boot(self, vendor: str = "Acme", model: str = "Wallbox 1") -> Any:
        return await self.call(boot_notification(vendor, model))


ConnectFn = Callable[..., Awaitable[SimCharger]]


def all_measurands(
    energy_wh: float = 12345.0, power_w: float = 7200.0, timestamp: str = "2026-11-25T08:05:00Z"
) -> list[dict[str, Any]]:
    """One MeterValue with every measurand the sensors show, as a three-phase charger sends it."""
    sampled = [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "16", "measurand": "Current.Offered", "unit": "A"},
        {"value": "11000", "measurand": "Power.Offered", "unit": "W"},
        {"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"},
        {"value": "31.5", "measurand": "Temperature", "unit": "Celsius", "location": "Body"},
        {"value": "50.02", "measurand": "Frequency"},
    ]
    for n, (current, voltage) in enumerate(
        (("10.1", "230.1"), ("10.2", "230.2"), ("10.3", "230.3")), start=1
    ):
        sampled.append(
            {"value": current, "measurand": "Current.Import", "unit": "A", "phase": f"L{n}"}
        )
        sampled.append({"value": voltage, "measurand": "Voltage", "unit": "V", "phase": f"L{n}-N"})
    return [{"timestamp": timestamp, "sampledValue": sampled}]


async def start_charging(hass: HomeAssistant, cp: SimCharger, connector_id: int = 1) -> int:
    """Boot, heartbeat, report status, start a session and send every measurand."""
    await cp.boot()
    await cp.call(call.Heartbeat())
    await cp.call(call.StatusNotification(connector_id=0, error_code="NoError", status="Available"))
    await cp.call(
        call.StatusNotification(connector_id=connector_id, error_code="NoError", status="Preparing")
    )
    started = await cp.call(
        call.StartTransaction(
            connector_id=connector_id,
            id_tag="TAG-0001",
            meter_start=10000,
            timestamp="2026-11-25T08:00:00Z",
        )
    )
    await cp.call(
        call.StatusNotification(connector_id=connector_id, error_code="NoError", status="Charging")
    )
    await cp.call(
        call.MeterValues(
            connector_id=connector_id,
            transaction_id=started.transaction_id,
            meter_value=all_measurands(),
        )
    )
    await hass.async_block_till_done()
    return int(started.transaction_id)
