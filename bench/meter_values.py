#!/usr/bin/env python3
"""What a MeterValues costs Home Assistant with this integration, against a bare `ocpp` floor.

    .venv/bin/python bench/meter_values.py [--chargers 10 --messages 500] [--profile]

1. Starts a real Home Assistant (`hass -c bench/.work/config`) with the integration set up by
   scripts/make_config.py: the fleet's chargers configured, free ports, no recorder (the bench is
   about the integration), plus bench/bench_probe, which counts state_changed events.
2. Runs bench/fleet.py in its own process: N chargers boot, start a transaction and warm up,
   then each sends M MeterValues (15 sampled values) back to back, waiting for each CALLRESULT.
3. Reads the hass process's CPU time (utime+stime from /proc/<pid>/stat) before and after the
   burst: CPU ms per message, and state writes per message from the probe.
4. Does the same against bench/floor.py, a plain websockets + ocpp.v16.ChargePoint central
   system with schema validation on: the floor.
5. Prints floor ms/msg, ours ms/msg, their ratio (goal: at most 3x the floor), state writes
   per message and wall times. --profile adds a second, cProfiled burst and prints the
   integration's hot spots (its numbers are not used for the table).
"""

from __future__ import annotations

import argparse
from collections import Counter
from contextlib import contextmanager, suppress
import json
import os
from pathlib import Path
import pstats
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any, TextIO
import urllib.request

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
sys.path.insert(0, str(ROOT / "scripts"))

import make_config  # noqa: E402

GOAL_RATIO = 3.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_times(pid: int) -> tuple[float, float]:
    """utime and stime of a process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    return sum(cpu_times(pid))


class Lines:
    """Reads a child's stdout lines in a thread so that waiting for one can time out."""

    def __init__(self, stream: TextIO, echo: TextIO | None = None) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self._echo = echo
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: TextIO) -> None:
        for line in stream:
            if self._echo is not None:
                self._echo.write(line)
                self._echo.flush()
            self.queue.put(line)
        self.queue.put(None)

    def expect(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"timed out waiting for {prefix!r}") from None
            if line is None:
                raise SystemExit(f"process ended before {prefix!r}")
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {prefix!r}")


@contextmanager
def child(cmd: list[str], **kwargs: Any):  # type: ignore[no-untyped-def]
    """A subprocess that is terminated (then killed) when the block ends."""
    proc = subprocess.Popen(cmd, **kwargs)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Fleet:
    """bench/fleet.py, driven over its stdin/stdout."""

    def __init__(self, url: str, args: argparse.Namespace) -> None:
        self.cmd = [
            sys.executable,
            str(BENCH / "fleet.py"),
            url,
            "--chargers",
            str(args.chargers),
            "--messages",
            str(args.messages),
            "--warmup",
            str(args.warmup),
        ]

    def __enter__(self) -> Fleet:
        self._ctx = child(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.proc = self._ctx.__enter__()
        assert self.proc.stdout is not None
        self.lines = Lines(self.proc.stdout)
        self.lines.expect("READY", timeout=120)
        return self

    def burst(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write("GO\n")
        self.proc.stdin.flush()
        result: dict[str, Any] = json.loads(self.lines.expect("DONE", timeout=600))
        if result["errors"]:
            print(f"  !! {result['errors']} CALLERRORs, first: {result['first_error']}")
        return result

    def __exit__(self, *exc: object) -> None:
        with suppress(OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.write("QUIT\n")
            self.proc.stdin.close()
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self._ctx.__exit__(None, None, None)


def measure(pid: int, fleet: Fleet, probe: Any = None) -> dict[str, Any]:
    """One burst: the server's CPU seconds, idle rate before it, and state writes."""
    idle_s = 2.0
    c0 = cpu_seconds(pid)
    time.sleep(idle_s)
    idle_rate = (cpu_seconds(pid) - c0) / idle_s
    writes0 = probe() if probe else Counter()
    user0, sys0 = cpu_times(pid)
    result = fleet.burst()
    user1, sys1 = cpu_times(pid)
    result["server_cpu_s"] = (user1 - user0) + (sys1 - sys0)
    result["server_sys_s"] = sys1 - sys0
    result["idle_rate"] = idle_rate
    if probe:
        result["writes"] = probe() - writes0
    return result


# --- Home Assistant ------------------------------------------------------------------


def _get_json(url: str, method: str = "GET") -> Any:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def run_ours(args: argparse.Namespace) -> dict[str, Any]:
    config_dir = WORK / "config"
    http_port, ocpp_port = make_config.free_port(), make_config.free_port()
    cfg = make_config.HassConfig(
        http_port=http_port,
        ocpp_port=ocpp_port,
        # The fleet is configured, as a homeowner would: "Add automatically" adds at most a few
        # chargers an hour (a flood of invented ids must not fill Home Assistant).
        unknown_chargers="reject",
        chargers=[
            make_config.ChargerSpec(charger_id, charger_id)
            for charger_id in (f"BENCH{n:03d}" for n in range(args.chargers))
        ],
        components=(),
        log_level="warning",
        integration_log_level="warning",
        demo_login=False,
        energy_sensor=None,
        extra_components={"bench_probe": BENCH / "bench_probe"},
        location_name="OCPP bench",
    )
    make_config.write_config(config_dir, cfg, reset=True)
    make_config.ensure_requirements([make_config.DOMAIN])
    base = f"http://127.0.0.1:{http_port}"
    log_path = WORK / "hass.log"
    print(f"Home Assistant: {config_dir} (log: {log_path})")
    started = time.monotonic()
    with (
        log_path.open("w") as log,
        child(make_config.hass_command(config_dir), stdout=log, stderr=subprocess.STDOUT) as hass,
    ):
        deadline = time.monotonic() + 180
        while True:
            if hass.poll() is not None:
                raise SystemExit(f"hass exited ({hass.returncode}); see {log_path}")
            with suppress(OSError, ValueError):
                status = _get_json(f"{base}/api/bench_probe")
                if status["entries"] and status["entries"][0]["state"] == "loaded":
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"Home Assistant did not load the integration; see {log_path}")
            time.sleep(0.5)
        print(f"  up in {time.monotonic() - started:.1f} s; fleet warming up")

        def probe() -> Counter[str]:
            return Counter(_get_json(f"{base}/api/bench_probe")["state_changed"])

        with Fleet(f"ws://127.0.0.1:{ocpp_port}", args) as fleet:
            # Entities of newly seen measurands are added in the background; let that settle.
            time.sleep(3)
            result = measure(hass.pid, fleet, probe)
            result["entities"] = _get_json(f"{base}/api/bench_probe")["entities"]
            if args.profile:
                prof = WORK / "hass.prof"
                _get_json(f"{base}/api/bench_probe/profile?action=start", "POST")
                fleet.burst()
                _get_json(f"{base}/api/bench_probe/profile?action=stop&path={prof}", "POST")
                result["profile"] = prof
    return result


def run_floor(args: argparse.Namespace, *, validate: bool = True) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "floor.py")]
    if not validate:
        cmd.append("--no-validation")
    with child(cmd, stdout=subprocess.PIPE, text=True) as floor:
        assert floor.stdout is not None
        port = Lines(floor.stdout).expect("LISTENING", timeout=30)
        with Fleet(f"ws://127.0.0.1:{port}", args) as fleet:
            time.sleep(1)
            return measure(floor.pid, fleet)


# --- report --------------------------------------------------------------------------


def print_profile(path: Path, messages: int) -> None:
    stats = pstats.Stats(str(path))
    print(f"\ncProfile of the event loop during a second burst ({path}), top by own time:")
    stats.sort_stats("tottime").print_stats(20)
    print("...and by cumulative time, integration and ocpp only:")
    stats.sort_stats("cumulative").print_stats(r"ocpp_central|/ocpp/", 25)
    print(f"(per-call figures: divide cumulative by {messages} messages)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chargers", type=int, default=10)
    parser.add_argument("--messages", type=int, default=500, help="per charger")
    parser.add_argument("--warmup", type=int, default=20, help="MeterValues per charger first")
    parser.add_argument("--profile", action="store_true", help="also cProfile Home Assistant")
    parser.add_argument("--skip-floor", action="store_true", help="only measure ours")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    t0 = time.monotonic()
    n = args.chargers * args.messages
    print(f"{args.chargers} chargers x {args.messages} MeterValues = {n} messages per run")

    columns: dict[str, dict[str, Any]] = {}
    if not args.skip_floor:
        print("Floor: bench/floor.py (websockets + ocpp.v16.ChargePoint), schema validation on")
        columns["floor"] = run_floor(args)
        print("       the same with schema validation off (as our MeterValues handler)")
        columns["floor-noval"] = run_floor(args, validate=False)
    columns["ours"] = ours = run_ours(args)

    def ms(result: dict[str, Any]) -> float:
        return 1000 * result["server_cpu_s"] / result["messages"]

    def idle_corrected(result: dict[str, Any]) -> float:
        busy = result["server_cpu_s"] - result["idle_rate"] * result["wall_s"]
        return 1000 * busy / result["messages"]

    def row(label: str, cell: Any) -> None:
        print(f"{label:30}" + "".join(f"{cell(r):>13}" for r in columns.values()))

    writes: Counter[str] = ours["writes"]
    print()
    print(f"{'':30}" + "".join(f"{name:>13}" for name in columns))
    row("CPU ms per message", lambda r: f"{ms(r):.3f}")
    row("  of which kernel (stime)", lambda r: f"{1000 * r['server_sys_s'] / r['messages']:.3f}")
    row("  less idle CPU", lambda r: f"{idle_corrected(r):.3f}")
    row("messages per second (wall)", lambda r: f"{r['messages'] / r['wall_s']:.0f}")
    row("burst wall time, s", lambda r: f"{r['wall_s']:.2f}")
    row("CALLERRORs", lambda r: str(r["errors"]))
    row(
        "state writes per message",
        lambda r: f"{r['writes'].total() / n:.2f}" if "writes" in r else "-",
    )
    if "floor" in columns:
        ratio = ms(ours) / ms(columns["floor"])
        verdict = "within" if ratio <= GOAL_RATIO else "ABOVE"
        print(f"\nratio ours/floor: {ratio:.2f}x ({verdict} the {GOAL_RATIO:.0f}x goal)")
        print(f"ratio ours/floor without validation: {ms(ours) / ms(columns['floor-noval']):.2f}x")
    per_entity: Counter[str] = Counter()
    for entity, count in writes.items():
        per_entity[entity.split(".", 1)[1].split("_", 1)[1]] += count
    kinds = ", ".join(f"{name} {count / n:.2f}" for name, count in per_entity.most_common())
    print(f"state writes per message by entity: {kinds or 'none'}")
    print(f"entities in Home Assistant: {ours['entities']}")
    print(f"total wall time: {time.monotonic() - t0:.0f} s")
    if args.profile:
        print_profile(ours["profile"], n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
