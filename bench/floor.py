#!/usr/bin/env python3
"""The floor for bench/meter_values.py: the least an OCPP 1.6 central system built on the
`ocpp` package can do per message (its own process).

A plain websockets server and an ocpp.v16.ChargePoint per connection with @on handlers for
BootNotification, StatusNotification, StartTransaction, MeterValues and Heartbeat, schema
validation on (the package's default; --no-validation skips it, as our adapter does for
MeterValues). MeterValues are acknowledged and the last one kept.
Prints LISTENING <port> once it accepts connections; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import UTC, datetime
import functools
import itertools
import signal
import sys
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve

_transaction_ids = itertools.count(1)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def make_charge_point(validate: bool) -> type[ChargePoint]:
    """The floor's ChargePoint; validate=False skips the JSON schemas like our MeterValues."""
    skip = not validate

    class FloorChargePoint(ChargePoint):
        last_meter_value: Any = None

        @on(Action.boot_notification, skip_schema_validation=skip)
        def on_boot(self, **kwargs: Any) -> call_result.BootNotification:
            return call_result.BootNotification(
                current_time=now_iso(), interval=300, status=RegistrationStatus.accepted
            )

        @on(Action.heartbeat, skip_schema_validation=skip)
        def on_heartbeat(self) -> call_result.Heartbeat:
            return call_result.Heartbeat(current_time=now_iso())

        @on(Action.status_notification, skip_schema_validation=skip)
        def on_status(self, **kwargs: Any) -> call_result.StatusNotification:
            return call_result.StatusNotification()

        @on(Action.start_transaction, skip_schema_validation=skip)
        def on_start(self, **kwargs: Any) -> call_result.StartTransaction:
            return call_result.StartTransaction(
                transaction_id=next(_transaction_ids),
                id_tag_info={"status": AuthorizationStatus.accepted},
            )

        @on(Action.meter_values, skip_schema_validation=skip)
        def on_meter_values(self, meter_value: list[Any], **kwargs: Any) -> call_result.MeterValues:
            self.last_meter_value = meter_value
            return call_result.MeterValues()

    return FloorChargePoint


async def handle(charge_point_class: type[ChargePoint], connection: ServerConnection) -> None:
    path = connection.request.path if connection.request else "/"
    charge_point = charge_point_class(path.rstrip("/").rsplit("/", 1)[-1], connection)
    try:
        await charge_point.start()
    except Exception:  # the connection closed
        return


async def run(port: int, validate: bool) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.cancel)
    async with serve(
        functools.partial(handle, make_charge_point(validate)),
        "127.0.0.1",
        port,
        subprotocols=["ocpp1.6"],
        compression=None,
    ) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"LISTENING {bound}", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await stop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--no-validation", action="store_true", help="skip the JSON schemas (ocpp's default: on)"
    )
    args = parser.parse_args()
    asyncio.run(run(args.port, validate=not args.no_validation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
