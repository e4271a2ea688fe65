#!/usr/bin/env python3
"""Faults: mutated frames and SIGKILLs against a real Home Assistant; nothing may break or be lost.

    .venv/bin/python bench/faults.py [--frames 100000] [--kill-rounds 2] [--seed 1]

1. Starts a real Home Assistant (`hass -c bench/.work/faults/config`, written by
   scripts/make_config.py) with the integration, four configured chargers and bench/faults_probe,
   which judges every state the integration's entities take (tests/helpers/fuzz.py's bogus_state:
   power below zero, a state of charge outside 0-100 %, a number that is not finite, a lifetime
   energy that went down).
2. Frames: raw chargers FUZZ16 (OCPP 1.6) and FUZZ201 (2.0.1) send --frames frames between them
   from tests/helpers/fuzz.py's FrameFuzzer (the fuzz test's generator), in windows each closed
   by a Heartbeat; after every window a bystander (BYSTANDER, on the `ocpp` package) sends a
   reading that must be answered. A session the server closes is counted and opened again.
3. Kill matrix, with tests/durability/test_sigkill.py's real-hass helpers: CP1 starts a session,
   streams readings and stops it, and Home Assistant is SIGKILLed right after a StartTransaction
   answer, in the middle of the readings, after a StopTransaction went out but before its answer,
   and right after a StopTransaction answer; after each kill the files on disk are read and Home
   Assistant is started again, the charger re-sending what was not answered. --kill-rounds times.
4. Prints, last, exactly one line:
   FAULTS frames=<n> tracebacks=<n> bogus_values=<n> sessions_closed=<n> kills=<n>
   transactions_lost=<n> ids_reused=<n> wh_lost=<n>
   (tracebacks: in Home Assistant's log over the whole run; transactions_lost: confirmed sessions
   missing, or stopped ones revived, on disk after a kill; ids_reused: transaction ids handed out
   twice, or an id mark on disk that would hand one out again; wh_lost: acknowledged energy the
   lifetime register on disk fell short of, summed over the kills).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import sys
import time
from typing import Any
import urllib.request
import uuid

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work" / "faults"
sys.path.insert(0, str(ROOT))

from ocpp.v16 import call  # noqa: E402
import websockets  # noqa: E402

from tests.durability.test_sigkill import (  # noqa: E402
    Charger,
    HassProcess,
    Link,
    Meter,
    OnDisk,
    connect,
    make_config,
    read_disk,
    send_reading,
)
from tests.helpers.fuzz import FrameFuzzer, FuzzClient, connect_raw  # noqa: E402

FUZZED = {"1.6": ("FUZZ16", "ocpp1.6"), "2.0.1": ("FUZZ201", "ocpp2.0.1")}
BOOTS: dict[str, dict[str, Any]] = {
    "1.6": {"chargePointVendor": "Fuzz", "chargePointModel": "Box"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"model": "Box", "vendorName": "Fuzz"}},
}
BYSTANDER = "BYSTANDER"
WINDOW = 50
START_TIMEOUT_S = 180.0


@dataclass
class Tally:
    """What the run counted."""

    frames: int = 0
    sessions_closed: int = 0
    unanswered: int = 0
    internal_errors: int = 0
    bystander_readings: int = 0
    bogus_values: int = 0
    bogus_examples: list[str] = field(default_factory=list)
    kills: int = 0
    transactions_lost: int = 0
    ids_reused: int = 0
    wh_lost: float = 0.0


# --- Home Assistant ------------------------------------------------------------------------


def make_hass() -> tuple[HassProcess, str, int]:
    """A fresh config dir with every charger configured; the process (not started), entry, port."""
    http_port, ocpp_port = make_config.free_port(), make_config.free_port()
    cfg = make_config.HassConfig(
        http_port=http_port,
        ocpp_port=ocpp_port,
        unknown_chargers="reject",
        chargers=[
            make_config.ChargerSpec(charger_id, charger_id)
            for charger_id in ("CP1", BYSTANDER, *(cid for cid, _ in FUZZED.values()))
        ],
        components=(),
        log_level="warning",
        integration_log_level="warning",
        demo_login=False,
        energy_sensor=None,
        extra_components={"faults_probe": BENCH / "faults_probe"},
        location_name="OCPP faults bench",
    )
    config_dir = make_config.write_config(WORK / "config", cfg, reset=True)
    make_config.ensure_requirements([make_config.DOMAIN])
    entries = json.loads((config_dir / ".storage" / "core.config_entries").read_text())
    log = WORK / "hass.log"
    log.unlink(missing_ok=True)
    return (
        HassProcess(config_dir, ocpp_port, log),
        entries["data"]["entries"][0]["entry_id"],
        http_port,
    )


class Probe:
    """bench/faults_probe in the running Home Assistant; its verdicts summed over restarts."""

    def __init__(self, http_port: int, tally: Tally) -> None:
        self.url = f"http://127.0.0.1:{http_port}/api/faults_probe"
        self.tally = tally

    def _get(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url, timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    async def ready(self) -> None:
        """Wait until the integration is loaded."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if (await asyncio.to_thread(self._get))["entries"] == ["loaded"]:
                    return
            await asyncio.sleep(0.5)
        raise SystemExit(f"the integration did not load; see {WORK / 'hass.log'}")

    async def collect(self) -> None:
        """Add this process's verdicts to the tally (before it is killed or stopped)."""
        verdicts = await asyncio.to_thread(self._get)
        self.tally.bogus_values += verdicts["bogus"]
        self.tally.bogus_examples += verdicts["examples"]


# --- frames ----------------------------------------------------------------------------------


async def bystander(port: int) -> Link:
    """A 1.6 charger on the ocpp package that sends a reading after every window."""
    websocket = await websockets.connect(
        f"ws://127.0.0.1:{port}/ocpp/{BYSTANDER}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        open_timeout=10,
    )
    charger = Charger(BYSTANDER, websocket, response_timeout=60)
    task = asyncio.get_running_loop().create_task(charger.start())
    boot = call.BootNotification(charge_point_vendor="Acme", charge_point_model="Bystander")
    assert (await charger.call(boot)).status == "Accepted"
    return Link(charger, websocket, task)


async def fuzzed(port: int, version: str) -> FuzzClient:
    charger_id, subprotocol = FUZZED[version]
    client = await connect_raw(port, charger_id, subprotocol)
    await client.call("BootNotification", BOOTS[version], "boot")
    return client


async def send_frames(hass: HassProcess, count: int, seed: int, tally: Tally) -> None:
    """Send count fuzzed frames, windows alternating between the versions."""
    port = hass.ocpp_port
    clients = {version: await fuzzed(port, version) for version in FUZZED}
    fuzzers = {version: FrameFuzzer(version, seed) for version in FUZZED}
    witness = await bystander(port)
    meter = Meter()
    started = time.monotonic()
    window = 0
    while tally.frames < count:
        version = list(FUZZED)[window % len(FUZZED)]
        frames = list(fuzzers[version].frames(min(WINDOW, count - tally.frames)))
        try:
            outcomes = await clients[version].send(frames)
        except websockets.ConnectionClosed:
            tally.sessions_closed += 1
            clients[version] = await fuzzed(port, version)
            outcomes = []
        tally.frames += len(frames)
        for outcome in outcomes:
            if outcome.frame.answer_id is not None and len(outcome.answers) != 1:
                tally.unanswered += 1
            if any(answer[:3][-1] == "InternalError" for answer in outcome.answers):
                tally.internal_errors += 1
        await send_reading(witness, meter, 0)
        tally.bystander_readings += 1
        window += 1
        if window % 200 == 0:
            rate = tally.frames / (time.monotonic() - started)
            print(f"  {tally.frames} frames, {rate:.0f}/s", flush=True)
    for client in clients.values():
        await client.websocket.close()
    await witness.close()


# --- the kill matrix -------------------------------------------------------------------------


class KillMatrix:
    """CP1's sessions across SIGKILLs: what the files on disk hold after each one."""

    def __init__(self, hass: HassProcess, entry_id: str, probe: Probe, tally: Tally) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.probe = probe
        self.tally = tally
        self.meter = Meter()
        self.handed_out: list[int] = []

    async def start(self) -> Link:
        if self.hass.proc is None or self.hass.proc.poll() is not None:
            self.hass.start()
        link = await connect(self.hass)
        await self.probe.ready()
        return link

    async def kill(self, link: Link | None = None) -> OnDisk:
        await self.probe.collect()
        await self.hass.kill()
        self.tally.kills += 1
        if link is not None:
            await link.close()
        on_disk = read_disk(self.hass.config_dir, self.entry_id)
        self.tally.wh_lost += max(0.0, self.meter.acked_wh - on_disk.lifetime_wh)
        if self.handed_out and on_disk.reserved <= max(self.handed_out):
            self.tally.ids_reused += 1
        return on_disk

    def handed(self, transaction_id: int) -> None:
        if self.handed_out and transaction_id <= max(self.handed_out):
            self.tally.ids_reused += 1
        self.handed_out.append(transaction_id)

    def expect(self, found: int | None, *allowed: int | None) -> None:
        if found not in allowed:
            self.tally.transactions_lost += 1

    async def round(self) -> None:
        meter = self.meter
        # Killed right after a StartTransaction answer: the session is on disk.
        link = await self.start()
        started = await link.charger.call(
            call.StartTransaction(
                connector_id=1,
                id_tag="TAG",
                meter_start=int(meter.wh),
                timestamp=meter.reading(0)[1],
            )
        )
        transaction_id = int(started.transaction_id)
        self.handed(transaction_id)
        meter.acked_wh = meter.wh
        self.expect((await self.kill(link)).transaction_id, transaction_id)

        # Killed in the middle of a stream of readings: all that was answered is on disk.
        link = await self.start()
        answered = 0

        async def stream() -> None:
            nonlocal answered
            while True:
                await send_reading(link, meter, transaction_id)
                answered += 1

        streaming = asyncio.get_running_loop().create_task(stream())
        while answered < 20 and not streaming.done():  # noqa: ASYNC110 - progress of another task
            await asyncio.sleep(0.01)
        on_disk = await self.kill()
        streaming.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await streaming
        await link.close()
        self.expect(on_disk.transaction_id, transaction_id)

        # Killed after a StopTransaction went out but before its answer came back.
        link = await self.start()
        await send_reading(link, meter, transaction_id)
        stop_wh, stop_at = meter.reading()
        payload = {"transactionId": transaction_id, "meterStop": int(stop_wh), "timestamp": stop_at}
        await link.websocket.send(json.dumps([2, str(uuid.uuid4()), "StopTransaction", payload]))
        self.expect((await self.kill(link)).transaction_id, transaction_id, None)

        # The stop sent again; a new session with a new id; killed right after its stop's answer.
        link = await self.start()
        await link.charger.call(
            call.StopTransaction(
                transaction_id=transaction_id, meter_stop=int(stop_wh), timestamp=stop_at
            )
        )
        meter.acked_wh = stop_wh
        second_start, second_at = meter.reading(0)
        second = int(
            (
                await link.charger.call(
                    call.StartTransaction(
                        connector_id=1,
                        id_tag="TAG",
                        meter_start=int(second_start),
                        timestamp=second_at,
                    )
                )
            ).transaction_id
        )
        self.handed(second)
        end_wh, end_at = meter.reading(500)
        await link.charger.call(
            call.StopTransaction(transaction_id=second, meter_stop=int(end_wh), timestamp=end_at)
        )
        meter.acked_wh = end_wh
        self.expect((await self.kill(link)).transaction_id, None)

    async def finish(self) -> None:
        """Start once more, then a clean stop: the snapshot holds everything."""
        link = await self.start()
        await link.charger.call(call.Heartbeat())
        await self.probe.collect()
        await link.close()
        await self.hass.stop()
        final = read_disk(self.hass.config_dir, self.entry_id)
        self.tally.wh_lost += max(0.0, self.meter.acked_wh - final.lifetime_wh)
        self.expect(final.transaction_id, None)


# --- the run ---------------------------------------------------------------------------------


def tracebacks(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback (most recent call last)")


async def run(args: argparse.Namespace) -> Tally:
    WORK.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    hass, entry_id, http_port = make_hass()
    probe = Probe(http_port, tally)
    try:
        started = time.monotonic()
        hass.start()
        link = await connect(hass)
        await probe.ready()
        print(f"Home Assistant up in {time.monotonic() - started:.0f} s (log: {hass.log})")
        await link.close()
        started = time.monotonic()
        await send_frames(hass, args.frames, args.seed, tally)
        print(f"{tally.frames} frames in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        matrix = KillMatrix(hass, entry_id, probe, tally)
        for _ in range(args.kill_rounds):
            await matrix.round()
        await matrix.finish()
        print(f"{tally.kills} kills in {time.monotonic() - started:.0f} s")
    finally:
        hass.ensure_stopped()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--kill-rounds", type=int, default=2, help="four SIGKILLs each")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # The chargers' own library logs, with a traceback, each command they lack: not ours.
    logging.getLogger("ocpp").setLevel(logging.CRITICAL)
    started = time.monotonic()
    tally = asyncio.run(run(args))
    found = tracebacks(WORK / "hass.log")
    print(
        f"unanswered CALLs: {tally.unanswered}, InternalError answers: {tally.internal_errors}, "
        f"bystander readings answered: {tally.bystander_readings}"
    )
    for example in tally.bogus_examples:
        print(f"  bogus: {example}")
    print(f"wall time: {time.monotonic() - started:.0f} s")
    print(
        f"FAULTS frames={tally.frames} tracebacks={found} bogus_values={tally.bogus_values} "
        f"sessions_closed={tally.sessions_closed} kills={tally.kills} "
        f"transactions_lost={tally.transactions_lost} ids_reused={tally.ids_reused} "
        f"wh_lost={tally.wh_lost:g}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
