#!/usr/bin/env python3
"""A car park of simulated chargers for bench/scale.py (its own process).

    scale_fleet.py ws://127.0.0.1:PORT --chargers 1000 [--charging-share 0.3]
                   [--silent-reconnect-share 0.5]

Ids SCALE0000, SCALE0001, ...; every second charger speaks OCPP 2.0.1, the others 1.6J. Each
connects (spread over the first seconds, as a car park's chargers do after a power cut), boots,
reports its connector (Available, or Charging for --charging-share of them, which then start a
transaction and send a 9-value reading every 10 s with jitter), and sends heartbeats at the
interval the boot answer asks for. A charger whose connection drops reconnects after a random
back-off (1-15 s, doubling up to 60 s on failures) and resumes its session, as real chargers do
when their central system restarts: --silent-reconnect-share of them (drawn per charger) only
reconnect, without a BootNotification or a StatusNotification (a WebSocket drop is no reboot;
an idle one then says nothing until asked), the others boot again and report their status.

Frames are raw JSON over websockets; the central system's own requests get minimal valid
answers (TriggerMessage also sends what it asks for). Prints "CONNECTED n" once all have booted
the first time, and a "STATS {...}" line every 10 s. "DUMP <file>" on stdin writes when each
charger's WebSocket opened (wall clock, every connection) to the file as JSON, then prints
"DUMPED". Runs until stdin closes or says QUIT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import UTC, datetime
import json
import random
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

READING_INTERVAL_S = 10.0
HEARTBEAT_DEFAULT_S = 300
CALL_TIMEOUT_S = 60.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Stats:
    """What the whole fleet did; printed every 10 s."""

    def __init__(self) -> None:
        self.booted: set[str] = set()
        self.connected = 0
        self.calls = 0
        self.errors = 0
        self.reconnects = 0
        self.first_error = ""
        # Wall-clock times each charger's WebSocket opened, every connection.
        self.connects: dict[str, list[float]] = {}


class SimCharger:
    """One charger: its connection, its session, its answers to the central system."""

    def __init__(
        self,
        charger_id: str,
        v201: bool,
        charging: bool,
        url: str,
        stats: Stats,
        *,
        silent_reconnect: bool = False,
    ):
        self.charger_id = charger_id
        self.v201 = v201
        self.charging = charging
        self.silent_reconnect = silent_reconnect
        self.booted_once = False
        self.url = f"{url}/{charger_id}"
        self.stats = stats
        self.rng = random.Random(charger_id)
        self.energy_wh = 100_000.0 + self.rng.uniform(0, 900_000)
        self.soc = self.rng.uniform(10, 40)
        self.transaction_id: int | str | None = None
        self.seq = 0
        self.counter = 0
        self.heartbeat_s = HEARTBEAT_DEFAULT_S
        self.ws: ClientConnection | None = None
        self.waiting: dict[str, asyncio.Future[Any]] = {}

    # --- the connection --------------------------------------------------------------

    async def run(self, first_delay: float) -> None:
        await asyncio.sleep(first_delay)
        backoff = 0.0
        while True:
            try:
                async with connect(
                    self.url,
                    subprotocols=["ocpp2.0.1" if self.v201 else "ocpp1.6"],  # type: ignore[list-item]
                    open_timeout=30,
                    ping_interval=None,
                ) as ws:
                    self.ws = ws
                    self.stats.connected += 1
                    self.stats.connects.setdefault(self.charger_id, []).append(time.time())
                    backoff = 0.0
                    try:
                        await self._session(ws)
                    finally:
                        self.stats.connected -= 1
                        self.ws = None
                        for waiter in self.waiting.values():
                            waiter.cancel()
                        self.waiting.clear()
            except OSError, ConnectionClosed, InvalidStatus, TimeoutError:
                pass
            self.stats.reconnects += 1
            backoff = min(60.0, backoff * 2) if backoff else self.rng.uniform(1.0, 15.0)
            await asyncio.sleep(backoff)

    async def _session(self, ws: ClientConnection) -> None:
        reader = asyncio.create_task(self._read(ws))
        try:
            if not (self.booted_once and self.silent_reconnect):
                await self._boot()
                self.booted_once = True
                self.stats.booted.add(self.charger_id)
                await self._status("Charging" if self.charging else "Available")
            if self.charging:
                await self._start()
            tasks = [asyncio.create_task(self._heartbeats())]
            if self.charging:
                tasks.append(asyncio.create_task(self._readings()))
            try:
                await reader
            finally:
                for task in tasks:
                    task.cancel()
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reader

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame[0] == 2:
                await self._answer(frame[1], frame[2], frame[3])
            elif (waiter := self.waiting.pop(frame[1], None)) is not None and not waiter.done():
                if frame[0] == 3:
                    waiter.set_result(frame[2])
                else:
                    waiter.set_exception(RuntimeError(f"{frame[2]}: {frame[3]}"))

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        ws = self.ws
        if ws is None:
            raise ConnectionClosed(None, None)
        self.counter += 1
        unique_id = f"{self.charger_id}-{self.counter}"
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[unique_id] = waiter
        await ws.send(json.dumps([2, unique_id, action, payload], separators=(",", ":")))
        self.stats.calls += 1
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                return dict(await waiter)
        except RuntimeError as err:
            self.stats.errors += 1
            self.stats.first_error = self.stats.first_error or f"{action}: {err}"
            return {}

    # --- what the charger sends ------------------------------------------------------

    async def _boot(self) -> None:
        if self.v201:
            payload: dict[str, Any] = {
                "chargingStation": {"model": "ScaleSim", "vendorName": "Bench"},
                "reason": "PowerUp",
            }
        else:
            payload = {"chargePointModel": "ScaleSim", "chargePointVendor": "Bench"}
        while True:
            answer = await self.call("BootNotification", payload)
            if answer.get("status") == "Accepted":
                self.heartbeat_s = int(answer.get("interval") or HEARTBEAT_DEFAULT_S)
                return
            await asyncio.sleep(int(answer.get("interval") or 10))

    async def _status(self, status: str) -> None:
        if self.v201:
            connector = "Occupied" if status == "Charging" else "Available"
            await self.call(
                "StatusNotification",
                {
                    "timestamp": now_iso(),
                    "connectorStatus": connector,
                    "evseId": 1,
                    "connectorId": 1,
                },
            )
        else:
            await self.call(
                "StatusNotification",
                {
                    "connectorId": 1,
                    "errorCode": "NoError",
                    "status": status,
                    "timestamp": now_iso(),
                },
            )

    async def _start(self) -> None:
        if self.transaction_id is not None:
            return  # The session goes on across a reconnect.
        if self.v201:
            self.transaction_id = f"{self.charger_id}-tx"
            await self._transaction_event("Started", "CablePluggedIn")
        else:
            answer = await self.call(
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": "SCALE",
                    "meterStart": int(self.energy_wh),
                    "timestamp": now_iso(),
                },
            )
            self.transaction_id = answer.get("transactionId", 0)

    async def _transaction_event(self, kind: str, trigger: str) -> None:
        self.seq += 1
        payload: dict[str, Any] = {
            "eventType": kind,
            "timestamp": now_iso(),
            "triggerReason": trigger,
            "seqNo": self.seq,
            "transactionInfo": {"transactionId": self.transaction_id, "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [self._reading()],
        }
        if kind == "Started":
            payload["idToken"] = {"idToken": "SCALE", "type": "Central"}
        await self.call("TransactionEvent", payload)

    def _reading(self) -> dict[str, Any]:
        rng = self.rng
        amps = [10.7 + rng.uniform(-0.3, 0.3) for _ in range(3)]
        volts = [230.0 + rng.uniform(-4, 4) for _ in range(3)]
        power = sum(a * v for a, v in zip(amps, volts, strict=True))
        self.energy_wh += power * READING_INTERVAL_S / 3600
        self.soc = min(100.0, self.soc + power * READING_INTERVAL_S / 3600 / 600)
        values = [
            ("Energy.Active.Import.Register", round(self.energy_wh, 1), "Wh", None),
            ("Power.Active.Import", round(power, 1), "W", None),
            ("SoC", round(self.soc, 1), "Percent", None),
            ("Temperature", round(30 + rng.uniform(-1, 1), 1), "Celsius", None),
        ]
        values += [("Current.Import", round(a, 2), "A", f"L{n}") for n, a in enumerate(amps, 1)]
        values += [("Voltage", round(v, 1), "V", f"L{n}-N") for n, v in enumerate(volts, 1)]
        sampled = []
        for measurand, value, unit, phase in values:
            if self.v201:
                entry: dict[str, Any] = {
                    "value": value,
                    "measurand": measurand,
                    "unitOfMeasure": {"unit": unit},
                }
            else:
                entry = {"value": str(value), "measurand": measurand, "unit": unit}
            if phase:
                entry["phase"] = phase
            sampled.append(entry)
        return {"timestamp": now_iso(), "sampledValue": sampled}

    async def _readings(self) -> None:
        while True:
            await asyncio.sleep(READING_INTERVAL_S * self.rng.uniform(0.9, 1.1))
            await self._send_reading()

    async def _send_reading(self) -> None:
        if self.v201:
            await self._transaction_event("Updated", "MeterValuePeriodic")
        else:
            payload: dict[str, Any] = {"connectorId": 1, "meterValue": [self._reading()]}
            if self.transaction_id is not None:
                payload["transactionId"] = self.transaction_id
            await self.call("MeterValues", payload)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s * self.rng.uniform(0.95, 1.05))
            await self.call("Heartbeat", {})

    # --- answers to the central system -----------------------------------------------

    async def _answer(self, unique_id: str, action: str, payload: dict[str, Any]) -> None:
        result = self._result(action, payload)
        ws = self.ws
        if ws is None:
            return
        if result is None:
            frame: list[Any] = [4, unique_id, "NotImplemented", f"{action} not simulated", {}]
        else:
            frame = [3, unique_id, result]
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps(frame, separators=(",", ":")))
        if action == "TriggerMessage":
            asyncio.get_running_loop().create_task(self._triggered(payload))

    async def _triggered(self, payload: dict[str, Any]) -> None:
        message = payload.get("requestedMessage")
        with contextlib.suppress(ConnectionClosed, TimeoutError, asyncio.CancelledError):
            if message == "StatusNotification":
                await self._status("Charging" if self.charging else "Available")
            elif message == "MeterValues" and self.charging:
                await self._send_reading()
            elif message == "Heartbeat":
                await self.call("Heartbeat", {})
            elif message == "BootNotification":
                await self._boot()

    def _result(self, action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        accepted = {"status": "Accepted"}
        if self.v201:
            if action == "GetVariables":
                return {
                    "getVariableResult": [
                        {
                            "attributeStatus": "UnknownVariable",
                            "component": item["component"],
                            "variable": item["variable"],
                        }
                        for item in payload.get("getVariableData", [])
                    ]
                }
            if action == "SetVariables":
                return {
                    "setVariableResult": [
                        {
                            "attributeStatus": "Accepted",
                            "component": item["component"],
                            "variable": item["variable"],
                        }
                        for item in payload.get("setVariableData", [])
                    ]
                }
            table: dict[str, dict[str, Any]] = {
                "GetBaseReport": {"status": "EmptyResultSet"},
                "GetChargingProfiles": {"status": "NoProfiles"},
                "GetCompositeSchedule": {"status": "Rejected"},
                "GetTransactionStatus": {
                    "messagesInQueue": False,
                    "ongoingIndicator": self.transaction_id is not None,
                },
                "UnlockConnector": {"status": "Unlocked"},
                "GetLocalListVersion": {"versionNumber": 0},
                "DataTransfer": {"status": "UnknownVendorId"},
            }
            accepted_actions = {
                "SetChargingProfile",
                "ClearChargingProfile",
                "TriggerMessage",
                "RequestStartTransaction",
                "RequestStopTransaction",
                "ChangeAvailability",
                "Reset",
                "SendLocalList",
                "ClearCache",
            }
        else:
            table = {
                "GetConfiguration": {
                    "configurationKey": [
                        {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
                        {
                            "key": "SupportedFeatureProfiles",
                            "readonly": True,
                            "value": "Core,SmartCharging,RemoteTrigger",
                        },
                        {"key": "ChargeProfileMaxStackLevel", "readonly": True, "value": "8"},
                        {
                            "key": "ChargingScheduleAllowedChargingRateUnit",
                            "readonly": True,
                            "value": "Current",
                        },
                    ],
                    "unknownKey": [],
                },
                "GetCompositeSchedule": {"status": "Rejected"},
                "UnlockConnector": {"status": "Unlocked"},
                "GetLocalListVersion": {"listVersion": 0},
                "DataTransfer": {"status": "UnknownVendorId"},
            }
            accepted_actions = {
                "ChangeConfiguration",
                "SetChargingProfile",
                "ClearChargingProfile",
                "TriggerMessage",
                "RemoteStartTransaction",
                "RemoteStopTransaction",
                "ChangeAvailability",
                "Reset",
                "SendLocalList",
                "ClearCache",
            }
        if action in table:
            return table[action]
        return accepted if action in accepted_actions else None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url")
    parser.add_argument("--chargers", type=int, default=100)
    parser.add_argument("--charging-share", type=float, default=0.3)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds to connect all")
    parser.add_argument(
        "--silent-reconnect-share",
        type=float,
        default=0.5,
        help="share that reconnects without booting or telling its status",
    )
    args = parser.parse_args()
    stats = Stats()
    rng = random.Random(1)
    chargers = [
        SimCharger(
            f"SCALE{n:04d}",
            v201=n % 2 == 1,
            charging=rng.random() < args.charging_share,
            url=args.url,
            stats=stats,
            silent_reconnect=rng.random() < args.silent_reconnect_share,
        )
        for n in range(args.chargers)
    ]
    tasks = [asyncio.create_task(charger.run(rng.uniform(0, args.spread))) for charger in chargers]
    print(f"CHARGING {sum(c.charging for c in chargers)}", flush=True)
    started = time.monotonic()
    announced = False
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, _read_commands, stats, loop)
    while not stdin_closed.done():
        await asyncio.wait([stdin_closed], timeout=1.0)
        if not announced and len(stats.booted) == len(chargers):
            announced = True
            print(f"CONNECTED {len(chargers)} {time.monotonic() - started:.1f}", flush=True)
        if int(time.monotonic() - started) % 10 == 0:
            print(
                "STATS "
                + json.dumps(
                    {
                        "booted": len(stats.booted),
                        "connected": stats.connected,
                        "calls": stats.calls,
                        "errors": stats.errors,
                        "reconnects": stats.reconnects,
                        "first_error": stats.first_error,
                    }
                ),
                flush=True,
            )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _read_commands(stats: Stats, loop: asyncio.AbstractEventLoop) -> None:
    """Until QUIT (or stdin closes): DUMP <file> writes the connection times there."""
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "QUIT":
            return
        if command == "DUMP":
            # Copied on the event loop, which appends to them.
            connects = asyncio.run_coroutine_threadsafe(_copy(stats.connects), loop).result()
            with open(argument, "w", encoding="utf-8") as file:
                json.dump(connects, file)
            print("DUMPED", flush=True)


async def _copy(connects: dict[str, list[float]]) -> dict[str, list[float]]:
    return {charger_id: list(times) for charger_id, times in connects.items()}


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
