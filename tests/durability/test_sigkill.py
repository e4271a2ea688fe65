"""A real Home Assistant killed with SIGKILL at the worst moments: nothing confirmed is lost.

`hass -c <config>` runs in its own process with the integration (scripts/make_config.py writes the
config, as for the bench); the charger is the `ocpp` package used directly. Home Assistant is
killed right after a StartTransaction answer, in the middle of a stream of meter values, after a
StopTransaction is sent but before its answer, and right after a StopTransaction answer. After each
kill the files it left are read (snapshot and journal, in their documented format), Home Assistant
is started again and the charger reconnects and carries on, re-sending what was not answered.
No transaction may be lost or revived, no id reused, and the lifetime energy never goes down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import importlib.util
import json
from pathlib import Path
import signal
import subprocess
import sys
from typing import Any
import uuid

from ocpp.v16 import ChargePoint as ChargePoint16, call
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parents[2]
CHARGER = "CP1"
# Generous bounds for single steps on a busy CI machine; the test waits for events, not time.
START_TIMEOUT_S = 120.0
STEP_TIMEOUT_S = 30.0


def _make_config() -> Any:
    """scripts/make_config.py, which writes the bench's and the demo's config dirs."""
    spec = importlib.util.spec_from_file_location(
        "make_config", ROOT / "scripts" / "make_config.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules["make_config"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_config = _make_config()


@dataclass
class HassProcess:
    """`hass -c config_dir`, started, killed and stopped on request."""

    config_dir: Path
    ocpp_port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n===== start {self.starts} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                make_config.hass_command(self.config_dir),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no last write."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self._exited(STEP_TIMEOUT_S)

    async def stop(self) -> None:
        """SIGTERM: a clean shutdown."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        await self._exited(START_TIMEOUT_S)

    def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])

    async def _exited(self, within_s: float) -> None:
        assert self.proc is not None
        async with asyncio.timeout(within_s):
            while self.proc.poll() is None:  # noqa: ASYNC110 - a child's exit is no asyncio event here
                await asyncio.sleep(0.05)


class Charger(ChargePoint16):
    """A 1.6 charger: calls only (what Home Assistant asks is answered NotImplemented)."""


@dataclass
class Link:
    """One connection of the charger."""

    charger: Charger
    websocket: ClientConnection
    task: asyncio.Task[None]

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
            await self.task
        await self.websocket.close()


async def connect(hass: HassProcess) -> Link:
    """Connect and boot as soon as Home Assistant listens (it may still be starting)."""
    async with asyncio.timeout(START_TIMEOUT_S):
        while True:
            if hass.proc is not None and hass.proc.poll() is not None:
                pytest.fail(f"hass exited ({hass.proc.returncode}):\n{hass.log_tail()}")
            try:
                websocket = await websockets.connect(
                    f"ws://127.0.0.1:{hass.ocpp_port}/ocpp/{CHARGER}",
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    open_timeout=10,
                )
                break
            except OSError, websockets.InvalidHandshake, TimeoutError:
                await asyncio.sleep(0.2)
    charger = Charger(CHARGER, websocket, response_timeout=STEP_TIMEOUT_S)
    task = asyncio.get_running_loop().create_task(charger.start())
    boot = await charger.call(
        call.BootNotification(charge_point_vendor="Acme", charge_point_model="Crashbox")
    )
    assert boot.status == "Accepted"
    return Link(charger, websocket, task)


@dataclass
class OnDisk:
    """Connector 1 and the reserved-id mark as the files on disk have them."""

    connector: dict[str, Any]
    reserved: int
    journal_exists: bool

    @property
    def transaction_id(self) -> int | None:
        transaction = self.connector.get("transaction")
        return None if transaction is None else int(transaction["transaction_id"])

    @property
    def lifetime_wh(self) -> float:
        return float(self.connector["energy_offset_wh"]) + float(self.connector["energy_raw_wh"])


def read_disk(config_dir: Path, entry_id: str) -> OnDisk:
    """The snapshot, with the journal's later records over it (a line that does not parse is skipped)."""
    storage = config_dir / ".storage"
    snapshot_file = storage / f"ocpp_central.{entry_id}"
    journal_file = storage / f"ocpp_central.{entry_id}.journal"
    data = json.loads(snapshot_file.read_text())["data"] if snapshot_file.exists() else {}
    connectors = data.get("chargers", {}).get(CHARGER, {}).get("connectors", {})
    reserved = int(data.get("transaction_id_reserved", 0))
    after = int(data.get("journal_seq", 0))
    lines = journal_file.read_bytes().splitlines() if journal_file.exists() else []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record["seq"] <= after:
            continue
        if "reserved" in record:
            reserved = max(reserved, record["reserved"])
        elif record.get("charger") == CHARGER and record.get("part") == "1":
            connectors["1"] = record["state"]
    return OnDisk(connectors.get("1", {}), reserved, journal_file.exists())


# What the register counts on between two readings (ten seconds apart).
READING_WH = 25.0


@dataclass
class Meter:
    """The charger's own register and clock; readings are ten seconds apart."""

    wh: float = 1000.0
    at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(hours=6))
    acked_wh: float = 0.0

    def reading(self, step_wh: float = READING_WH) -> tuple[float, str]:
        self.wh += step_wh
        self.at += timedelta(seconds=10)
        return self.wh, self.at.isoformat().replace("+00:00", "Z")


async def send_reading(link: Link, meter: Meter, transaction_id: int) -> None:
    wh, at = meter.reading()
    await link.charger.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=transaction_id,
            meter_value=[
                {
                    "timestamp": at,
                    "sampledValue": [
                        {"value": str(wh), "measurand": "Energy.Active.Import.Register"}
                    ],
                }
            ],
        )
    )
    meter.acked_wh = wh


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(STEP_TIMEOUT_S):
        while not condition():  # noqa: ASYNC110 - progress of another task
            await asyncio.sleep(0.01)


@pytest.fixture
def hass_process(tmp_path: Path) -> Any:
    """A config dir with the integration and charger CP1 configured, on free ports."""
    cfg = make_config.HassConfig(
        http_port=make_config.free_port(),
        ocpp_port=make_config.free_port(),
        unknown_chargers="reject",
        chargers=[make_config.ChargerSpec(CHARGER, "Crash test charger")],
        components=(),
        log_level="warning",
        integration_log_level="info",
        demo_login=False,
        energy_sensor=None,
        location_name="OCPP crash test",
    )
    config_dir = make_config.write_config(tmp_path / "config", cfg)
    make_config.ensure_requirements([make_config.DOMAIN])
    process = HassProcess(config_dir, cfg.ocpp_port, tmp_path / "hass.log")
    yield process
    process.ensure_stopped()


@pytest.mark.timeout(300)
async def test_sigkill_loses_nothing_confirmed(socket_enabled: None, hass_process: Any) -> None:
    """Four kills, four restarts: every confirmed session, id and reading survives."""
    hass: HassProcess = hass_process
    entries = json.loads((hass.config_dir / ".storage" / "core.config_entries").read_text())
    entry_id = entries["data"]["entries"][0]["entry_id"]
    meter = Meter()
    handed_out: list[int] = []
    lifetimes: list[float] = []

    async def killed(then: Callable[[OnDisk], None] | None = None) -> OnDisk:
        await hass.kill()
        on_disk = read_disk(hass.config_dir, entry_id)
        lifetimes.append(on_disk.lifetime_wh)
        assert lifetimes == sorted(lifetimes), "lifetime energy went down"
        assert on_disk.reserved > max(handed_out)
        if then is not None:
            then(on_disk)
        return on_disk

    # 1. Killed right after the StartTransaction answer: the session is on disk.
    hass.start()
    link = await connect(hass)
    start = await link.charger.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=int(meter.wh), timestamp=meter.reading(0)[1]
        )
    )
    first = int(start.transaction_id)
    handed_out.append(first)
    meter.acked_wh = meter.wh
    on_disk = await killed()
    assert on_disk.transaction_id == first
    await link.close()

    # 2. Killed in the middle of a stream of meter values: all that was answered is on disk.
    hass.start()
    link = await connect(hass)
    answered = 0

    async def stream() -> None:
        nonlocal answered
        while True:
            await send_reading(link, meter, first)
            answered += 1

    streaming = asyncio.get_running_loop().create_task(stream())
    await until(lambda: answered >= 20 or streaming.done())
    assert not streaming.done(), streaming.exception()
    on_disk = await killed()
    streaming.cancel()
    with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
        await streaming
    assert on_disk.transaction_id == first
    # A reading is answered before its line is on disk: the kill may cost that one reading
    # (README: at most one meter reading), never more.
    assert on_disk.lifetime_wh >= meter.acked_wh - READING_WH
    await link.close()

    # 3. The charger's next reading restores the lifetime energy; killed after a StopTransaction
    # went out but before its answer came back.
    hass.start()
    link = await connect(hass)
    await send_reading(link, meter, first)
    # Its answer does not wait for the disk; the line follows within milliseconds.
    await until(lambda: read_disk(hass.config_dir, entry_id).lifetime_wh == meter.acked_wh)
    meter_start = 1000
    stop_wh, stop_at = meter.reading()
    stop = call.StopTransaction(
        transaction_id=first, meter_stop=int(stop_wh), timestamp=stop_at, reason="EVDisconnected"
    )
    # Written straight to the socket: the charger's library would wait for the answer.
    payload = {
        "transactionId": first,
        "meterStop": int(stop_wh),
        "timestamp": stop_at,
        "reason": "EVDisconnected",
    }
    await link.websocket.send(json.dumps([2, str(uuid.uuid4()), "StopTransaction", payload]))
    on_disk = await killed()
    assert on_disk.transaction_id in (first, None)
    await link.close()

    # 4. The charger sends the unanswered stop again; a new session gets a new id; killed right
    # after its StopTransaction answer.
    hass.start()
    link = await connect(hass)
    await link.charger.call(stop)
    meter.acked_wh = stop_wh
    on_disk = read_disk(hass.config_dir, entry_id)
    assert on_disk.transaction_id is None
    assert on_disk.connector["last_session_energy_wh"] == stop_wh - meter_start
    second_start, second_at = meter.reading(0)
    second = int(
        (
            await link.charger.call(
                call.StartTransaction(
                    connector_id=1,
                    id_tag="TAG-1",
                    meter_start=int(second_start),
                    timestamp=second_at,
                )
            )
        ).transaction_id
    )
    assert second not in handed_out
    assert second > max(handed_out)
    handed_out.append(second)
    end_wh, end_at = meter.reading(500)
    await link.charger.call(
        call.StopTransaction(transaction_id=second, meter_stop=int(end_wh), timestamp=end_at)
    )
    meter.acked_wh = end_wh
    on_disk = await killed()
    assert on_disk.transaction_id is None
    assert on_disk.connector["last_session_energy_wh"] == 500.0
    await link.close()

    # 5. Started again, the charger back, then a clean shutdown: Home Assistant's own snapshot
    # has the stopped sessions stopped, the energy, and the id mark ahead of every id.
    hass.start()
    link = await connect(hass)
    await link.charger.call(call.Heartbeat())
    await link.close()
    await hass.stop()
    final = read_disk(hass.config_dir, entry_id)
    assert not final.journal_exists
    assert final.transaction_id is None
    assert final.lifetime_wh == end_wh
    assert final.reserved > max(handed_out)
