"""Replaying a day of solar surplus through the solar controller, with a model charger and car.

`replay` answers "what would Solar mode have done on this day with these settings": per second
of the day it steps a model car, every GRID_INTERVAL_S it hands the controller a grid reading and
applies what it decides, and it adds up where the car's energy came from.

It is a model, with these assumptions:

* The surplus is the day's measured surplus (what the house and the other loads left over), per
  second, and the rest of the site behaves the same whatever the car does. A home battery is not
  modelled: what it stored is not surplus here.
* One car is plugged in all day in Solar mode and never gets full (unless `car` says otherwise).
  It charges at what it is offered between its minimum (below it, nothing) and its maximum, the
  connector's minimum and maximum current, on the connector's phases.
* Car: after a pause or a phase switch it shakes hands for HANDSHAKE_S before drawing, ramps up
  at RAMP_UP_A_S (from half its minimum) and down at RAMP_DOWN_A_S.
* Charger: applies a written limit (and phases) CHARGER_DELAY_S after the write; reports its
  meter (power, current) every METER_INTERVAL_S.
* Grid meter: read every GRID_INTERVAL_S (the controller runs on each reading); it shows the
  surplus less what the model car draws.
* The oracle: every second, the most solar power a car could take from the surplus: all of it
  between the car's minimum and maximum power, on one or all phases where the charger can switch.
  No start counted, no delay: no controller reaches it on a day of fast clouds.

Nothing here reads a clock; a day (86400 values) replays in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import math
from typing import Protocol

from .modes import (
    ChargeMode,
    ConnectorInput,
    ConnectorSettings,
    Decision,
    SiteInput,
    SolarSettings,
)
from .solar import SolarController

CHARGER_DELAY_S = 3
METER_INTERVAL_S = 10
GRID_INTERVAL_S = 5
HANDSHAKE_S = 10
RAMP_UP_A_S = 2.0
RAMP_DOWN_A_S = 8.0
KEY = "replay"


@dataclass
class Car:
    """Follows what the charger offers, with a handshake and a ramp; nothing below its minimum."""

    min_a: float = 6.0
    max_a: float = 16.0
    capacity_wh: float = math.inf
    energy_wh: float = 0.0
    current_a: float = 0.0
    handshake_left: float = 0.0

    def step(self, offered_a: float, dt: float = 1.0) -> float:
        """Advance dt seconds; return the current drawn per phase."""
        target = min(offered_a, self.max_a) if offered_a >= self.min_a else 0.0
        if self.energy_wh >= self.capacity_wh:
            target = 0.0
        if target == 0.0:
            self.current_a = max(0.0, self.current_a - RAMP_DOWN_A_S * dt)
            self.handshake_left = HANDSHAKE_S
            return self.current_a
        if self.current_a == 0.0 and self.handshake_left > 0:
            self.handshake_left -= dt
            return 0.0
        if self.current_a < target:
            self.current_a = min(target, max(self.current_a, self.min_a * 0.5) + RAMP_UP_A_S * dt)
        else:
            self.current_a = max(target, self.current_a - RAMP_DOWN_A_S * dt)
        return self.current_a

    def interrupt(self) -> None:
        """Contactor opened (phase switch): stop and shake hands again."""
        self.current_a = 0.0
        self.handshake_left = HANDSHAKE_S


@dataclass
class Charger:
    """Applies written limits after a delay and meters every METER_INTERVAL_S."""

    car: Car
    phases: int = 3
    volts: float = 230.0
    limit_a: float = 0.0  # paused until the controller says otherwise
    pending: list[tuple[int, float, int]] = field(default_factory=list)
    meter: tuple[int, float, float] = (0, 0.0, 0.0)  # (second, power W, current A)

    def write(self, second: int, limit_a: float, phases: int) -> None:
        """Take a limit written at this second; it applies CHARGER_DELAY_S later."""
        self.pending.append((second + CHARGER_DELAY_S, limit_a, phases))

    def step(self, second: int) -> tuple[float, bool]:
        """Apply due writes, advance the car one second; (power W, a phase switch stopped it)."""
        switched = False
        while self.pending and self.pending[0][0] <= second:
            _, limit, phases = self.pending.pop(0)
            if phases != self.phases:
                switched = self.car.current_a > 0
                self.car.interrupt()
                self.phases = phases
            self.limit_a = limit
        amps = self.car.step(self.limit_a)
        power = amps * self.volts * self.phases
        self.car.energy_wh += power / 3600
        if second % METER_INTERVAL_S == 0:
            self.meter = (second, power, amps)
        return power, switched


def power_ranges(connector: ConnectorSettings, volts: float) -> list[tuple[float, float]]:
    """Return the car's power range (W) on all phases, and on one where the charger can switch."""
    ranges = [
        (
            connector.min_current_a * volts * connector.phases,
            connector.max_current_a * volts * connector.phases,
        )
    ]
    if connector.can_switch_phases and connector.phases > 1:
        ranges.append((connector.min_current_a * volts, connector.max_current_a * volts))
    return ranges


def oracle_power(surplus_w: float, ranges: Sequence[tuple[float, float]]) -> float:
    """Return the most solar power a car can take from this surplus, given its power ranges."""
    best = 0.0
    for low, high in ranges:
        if surplus_w >= low:
            best = max(best, min(surplus_w, high))
    return best


def step_hold(changes: Sequence[tuple[float, float | None]], seconds: int) -> list[float | None]:
    """Return a value per second from (offset s, value) changes in time order; None: unknown.

    A value holds from the first whole second at or after its change until the next change;
    before the first change nothing is known.
    """
    values: list[float | None] = [None] * seconds
    for n, (at, value) in enumerate(changes):
        begin = min(seconds, max(0, math.ceil(at)))
        end = (
            seconds if n + 1 == len(changes) else min(seconds, max(0, math.ceil(changes[n + 1][0])))
        )
        if end > begin:
            values[begin:end] = [value] * (end - begin)
    return values


def day_surplus(
    grid_w: Sequence[float | None], car_w: Sequence[float | None]
) -> tuple[list[float], int]:
    """Return the surplus per second (minus the grid, plus the car's own draw) and the seconds missing.

    A second without a grid reading counts as no surplus (0 W) and as missing; without a reading
    of the car's power the car drew nothing.
    """
    surplus: list[float] = []
    missing = 0
    for grid, car in zip(grid_w, car_w, strict=True):
        if grid is None:
            surplus.append(0.0)
            missing += 1
        else:
            surplus.append(-grid + max(0.0, car or 0.0))
    return surplus, missing


class Controller(Protocol):
    """What the replay drives: the solar controller, or another one to compare it with."""

    def update(self, site: SiteInput, connectors: Sequence[ConnectorInput]) -> list[Decision]:
        """Decide every connector from one grid reading."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    """Energy into the car (Wh) by source, the oracle's solar (Wh), and the wear counts."""

    car_wh: float
    solar_wh: float
    import_wh: float
    oracle_wh: float
    starts: int
    phase_switches: int
    writes: int


def replay(
    surplus_w: Sequence[float],
    start: datetime,
    settings: SolarSettings,
    connector: ConnectorSettings,
    *,
    car: Car | None = None,
    mode: ChargeMode = ChargeMode.SOLAR,
    controller: Controller | None = None,
) -> ReplayResult:
    """Replay a day: surplus_w per second from start (positive: export with no car charging).

    A start is the car drawing again after a pause; drawing again after a phase switch is a
    phase switch. Writes are the limits the controller sent (OCPP charging profiles). The car
    is in `mode` (Solar or Min+Solar); `controller` replaces the solar controller (a baseline).
    """
    controller = controller if controller is not None else SolarController(settings)
    volts = settings.voltage_v
    car = (
        car
        if car is not None
        else Car(min_a=connector.min_current_a, max_a=connector.max_current_a)
    )
    charger = Charger(car, phases=connector.phases, volts=volts)
    ranges = power_ranges(connector, volts)
    origin, zone = start.astimezone(UTC), start.tzinfo
    car_wh = solar_wh = import_wh = oracle_wh = 0.0
    starts = phase_switches = writes = 0
    was_charging = restart_after_switch = False
    for second, surplus in enumerate(surplus_w):
        power, switched = charger.step(second)
        restart_after_switch = restart_after_switch or switched
        solar = min(power, max(0.0, surplus))
        car_wh += power / 3600
        solar_wh += solar / 3600
        import_wh += (power - solar) / 3600
        oracle_wh += oracle_power(surplus, ranges) / 3600
        charging = power > 0
        if charging and not was_charging:
            if restart_after_switch:
                phase_switches += 1
            else:
                starts += 1
            restart_after_switch = False
        was_charging = charging
        if second % GRID_INTERVAL_S:
            continue
        now = (origin + timedelta(seconds=second)).astimezone(zone)
        meter_s, meter_w, meter_a = charger.meter
        currents = (meter_a,) * charger.phases + (0.0,) * (3 - charger.phases)
        reading = ConnectorInput(
            key=KEY,
            mode=mode,
            settings=connector,
            plugged_in=True,
            session_active=True,
            power_w=meter_w,
            current_a=currents,
            measured_at=(origin + timedelta(seconds=meter_s)).astimezone(zone),
        )
        site = SiteInput(now=now, grid_power_w=power - surplus, grid_measured_at=now)
        for decision in controller.update(site, [reading]):
            if decision.send and decision.limit_a is not None:
                writes += 1
                charger.write(second, decision.limit_a, decision.phases)
    return ReplayResult(
        car_wh=car_wh,
        solar_wh=solar_wh,
        import_wh=import_wh,
        oracle_wh=oracle_wh,
        starts=starts,
        phase_switches=phase_switches,
        writes=writes,
    )
