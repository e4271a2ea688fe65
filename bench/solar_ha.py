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
  as in production, on state changes and its floor cadence.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta
import json
import os
from pathlib import Path
import sys
import tempfile
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

CHEAP_ARRIVAL_H, CHEAP_DEPARTURE_H, CHEAP_ENERGY_WH = 18, 31, 25_000.0

GRID = "sensor.grid_power"


def _pytest(env: dict[str, str], test: str) -> dict[str, Any]:
    """Run one test of this module under pytest with env; return the figures it wrote."""
    import pytest

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        os.environ.update(env, SOLAR_HA_OUT=str(out))
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
        server_module.PING_INTERVAL = None
        SmartCharging.settle_s = 0
        hass, day = self.hass, self.day
        await hass.config.async_set_time_zone("UTC")
        self.freezer.move_to(at)
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
        charger = self.charger

        class Point(ChargePoint):  # type: ignore[misc]
            async def route_message(self, raw: str) -> None:
                message = unpack(raw)
                if message.message_type_id != MessageType.Call:
                    self._response_queue.put_nowait(message)
                    return
                assert isinstance(message, Call)
                answer = charger.receive(message.action, message.payload)
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
        # What the controller sent before the simulation began is in force from its start.
        charger.pending = [(at, purpose, profile) for _, purpose, profile in charger.pending]

    async def second(self, now: datetime, grid_w: float | None = None) -> float:
        """One simulated second: the charger obeys, the car draws, readings go out; the car's W."""
        from pytest_homeassistant_custom_component.common import async_fire_time_changed

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
        tick = int(now.timestamp())
        call = self.call
        if tick % METER_INTERVAL_S == 0:
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
        if tick % 5 == 0:
            if grid_w is not None:
                self.hass.states.async_set(
                    GRID,
                    f"{grid_w + power:.0f}",
                    {"unit_of_measurement": "W", "device_class": "power"},
                )
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)
        return power

    async def stop(self) -> None:
        await self.ws.close()
        self.reader.cancel()


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
    hass.states.async_set(GRID, "0", {"unit_of_measurement": "W", "device_class": "power"})
    site = _Site(hass, freezer, unused_tcp_port, day, {"grid_power_entity": GRID})
    site.car.capacity_wh = day.capacity_wh
    span = os.environ.get("SOLAR_HA_SPAN", f"{day.arrive_s},{day.leave_s}")
    first, last = (int(x) for x in span.split(","))
    await site.start(day.at(first), os.environ.get("SOLAR_HA_MODE", "solar"), day.energy_wh)
    metrics = Metrics()
    was_charging = False
    counted_switches = 0
    for second in range(first, last):
        pv, house = day.pv_w[second], day.house_w[second]
        power = await site.second(day.at(second), house - pv)
        metrics.account(pv, house, power, oracle_power(pv - house, day))
        switches = site.phase_switches
        if power > 0 and not was_charging and switches == counted_switches:
            metrics.starts += 1
        if power > 0:
            counted_switches = switches
        was_charging = power > 0
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
