"""One connector as the site controller sees it: its own settings, and its input to the core.

The settings (priority, departure, target energy) come from the connector's Charge priority,
Departure time and Target energy entities and survive restarts through them. Unset, the car's own
word applies where it gave one (departure and energy, ISO 15118 over OCPP 2.0.1), else the site-wide
options: priority 0, the departure and target of the integration's options. The charger's maximum
is capped at any limit another party put on it (OCPP 2.0.1 NotifyChargingLimit: an EMS, the grid
operator), so that the controller never asks for more than the charger may give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from homeassistant.util import dt as dt_util

from ..csms.model import Connector, Phase
from .core.guards import floor_a
from .core.modes import ChargeMode, ConnectorInput, ConnectorSettings

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator

PHASES = (Phase.L1, Phase.L2, Phase.L3)
# A charger may take this long to switch phases (pause, switch, resume) after it was asked to.
PHASE_SWITCH_S = 120.0


@dataclass(frozen=True, slots=True)
class ConnectorPreferences:
    """What the household chose for one connector; None: the site-wide option applies."""

    # Higher first, when surplus or the main fuse do not reach every car.
    priority: int = 0
    # Cheapest mode: the car leaves at this local time of day (its next occurrence).
    departure: time | None = None
    # Cheapest mode: energy to charge per session (kWh); wins over the site's target SoC and energy.
    target_energy_kwh: float | None = None

    @property
    def plan_inputs(self) -> tuple[time | None, float | None]:
        """What a Cheapest plan depends on."""
        return self.departure, self.target_energy_kwh


@dataclass(frozen=True, slots=True)
class CarWord:
    """What the car itself asked for (NotifyEVChargingNeeds); None: it did not say."""

    departure: datetime | None = None
    # Energy it still asks for: its request less what the session charged since it asked.
    energy_wh: float | None = None

    @classmethod
    def of(cls, connector: Connector) -> CarWord:
        """Read the car's word on a connector; a request of nothing counts as no word."""
        ev = connector.ev
        energy = None
        if ev.energy_requested_wh is not None and ev.energy_requested_wh > 0:
            since = 0.0
            if connector.transaction is not None:
                since = max(0.0, (connector.session_energy_wh or 0.0) - ev.requested_at_session_wh)
            energy = max(0.0, ev.energy_requested_wh - since)
        return cls(ev.departure_time, energy)

    @staticmethod
    def mark(connector: Connector) -> tuple[Any, ...]:
        """Return what the car said, as told: a new word calls for a new plan (charging does not)."""
        ev = connector.ev
        return ev.departure_time, ev.energy_requested_wh, ev.requested_at_session_wh


@dataclass(slots=True)
class _Seen:
    """When we received a connector's latest meter reading (our clock, not the charger's)."""

    mark: tuple[Any, ...] = ()
    at: datetime | None = None


@dataclass
class ConnectorReader:
    """Builds each connector's ConnectorInput, remembering what earlier readings showed."""

    _seen: dict[str, _Seen] = field(default_factory=dict)
    # Phases a connector was seen charging on (three until seen).
    _phases: dict[str, int] = field(default_factory=dict)
    # Connectors of chargers that switch phases whose car drew on one phase when given three:
    # a one-phase car, controlled as one until it leaves.
    _one_phase_cars: set[str] = field(default_factory=set)
    # The phases last asked of each connector, and since when (a switch takes the charger a while).
    _asked: dict[str, tuple[int | None, datetime]] = field(default_factory=dict)

    def read(
        self,
        key: str,
        coordinator: ChargerCoordinator,
        connector: Connector,
        now: datetime,
        *,
        mode: ChargeMode,
        preferences: ConnectorPreferences,
    ) -> ConnectorInput:
        """Return the connector's input to the core for a pass at now."""
        seen = self._seen.setdefault(key, _Seen())
        mark = (connector.last_meter_at, connector.power_w, tuple(connector.current_a.items()))
        if mark != seen.mark:
            seen.mark, seen.at = mark, dt_util.as_local(now)
        currents = tuple(connector.current_a.get(phase, 0.0) for phase in PHASES)
        drawing = sum(1 for amps in currents if amps > 1.0)
        smart = coordinator.smart
        asked = smart.requested_phases(connector.connector_id)
        if (last := self._asked.get(key)) is None or last[0] != asked:
            self._asked[key] = last = (asked, now)
        if connector.charging and connector.current_a and drawing:
            self._phases[key] = drawing
            if asked != 1 and (now - last[1]).total_seconds() >= PHASE_SWITCH_S:
                # Offered three phases (or left to the charger), the car shows what it draws on.
                if drawing == 1:
                    self._one_phase_cars.add(key)
                else:
                    self._one_phase_cars.discard(key)
        if not connector.plugged_in:
            self._one_phase_cars.discard(key)
        volts = [v for v in connector.voltage_v.values() if v > 100]
        config = coordinator.config
        switching = smart.can_switch_phases and key not in self._one_phase_cars
        step = 1.0 if smart.quirks.whole_amps else 0.1
        # Another party's limit (2.0.1 NotifyChargingLimit), in the steps a limit is written in.
        external = coordinator.charger.external_limit(connector.connector_id, now)
        external_a = None if external is None else floor_a(external[0], step)
        return ConnectorInput(
            key=key,
            # Cheapest is planned by the planner; the core only leaves it alone.
            mode=mode,
            settings=ConnectorSettings(
                min_current_a=config.min_current,
                max_current_a=(
                    config.max_current
                    if external_a is None
                    else min(config.max_current, external_a)
                ),
                phases=3 if switching else self._wired_phases(key, connector),
                can_switch_phases=switching,
                priority=preferences.priority,
                current_step_a=step,
                external_limit_a=external_a,
            ),
            plugged_in=bool(connector.plugged_in),
            session_active=connector.transaction is not None,
            power_w=connector.power_w,
            current_a=currents if connector.current_a else (),
            # Only a metered power is a reading the charger took: the 0 W an idle status implies
            # (04650ae, f9b885f) is no measurement after a write, so nothing waits for it to settle.
            measured_at=(
                seen.at
                if connector.power_w is not None
                and "Power.Active.Import" in connector.seen_measurands
                else None
            ),
            voltage_v=sum(volts) / len(volts) if volts else None,
        )

    def _wired_phases(self, key: str, connector: Connector) -> int:
        """Return the phases the car was last seen drawing on, or its own word (2.0.1); else three."""
        if (seen := self._phases.get(key)) is not None:
            return seen
        return connector.ev.phases_used or 3
