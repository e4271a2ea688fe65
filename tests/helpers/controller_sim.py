"""A tiny site for controller tests: cars follow their limit at once, the grid is what is left."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from custom_components.ocpp_central.control.core.modes import (
    ChargeMode,
    ConnectorInput,
    ConnectorSettings,
    Decision,
    SiteInput,
    SolarSettings,
)
from custom_components.ocpp_central.control.core.solar import SolarController

T0 = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
VOLTS = 230.0


@dataclass
class Car:
    """One connector with a car that draws exactly what it is offered."""

    key: str
    mode: ChargeMode = ChargeMode.SOLAR
    settings: ConnectorSettings = field(default_factory=ConnectorSettings)
    limit_a: float = 0.0
    phases: int = 3
    plugged_in: bool = True
    session_active: bool = True

    @property
    def power_w(self) -> float:
        return (
            self.limit_a * VOLTS * self.phases
            if self.limit_a >= self.settings.min_current_a
            else 0.0
        )

    def currents(self) -> tuple[float, ...]:
        amps = self.limit_a if self.power_w else 0.0
        return (amps,) * self.phases + (0.0,) * (3 - self.phases)


@dataclass
class Site:
    """Surplus (PV minus house) in W, the cars, and the controller; step() moves time on."""

    settings: SolarSettings = field(default_factory=SolarSettings)
    cars: list[Car] = field(default_factory=list)
    now: datetime = T0
    controller: SolarController = field(init=False)
    decisions: list[Decision] = field(default_factory=list)
    writes: list[tuple[datetime, Decision]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.controller = SolarController(self.settings)

    def inputs(self) -> list[ConnectorInput]:
        return [
            ConnectorInput(
                key=car.key,
                mode=car.mode,
                settings=car.settings,
                plugged_in=car.plugged_in,
                session_active=car.session_active,
                power_w=car.power_w,
                current_a=car.currents(),
                measured_at=self.now,
            )
            for car in self.cars
        ]

    def grid_w(self, surplus_w: float) -> float:
        return -surplus_w + sum(car.power_w for car in self.cars if car.plugged_in)

    def tick(self, surplus_w: float, **site: object) -> dict[str, Decision]:
        """One reading now; apply what was written."""
        reading = SiteInput(
            now=self.now,
            grid_power_w=self.grid_w(surplus_w),
            grid_measured_at=self.now,
            **site,  # type: ignore[arg-type]
        )
        decisions = self.controller.update(reading, self.inputs())
        self.decisions = decisions
        for decision in decisions:
            if decision.send and decision.limit_a is not None:
                self.writes.append((self.now, decision))
                car = self.car(decision.key)
                car.limit_a = decision.limit_a
                car.phases = decision.phases
        return {d.key: d for d in decisions}

    def run(
        self, seconds: int, surplus_w: float, every: int = 5, **site: object
    ) -> dict[str, Decision]:
        """Readings every few seconds for a while; returns the last decisions."""
        last: dict[str, Decision] = {}
        for _ in range(0, seconds, every):
            last = self.tick(surplus_w, **site)
            self.now += timedelta(seconds=every)
        return last

    def car(self, key: str) -> Car:
        return next(car for car in self.cars if car.key == key)


def car(key: str = "A", **settings: object) -> Car:
    mode = settings.pop("mode", ChargeMode.SOLAR)
    phases = int(settings.get("phases", 3))  # type: ignore[call-overload]
    return Car(key, mode=mode, settings=replace(ConnectorSettings(), **settings), phases=phases)  # type: ignore[arg-type]


def vars_of(connector: ConnectorInput) -> dict[str, object]:
    return {name: getattr(connector, name) for name in connector.__dataclass_fields__}
