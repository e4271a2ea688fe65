#!/usr/bin/env python3
"""A day of charging forwarded to an upstream central system, with an outage and a restart in the middle.

    .venv/bin/python bench/upstream.py [--sessions 10 --interval-min 5] [--compare]

One process, three parties on 127.0.0.1: a 1.6 charger on the `ocpp` package; our central system's
OCPP server and protocol adapters (csms/, the code Home Assistant runs, with a minimal host that
accepts everything) whose adapters pass every CALL to an UpstreamLink (csms/upstream/) with its
queue in a JSON-lines file; and an upstream central system on the `ocpp` package
(tests/helpers/upstream_csms.py).

The day, compressed (the charger sends as fast as it is answered; timestamps are the simulated
day's): a heartbeat every `--interval-min` minutes, and `--sessions` sessions, each plug-in,
Authorize, StartTransaction, Charging, MeterValues every interval for two hours, StopTransaction,
Finishing, Available. From 40 % to 60 % of the day's messages the upstream is down; halfway through
the outage the link is stopped and a new one made on the same queue file (what an HA restart does).

Printed last:

    UPSTREAM messages=<n> forwarded=<n> lost=<n> reordered=<n> added_latency_ms_p50=<x> p99=<x>

messages: CALLs the charger sent. forwarded: CALLs the upstream received. lost: messages that had to
reach the upstream and did not: every message sent while it was reachable, and the transaction-
related ones (Boot, Status, Start/Stop, MeterValues of a transaction) sent while it was not
(heartbeats and Authorize sent during the outage are dropped by design, as a charger's own offline
queue drops them, and counted as dropped). reordered: messages that arrived upstream before one the
charger sent earlier. added latency: for messages sent while the upstream was reachable, the time
from the charger receiving our answer until the message arrived at the upstream (negative when it
arrived first); the charger never waits for the upstream. --compare runs the day again without
forwarding and prints the charger's answer times with and without it (the transaction-related
messages are written and synced to the queue file before their answer).
"""

from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict, deque
import contextlib
from datetime import UTC, datetime, timedelta
import itertools
import json
import logging
from pathlib import Path
import socket
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocpp.v16 import ChargePoint as ChargePoint16  # noqa: E402
import websockets  # noqa: E402
from websockets.typing import Subprotocol  # noqa: E402

from custom_components.ocpp_central.csms.model import Charger  # noqa: E402
from custom_components.ocpp_central.csms.protocol import adapter_class  # noqa: E402
from custom_components.ocpp_central.csms.protocol.base import BootDecision  # noqa: E402
from custom_components.ocpp_central.csms.server import Admission, OcppServer  # noqa: E402
from custom_components.ocpp_central.csms.upstream import (  # noqa: E402
    UpstreamConfig,
    UpstreamLink,
    link as link_module,
)
from custom_components.ocpp_central.csms.upstream.link import DURABLE_ACTIONS  # noqa: E402
from custom_components.ocpp_central.csms.upstream.queue import JsonLinesFile  # noqa: E402
from tests.helpers.upstream_csms import UpstreamCsms  # noqa: E402

try:  # a tag's verdict: AuthorizationResult where the tokens module has it, else a bool
    from custom_components.ocpp_central.csms.tokens import ACCEPTED as ACCEPTED_TAG
except ImportError:  # pragma: no cover - older layout
    ACCEPTED_TAG = True  # type: ignore[assignment]

DAY_START = datetime(2026, 12, 1, tzinfo=UTC)
# How long each of the charger's calls took to be answered, in ms.
ANSWER_MS: list[float] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Host:
    """What the adapters ask of the central system: everything accepted, nothing kept."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def boot(self, charger: Charger) -> BootDecision:
        return BootDecision(accepted=True, interval=300)

    def authorize(self, charger: Charger, id_tag: str) -> Any:
        return ACCEPTED_TAG

    def confirmed(self, charger: Charger) -> bool:
        return True

    def next_transaction_id(self) -> int:
        return next(self._ids)

    def changed(self, charger: Charger, *, durable: bool = False) -> None:
        return None

    async def persisted(self, charger: Charger) -> None:
        return None

    def heard_from(self, charger: Charger) -> None:
        return None

    def event(self, charger: Charger, event: Any) -> None:
        return None

    def sign_certificate(self, charger: Charger, csr: str) -> str | None:
        return None


class Forwarding:
    """The link the charger's session passes its CALLs to; replaceable (a restart)."""

    def __init__(self, link: UpstreamLink) -> None:
        self.link = link

    async def before(self, action: str, payload: dict[str, Any]) -> None:
        await self.link.before(action, payload)

    async def forward(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        await self.link.forward(action, payload, answer)


def day_of_messages(sessions: int, interval: timedelta) -> list[tuple[str, dict[str, Any]]]:
    """The charger's day in order; transaction ids are filled in as sessions start ("TX")."""
    events: list[tuple[datetime, int, str, dict[str, Any]]] = []
    at = DAY_START
    while at < DAY_START + timedelta(days=1):
        events.append((at, 0, "Heartbeat", {}))
        at += interval
    gap = timedelta(days=1) / sessions
    for n in range(sessions):
        begin = DAY_START + gap * n + timedelta(minutes=7)
        wh = 10_000 * (n + 1)

        def iso(moment: datetime) -> str:
            return moment.isoformat().replace("+00:00", "Z")

        def status(moment: datetime, word: str) -> dict[str, Any]:
            return {
                "connectorId": 1,
                "errorCode": "NoError",
                "status": word,
                "timestamp": iso(moment),
            }

        seq = [
            ("StatusNotification", status(begin, "Preparing")),
            ("Authorize", {"idTag": f"TAG{n:03d}"}),
            (
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": f"TAG{n:03d}",
                    "meterStart": wh,
                    "timestamp": iso(begin),
                },
            ),
            ("StatusNotification", status(begin, "Charging")),
        ]
        moment = begin
        for step in range(int(timedelta(hours=2) / interval)):
            moment = begin + interval * (step + 1)
            wh += 920
            seq.append(
                (
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": "TX",
                        "meterValue": [
                            {
                                "timestamp": iso(moment),
                                "sampledValue": [
                                    {
                                        "value": str(wh),
                                        "measurand": "Energy.Active.Import.Register",
                                        "unit": "Wh",
                                    }
                                ],
                            }
                        ],
                    },
                )
            )
        seq += [
            ("StopTransaction", {"transactionId": "TX", "meterStop": wh, "timestamp": iso(moment)}),
            ("StatusNotification", status(moment, "Finishing")),
            ("StatusNotification", status(moment, "Available")),
        ]
        for offset, (action, payload) in enumerate(seq):
            events.append((begin + timedelta(seconds=offset), 1, action, payload))
    events.sort(key=lambda event: (event[0], event[1]))
    boot = (
        "BootNotification",
        {"chargePointVendor": "Bench", "chargePointModel": "Day", "chargePointSerialNumber": "B-1"},
    )
    return [boot, *((action, payload) for _, _, action, payload in events)]


async def call(
    cp: ChargePoint16, action: str, payload: dict[str, Any]
) -> tuple[dict[str, Any], float]:
    """Send a CALL as given; return the answer and when it arrived (time.monotonic())."""
    ANSWER_MS.append(-time.monotonic())
    unique_id = str(cp._unique_id_generator())
    async with cp._call_lock:
        await cp._send(json.dumps([2, unique_id, action, payload]))
        response = await cp._get_specific_response(unique_id, 30)
    frame = json.loads(response.to_json())
    if frame[0] != 3:
        raise RuntimeError(f"{action} {payload} answered {frame}")
    now = time.monotonic()
    ANSWER_MS[-1] = (ANSWER_MS[-1] + now) * 1000
    return frame[2], now


def durable_kind(action: str, payload: dict[str, Any]) -> bool:
    """Whether the link keeps this message while the upstream is away."""
    return action in DURABLE_ACTIONS or (
        action == "MeterValues" and bool(payload.get("transactionId"))
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(sessions: int, interval_min: int, forward: bool = True) -> dict[str, Any]:
    link_module.BACKOFF_FIRST_S = 0.02
    link_module.BACKOFF_MAX_S = 0.2
    upstream = UpstreamCsms(free_port(), "ocpp1.6")
    await upstream.start()
    work = Path(tempfile.mkdtemp(prefix="upstream-bench-"))
    queue_file = work / "CP1.jsonl"
    config = UpstreamConfig(url=upstream.url, identity="CP1")

    def new_link() -> UpstreamLink:
        return UpstreamLink(config, writer=JsonLinesFile(queue_file))

    link = new_link()
    await link.async_start()
    links = [link]
    forwarding = Forwarding(link)
    host = Host()
    sessions_running: set[asyncio.Task[Any]] = set()

    async def serve(charger_id: str, connection: Any) -> None:
        adapter = adapter_class(connection.subprotocol)(Charger(charger_id), connection, host)
        adapter.status_grace_s = 3600
        if forward:
            adapter.forwarder = forwarding
        task = asyncio.current_task()
        if task is not None:
            sessions_running.add(task)
        with contextlib.suppress(websockets.ConnectionClosed):
            await adapter.start()

    server = OcppServer("127.0.0.1", free_port(), None, lambda *_: Admission.ADMIT, serve)
    await server.async_start()
    while link.state != "connected":  # noqa: ASYNC110 - the link offers no event to wait on
        await asyncio.sleep(0.01)
    ws = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ocpp/CP1", subprotocols=[Subprotocol("ocpp1.6")]
    )
    cp = ChargePoint16("CP1", ws, response_timeout=30)
    reader = asyncio.create_task(cp.start())

    day = day_of_messages(sessions, timedelta(minutes=interval_min))
    outage_from, outage_to = int(len(day) * 0.4), int(len(day) * 0.6)
    restart_at = (outage_from + outage_to) // 2
    sent: list[tuple[str, dict[str, Any], bool, float]] = []  # action, payload, reachable, answered
    transaction = None
    for index, (action, scheduled) in enumerate(day):
        payload = scheduled
        if index == outage_from:
            await upstream.stop()
            while link.state == "connected":  # noqa: ASYNC110 - as above
                await asyncio.sleep(0.005)
        if index == restart_at:
            await link.async_stop()
            link = new_link()
            await link.async_start()
            links.append(link)
            forwarding.link = link
        if index == outage_to:
            await upstream.start()
        if payload.get("transactionId") == "TX":
            payload = {**payload, "transactionId": transaction}
        reachable = not outage_from <= index < outage_to
        answer, answered_at = await call(cp, action, payload)
        if action == "StartTransaction":
            transaction = answer["transactionId"]
        sent.append((action, payload, reachable, answered_at))
    async with asyncio.timeout(60):
        while len(link.queue):  # noqa: ASYNC110 - as above
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)

    # Match what arrived with what was sent: the upstream's transaction ids mapped back to ours.
    # Transaction-related messages are unique (their timestamps): matched one by one, their order
    # checked. The others (heartbeats are all alike) are counted: sent = arrived + dropped.
    theirs_to_ours = {theirs: int(ours) for ours, theirs in link.queue.transaction_ids.items()}
    positions: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    durable = [durable_kind(action, payload) for action, payload, _, _ in sent]
    for number, (action, payload, _, _) in enumerate(sent):
        if durable[number]:
            positions[(action, json.dumps(payload, sort_keys=True))].append(number)
    arrived: list[tuple[int, float]] = []
    unmatched = volatile_arrived = 0
    for got in upstream.got:
        payload = got.payload
        if "transactionId" in payload and got.action != "StartTransaction":
            payload = {**payload, "transactionId": theirs_to_ours.get(payload["transactionId"])}
        if not durable_kind(got.action, payload):
            volatile_arrived += 1
            continue
        found = positions.get((got.action, json.dumps(payload, sort_keys=True)))
        if found:
            arrived.append((found.popleft(), got.at))
        else:
            unmatched += 1
    received = {number for number, _ in arrived}
    dropped = sum(each.dropped for each in links)
    volatile_sent = durable.count(False)
    lost_durable = sum(
        1 for number in range(len(sent)) if durable[number] and number not in received
    )
    lost = lost_durable + max(0, volatile_sent - volatile_arrived - dropped)
    latest = -1
    reordered = 0
    for number, _ in arrived:
        if number < latest:
            reordered += 1
        latest = max(latest, number)
    latencies = [(at - sent[number][3]) * 1000 for number, at in arrived if sent[number][2]]
    if "--debug" in sys.argv:
        missing = [n for n in range(len(sent)) if durable[n] and n not in received]
        print("missing", missing[:10], "outage", outage_from, outage_to, restart_at)
    reader.cancel()
    await ws.close()
    await link.async_stop()
    await server.async_stop()
    await upstream.stop()
    return {
        "messages": len(sent),
        "forwarded": len(upstream.got),
        "lost": lost,
        "dropped_by_design": dropped,
        "unmatched": unmatched,
        "reordered": reordered,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "outage_messages": outage_to - outage_from,
        "answer_p50": percentile(ANSWER_MS, 0.5),
        "answer_p99": percentile(ANSWER_MS, 0.99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--interval-min", type=int, default=5)
    parser.add_argument("--debug", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="also run the day without forwarding: answer times"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if args.debug else logging.ERROR)
    result = asyncio.run(run(args.sessions, args.interval_min))
    if args.compare:
        ANSWER_MS.clear()
        without = asyncio.run(run(args.sessions, args.interval_min, forward=False))
        print(
            f"answer to the charger ms p50/p99: with upstream {result['answer_p50']:.2f}/"
            f"{result['answer_p99']:.2f}, without {without['answer_p50']:.2f}/"
            f"{without['answer_p99']:.2f}"
        )
    print(
        f"outage: {result['outage_messages']} messages; dropped by design (heartbeats, Authorize "
        f"while down): {result['dropped_by_design']}; unmatched upstream: {result['unmatched']}"
    )
    print(
        f"UPSTREAM messages={result['messages']} forwarded={result['forwarded']} "
        f"lost={result['lost']} reordered={result['reordered']} "
        f"added_latency_ms_p50={result['p50']:.2f} p99={result['p99']:.2f}"
    )
    return 0 if result["lost"] == 0 and result["reordered"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
