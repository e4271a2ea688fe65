"""bench/solar_day.py --mode ha: a simulated day through the real integration in Home Assistant.

`run_ha(day)` runs this module under pytest (pytest-homeassistant-custom-component's in-process
`hass`, with time frozen and moved on by the simulation) and reads back the figures. Inside:

* the integration is set up with a grid power sensor in its options and one charger subentry;
* a simulated OCPP 1.6 charger connects over a real WebSocket on 127.0.0.1, boots, reports its
  configuration, starts a session; it obeys SetChargingProfile (TxProfile over TxDefaultProfile,
  multi-period schedules included) 3 s after receiving it, drives the car model of
  bench/solar_sim.py and sends MeterValues every 10 s and StatusNotifications on change;
* the connector's charge-mode select is set to Solar; the harness updates the grid sensor every
  5 s (house + car - PV) and fires Home Assistant's time events, so the controller runs exactly
  as in production, on state changes and its floor cadence. After each reading Home Assistant
  finishes what it started (a write goes out in the second it was decided, as in the replay).
* At a second with both readings the grid meter's goes first (SOLAR_HA_ORDER=meter: the
  charger's first); see `_Site.second`.
* Nights are coasted through (`_nights`): a whole day takes about a minute, not three.
* SOLAR_HA_TRACE=file writes every controller pass, grid reading and received call as JSON
  lines (bench/solar_trace.py compares them with the core's); SOLAR_HA_PROGRESS=file the wall
  clock per simulated hour; SOLAR_HA_LIMIT_S (1800) ends a run that hangs, with every stack.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from solar_sim import (
    DAYS,
    METER_INTERVAL_S,
    VOLTS,
    Car,
    Day,
    Metrics,
    OcppSimCharger,
    load_day,
    oracle_power,
)
from solar_trace import Trace

CHEAP_ARRIVAL_H, CHEAP_DEPARTURE_H, CHEAP_ENERGY_WH = 18, 31, 25_000.0

GRID = "sensor.grid_power"


def _pytest(env: dict[str, str], test: str) -> dict[str, Any]:
    """Run one test of this module under pytest with env; return the figures it wrote."""
    import faulthandler

    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        os.environ.update(env, SOLAR_HA_OUT=str(out))
        # Time is frozen in there, the loop's clock too: a call that is never answered would wait
        # for ever. A real-time watchdog prints every thread's stack and ends the run instead.
        faulthandler.dump_traceback_later(
            float(os.environ.get("SOLAR_HA_LIMIT_S", "1800")), exit=True
        )
        code = pytest.main(
            [
                f"{Path(__file__).resolve()}::{test}",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "timeout=0",
                "-o",
                "log_level=WARNING",
                "--show-capture=no",
                "-W",
                "ignore",
            ]
        )
        faulthandler.cancel_dump_traceback_later()
        if code != 0 or not out.exists():
            raise SystemExit(f"Home Assistant run {test} {env} failed (pytest exit {code})")
        data: dict[str, Any] = json.loads(out.read_text())
    return data


def _key(day: Day) -> str:
    if day.key:
        return day.key
    return next(name for name, make in DAYS.items() if make().name == day.name)


def run_ha(day: Day, mode: str = "solar") -> tuple[Metrics, dict[str, int]]:
    """Run one simulated day in Solar (or Min+Solar) mode inside Home Assistant, the car
    plugged in over the day's window; (figures, OCPP message counts)."""
    data = _pytest(
        {
            "SOLAR_HA_DAY": _key(day),
            "SOLAR_HA_SWITCH": "1" if day.can_switch_phases else "0",
            "SOLAR_HA_MODE": mode,
        },
        "test_solar_day_in_home_assistant",
    )
    counts = data.pop("counts")
    return Metrics(**data), counts


def run_ha_cheapest(day: Day) -> tuple[float, float, dict[str, int]]:
    """The evening session in Cheapest mode inside Home Assistant; (cost, kWh, message counts)."""
    data = _pytest({"SOLAR_HA_DAY": _key(day)}, "test_cheapest_evening_in_home_assistant")
    return data["cost"], data["car_wh"] / 1000, data["counts"]


# --- inside Home Assistant (collected by pytest from the functions above) ---------------------


class _Site:
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
        import asyncio

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


def _nights(pv_w: list[float], first: int, last: int) -> list[tuple[int, int]]:
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


def _coast_until(nights: list[tuple[int, int]], second: int) -> int | None:
    """The end of the quiet stretch this second is in, if any."""
    for begin, end in nights:
        if begin <= second < end:
            return end
    return None


def _progress(second: int) -> None:
    """With SOLAR_HA_PROGRESS set to a file: the hour of the day reached, and the monotonic
    clock (the frozen one does not move), to see where a run spends its time."""
    if path := os.environ.get("SOLAR_HA_PROGRESS"):
        with open(path, "a") as log:
            clock = time.clock_gettime(time.CLOCK_MONOTONIC)
            print(f"{second // 3600:02d}:00 {clock:.1f}", file=log)


def _write(data: dict[str, Any]) -> None:
    Path(os.environ["SOLAR_HA_OUT"]).write_text(json.dumps(data))


def _day() -> Day:
    key = os.environ["SOLAR_HA_DAY"]
    day = DAYS[key]() if key in DAYS else load_day(Path(key))
    return replace(day, can_switch_phases=os.environ.get("SOLAR_HA_SWITCH") == "1")


async def test_solar_day_in_home_assistant(
    hass: Any,
    freezer: Any,
    socket_enabled: None,
    unused_tcp_port: int,
    enable_custom_integrations: None,
) -> None:
    """The day in SOLAR_HA_DAY in Solar mode; the figures go to SOLAR_HA_OUT."""
    day = _day()
    span = os.environ.get("SOLAR_HA_SPAN", f"{day.arrive_s},{day.leave_s}")
    first, last = (int(x) for x in span.split(","))
    # The meter as it reads when the car arrives: the controller's first pass sees the house.
    watts = f"{day.house_w[first] - day.pv_w[first]:.0f}"
    freezer.move_to(day.at(first))
    hass.states.async_set(GRID, watts, {"unit_of_measurement": "W", "device_class": "power"})
    site = _Site(hass, freezer, unused_tcp_port, day, {"grid_power_entity": GRID})
    site.car.capacity_wh = day.capacity_wh
    await site.start(day.at(first), os.environ.get("SOLAR_HA_MODE", "solar"), day.energy_wh)
    metrics = Metrics()
    was_charging = False
    counted_switches = 0
    coast = os.environ.get("SOLAR_HA_COAST", "1") == "1"
    nights = _nights(day.pv_w, first, last) if coast else []
    second = first
    while second < last:
        if second % 3600 == 0:
            _progress(second)
        pv, house = day.pv_w[second], day.house_w[second]
        until = _coast_until(nights, second)
        if until is not None and site.steady_since <= second - QUIET_S:
            # A dark stretch with the car steady: it draws on, nothing is sent (see _nights).
            while second < until and (power := site.coast()) is not None:
                pv, house = day.pv_w[second], day.house_w[second]
                metrics.account(pv, house, power, oracle_power(pv - house, day))
                second += 1
            if second >= until:
                continue
            # The car would change (it is full): this second runs in Home Assistant.
            pv, house = day.pv_w[second], day.house_w[second]
        power = await site.second(day.at(second), house - pv)
        metrics.account(pv, house, power, oracle_power(pv - house, day))
        switches = site.phase_switches
        if power > 0 and not was_charging and switches == counted_switches:
            metrics.starts += 1
        if power > 0:
            counted_switches = switches
        was_charging = power > 0
        second += 1
    metrics.phase_switches = site.phase_switches
    metrics.writes = site.charger.counts.get("TxDefaultProfile", 0)
    await site.stop()
    data = asdict(metrics)
    data.pop("energy_log")
    _write({**data, "counts": site.charger.counts})


async def test_cheapest_evening_in_home_assistant(
    hass: Any,
    freezer: Any,
    socket_enabled: None,
    unused_tcp_port: int,
    enable_custom_integrations: None,
) -> None:
    """25 kWh between 18:00 and 07:00 in Cheapest mode, priced from a Nordpool-style sensor."""
    from custom_components.ocpp_central.control.core.price import cost_of

    day = _day()
    arrival = day.at(CHEAP_ARRIVAL_H * 3600)
    departure = day.at(CHEAP_DEPARTURE_H * 3600)
    raw = [
        {"start": slot.start.isoformat(), "end": slot.end.isoformat(), "value": slot.price}
        for slot in day.prices
    ]
    hass.states.async_set(
        "sensor.nordpool", str(raw[0]["value"]), {"raw_today": raw[:24], "raw_tomorrow": raw[24:]}
    )
    hass.states.async_set("input_datetime.departure", departure.isoformat())
    options = {
        "price_entity": "sensor.nordpool",
        "departure_entity": "input_datetime.departure",
        "target_energy_kwh": CHEAP_ENERGY_WH / 1000,
    }
    site = _Site(hass, freezer, unused_tcp_port, day, options)
    site.car.capacity_wh = CHEAP_ENERGY_WH
    await site.start(arrival, "cheapest", 0.0)
    log: list[tuple[datetime, float]] = []
    for second in range(int((departure - arrival).total_seconds())):
        moment = arrival + timedelta(seconds=second)
        log.append((moment, await site.second(moment) / 3600))
    await site.stop()
    _write(
        {
            "cost": cost_of(day.prices, log),
            "car_wh": sum(wh for _, wh in log),
            "counts": site.charger.counts,
        }
    )
