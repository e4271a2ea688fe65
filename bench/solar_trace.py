#!/usr/bin/env python3
"""Where the real-integration path and the pure core part ways on a day: both traced, compared.

    .venv/bin/python bench/solar_trace.py bench/days/01.json.gz --mode min_solar [--hours 9-12]

Runs the day's window through the core (core/replay.py) and through Home Assistant
(bench/solar_ha.py) with a trace of every controller pass: the grid reading and its age, the
car's metered power and its age, and each connector's decision (limit, phases, written or not,
reason). It prints both paths' figures, then the first passes where the limits in force differ,
with the passes around them from both sides.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
import json
import os
from pathlib import Path
import sys
import tempfile
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorInput,
    Decision,
    SiteInput,
)


@dataclass
class Trace:
    """Writes one JSON line per controller pass, seconds counted from the day's midnight."""

    path: str
    midnight: datetime

    def _s(self, moment: datetime | None) -> float | None:
        return None if moment is None else (moment - self.midnight).total_seconds()

    def watch(self, controller: Any) -> Any:
        """Trace every `update` of this controller (the instance only, its class has slots):
        it becomes an instance of a traced subclass. Return it."""
        trace, base = self, type(controller)

        class Traced(base):  # type: ignore[misc,valid-type]
            __slots__ = ()

            def update(
                self, site: SiteInput, connectors: Sequence[ConnectorInput]
            ) -> list[Decision]:
                decisions: list[Decision] = super().update(site, connectors)
                trace.write(site, connectors, decisions)
                return decisions

        controller.__class__ = Traced
        return controller

    def tick(self, moment: datetime, car_w: float, offered_a: float, phases: int) -> None:
        """What the car drew at a grid reading (the Home Assistant side's own line)."""
        line = {"tick": self._s(moment), "car": car_w, "offered": offered_a, "on": phases}
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")

    def received(self, moment: datetime, action: str, payload: dict[str, Any]) -> None:
        """A call the simulated charger received (the Home Assistant side's own line)."""
        line = {"call": self._s(moment), "action": action, "payload": payload}
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")

    def write(
        self, site: SiteInput, connectors: Sequence[ConnectorInput], decisions: list[Decision]
    ) -> None:
        car = connectors[0] if connectors else None
        line = {
            "t": self._s(site.now),
            "grid": site.grid_power_w,
            "grid_at": self._s(site.grid_measured_at),
            "car_w": None if car is None else car.power_w,
            "car_at": None if car is None else self._s(car.measured_at),
            "amps": None if car is None else list(car.current_a),
            "phases": None if car is None else car.settings.phases,
            "switch": None if car is None else car.settings.can_switch_phases,
            "d": [
                [d.limit_a, d.phases, d.send, d.immediate, str(d.explanation.reason)]
                for d in decisions
            ],
        }
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")


def _read(path: str) -> list[dict[str, Any]]:
    with open(path) as handle:
        return [p for line in handle if "t" in (p := json.loads(line))]


def _sent(passes: list[dict[str, Any]]) -> list[tuple[float, float, int]]:
    """(second, limit, phases) of every written decision."""
    return [(p["t"], d[0], d[1]) for p in passes for d in p["d"] if d[2] and d[0] is not None]


def _show(label: str, passes: list[dict[str, Any]], around: float, width: float) -> None:
    print(f"  {label}:")
    for p in passes:
        if abs(p["t"] - around) <= width:
            d = p["d"][0] if p["d"] else None
            print(
                f"    t={p['t']:8.1f} grid={p['grid']} (at {p['grid_at']}) car={p['car_w']} "
                f"(at {p['car_at']}) ph={p['phases']} sw={p['switch']} -> {d}"
            )


def main() -> int:
    from solar_compare import run_core
    from solar_ha import run_ha
    from solar_sim import load_day

    from custom_components.ocpp_central.control.core.modes import SolarSettings
    from custom_components.ocpp_central.control.core.solar import SolarController

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("day")
    parser.add_argument("--mode", default="solar", choices=[m.value for m in ChargeMode])
    parser.add_argument("--hours", default="", help="plug-in window, e.g. 9-12")
    parser.add_argument("--show", type=int, default=3, help="divergences to show")
    parser.add_argument("--keep", default="", help="keep the traces in this folder")
    args = parser.parse_args()
    day = replace(load_day(Path(args.day)), can_switch_phases=True)
    if args.hours:
        first, last = (float(h) for h in args.hours.split("-"))
        day = replace(day, arrive_s=int(first * 3600), leave_s=int(last * 3600))
    os.environ["SOLAR_HA_SPAN"] = f"{day.arrive_s},{day.leave_s}"
    settings = SolarSettings()
    mode = ChargeMode(args.mode)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or tmp
        core_path, ha_path = f"{folder}/core.jsonl", f"{folder}/ha.jsonl"
        for path in (core_path, ha_path):
            Path(path).unlink(missing_ok=True)
        core_trace = Trace(core_path, day.date)
        core = run_core(day, settings, mode, core_trace.watch(SolarController(settings)))
        os.environ["SOLAR_HA_TRACE"] = ha_path
        try:
            ha, _ = run_ha(day, mode.value)
        finally:
            del os.environ["SOLAR_HA_TRACE"]
        core_passes, ha_passes = _read(core_path), _read(ha_path)
    for label, m in (("core", core), ("ha", ha)):
        print(
            f"{label:<5} solar {m.solar_to_car_wh / 1000:6.2f} kWh  import "
            f"{m.import_for_car_wh / 1000:6.2f} kWh  starts {m.starts}  phase switches "
            f"{m.phase_switches}  writes {m.writes}"
        )
    print(f"passes: core {len(core_passes)}, ha {len(ha_passes)}")
    core_sent, ha_sent = _sent(core_passes), _sent(ha_passes)
    shown = 0
    # Walk both write lists: a write is matched by the other side's within 10 s, same value.
    for when, limit, phases in core_sent:
        match = [
            w
            for w in ha_sent
            if abs(w[0] - when) <= 10 and abs(w[1] - limit) < 0.05 and w[2] == phases
        ]
        if match:
            continue
        print(f"\ncore wrote {limit} A on {phases} ph at t={when} (no such write in HA ±10 s)")
        _show("core", core_passes, when, 30)
        _show("ha", ha_passes, when, 30)
        shown += 1
        if shown >= args.show:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
