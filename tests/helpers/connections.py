"""Simulated chargers on real WebSockets to the central system, all closed at the end of a test.

They send no keepalive pings: tests that move time on with freezegun move the event loop's clock
too, and a ping would then time out. (The server still pings unless a test turns that off.)
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Sequence
import contextlib
import ssl
from typing import Any, Protocol

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

type ConnectAnyFn = Callable[..., Awaitable[Any]]


class ChargePointLike(Protocol):
    """What the ocpp package's ChargePoint offers that a connection needs: its message loop."""

    async def start(self) -> None: ...


def charger_url(port: int, charger_id: str, *, scheme: str = "ws", path: str = "/ocpp/") -> str:
    """Where a charger connects: the central system's OCPP endpoint and the charger's id."""
    return f"{scheme}://127.0.0.1:{port}{path}{charger_id}"


def basic_auth(username: str, password: str) -> dict[str, str]:
    """The HTTP Basic Authorization header of OCPP security profile 1."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Connections:
    """Opens charger connections and closes every one of them when the test is over."""

    def __init__(self) -> None:
        self._opened: list[tuple[ClientConnection, asyncio.Task[None]]] = []

    async def open[C: ChargePointLike](
        self,
        make: Callable[[str, ClientConnection], C],
        url: str,
        charger_id: str,
        subprotocols: Sequence[str],
        *,
        headers: dict[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> C:
        """Connect, make the charge point on the connection and run its message loop."""
        ws = await websockets.connect(
            url,
            subprotocols=[Subprotocol(name) for name in subprotocols],
            additional_headers=headers or {},
            ssl=ssl_context,
            open_timeout=5,
            ping_interval=None,
        )
        charger = make(charger_id, ws)
        self._opened.append((ws, asyncio.get_running_loop().create_task(serve(charger))))
        return charger

    async def close_all(self) -> None:
        """Close every connection and stop its charge point."""
        for ws, task in self._opened:
            await ws.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._opened.clear()


async def serve(charger: ChargePointLike) -> None:
    """Run a charge point's message loop until its connection closes."""
    with contextlib.suppress(websockets.ConnectionClosed):
        await charger.start()
