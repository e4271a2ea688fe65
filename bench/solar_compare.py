"""bench/solar_day.py --baseline evcc: ours against the evcc-like baseline, day by day.

Per day file and mode (Solar, Min+Solar) and charger (switching 1p/3p, fixed 3p) one row: solar
into the car, import (kWh and % of the energy charged), starts, phase switches and writes, for
ours and for the baseline (bench/solar_evcc.py), both through the same replay (model car and
charger, core/replay.py), and the budget oracle (bench/solar_oracle.py). Then the Cheapest check
per day, and the final SOLAR line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
import time

from solar_day import CHEAP_ARRIVAL_H, CHEAP_DEPARTURE_H, cheapest_costs
from solar_evcc import EvccLike
from solar_oracle import budget_oracle
from solar_sim import VOLTS, Car, Day, Metrics, load_day

from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorSettings,
    SolarSettings,
)
from custom_components.ocpp_central.control.core.replay import Controller, replay

MODES = (("Solar", ChargeMode.SOLAR), ("Min+Solar", ChargeMode.MIN_SOLAR))
CHARGERS = (("1p/3p", True), ("3p", False))


def day_files(directory: Path) -> list[Path]:
    """Every day file in a folder, in name order."""
    return sorted(
        p for p in directory.iterdir() if p.name.endswith((".json", ".json.gz")) and p.is_file()
    )


def connector_settings(day: Day) -> ConnectorSettings:
    return ConnectorSettings(
        min_current_a=day.car_min_a,
        max_current_a=day.car_max_a,
        phases=day.phases,
        can_switch_phases=day.can_switch_phases,
        current_step_a=day.step_a,
    )


def run_core(
    day: Day,
    settings: SolarSettings,
    mode: ChargeMode = ChargeMode.SOLAR,
    controller: Controller | None = None,
) -> Metrics:
    """The day's plug-in window through the replay, with ours or another controller."""
    surplus = [pv - house for pv, house in zip(day.pv_w, day.house_w, strict=True)]
    car = Car(
        min_a=day.car_min_a,
        max_a=day.car_max_a,
        energy_wh=day.energy_wh,
        capacity_wh=day.capacity_wh,
    )
    result = replay(
        surplus[day.arrive_s : day.leave_s],
        day.at(day.arrive_s),
        settings,
        connector_settings(day),
        car=car,
        mode=mode,
        controller=controller,
    )
    return Metrics(
        car_wh=result.car_wh,
        solar_to_car_wh=result.solar_wh,
        import_for_car_wh=result.import_wh,
        oracle_wh=result.oracle_wh,
        starts=result.starts,
        phase_switches=result.phase_switches,
        writes=result.writes,
    )


def plugged(day: Day) -> Day:
    """The day as the oracle sees it: no surplus while the car is away."""
    pv = [p if day.arrive_s <= s < day.leave_s else 0.0 for s, p in enumerate(day.pv_w)]
    return replace(day, pv_w=pv)


@dataclass
class Row:
    day: str
    mode: str
    charger: str
    ours: Metrics
    base: Metrics
    budget_wh: float

    @property
    def dominated(self) -> bool:
        o, b = self.ours, self.base
        return (
            b.solar_to_car_wh > o.solar_to_car_wh + 1.0
            and b.import_for_car_wh <= o.import_for_car_wh + 1.0
            and b.starts <= o.starts
        )

    @property
    def budget_pct(self) -> float | None:
        if self.budget_wh < 1000:
            return None
        return 100 * self.ours.solar_to_car_wh / self.budget_wh


def _share(m: Metrics) -> float:
    return 100 * m.import_for_car_wh / m.car_wh if m.car_wh > 1 else 0.0


HEADER = (
    f"{'day':<44} {'mode':<9} {'chg':<5} | {'solar':>6} {'imp%':>5} {'imp':>5} {'st':>3} "
    f"{'ph':>3} {'wr':>4} | {'evcc':>6} {'imp%':>5} {'imp':>5} {'st':>3} {'ph':>3} {'wr':>4} "
    f"| {'budget':>6} {'ours%':>6}"
)


def format_row(row: Row) -> str:
    o, b = row.ours, row.base
    pct = row.budget_pct
    flag = "  DOMINATED" if row.dominated else ""
    return (
        f"{row.day[:44]:<44} {row.mode:<9} {row.charger:<5} | "
        f"{o.solar_to_car_wh / 1000:6.2f} {_share(o):5.1f} {o.import_for_car_wh / 1000:5.2f} "
        f"{o.starts:3d} {o.phase_switches:3d} {o.writes:4d} | "
        f"{b.solar_to_car_wh / 1000:6.2f} {_share(b):5.1f} {b.import_for_car_wh / 1000:5.2f} "
        f"{b.starts:3d} {b.phase_switches:3d} {b.writes:4d} | "
        f"{row.budget_wh / 1000:6.1f} {'   n/a' if pct is None else f'{pct:6.1f}'}{flag}"
    )


def compare_day(day: Day, settings: SolarSettings) -> list[Row]:
    rows = []
    for charger, switching in CHARGERS:
        variant = replace(day, can_switch_phases=switching)
        budget = budget_oracle(plugged(variant), starts=settings.starts_per_day)
        for label, mode in MODES:
            ours = run_core(variant, settings, mode)
            base = run_core(variant, settings, mode, EvccLike())
            rows.append(Row(day.name, label, charger, ours, base, budget.solar_wh))
    return rows


def cheapest_check(day: Day) -> tuple[float, float, float]:
    """(cost charging at once, cost of our plan driven through the car, cheapest-hours oracle)."""
    at_once, planned, _, energy = cheapest_costs(day)
    arrival = day.at(CHEAP_ARRIVAL_H * 3600)
    departure = day.at(CHEAP_DEPARTURE_H * 3600)
    # The oracle: the energy the plan delivered, at full power in the cheapest hours of the
    # window, no handshake or ramp.
    power = day.car_max_a * VOLTS * day.phases
    needed, oracle = energy, 0.0
    window = [s for s in day.prices if s.start >= arrival and s.end <= departure]
    for slot in sorted(window, key=lambda s: s.price):
        take = min(needed, power * (slot.end - slot.start).total_seconds() / 3600)
        oracle += take / 1000 * slot.price
        needed -= take
    return at_once, planned, oracle


def run(directory: Path, settings: SolarSettings, ha_days: list[str]) -> int:
    files = day_files(directory)
    print(
        "Ours against the evcc-like baseline (bench/solar_evcc.py), same car, charger and replay.\n"
        "solar: kWh of solar into the car; imp%/imp: grid energy into the car (% of charged, kWh);\n"
        "st: starts; ph: phase switches; wr: limit writes; budget: the budget oracle's solar\n"
        "(<= 3 starts, <= 2 % import); ours%: ours / budget.\n"
    )
    print(HEADER)
    rows: list[Row] = []
    cheap: list[tuple[str, tuple[float, float, float]]] = []
    for path in files:
        day = load_day(path)
        started = time.perf_counter()
        for row in compare_day(day, settings):
            rows.append(row)
            print(format_row(row), flush=True)
        cheap.append((day.name, cheapest_check(day)))
        del started
    print("\nCheapest mode, 25 kWh 18:00-07:00: at once / our plan / cheapest-hours oracle")
    cheap_ok = True
    for name, (at_once, planned, oracle) in cheap:
        ok = abs(planned - oracle) <= 0.01
        cheap_ok &= ok
        print(
            f"{name[:44]:<44} {at_once:6.2f} {planned:6.2f} {oracle:6.2f} {'ok' if ok else 'MISS'}"
        )
    ha_diff = ha_compare(directory, files, settings, ha_days) if ha_days else None
    solar_rows = [r for r in rows if r.mode == "Solar"]
    # The budget oracle charges from the sun only (<= 2 % import): Solar rows are measured on it.
    pcts = [p for r in solar_rows if (p := r.budget_pct) is not None]
    line = (
        f"SOLAR days={len(files)} rows={len(rows)} "
        f"ours_dominated={sum(r.dominated for r in rows)} "
        f"min_budget_pct={min(pcts, default=100.0):.1f} "
        f"max_import_pct={max((_share(r.ours) for r in solar_rows), default=0.0):.1f} "
        f"max_starts={max((r.ours.starts for r in rows), default=0)} "
        f"ha_vs_core_max_kwh={'n/a' if ha_diff is None else f'{ha_diff:.2f}'}"
    )
    minsolar = [r for r in rows if r.mode == "Min+Solar"]
    worse = [r for r in minsolar if r.ours.import_for_car_wh > r.base.import_for_car_wh + 1.0]
    print(
        f"\nMin+Solar rows buying more grid than the baseline's Min+PV: {len(worse)}; "
        f"Cheapest within 0.01 of the oracle: {'all' if cheap_ok else 'NOT all'}"
    )
    print(line)
    return 0


def ha_compare(
    directory: Path, files: list[Path], settings: SolarSettings, keys: list[str]
) -> float:
    """Run the chosen days through Home Assistant; the largest difference in solar or import kWh
    against the core, Solar and Min+Solar on the switching charger.

    A key is a day file's number ("01"), or a number and a window of hours ("01@11-12": the car
    plugged in from 11:00 to 12:00, in both runs), or "all".
    """
    import os

    from solar_ha import run_ha

    chosen: list[tuple[Path, tuple[float, float] | None]] = []
    for key in keys:
        name, _, window = key.partition("@")
        hours = tuple(float(h) for h in window.split("-")) if window else None
        for path in files:
            if key == "all" or path.name.split(".")[0] == name:
                chosen.append((path, (hours[0], hours[1]) if hours else None))
    worst = 0.0
    print("\nThrough Home Assistant against the core (kWh solar / import):")
    for path, hours in chosen:
        day = replace(load_day(path), can_switch_phases=True)
        if hours is not None:
            day = replace(day, arrive_s=int(hours[0] * 3600), leave_s=int(hours[1] * 3600))
        os.environ["SOLAR_HA_SPAN"] = f"{day.arrive_s},{day.leave_s}"
        for label, mode in MODES:
            core = run_core(day, settings, mode)
            ha, _ = run_ha(day, mode.value)
            diff = max(
                abs(ha.solar_to_car_wh - core.solar_to_car_wh),
                abs(ha.import_for_car_wh - core.import_for_car_wh),
            )
            worst = max(worst, diff / 1000)
            span = f"{day.arrive_s / 3600:.1f}-{day.leave_s / 3600:.1f} h"
            print(
                f"{day.name[:36]:<36} {span:<11} {label:<9} core {core.solar_to_car_wh / 1000:5.2f} / "
                f"{core.import_for_car_wh / 1000:5.2f}  ha {ha.solar_to_car_wh / 1000:5.2f} / "
                f"{ha.import_for_car_wh / 1000:5.2f}  diff {diff / 1000:4.2f}",
                flush=True,
            )
    del directory
    return worst
