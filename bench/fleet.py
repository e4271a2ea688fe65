#!/usr/bin/env python3
"""A fleet of simulated OCPP 1.6J chargers for bench/meter_values.py (its own process).

Each charger connects, boots, reports Charging, starts a transaction and sends a few warm-up
MeterValues; then the fleet prints READY and waits. Every GO line on stdin starts a burst:
each charger sends --messages MeterValues back to back (15 sampled values each, all changing
like in a real session), waiting for the CALLRESULT of one before sending the next. After a
burst it prints DONE with a JSON summary. QUIT (or the end of stdin) closes the connections.

Frames are raw JSON over websockets, prepared before the burst, so that this process spends
as little as possible per message and the central system under test sets the pace.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
import json
import random
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

SAMPLE_INTERVAL_S = 10  # simulated time between two readings of one charger
TS = "@TS@"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Charger:
    """One simulated charging session; builds its own frames."""

    def __init__(self, charger_id: str, seed: int) -> None:
        self.charger_id = charger_id
        self.rng = random.Random(seed)
        self.energy_wh = 100_000.0 + self.rng.uniform(0, 900_000)
        self.soc = self.rng.uniform(10, 40)
        self.temperature = 25.0 + self.rng.uniform(0, 5)
        self.transaction_id = 0
        self.counter = 0
        self.ws: ClientConnection | None = None

    def _next_id(self) -> str:
        self.counter += 1
        return f"{self.charger_id}-{self.counter}"

    def call(self, action: str, payload: dict[str, Any]) -> tuple[str, str]:
        unique_id = self._next_id()
        return unique_id, json.dumps([2, unique_id, action, payload], separators=(",", ":"))

    def meter_values_frame(self) -> tuple[str, str]:
        """The next reading; its timestamp is filled in when it is sent."""
        rng = self.rng
        volts = [230.0 + rng.uniform(-4, 4) for _ in range(3)]
        amps = [10.7 + rng.uniform(-0.3, 0.3) for _ in range(3)]
        watts = [v * a for v, a in zip(volts, amps, strict=True)]
        power = sum(watts)
        self.energy_wh += power * SAMPLE_INTERVAL_S / 3600
        self.soc = min(100.0, self.soc + power * SAMPLE_INTERVAL_S / 3600 / 600)
        self.temperature += (25 + power / 400 - self.temperature) * 0.05 + rng.uniform(-0.2, 0.2)

        def sv(measurand: str, value: float, unit: str | None, **extra: str) -> dict[str, str]:
            entry = {
                "value": f"{value:.1f}",
                "context": "Sample.Periodic",
                "format": "Raw",
                "measurand": measurand,
                "location": extra.pop("location", "Outlet"),
                **extra,
            }
            if unit is not None:
                entry["unit"] = unit
            return entry

        phases = ("L1", "L2", "L3")
        sampled = [
            sv("Energy.Active.Import.Register", self.energy_wh, "Wh"),
            sv("Power.Active.Import", power, "W"),
            *(
                sv("Power.Active.Import", w, "W", phase=p)
                for w, p in zip(watts, phases, strict=True)
            ),
            *(sv("Current.Import", a, "A", phase=p) for a, p in zip(amps, phases, strict=True)),
            *(sv("Voltage", v, "V", phase=f"{p}-N") for v, p in zip(volts, phases, strict=True)),
            sv("Current.Offered", 16.0, "A"),
            sv("Frequency", 50 + rng.uniform(-0.05, 0.05), None),  # 1.6 has no unit for Hz
            sv("Temperature", self.temperature, "Celsius", location="Body"),
            {**sv("SoC", 0, "Percent", location="EV"), "value": str(int(self.soc))},
        ]
        return self.call(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": self.transaction_id,
                "meterValue": [{"timestamp": TS, "sampledValue": sampled}],
            },
        )

    async def exchange(self, unique_id: str, frame: str) -> list[Any]:
        assert self.ws is not None
        await self.ws.send(frame)
        while True:
            reply = json.loads(await self.ws.recv())
            if reply[0] == 2:  # a call from the central system: not expected here
                await self.ws.send(json.dumps([4, reply[1], "NotImplemented", "", {}]))
                continue
            if reply[1] != unique_id:
                raise RuntimeError(f"{self.charger_id}: reply to {reply[1]}, expected {unique_id}")
            return reply

    async def setup(self, url: str, warmup: int) -> None:
        self.ws = await connect(
            f"{url}/{self.charger_id}",
            subprotocols=["ocpp1.6"],
            compression=None,
            max_size=2**20,
            ping_interval=None,
            open_timeout=30,
        )
        boot = await self.exchange(
            *self.call(
                "BootNotification",
                {"chargePointVendor": "Bench", "chargePointModel": "Fleet-1"},
            )
        )
        if boot[0] != 3 or boot[2].get("status") != "Accepted":
            raise RuntimeError(f"{self.charger_id}: boot not accepted: {boot}")
        for status in ("Preparing", "Charging"):
            await self.exchange(
                *self.call(
                    "StatusNotification",
                    {
                        "connectorId": 1,
                        "errorCode": "NoError",
                        "status": status,
                        "timestamp": now_iso(),
                    },
                )
            )
        start = await self.exchange(
            *self.call(
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": "BENCH",
                    "meterStart": int(self.energy_wh),
                    "timestamp": now_iso(),
                },
            )
        )
        self.transaction_id = int(start[2]["transactionId"])
        await self.burst([self.meter_values_frame() for _ in range(warmup)], [])

    async def burst(self, frames: list[tuple[str, str]], errors: list[Any]) -> None:
        for unique_id, template in frames:
            reply = await self.exchange(unique_id, template.replace(TS, now_iso(), 1))
            if reply[0] != 3:
                errors.append(reply)


async def run(args: argparse.Namespace) -> None:
    chargers = [Charger(f"{args.prefix}{n:03d}", seed=n) for n in range(args.chargers)]
    # Connect a few at a time, as a fleet coming back after a power cut would not all at once.
    semaphore = asyncio.Semaphore(10)

    async def setup(charger: Charger) -> None:
        async with semaphore:
            await charger.setup(args.url, args.warmup)

    await asyncio.gather(*(setup(c) for c in chargers))
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if line.strip() != "GO":
            break
        frames = [[c.meter_values_frame() for _ in range(args.messages)] for c in chargers]
        errors: list[Any] = []
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(c.burst(f, errors) for c, f in zip(chargers, frames, strict=True)))
        wall = time.perf_counter() - t0
        summary = {
            "messages": args.chargers * args.messages,
            "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "wall_s": wall,
            "client_cpu_s": time.process_time() - cpu0,
        }
        print("DONE", json.dumps(summary), flush=True)
    for charger in chargers:
        if charger.ws is not None:
            await charger.ws.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="ws://host:port (the charger id is appended)")
    parser.add_argument("--chargers", type=int, default=10)
    parser.add_argument(
        "--messages", type=int, default=500, help="MeterValues per charger per burst"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="MeterValues per charger before READY"
    )
    parser.add_argument("--prefix", default="BENCH")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
