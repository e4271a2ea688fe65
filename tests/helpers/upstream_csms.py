"""A second, independent central system on the ocpp package: the upstream a charger is forwarded to.

It listens on 127.0.0.1, holds each station to a password (Basic auth) if given one, records every
CALL it gets with its exact camelCase payload, answers them validly (1.6 StartTransaction with
transaction ids of its own, from 9001), and sends requests of its own through the ocpp package
(`send`). An outage is `stop()` then `start()` on the same port. `delay_s` slows its answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
import itertools
import json
import ssl
import time
from typing import Any

from ocpp.charge_point import ChargePoint
from ocpp.messages import CallResult, MessageType, unpack
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v201 import ChargePoint as ChargePoint201
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol


@dataclass
class Got:
    """One CALL the upstream received."""

    station: str
    action: str
    payload: dict[str, Any]
    # When it arrived (time.monotonic()).
    at: float = 0.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class _Station:
    """The upstream's side of one station's session: records and answers, sends with `call`."""

    upstream: UpstreamCsms

    async def route_message(self, raw_msg: str) -> None:
        msg = unpack(raw_msg)
        if msg.message_type_id != MessageType.Call:
            if self._call_lock.locked():  # type: ignore[attr-defined]
                self._response_queue.put_nowait(msg)  # type: ignore[attr-defined]
            return
        got = Got(self.id, msg.action, msg.payload, time.monotonic())  # type: ignore[attr-defined]
        self.upstream.got.append(got)
        self.upstream.arrived.set()
        if self.upstream.delay_s:
            await asyncio.sleep(self.upstream.delay_s)
        if msg.action in self.upstream.callerror_for:
            frame = [4, msg.unique_id, "NotSupported", "not here", {}]
            await self._send(json.dumps(frame))  # type: ignore[attr-defined]
            return
        answer = self.upstream.answer(msg.action, msg.payload)
        await self._send(CallResult(msg.unique_id, answer).to_json())  # type: ignore[attr-defined]


class _Station16(_Station, ChargePoint16):
    pass


class _Station201(_Station, ChargePoint201):
    pass


class UpstreamCsms:
    """The upstream central system; see the module docstring."""

    def __init__(
        self,
        port: int,
        version: str = "ocpp1.6",
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.port = port
        self.ssl_context = ssl_context
        self.version = version
        self.password = password
        self.got: list[Got] = []
        self.arrived = asyncio.Event()
        self.delay_s = 0.0
        self.authorize_status = "Accepted"
        # Actions answered with a CALLERROR (an upstream that refuses them).
        self.callerror_for: set[str] = set()
        self.stations: dict[str, ChargePoint] = {}
        self.refused: list[int] = []
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._transaction_ids = itertools.count(9001)

    @property
    def url(self) -> str:
        """The base URL stations connect to (their identity appended)."""
        scheme = "wss" if self.ssl_context else "ws"
        return f"{scheme}://127.0.0.1:{self.port}/upstream/"

    async def start(self) -> None:
        """Listen (again, after an outage)."""
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            subprotocols=[Subprotocol(self.version)],
            process_request=self._check,
            ping_interval=None,
            ssl=self.ssl_context,
        )

    async def stop(self) -> None:
        """An outage: close every station and stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.close(close_connections=True)
        self.stations.clear()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if server is not None:
            await server.wait_closed()

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.password is None:
            return None
        header = request.headers.get("Authorization", "")
        station = request.path.rstrip("/").rsplit("/", 1)[-1]
        wanted = "Basic " + base64.b64encode(f"{station}:{self.password}".encode()).decode()
        if header != wanted:
            self.refused.append(HTTPStatus.UNAUTHORIZED)
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        station_id = (connection.request.path if connection.request else "").rsplit("/", 1)[-1]
        make = _Station201 if self.version == "ocpp2.0.1" else _Station16
        station = make(station_id, connection, response_timeout=10)
        station.upstream = self
        self.stations[station_id] = station
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await station.start()
        except Exception:
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)

    def answer(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A valid answer to a station's CALL."""
        if action == "BootNotification":
            return {"status": "Accepted", "currentTime": _now(), "interval": 300}
        if action == "Heartbeat":
            return {"currentTime": _now()}
        if action == "StartTransaction":
            return {
                "transactionId": next(self._transaction_ids),
                "idTagInfo": {"status": "Accepted"},
            }
        if action == "StopTransaction":
            return {"idTagInfo": {"status": "Accepted"}}
        if action == "Authorize":
            if self.version == "ocpp2.0.1":
                return {"idTokenInfo": {"status": self.authorize_status}}
            return {"idTagInfo": {"status": self.authorize_status}}
        if action == "DataTransfer":
            return {"status": "Accepted"}
        if action == "TransactionEvent" and payload.get("idToken"):
            return {"idTokenInfo": {"status": "Accepted"}}
        return {}

    def of(self, action: str) -> list[dict[str, Any]]:
        """The payloads of every CALL of this action received, in order."""
        return [got.payload for got in self.got if got.action == action]

    async def wait_for(self, count: int, within_s: float = 10.0) -> None:
        """Wait until at least count CALLs arrived."""
        async with asyncio.timeout(within_s):
            while len(self.got) < count:
                self.arrived.clear()
                await self.arrived.wait()

    async def send_frame(
        self, station_id: str, frame: str, unique_id: str | None
    ) -> list[Any] | None:
        """Send any text to a station; return the answer to unique_id (None: none awaited)."""
        station = self.stations[station_id]
        async with station._call_lock:
            await station._send(frame)
            if unique_id is None:
                return None
            response = await station._get_specific_response(unique_id, 10)
        return list(json.loads(response.to_json()))

    async def send(self, station_id: str, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send a request to a station as the ocpp package does; return the answer frame."""
        station = self.stations[station_id]
        call = unpack(json.dumps([2, "x", action, payload]))
        call.unique_id = str(station._unique_id_generator())
        async with station._call_lock:
            await station._send(call.to_json())
            response = await station._get_specific_response(call.unique_id, 10)
        return list(json.loads(response.to_json()))
