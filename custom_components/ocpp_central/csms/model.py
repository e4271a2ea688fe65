"""Version-neutral charger model: what a charger is and what it last told us.

Protocol adapters write into these dataclasses; Home Assistant entities only read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .energy import UNRATED, EnergyRegister
from .rating import Rating
from .trace import FrameTrace

# The measurand of the lifetime energy register (and OCPP's default measurand).
ENERGY_REGISTER = "Energy.Active.Import.Register"


class ConnectorStatus(StrEnum):
    """Connector or station status, in the 1.6 vocabulary that 2.0.1 states map onto."""

    AVAILABLE = "available"
    PREPARING = "preparing"
    CHARGING = "charging"
    SUSPENDED_EV = "suspended_ev"
    SUSPENDED_EVSE = "suspended_evse"
    FINISHING = "finishing"
    RESERVED = "reserved"
    UNAVAILABLE = "unavailable"
    FAULTED = "faulted"


PLUGGED_IN_STATUSES = frozenset(
    {
        ConnectorStatus.PREPARING,
        ConnectorStatus.CHARGING,
        ConnectorStatus.SUSPENDED_EV,
        ConnectorStatus.SUSPENDED_EVSE,
        ConnectorStatus.FINISHING,
    }
)


# Where the charger offers energy: Charging, and SuspendedEV, where the car takes none of it.
OFFERING_STATUSES = frozenset({ConnectorStatus.CHARGING, ConnectorStatus.SUSPENDED_EV})
# No current flows in these, whatever came before (2.0.1's Occupied maps to Preparing, which a
# charger that never tells its charging state reports all through a session: not among them).
NO_FLOW_STATUSES = frozenset(ConnectorStatus) - {
    ConnectorStatus.CHARGING,
    ConnectorStatus.PREPARING,
}


class Phase(StrEnum):
    """Phase of a three-phase value."""

    L1 = "l1"
    L2 = "l2"
    L3 = "l3"


@dataclass(slots=True, frozen=True)
class Sample:
    """One meter reading in base units (W, Wh, A, V, %, °C, Hz), phase None for a total."""

    measurand: str
    value: float
    phase: Phase | None = None


@dataclass
class Transaction:
    """A charging session as the central system knows it."""

    transaction_id: int | str
    connector_id: int
    id_tag: str | None
    meter_start_wh: float
    started_at: datetime

    def __post_init__(self) -> None:
        """Not stored (a restart forgets it): whether it was opened from a backlog.

        A session whose start is older than readings already taken is a replay: the energy
        shown while it was open is no reading of it.
        """
        self.replayed = False

    def as_dict(self) -> dict[str, object]:
        """Serialise for the store."""
        return {
            "transaction_id": self.transaction_id,
            "connector_id": self.connector_id,
            "id_tag": self.id_tag,
            "meter_start_wh": self.meter_start_wh,
            "started_at": self.started_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Transaction:
        """Restore from the store; TypeError or ValueError when the stored data is unusable."""
        tx_id = data.get("transaction_id")
        connector_id = data.get("connector_id")
        meter_start = data.get("meter_start_wh")
        id_tag = data.get("id_tag")
        started_at = data.get("started_at")
        if (
            not isinstance(tx_id, int | str)
            or isinstance(tx_id, bool)
            or not isinstance(connector_id, int)
            or isinstance(meter_start, bool)
            or not isinstance(meter_start, int | float)
            or not isinstance(started_at, str)
        ):
            raise TypeError(f"Unusable stored transaction {data!r}")
        return cls(
            transaction_id=tx_id,
            connector_id=connector_id,
            id_tag=id_tag if isinstance(id_tag, str) else None,
            meter_start_wh=float(meter_start),
            started_at=datetime.fromisoformat(started_at),
        )


@dataclass(slots=True)
class EvInfo:
    """What the car told the charger about itself during the session (2.0.1, ISO 15118); None: untold."""

    departure_time: datetime | None = None
    energy_requested_wh: float | None = None
    energy_capacity_wh: float | None = None
    min_current_a: float | None = None
    max_current_a: float | None = None
    max_power_w: float | None = None
    max_voltage_v: float | None = None
    phases_used: int | None = None
    cable_max_current_a: float | None = None
    # The session's energy when the car asked for energy_requested_wh (it asks for what is to come).
    requested_at_session_wh: float = 0.0


# The car's values that get entities once told (markers in Connector.seen_measurands).
EV_SEEN_PREFIX = "EV."
EV_FIELDS = (
    "departure_time",
    "energy_requested_wh",
    "energy_capacity_wh",
    "min_current_a",
    "max_current_a",
    "max_power_w",
    "max_voltage_v",
    "phases_used",
    "cable_max_current_a",
)


# Another party's limit (2.0.1 NotifyChargingLimit): its marker in Connector.seen_measurands, and
# the voltage per phase at which a limit in W is taken as amps.
EXTERNAL_LIMIT_SEEN = "ExternalLimit"
LIMIT_VOLTAGE = 230.0
# The most connectors (1.6) or EVSEs (2.0.1) a station is given: no home has more.
MAX_CONNECTORS = 64


@dataclass(slots=True, frozen=True)
class LimitPeriod:
    """One period of another party's limit, as told: from begins until ends (None: open-ended)."""

    begins: datetime
    ends: datetime | None
    limit: float
    # "A" per phase, or "W" in total over the phases.
    unit: str = "A"
    phases: int = 3

    @property
    def current_a(self) -> float:
        """The limit per phase in A."""
        if self.unit == "W":
            return self.limit / (LIMIT_VOLTAGE * self.phases)
        return self.limit


@dataclass(slots=True, frozen=True)
class ExternalLimit:
    """A limit set by someone else than us (an EMS, the grid operator): its source and schedule."""

    # chargingLimitSource: EMS, SO (system operator), Other.
    source: str
    set_at: datetime
    # No periods: the charger said it is limited, but not how much.
    periods: tuple[LimitPeriod, ...] = ()

    def current_a(self, at: datetime) -> float | None:
        """Return the limit per phase in force at a moment (its lowest schedule); None: none."""
        return min(
            (
                period.current_a
                for period in self.periods
                if period.begins <= at and (period.ends is None or at < period.ends)
            ),
            default=None,
        )


@dataclass(slots=True)
class Connector:
    """One connector (1.6) or EVSE (2.0.1) and its latest readings."""

    connector_id: int
    status: ConnectorStatus | None = None
    error_code: str | None = None
    # The charger's own words on the error (vendorErrorCode and info, or techInfo); not stored.
    vendor_error: str | None = None
    # False for a status restored from before a restart: shown, not acted on until the charger
    # tells it again (plugged_in and charging are unknown until then).
    status_confirmed: bool = True
    power_w: float | None = None
    power_offered_w: float | None = None
    current_a: dict[Phase, float] = field(default_factory=dict)
    voltage_v: dict[Phase, float] = field(default_factory=dict)
    current_offered_a: float | None = None
    energy: EnergyRegister = field(default_factory=EnergyRegister)
    soc_percent: float | None = None
    temperature_c: float | None = None
    frequency_hz: float | None = None
    transaction: Transaction | None = None
    last_session_energy_wh: float | None = None
    # The last session closed as stale (the charger showed none): a StopTransaction for it that
    # arrives later still brings its stop reading. Not stored.
    stale_transaction: Transaction | None = None
    last_meter_at: datetime | None = None
    # Measurands ever reported, and the car's values ever told (EV_SEEN_PREFIX): entities to have.
    seen_measurands: set[str] = field(default_factory=set)
    # Meter values came addressed to this connector itself (not only via the main meter, 0).
    metered_directly: bool = False
    ev: EvInfo = field(default_factory=EvInfo)
    # Limits others put on this EVSE (on connector 0: the whole station), by source.
    external_limits: dict[str, ExternalLimit] = field(default_factory=dict)

    def note_ev(self) -> None:
        """Remember which of the car's values were ever told: their entities exist from then on."""
        for name in EV_FIELDS:
            if getattr(self.ev, name) is not None:
                self.seen_measurands.add(EV_SEEN_PREFIX + name)

    def take_status(self, status: ConnectorStatus | None) -> None:
        """Take a status the charger reported; on leaving Charging, the flows stop (stop_flows).

        Current flows only while Charging (OCPP's connector states: in SuspendedEV the car takes
        none of what is offered, in SuspendedEVSE the charger offers none, and Preparing,
        Finishing and the rest have no energy transfer), so the last reading no longer holds.
        What is offered stops too, except in SuspendedEV. Only a change counts: a 2.0.1 charger
        that never tells its charging state shows Preparing all through a session.
        """
        if status not in (None, self.status, ConnectorStatus.CHARGING):
            self.stop_flows(offered=status not in OFFERING_STATUSES)
        if status in NO_FLOW_STATUSES and self.power_w is None:
            # Nothing read yet (a new charger, or the same status again after a restart): none
            # flows, so the power is 0 rather than unknown until a reading an idle charger never
            # sends.
            self.power_w = 0.0
        self.status = status
        self.status_confirmed = True

    def stop_flows(self, *, offered: bool = True) -> None:
        """Power and phase currents read 0 (what is offered too, if offered): none flows now.

        A value known before (or whose entity exists) becomes 0; the energy registers stay.
        """
        seen = self.seen_measurands
        if self.power_w is not None or "Power.Active.Import" in seen:
            self.power_w = 0.0
        self.current_a = {
            phase: 0.0
            for phase in Phase
            if phase in self.current_a
            or f"Current.Import.{phase}" in seen
            or (phase is Phase.L1 and "Current.Import" in seen)
        }
        if not offered:
            return
        if self.current_offered_a is not None or "Current.Offered" in seen:
            self.current_offered_a = 0.0
        if self.power_offered_w is not None or "Power.Offered" in seen:
            self.power_offered_w = 0.0

    @property
    def plugged_in(self) -> bool | None:
        """Whether a cable is in, as far as the status tells (unknown until it is confirmed)."""
        if self.status is None or not self.status_confirmed:
            return None
        return self.status in PLUGGED_IN_STATUSES

    @property
    def charging(self) -> bool | None:
        """Whether energy is flowing to the car (unknown until the status is confirmed)."""
        if self.status is None or not self.status_confirmed:
            return None
        return self.status is ConnectorStatus.CHARGING

    @property
    def session_energy_wh(self) -> float | None:
        """Energy of the running session, or of the last one once it ended."""
        if self.transaction is None:
            return self.last_session_energy_wh
        total = self.energy.total_wh
        if total is None:
            return 0.0
        return max(0.0, total - self.transaction.meter_start_wh)

    def is_stale(self, timestamp: datetime | None) -> bool:
        """Whether a reading is older than one already taken (backlogs replayed after a reconnect)."""
        if timestamp is None or self.last_meter_at is None:
            return False
        return timestamp < self.last_meter_at

    def register_reading(
        self,
        reading_wh: float | None,
        at: datetime | None,
        *,
        rating: Rating = UNRATED,
        new_session: bool = False,
    ) -> float | None:
        """Lifetime energy at a start or stop reading; None: no reading, the latest total.

        The reading is taken into the register (new_session: a session's start, where a drop is
        a register reset) unless it is older than one already taken.
        """
        if reading_wh is None:
            return self.energy.total_wh
        if self.is_stale(at):
            return self.energy.at_reading(reading_wh)
        self._read_energy(reading_wh, at, rating, new_session=new_session)
        if at is not None:
            self.last_meter_at = at
        return self.energy.total_wh

    def _read_energy(
        self, reading_wh: float, at: datetime | None, rating: Rating, *, new_session: bool = False
    ) -> None:
        if self.energy.read_at is None:
            # Restored from the store: the last reading's time, for how much the next may add.
            self.energy.read_at = self.last_meter_at
        self.energy.update(reading_wh, at, rating=rating, new_session=new_session)

    def open_transaction(
        self,
        transaction_id: int | str,
        id_tag: str | None,
        *,
        start_wh: float | None,
        read_at: datetime | None,
        started_at: datetime,
        rating: Rating = UNRATED,
    ) -> Transaction | None:
        """Open a session at its start reading; return the session it closed, if one was open.

        A session still open here lost its stop. The new start reading is taken first: it is the
        latest the lost session can have ended at.
        """
        replayed = self.is_stale(read_at)
        meter_start_wh = (
            self.register_reading(start_wh, read_at, rating=rating, new_session=True) or 0.0
        )
        replaced = self.close_transaction(None, None)
        self.stale_transaction = None
        self.transaction = Transaction(
            transaction_id, self.connector_id, id_tag, meter_start_wh, started_at
        )
        self.transaction.replayed = replayed
        return replaced

    def close_transaction(
        self, stop_wh: float | None, read_at: datetime | None, rating: Rating = UNRATED
    ) -> Transaction | None:
        """End the running session at its stop reading (None: the latest total); return it.

        Its energy is kept as the last session's, and no current flows any more (stop_flows).
        The car's word was for this session: the next one (another car, perhaps) starts blank.
        """
        if (transaction := self.transaction) is None:
            return None
        # Its energy never falls below what was shown while it ran: a stop reading that is late
        # or lower cannot undo what the register counted. A replayed session ends at its own.
        shown = 0.0 if transaction.replayed else self.session_energy_wh or 0.0
        end = self.register_reading(stop_wh, read_at, rating=rating)
        self.last_session_energy_wh = (
            max(0.0, end - transaction.meter_start_wh, shown) if end is not None else None
        )
        self.transaction = None
        self.ev = EvInfo()
        self.stop_flows()
        return transaction

    def close_stale(self, rating: Rating = UNRATED) -> Transaction | None:
        """Close a session the charger no longer runs, at the latest reading; remember it."""
        closed = self.close_transaction(None, None, rating)
        self.stale_transaction = closed
        return closed

    def late_stop(
        self, transaction_id: int | str, stop_wh: float | None, read_at: datetime | None
    ) -> bool:
        """Take the stop of a session closed as stale, if it is this one; True when it was.

        Its energy can only grow (the stop reading may be later than the latest reading); the
        next session has not started (a start forgets the stale one).
        """
        stale = self.stale_transaction
        if stale is None or stale.transaction_id != transaction_id:
            return False
        self.stale_transaction = None
        end = self.register_reading(stop_wh, read_at)
        if end is not None:
            energy = max(0.0, end - stale.meter_start_wh, self.last_session_energy_wh or 0.0)
            self.last_session_energy_wh = energy
        return True

    def apply_samples(
        self, samples: list[Sample], timestamp: datetime | None, rating: Rating = UNRATED
    ) -> None:
        """Store the latest value of every sample we understand, unless older than what we have.

        The samples are plausible (the adapters check them); the energy register still judges
        its readings against each other (EnergyRegister).
        """
        if self.is_stale(timestamp):
            return
        if self.energy.read_at is None:
            self.energy.read_at = self.last_meter_at
        if timestamp is not None:
            self.last_meter_at = timestamp
        phase_power: list[float] = []
        total_power_seen = False
        for sample in samples:
            if sample.measurand == "Power.Active.Import":
                if sample.phase is not None:
                    phase_power.append(sample.value)
                    continue
                total_power_seen = True
            handler = _SAMPLE_HANDLERS.get(sample.measurand)
            if handler is None:
                continue
            if sample.measurand == ENERGY_REGISTER and sample.phase is None:
                self.energy.update(sample.value, timestamp, rating=rating)
            else:
                handler(self, sample)
            self.seen_measurands.add(
                sample.measurand if sample.phase is None else f"{sample.measurand}.{sample.phase}"
            )
        if phase_power and not total_power_seen:
            # Chargers that report power only per phase still get a total.
            self.power_w = sum(phase_power)
            self.seen_measurands.add("Power.Active.Import")


def _phase_energy(connector: Connector, sample: Sample) -> None:
    """Note a phase's energy register as seen only: the lifetime total is the total register's."""


def _current(connector: Connector, sample: Sample) -> None:
    connector.current_a[sample.phase or Phase.L1] = sample.value


def _voltage(connector: Connector, sample: Sample) -> None:
    connector.voltage_v[sample.phase or Phase.L1] = sample.value


def _scalar(attribute: str) -> Callable[[Connector, Sample], None]:
    def apply(connector: Connector, sample: Sample) -> None:
        setattr(connector, attribute, sample.value)

    return apply


_SAMPLE_HANDLERS: dict[str, Callable[[Connector, Sample], None]] = {
    ENERGY_REGISTER: _phase_energy,
    "Power.Active.Import": _scalar("power_w"),
    "Current.Import": _current,
    "Voltage": _voltage,
    "Current.Offered": _scalar("current_offered_a"),
    "Power.Offered": _scalar("power_offered_w"),
    "SoC": _scalar("soc_percent"),
    "Temperature": _scalar("temperature_c"),
    "Frequency": _scalar("frequency_hz"),
}


@dataclass(slots=True)
class StationInfo:
    """What the charger said about itself in its BootNotification."""

    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None


@dataclass(slots=True)
class Charger:
    """A charging station, its connectors and its connection state."""

    charger_id: str
    info: StationInfo = field(default_factory=StationInfo)
    connected: bool = False
    silent: bool = False
    protocol: str | None = None
    status: ConnectorStatus | None = None
    error_code: str | None = None
    vendor_error: str | None = None
    last_heartbeat: datetime | None = None
    last_seen: float | None = None
    firmware_status: str | None = None
    connectors: dict[int, Connector] = field(default_factory=dict)
    # Not stored: the bounds of what the station may report, and when a value beyond them was
    # last logged (monotonic seconds; they are logged once an hour).
    rating: Rating = field(default_factory=Rating)
    implausible_logged_at: float | None = None
    # Not stored: its last frames both ways, for the diagnostics (kept across reconnects).
    trace: FrameTrace = field(default_factory=FrameTrace, repr=False, compare=False)

    def connector(self, connector_id: int) -> Connector:
        """Return the connector, creating it on first mention.

        A number past MAX_CONNECTORS gets a connector that is not kept: a station naming
        thousands of connectors must not make thousands of entities (or stored records).
        """
        if (found := self.connectors.get(connector_id)) is None:
            found = Connector(connector_id)
            if connector_id <= MAX_CONNECTORS:
                self.connectors[connector_id] = found
        return found

    def external_limit(self, connector_id: int, at: datetime) -> tuple[float, str] | None:
        """Return the lowest limit in force on a connector or its station: A per phase, source."""
        return min(
            (
                (amps, limit.source)
                for number in {0, connector_id}
                if (connector := self.connectors.get(number)) is not None
                for limit in connector.external_limits.values()
                if (amps := limit.current_a(at)) is not None
            ),
            default=None,
        )

    def find_transaction(self, transaction_id: int | str) -> Connector | None:
        """Return the connector running this transaction, if any."""
        for connector in self.connectors.values():
            if (
                connector.transaction is not None
                and connector.transaction.transaction_id == transaction_id
            ):
                return connector
        return None
