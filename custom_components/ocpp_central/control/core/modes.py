"""Charge modes, controller settings, inputs and outputs of the pure control core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ChargeMode(StrEnum):
    """What a connector's charge-mode select asks for."""

    OFF = "off"  # paused (0 A); the session is kept
    FAST = "fast"  # maximum current the fuse allows
    SOLAR = "solar"  # surplus only; paused when there is none
    MIN_SOLAR = "min_solar"  # minimum current always, plus surplus
    CHEAPEST = "cheapest"  # a price plan, pushed to the charger as one schedule
    EXTERNAL = "external"  # only automations and services act


# Modes whose current the solar controller sets.
CONTROLLED_MODES = frozenset(
    {ChargeMode.OFF, ChargeMode.FAST, ChargeMode.SOLAR, ChargeMode.MIN_SOLAR}
)
SURPLUS_MODES = frozenset({ChargeMode.SOLAR, ChargeMode.MIN_SOLAR})


class Reason(StrEnum):
    """Why a connector gets what it gets: the state of the reason sensor."""

    NO_CAR = "no_car"
    OFF = "off"
    EXTERNAL = "external"
    FAST = "fast"
    SOLAR = "solar"
    MIN_SOLAR = "min_solar"
    WAITING_FOR_SURPLUS = "waiting_for_surplus"
    CLOUDY = "cloudy"
    NO_SURPLUS = "no_surplus"
    STOPPING = "stopping"
    MIN_ON_TIME = "min_on_time"
    MIN_OFF_TIME = "min_off_time"
    START_BUDGET = "start_budget"
    BATTERY_PRIORITY = "battery_priority"
    FUSE_LIMIT = "fuse_limit"
    EXTERNAL_LIMIT = "external_limit"
    PHASE_SWITCH = "phase_switch"
    INPUT_UNAVAILABLE = "input_unavailable"
    PLAN_CHARGING = "plan_charging"
    PLAN_WAITING = "plan_waiting"
    PRICE_UNAVAILABLE = "price_unavailable"
    TARGET_REACHED = "target_reached"


# Running reasons that EXTERNAL_LIMIT replaces when another party's limit holds the current.
CAPPED_REASONS = frozenset({Reason.FAST, Reason.SOLAR, Reason.MIN_SOLAR})


class Strategy(StrEnum):
    """How surplus is shared between several cars."""

    PRIORITY = "priority"  # fill the highest priority first
    EQUAL = "equal"  # every charging car its minimum, the rest split equally


@dataclass(frozen=True, slots=True, kw_only=True)
class SolarSettings:
    """Site-wide controller settings; defaults follow the field notes (evcc's, plus wear guards)."""

    voltage_v: float = 230.0
    strategy: Strategy = Strategy.PRIORITY
    # Start when the surplus covers minimum power (plus this) for enable_delay_s.
    enable_threshold_w: float = 0.0
    enable_delay_s: float = 60.0
    # Stop after importing more than this at minimum current for disable_delay_s.
    disable_threshold_w: float = 0.0
    disable_delay_s: float = 180.0
    # Cloud guard: no start while, over the last cloud_window_s, a car charging at least at its
    # minimum would have drawn more than cloud_start_share of its energy from the grid (the
    # surplus dips below the minimum too often: a dull spell, not a passing cloud). None: off.
    cloud_window_s: float = 600.0
    cloud_start_share: float | None = 0.3
    # The guard holds only starts that leave at most this many for the rest of the day (a
    # start the day still has spares for is spent: a cycling load is not a cloud); None: all.
    cloud_guard_spares: int | None = 0
    # Operating point: keep this much exported (positive) or allow this much import (negative).
    residual_power_w: float = 0.0
    # Main fuse per phase; None: not limited.
    fuse_limit_a: float | None = None
    # Contactor and car care.
    min_on_s: float = 300.0
    min_off_s: float = 300.0
    starts_per_day: int = 3
    # With no start left today a pause is final: it then takes this long importing at minimum.
    final_stop_delay_s: float = 1200.0
    deadband_a: float = 0.1
    write_interval_s: float = 30.0
    # A decrease that stops an import above this may be written as soon as the charger settled
    # (as an immediate write), not only after the write interval; None: never.
    fast_down_w: float | None = 300.0
    fast_down_interval_s: float = 10.0
    # A measurement this soon after a write may not show it yet; after a start the car may take
    # up to start_settle_s to draw (handshake, ramp). Surplus decisions wait meanwhile.
    settle_s: float = 5.0
    start_settle_s: float = 45.0
    # Phase switching (chargers that can): own delays and a minimum interval between switches.
    # Up once the surplus carries all phases steadily for phase_up_delay_s (the timer restarts
    # whenever it does not); down when it does not carry them for phase_down_delay_s.
    phase_up_delay_s: float = 60.0
    phase_down_delay_s: float = 30.0
    # Min+Solar charges on through a cloud anyway: down only when the dip lasts this long (a
    # switch costs the car's restart, and the sun after the cloud waits for the way back up).
    min_solar_phase_down_delay_s: float = 180.0
    phase_switch_interval_s: float = 180.0
    # Import budget: a dip that costs less than ride_share of the car's minimum power is ridden
    # at the minimum (no stop timer) while the day's import into cars stays under
    # import_share of what they charged (plus import_allowance_wh). None: off.
    import_share: float | None = 0.02
    import_allowance_wh: float = 100.0
    ride_share: float = 0.15
    # A grid reading older than the charger's reading lets no timer end (a stop, a phase switch)
    # while it is younger than this: a fresh one is on its way.
    stale_grid_s: float = 15.0
    # The home battery charges first while its state of charge is below this; None: no priority.
    battery_priority_soc: float | None = None
    # Grid power older than this is unavailable: the safe behaviour starts.
    input_timeout_s: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorSettings:
    """One connector as the controller sees it."""

    min_current_a: float = 6.0
    max_current_a: float = 16.0
    # Phases wired to the charger (1 or 3).
    phases: int = 3
    # The charger can switch between one and three phases (OCPP numberPhases).
    can_switch_phases: bool = False
    # Higher first.
    priority: int = 0
    # The smallest step of a limit: 0.1 A (the OCPP schema), or 1 A on chargers that need whole amps.
    current_step_a: float = 0.1
    # Grid phase (0, 1, 2) of the charger's L1, L2, L3 (OCPP ConnectorPhaseRotation).
    phase_rotation: tuple[int, int, int] = (0, 1, 2)
    # Another party's limit on the charger (an EMS, the grid operator; OCPP 2.0.1), None: none.
    # max_current_a is no higher; below min_current_a the car cannot charge at all.
    external_limit_a: float | None = None

    @property
    def blocked(self) -> bool:
        """Whether another party's limit leaves less than the minimum current: no charging."""
        return self.external_limit_a is not None and self.external_limit_a < self.min_current_a

    def explain(self, target_a: float, explanation: Explanation) -> Explanation:
        """Give EXTERNAL_LIMIT as the reason when another party's limit holds a running connector."""
        if (
            self.external_limit_a is None
            or target_a < self.external_limit_a
            or explanation.reason not in CAPPED_REASONS
        ):
            return explanation
        return Explanation(Reason.EXTERNAL_LIMIT)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorInput:
    """What the charger told us about one connector, and its mode."""

    key: str
    mode: ChargeMode
    settings: ConnectorSettings = ConnectorSettings()
    plugged_in: bool = False
    session_active: bool = False
    # Measured charging power and per-phase currents (the charger's L1..L3), and when.
    power_w: float | None = None
    current_a: tuple[float, ...] = ()
    measured_at: datetime | None = None
    voltage_v: float | None = None
    # The car reached its target (energy or state of charge): pause.
    target_reached: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteInput:
    """What the site's meters say, and when that was measured."""

    now: datetime
    # Positive: import from the grid; None: unavailable.
    grid_power_w: float | None
    grid_measured_at: datetime | None = None
    # Signed per-phase grid currents (positive: import), when a meter gives them.
    grid_current_a: tuple[float, float, float] | None = None
    # Positive: the home battery charges.
    battery_power_w: float | None = None
    battery_soc: float | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """A reason, a detail (e.g. the phase "L2", or "1"/"3" for a phase switch) and a timer."""

    reason: Reason
    detail: str | None = None
    timer_s: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What one connector should get now.

    limit_a is the current per phase the connector should have (0: paused), None when the
    controller leaves it alone. send tells whether it must be written now; immediate that
    it may not wait for the write interval (fuse, a user's mode change).
    """

    key: str
    limit_a: float | None
    phases: int
    send: bool = False
    immediate: bool = False
    start_session: bool = False
    explanation: Explanation
