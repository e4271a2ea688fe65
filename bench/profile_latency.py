#!/usr/bin/env python3
"""Latency of a current-limit change: Home Assistant's number.set_value to SetChargingProfile arriving
at the charger, against a raw `ocpp` call on the same loopback.

    .venv/bin/python bench/profile_latency.py [--changes 1000]

1. Raw: a bare websockets + ocpp.v16.ChargePoint central system calls SetChargingProfile on a
   charger N times (schema validation on, the package's default); per call, the time until the
   frame arrives at the charger and the full round trip (the call's answer).
2. Ours: Home Assistant (in this process, the test harness's core) with the integration set up, a
   charger that boots and reports connector 1; N times `number.set_value` on the connector's
   current limit (falling back to `coordinator.smart.async_set_current_limit` if the entity is
   missing), with a different value each time and the write interval set to 0; per change, the
   time until SetChargingProfile arrives at the charger, and until the service call returns.
3. Prints p50/p99 of both, and ours/raw as ratios.

The charger is the same raw websockets client in both: it timestamps each frame on arrival and
answers at once (GetConfiguration with the usual keys, everything else Accepted).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from datetime import UTC, datetime, timedelta
import json
import logging
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any

from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Changes made first and not counted: schema loading, first-call paths.
WARM_UP = 50

CONFIGURATION = {
    "configurationKey": [
        {"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "8"},
        {"key": "ChargingScheduleAllowedChargingRateUnit", "readonly": True, "value": "Current"},
        {"key": "ChargingScheduleMaxPeriods", "readonly": True, "value": "24"},
        {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,SmartCharging"},
        {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
        {"key": "GetConfigurationMaxKeys", "readonly": True, "value": "20"},
    ],
    "unknownKey": [],
}


class Charger:
    """A raw 1.6 charger: timestamps what arrives, answers at once."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.arrived = asyncio.Event()
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._ids = 0

    async def run(self) -> None:
        async for raw in self.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame[0] == 2:
                _, unique_id, action, payload = frame
                if action == "SetChargingProfile":
                    self.arrivals.append((now, payload))
                    self.arrived.set()
                answer = CONFIGURATION if action == "GetConfiguration" else {"status": "Accepted"}
                await self.ws.send(json.dumps([3, unique_id, answer]))
            elif (future := self._pending.pop(frame[1], None)) is not None:
                future.set_result(frame[2] if frame[0] == 3 else frame)

    async def call(self, action: str, payload: dict[str, Any]) -> Any:
        self._ids += 1
        unique_id = f"c{self._ids}"
        future = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = future
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        return await asyncio.wait_for(future, 10)

    async def next_profile(self, count: int) -> float:
        """Wait for the count-th SetChargingProfile; return its arrival time."""
        while len(self.arrivals) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)
        return self.arrivals[count - 1][0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def profile(limit: float) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    return {
        "chargingProfileId": 1001,
        "stackLevel": 8,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": start.replace("+00:00", "Z"),
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }


def limit_for(n: int) -> float:
    """A different whole-amp limit each time (6..32 A), so none is deduplicated."""
    return float(6 + n % 27)


async def raw_ocpp(changes: int) -> tuple[list[float], list[float]]:
    """One-way and round-trip times of raw ocpp SetChargingProfile calls, in ms."""
    central: list[ChargePoint] = []
    ready = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        cp = ChargePoint("RAW", ws, response_timeout=10)
        central.append(cp)
        ready.set()
        with contextlib.suppress(ConnectionClosed):
            await cp.start()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/RAW", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            charger = Charger(ws)
            task = asyncio.create_task(charger.run())
            await ready.wait()
            one_way, round_trip = [], []
            for n in range(WARM_UP + changes):
                started = time.perf_counter()
                await central[0].call(
                    call.SetChargingProfile(
                        connector_id=1, cs_charging_profiles=profile(limit_for(n))
                    )
                )
                done = time.perf_counter()
                arrived = await charger.next_profile(n + 1)
                if n >= WARM_UP:
                    one_way.append((arrived - started) * 1000)
                    round_trip.append((done - started) * 1000)
            task.cancel()
    return one_way, round_trip


async def ours(changes: int) -> tuple[list[float], list[float], str]:
    """One-way (set_value → arrival) and service round-trip times through Home Assistant, in ms."""
    from homeassistant import loader
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    from custom_components.ocpp_central.const import DOMAIN

    # Its own config dir: the journal and the session history are real files, and the test
    # harness's shared testing_config must stay as it ships.
    config_dir = tempfile.mkdtemp(prefix="profile-latency-")
    async with async_test_home_assistant(config_dir=config_dir) as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
        entry = MockConfigEntry(
            domain=DOMAIN,
            data={"host": "127.0.0.1", "port": 0, "ssl_certfile": "", "ssl_keyfile": ""},
            options={"unknown_chargers": "ask", "heartbeat_interval": 300},
            subentries_data=[
                {
                    "data": {
                        "charger_id": "BENCH",
                        "password": "",
                        "max_current": 32.0,
                        "min_write_interval": 0,
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
        central = entry.runtime_data
        assert central.server is not None
        port = central.server.port
        async with connect(f"ws://127.0.0.1:{port}/ocpp/BENCH", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            charger = Charger(ws)
            task = asyncio.create_task(charger.run())
            await charger.call(
                "BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "Raw"}
            )
            await charger.call(
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Charging"},
            )
            await asyncio.sleep(1.5)  # detection after boot
            await hass.async_block_till_done(wait_background_tasks=True)
            registry = er.async_get(hass)
            numbers = [
                e.entity_id
                for e in er.async_entries_for_config_entry(registry, entry.entry_id)
                if e.domain == "number" and e.translation_key == "current_limit"
            ]
            smart = central.coordinators["BENCH"].smart
            change: Callable[[float], Awaitable[Any]]
            if numbers:
                via = f"number.set_value on {numbers[0]}"

                def change(value: float) -> Awaitable[Any]:
                    return hass.services.async_call(
                        "number",
                        "set_value",
                        {"entity_id": numbers[0], "value": value},
                        blocking=True,
                    )
            else:
                via = "coordinator.smart.async_set_current_limit (no number entity)"

                def change(value: float) -> Awaitable[Any]:
                    return smart.async_set_current_limit(1, value)

            base = len(charger.arrivals)
            one_way, round_trip = [], []
            for n in range(WARM_UP + changes):
                started = time.perf_counter()
                await change(limit_for(n))
                done = time.perf_counter()
                arrived = await charger.next_profile(base + n + 1)
                if n >= WARM_UP:
                    one_way.append((arrived - started) * 1000)
                    round_trip.append((done - started) * 1000)
            assert len(charger.arrivals) == base + WARM_UP + changes, "a change was lost"
            task.cancel()
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    return one_way, round_trip, via


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    raw_one, raw_rtt = asyncio.run(raw_ocpp(args.changes))
    our_one, our_rtt, via = asyncio.run(ours(args.changes))
    print(f"{args.changes} limit changes each (after {WARM_UP} warm-up), loopback; ours via {via}")
    print(f"{'':34} {'p50 ms':>8} {'p99 ms':>8}")
    for name, values in (
        ("raw ocpp: call -> arrival", raw_one),
        ("raw ocpp: call round trip", raw_rtt),
        ("ours: set_value -> arrival", our_one),
        ("ours: set_value round trip", our_rtt),
    ):
        print(f"{name:34} {percentile(values, 0.5):8.3f} {percentile(values, 0.99):8.3f}")
    for share, label in ((0.5, "p50"), (0.99, "p99")):
        raw_trip = percentile(raw_rtt, share)
        print(
            f"ratio {label}: set_value->arrival / raw round trip = "
            f"{percentile(our_one, share) / raw_trip:.2f}x "
            f"(like for like: arrival {percentile(our_one, share) / percentile(raw_one, share):.2f}x, "
            f"round trip {percentile(our_rtt, share) / raw_trip:.2f}x)"
        )
    print(f"mean ours set_value->arrival {statistics.fmean(our_one):.3f} ms")


if __name__ == "__main__":
    main()
