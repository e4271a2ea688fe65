"""The Home Assistant side of bench/solar_ha.py: the integration set up in hass, the simulated
charger on its WebSocket, the grid meter, and the nights coasted through."""

from __future__ import annotations

import asyncio
from datetime import datetime
import json
import os
from typing import Any

from solar_sim import METER_INTERVAL_S, VOLTS, Car, Day, OcppSimCharger
from solar_trace import Trace

GRID = "sensor.grid_power"


class Site:
    """The integration set up in hass, and the simulated charger connected to it."""

    def __init__(
        self, hass: Any, freezer: Any, port: int, day: Day, options: dict[str, Any]
    ) -> None:
        self.hass, self.freezer, self.port, self.day = hass, freezer, port, day
        self.options = options
        self.car = Car(min_a=day.car_min_a, max_a=day.car_max_a)
        self.charger = OcppSimCharger(self.car, day.phases, day.can_switch_phases)
        self.phase_switches = 0
        self.energy_wh = 0.0
        self.status = ""
        self.tx_id: int | None = None
        self.plugged_at = day.date
        self.trace: Trace | None = None
        # The car's power, the limit in force, its phases and the writes so far; since when
        # (second of the day) they are as they are.
        self._state: tuple[float, float, int, int] = (0.0, 0.0, 0, 0)
        self._offered = 0.0
        self.steady_since = 0

    async def start(self, at: datetime, mode: str, car_wh: float) -> None:
        """Set up, connect, boot, plug in at `at`, choose the mode, start the session."""

        from ocpp.messages import Call, MessageType, unpack
        from ocpp.v16 import ChargePoint, call
        from pytest_homeassistant_custom_component.common import MockConfigEntry
        import websockets

        from custom_components.ocpp_central.charging.engine import SmartCharging
        import custom_components.ocpp_central.csms.server as server_module

        # The loop's clock only moves with the simulation: no keepalive pings, no settling sleeps.
        # Asyncio's debug mode (on in Home Assistant's tests) keeps a traceback per callback:
        # off, a day runs in a fraction of the time.
        asyncio.get_running_loop().set_debug(False)
        server_module.PING_INTERVAL = None
        SmartCharging.settle_s = 0
        hass, day = self.hass, self.day
        await hass.config.async_set_time_zone("UTC")
        self.freezer.move_to(at)
        self.plugged_at = at
        self.car.energy_wh = car_wh
        entry = MockConfigEntry(
            domain="ocpp_central",
            title="bench",
            data={"host": "127.0.0.1", "port": self.port, "ssl_certfile": "", "ssl_keyfile": ""},
            options={
                "unknown_chargers": "reject",
                "heartbeat_interval": 86400,
                "authorization": "accept_all",
                **self.options,
            },
            subentries_data=[
                {
                    "data": {
                        "charger_id": "BENCH",
                        "password": "",
                        "max_current": day.car_max_a,
                        "whole_amps": day.step_a >= 1,
                    },
                    "subentry_type": "charger",
                    "title": "Bench",
                    "unique_id": "BENCH",
                }
            ],
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        charger, site = self.charger, self

        class Point(ChargePoint):  # type: ignore[misc]
            async def route_message(self, raw: str) -> None:
                message = unpack(raw)
                if message.message_type_id != MessageType.Call:
                    self._response_queue.put_nowait(message)
                    return
                assert isinstance(message, Call)
                answer = charger.receive(message.action, message.payload)
                if site.trace is not None:
                    site.trace.received(charger.now, message.action, message.payload)
                await self._send(json.dumps([3, message.unique_id, answer]))

        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/ocpp/BENCH", subprotocols=["ocpp1.6"], ping_interval=None
        )
        self.point = point = Point("BENCH", self.ws, response_timeout=30)
        self.reader = asyncio.get_running_loop().create_task(point.start())
        self.call = call
        await point.call(
            call.BootNotification(charge_point_vendor="Bench", charge_point_model="Sim")
        )
        await point.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing")
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        select = next(iter(hass.states.async_entity_ids("select")))
        await hass.services.async_call(
            "select", "select_option", {"entity_id": select, "option": mode}, blocking=True
        )
        started = await point.call(
            call.StartTransaction(
                connector_id=1, id_tag="BENCH", meter_start=0, timestamp=at.isoformat()
            )
        )
        self.tx_id = started.transaction_id
        await hass.async_block_till_done(wait_background_tasks=True)
        if path := os.environ.get("SOLAR_HA_TRACE"):
            self.trace = Trace(path, day.date)
            self.trace.watch(entry.runtime_data.control.core)
        # What the controller sent before the simulation began is in force from its start.
        charger.pending = [(at, purpose, profile) for _, purpose, profile in charger.pending]

    async def second(self, now: datetime, grid_w: float | None = None) -> float:
        """One simulated second: the charger obeys, the car draws, readings go out; the car's W."""
        self.freezer.move_to(now)
        before = self.charger.phases
        offered, phases = self.charger.offered(now)
        if phases != before and self.car.current_a > 0:
            # The contactor opens to switch: the car stops and shakes hands again.
            self.car.interrupt()
            self.phase_switches += 1
        amps = self.car.step(offered)
        power = amps * VOLTS * phases
        self.energy_wh += power / 3600
        self.car.energy_wh += power / 3600
        # Readings every 5 and 10 s from the plug-in, as in the replay of the plug-in window.
        tick = int((now - self.plugged_at).total_seconds())
        state = (power, offered, phases, self.charger.counts.get("SetChargingProfile", 0))
        if state != self._state:
            self._state = state
            self.steady_since = int((now - self.day.date).total_seconds())
        self._offered = offered
        # At a second with both readings the grid meter's goes first: the pass on the charger's
        # reading then sees both, as the core's replay does; the pass between sees a charger
        # reading older than the grid's, as the replay's passes between two charger readings do.
        # SOLAR_HA_ORDER=meter sends the charger's first (a pass on a grid reading older than it).
        grid_first = os.environ.get("SOLAR_HA_ORDER", "grid") == "grid"
        if tick % 5 == 0 and grid_first:
            await self._grid(now, power, offered, phases, grid_w)
        if tick % METER_INTERVAL_S == 0:
            await self._meter(now, power, offered, phases, amps)
        if tick % 5 == 0 and not grid_first:
            await self._grid(now, power, offered, phases, grid_w)
        return power

    def coast(self) -> float | None:
        """One second of a quiet stretch: the car draws at the limit in force, no message goes
        out and Home Assistant's clock stays; its power, or None when it would change."""
        power, offered, phases, _ = self._state
        if self.charger.pending or self.car.energy_wh + power / 3600 >= self.car.capacity_wh:
            return None
        amps = self.car.step(offered)
        if amps * VOLTS * phases != power:
            raise AssertionError("a steady car changed its power while coasting")
        self.energy_wh += power / 3600
        self.car.energy_wh += power / 3600
        return power

    async def _meter(
        self, now: datetime, power: float, offered: float, phases: int, amps: float
    ) -> None:
        """The charger's status on change, and its MeterValues."""
        call = self.call
        status = (
            "Charging"
            if power > 0
            else "SuspendedEVSE"
            if offered < self.day.car_min_a
            else "SuspendedEV"
        )
        if status != self.status:
            self.status = status
            await self.point.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status=status)
            )
        sampled = [
            {
                "value": f"{self.energy_wh:.1f}",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            },
            {"value": f"{power:.0f}", "measurand": "Power.Active.Import", "unit": "W"},
            {"value": f"{offered:.1f}", "measurand": "Current.Offered", "unit": "A"},
            *(
                {
                    "value": f"{amps if n <= phases else 0:.2f}",
                    "measurand": "Current.Import",
                    "unit": "A",
                    "phase": f"L{n}",
                }
                for n in (1, 2, 3)
            ),
        ]
        await self.point.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=self.tx_id,
                meter_value=[{"timestamp": now.isoformat(), "sampledValue": sampled}],
            )
        )
        # The pass this reading started writes within the same second, as in the core's replay.
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def _grid(
        self, now: datetime, power: float, offered: float, phases: int, grid_w: float | None
    ) -> None:
        """The grid meter's reading (house + car - PV), and Home Assistant's time events."""
        from pytest_homeassistant_custom_component.common import async_fire_time_changed

        if self.trace is not None:
            self.trace.tick(now, power, offered, phases)
        if grid_w is not None:
            self.hass.states.async_set(
                GRID,
                f"{grid_w + power:.0f}",
                {"unit_of_measurement": "W", "device_class": "power"},
            )
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def stop(self) -> None:
        await self.ws.close()
        self.reader.cancel()


# A night is at least NIGHT_S without sun; the car is left alone in it QUIET_S after it began and
# after its last change, until QUIET_S before the sun comes back (or the car leaves).
NIGHT_S = 3600
QUIET_S = 600


def nights(pv_w: list[float], first: int, last: int) -> list[tuple[int, int]]:
    """Stretches of the plug-in window without sun in which nothing happens to coast through.

    Without sun the controller has nothing to follow: Solar pauses, Min+Solar holds its minimum.
    Once the car has been steady for QUIET_S, each second of such a stretch is the one before it,
    so the car is stepped without Home Assistant (a night takes a minute otherwise). The
    controller's passes of the stretch are not run; Home Assistant's clock jumps to its end and
    the readings go on from there. Everything it could have changed ends QUIET_S before the sun.
    """
    nights: list[tuple[int, int]] = []
    start: int | None = None
    for second in range(first, last + 1):
        dark = second < last and pv_w[second] <= 0
        if dark and start is None:
            start = second
        elif not dark and start is not None:
            if second - start >= NIGHT_S:
                end = second if second == last else second - QUIET_S
                nights.append((start + QUIET_S, end - end % 10))
            start = None
    return nights


def coast_until(nights: list[tuple[int, int]], second: int) -> int | None:
    """Return the end of the quiet stretch this second is in, if any."""
    for begin, end in nights:
        if begin <= second < end:
            return end
    return None
