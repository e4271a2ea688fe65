#!/usr/bin/env python3
"""A car park on one Home Assistant: N chargers, the recorder, a restart.

    .venv/bin/python bench/scale.py [--chargers 200] [--steady-s 120] [--charging-share 0.3]
                                    [--silent-reconnect-share 0.5] [--profile] [--startup-only]

1. Writes a config dir (bench/.work/scale) with the integration, N chargers configured (as an
   installer adds them), the recorder on SQLite as a homeowner has it, and bench/scale_probe,
   which measures the event loop's lag from inside (a 50 ms sleep's overshoot) and tells which
   chargers are known (every status and power sensor has a value).
2. Starts `hass`, then bench/scale_fleet.py in its own process: mixed 1.6J / 2.0.1 chargers, a
   share of them charging with a reading every 10 s, heartbeats at the boot answer's interval.
   join_s: from the fleet's start until every charger is known.
3. Steady state for --steady-s: CPU of the hass process (% of one core), loop lag, RSS (and RSS
   per charger over Home Assistant without chargers), recorder rows (states table) and database
   growth, both per charger.
4. Restarts Home Assistant with all chargers connected; they reconnect with random back-off.
   restart_all_known_s: from the new hass process's start until every charger is known again.
   Per charger, the time from its (re)connect to known is measured too (the probe stamps when
   each became known, the fleet when each connected); the table gives its p99 and max for the
   join and the restart (goal: 15 s). --silent-reconnect-share of the chargers reconnect without
   booting or telling their status, as chargers whose WebSocket dropped do.
With --profile, the event loop is profiled during the join, the steady state and the restart:
its time per coroutine and its thread's sampled stacks (only the loop's own time; the recorder's
thread does not mix in), printed per phase; --cprofile adds cProfile
(bench/.work/scale-{join,steady,restart}.prof; it slows the loop and, since Python 3.12, mixes
in every thread).
5. Prints a table, then last one line:
   SCALE chargers=<n> cpu_pct=<x> loop_lag_p99_ms=<x> rss_mb=<x> mb_per_charger=<x> join_s=<x>
   restart_all_known_s=<x> recorder_rows_per_charger_hour=<x> db_mb_per_charger_day=<x>
With --gc-freeze, the probe calls gc.freeze() in hass once it has started: what is alive then is
never scanned by the garbage collector's full passes again (the join's longest loop stalls).
With --startup-only, only starts Home Assistant with the N chargers configured (none connects),
prints how long it took until the integration was loaded, and stops.
"""

from __future__ import annotations

import argparse
from contextlib import suppress
import io
import json
import os
from pathlib import Path
import pstats
import signal
import sqlite3
import subprocess
import sys
import time
from typing import Any
import urllib.request

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(BENCH))

from homeassistant.helpers.entity_platform import (  # noqa: E402
    MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY,
)
import make_config  # noqa: E402
from meter_values import Lines, child, cpu_seconds  # noqa: E402

KNOWN_TIMEOUT_S = 900.0
# Enabled entities of a charging single-connector charger in the full entity set (README, "A car
# park"); beyond the cap, --entity-set auto runs the car park set, as the repair issue advises.
FULL_ENABLED_PER_CHARGER = 33
# Home Assistant adds at most 10,000 enabled entities per config entry, then logs this once per
# platform and adds no more (entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY).
ENTITY_CAP = "Reached the maximum of"


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def probe(base: str, *, reset: bool = False) -> dict[str, Any]:
    url = f"{base}/api/scale_probe" + ("?reset=1" if reset else "")
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.loads(response.read()))


def known_at(base: str) -> dict[str, list[float]]:
    """Per charger id, the wall-clock times it became known in this hass process."""
    with urllib.request.urlopen(f"{base}/api/scale_probe/known_at", timeout=30) as response:
        return dict(json.loads(response.read()))


def connect_times(fleet: subprocess.Popen[str], lines: Lines) -> dict[str, list[float]]:
    """Per charger id, the wall-clock times its WebSocket opened (every connection)."""
    assert fleet.stdin is not None
    path = WORK / "scale-connects.json"
    fleet.stdin.write(f"DUMP {path}\n")
    fleet.stdin.flush()
    lines.expect("DUMPED", timeout=60)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def to_known_s(
    connects: dict[str, list[float]], known: dict[str, list[float]], since: float = 0.0
) -> list[float]:
    """Per charger, seconds from its last (re)connect before it became known to that moment.

    The first time each became known at or after `since` (wall clock) counts.
    """
    waits = []
    for charger_id, times in known.items():
        at = next((t for t in times if t >= since), None)
        opened = [t for t in connects.get(charger_id, []) if since <= t <= at] if at else []
        if at is not None and opened:
            waits.append(at - opened[-1])
    return sorted(waits)


def p99_max(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    return values[min(len(values) - 1, int(len(values) * 0.99))], values[-1]


def profile(base: str, action: str, phase: str = "", *, cprofile: bool = False) -> None:
    """Start or stop (and write bench/.work/scale-<phase>.prof*) the profiling inside hass."""
    query = f"action={action}" + (f"&path={WORK / f'scale-{phase}.prof'}" if phase else "")
    query += "&cprofile=1" if cprofile else ""
    request = urllib.request.Request(f"{base}/api/scale_probe/profile?{query}", method="POST")
    with urllib.request.urlopen(request, timeout=120):
        pass


def profile_top(phase: str, limit: int = 18) -> str:
    """The functions with the most own time, then the integration's by cumulative time."""
    out = io.StringIO()
    if (WORK / f"scale-{phase}.prof").exists():
        stats = pstats.Stats(str(WORK / f"scale-{phase}.prof"), stream=out)
        stats.sort_stats("tottime").print_stats(limit)
        stats.sort_stats("cumulative").print_stats("ocpp_central", limit)
    handles = WORK / f"scale-{phase}.prof.handles.json"
    if handles.exists():
        out.write(
            "Event loop time per coroutine or callback: wall s, runs, longest wall ms,"
            " CPU s, longest CPU ms\n"
        )
        for name, total, runs, longest, cpu, cpu_longest in json.loads(
            handles.read_text(encoding="utf-8")
        ):
            out.write(
                f"{total:9.3f} {runs:8d} {longest * 1000:9.1f} {cpu:9.3f} {cpu_longest * 1000:9.1f}"
                f"  {name}\n"
            )
    gc_file = WORK / f"scale-{phase}.prof.gc.json"
    if gc_file.exists():
        out.write("Garbage collector, per generation: collections, total s, longest ms\n")
        for generation, (runs, total, longest) in json.loads(gc_file.read_text("utf-8")).items():
            out.write(f"  gen {generation}: {runs:6.0f} {total:8.3f} {longest * 1000:8.1f}\n")
    stacks = WORK / f"scale-{phase}.prof.stacks.json"
    if stacks.exists():
        report = json.loads(stacks.read_text(encoding="utf-8"))
        out.write(
            f"Loop thread sampled: busy {report['busy']:.0%} of {report['samples']} samples\n"
        )
        out.write("own time, share of samples:\n")
        for name, share in report["own"][:limit]:
            out.write(f"{share:7.1%}  {name}\n")
        out.write("inclusive, share of samples (the integration's and HA helpers'):\n")
        shown = [
            (name, share)
            for name, share in report["inclusive"]
            if "ocpp_central" in name or "helpers/" in name
        ]
        for name, share in shown[:limit]:
            out.write(f"{share:7.1%}  {name}\n")
    return f"--- profile: {phase} ---\n" + "\n".join(
        line for line in out.getvalue().splitlines() if line.strip()
    )


class Database:
    """The recorder's SQLite file, read on the side (WAL: readers do not block it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str) -> int:
        with suppress(sqlite3.Error), sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
            return int(db.execute(sql).fetchone()[0] or 0)
        return 0

    def rows(self) -> int:
        return self._query("SELECT MAX(state_id) FROM states")

    def attribute_rows(self) -> int:
        return self._query("SELECT MAX(attributes_id) FROM state_attributes")

    def size_mb(self) -> float:
        pages = self._query("PRAGMA page_count")
        size = self._query("PRAGMA page_size")
        return pages * size / 1e6


class Hass:
    """One hass process on the bench's config dir."""

    def __init__(self, config_dir: Path, base: str, log_path: Path) -> None:
        self.config_dir = config_dir
        self.base = base
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.started_wall = 0.0

    def start(self) -> None:
        log = self.log_path.open("a")
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.proc = subprocess.Popen(
            make_config.hass_command(self.config_dir), stdout=log, stderr=subprocess.STDOUT
        )

    def wait_loaded(self, timeout: float = 300) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"hass exited ({self.proc.returncode}); see {self.log_path}")
            with suppress(OSError, ValueError):
                status = probe(self.base)
                if status["entries"] == ["loaded"]:
                    return status
            if time.monotonic() > deadline:
                raise SystemExit(f"the integration did not load; see {self.log_path}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def wait_all_known(hass: Hass, chargers: int, since: float) -> tuple[float, dict[str, Any]]:
    """Seconds from `since` until every charger is known; the probe's last answer."""
    deadline = time.monotonic() + KNOWN_TIMEOUT_S
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if ENTITY_CAP in hass.log_path.read_text(errors="replace"):
            raise SystemExit(
                f"Home Assistant refused entities: {ENTITY_CAP} (10,000 enabled entities per"
                f" config entry); {last.get('devices')} chargers have entities; see {hass.log_path}"
            )
        with suppress(OSError, ValueError):
            last = probe(hass.base)
            if last["devices"] >= chargers and last["known"] >= chargers:
                return time.monotonic() - since, last
        time.sleep(0.5)
    raise SystemExit(f"only {last.get('known')} of {chargers} chargers known; see {hass.log_path}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chargers", type=int, default=200)
    parser.add_argument("--steady-s", type=float, default=120.0)
    parser.add_argument("--charging-share", type=float, default=0.3)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds the fleet joins over")
    parser.add_argument("--profile", action="store_true", help="profile the event loop per phase")
    parser.add_argument("--cprofile", action="store_true", help="with --profile: cProfile too")
    parser.add_argument(
        "--silent-reconnect-share",
        type=float,
        default=0.5,
        help="share of chargers that reconnect without booting or telling their status",
    )
    parser.add_argument(
        "--startup-only", action="store_true", help="only time the startup with N configured"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() in hass once started (shows what full garbage collections cost)",
    )
    parser.add_argument(
        "--entity-set",
        choices=("auto", "full", "car_park"),
        default="auto",
        help="the chargers' entity set; auto: car_park once full would pass HA's entity cap",
    )
    args = parser.parse_args()
    entity_set = args.entity_set
    if entity_set == "auto":
        fits = args.chargers * FULL_ENABLED_PER_CHARGER <= MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
        entity_set = "full" if fits else "car_park"
    if args.gc_freeze:
        os.environ["SCALE_PROBE_GC_FREEZE"] = "1"

    config_dir = WORK / "scale"
    http_port, ocpp_port = make_config.free_port(), make_config.free_port()
    cfg = make_config.HassConfig(
        http_port=http_port,
        ocpp_port=ocpp_port,
        unknown_chargers="reject",
        chargers=[
            make_config.ChargerSpec(f"SCALE{n:04d}", f"Bay {n:04d}") for n in range(args.chargers)
        ],
        components=("recorder",),
        log_level="warning",
        integration_log_level="warning",
        demo_login=False,
        energy_sensor=None,
        power_sensor=None,
        extra_components={"scale_probe": BENCH / "scale_probe"},
        location_name="OCPP scale bench",
        control_options={"entity_set": entity_set},
    )
    make_config.write_config(config_dir, cfg, reset=True)
    for stale in WORK.glob("scale-*.prof*"):
        stale.unlink()
    make_config.ensure_requirements([make_config.DOMAIN])
    base = f"http://127.0.0.1:{http_port}"
    log_path = WORK / "scale-hass.log"
    log_path.write_text("")
    db = Database(config_dir / "home-assistant_v2.db")
    hass = Hass(config_dir, base, log_path)
    print(
        f"{args.chargers} chargers ({entity_set} entity set), recorder on SQLite;"
        f" Home Assistant log: {log_path}"
    )

    hass.start()
    try:
        status = hass.wait_loaded()
        startup_s = time.monotonic() - hass.started
        time.sleep(5)
        rss_empty = rss_mb(hass.pid)
        print(f"  up in {startup_s:.1f} s (integration setup {status['setup_s'] or 0:.2f} s)")
        if args.startup_only:
            print(f"{'startup to integration loaded, s':40} {startup_s:.1f}")
            return 0
        fleet_cmd = [
            sys.executable,
            str(BENCH / "scale_fleet.py"),
            f"ws://127.0.0.1:{ocpp_port}",
            "--chargers",
            str(args.chargers),
            "--charging-share",
            str(args.charging_share),
            "--spread",
            str(args.spread),
            "--silent-reconnect-share",
            str(args.silent_reconnect_share),
        ]
        if args.profile:
            profile(base, "start", cprofile=args.cprofile)
        with child(fleet_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as fleet:
            assert fleet.stdout is not None
            assert fleet.stdin is not None
            lines = Lines(fleet.stdout)
            charging = int(lines.expect("CHARGING", timeout=60))
            joined = time.monotonic()
            probe(base, reset=True)
            join_s, _ = wait_all_known(hass, args.chargers, joined)
            join_lag = probe(base, reset=True)["lag"]
            join_waits = to_known_s(connect_times(fleet, lines), known_at(base))
            if args.profile:
                profile(base, "stop", "join")
            print(f"  all {args.chargers} known after {join_s:.1f} s; steady state...")

            # Let the join's after-work (entities added, quirks read) settle first.
            time.sleep(min(30.0, args.steady_s / 4))
            probe(base, reset=True)
            if args.profile:
                profile(base, "start", cprofile=args.cprofile)
            cpu0, rows0, attrs0, size0 = (
                cpu_seconds(hass.pid),
                db.rows(),
                db.attribute_rows(),
                db.size_mb(),
            )
            t0 = time.monotonic()
            time.sleep(args.steady_s)
            steady = time.monotonic() - t0
            cpu1 = cpu_seconds(hass.pid)
            # The recorder commits every 5 s: wait one commit, counted over the longer window.
            time.sleep(6)
            counted = time.monotonic() - t0
            rows1, attrs1, size1 = db.rows(), db.attribute_rows(), db.size_mb()
            steady_probe = probe(base, reset=True)
            if args.profile:
                profile(base, "stop", "steady")
            rss = rss_mb(hass.pid)
            cpu_pct = (cpu1 - cpu0) / steady * 100

            print("  restarting Home Assistant with every charger connected...")
            hass.stop()
            hass.start()
            hass.wait_loaded()
            if args.profile:
                profile(base, "start", cprofile=args.cprofile)
            restart_s, _ = wait_all_known(hass, args.chargers, hass.started)
            restart_lag = probe(base)["lag"]
            restart_waits = to_known_s(
                connect_times(fleet, lines), known_at(base), since=hass.started_wall
            )
            if args.profile:
                profile(base, "stop", "restart")
            fleet.stdin.write("QUIT\n")
            fleet.stdin.flush()
    finally:
        hass.stop()

    hours = counted / 3600
    rows = rows1 - rows0
    rows_per_charger_hour = rows / args.chargers / hours
    rows_per_charging_hour = rows / max(1, charging) / hours
    db_per_charger_day = (size1 - size0) / args.chargers * (86400 / counted)
    lag = steady_probe["lag"]
    print()
    if args.profile:
        for phase in ("join", "steady", "restart"):
            print(profile_top(phase))
        print()
    print(f"{'chargers (charging)':40} {args.chargers} ({charging})")
    print(f"{'startup to integration loaded, s':40} {startup_s:.1f}")
    print(f"{'join: all known, s':40} {join_s:.1f}")
    print(
        f"{'join: loop lag p50 / p99 / max, ms':40} {join_lag['p50']:.1f} / {join_lag['p99']:.1f} / {join_lag['max']:.1f}"
    )
    print(f"{'steady: CPU, % of one core':40} {cpu_pct:.1f}")
    print(
        f"{'steady: loop lag p50 / p99 / max, ms':40} {lag['p50']:.1f} / {lag['p99']:.1f} / {lag['max']:.1f}"
    )
    print(f"{'RSS without chargers / steady, MB':40} {rss_empty:.0f} / {rss:.0f}")
    print(f"{'recorder: state rows per charger-hour':40} {rows_per_charger_hour:.1f}")
    print(f"{'recorder: per charging charger-hour':40} {rows_per_charging_hour:.1f}")
    print(f"{'recorder: attribute rows in the window':40} {attrs1 - attrs0}")
    print(
        f"{'join: connect to known p99 / max, s':40} {p99_max(join_waits)[0]:.1f} /"
        f" {p99_max(join_waits)[1]:.1f} ({len(join_waits)} chargers)"
    )
    print(f"{'restart: all known again, s':40} {restart_s:.1f}")
    print(
        f"{'restart: reconnect to known p99 / max, s':40} {p99_max(restart_waits)[0]:.1f} /"
        f" {p99_max(restart_waits)[1]:.1f} ({len(restart_waits)} chargers)"
    )
    print(
        f"{'restart: loop lag p99 / max, ms':40} {restart_lag['p99']:.1f} / {restart_lag['max']:.1f}"
    )
    print(
        f"SCALE chargers={args.chargers} cpu_pct={cpu_pct:.1f} loop_lag_p99_ms={lag['p99']:.1f}"
        f" rss_mb={rss:.0f} mb_per_charger={(rss - rss_empty) / args.chargers:.3f}"
        f" join_s={join_s:.1f} restart_all_known_s={restart_s:.1f}"
        f" recorder_rows_per_charger_hour={rows_per_charger_hour:.1f}"
        f" db_mb_per_charger_day={db_per_charger_day:.3f}"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
