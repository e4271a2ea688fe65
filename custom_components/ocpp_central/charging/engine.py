"""The smart-charging engine: one per charger (`coordinator.smart`), used by entities, services and controllers.

Every request becomes an intent per connector (persisted); the connectors (connectors.py) bring
the charger in line with it: a TxDefaultProfile (and a TxProfile bound to a running transaction)
for limits and schedules, the pause ladder (0 A → ChangeAvailability → RemoteStop) for pauses.
Unchanged limits are not sent again; a changed one waits for the minimum write interval unless the
caller says it is urgent (a user's pause or resume) or the phases change, and the latest value
always goes out when the interval ends.

The engine is a facade over parts that each get what they need, never the engine: what is known
of the charger's quirks (detect.py), how limits go onto the charger (writer.py), each connector's
`Control` and its reconciliation under one lock (connectors.py), what follows the charger's events
(recover.py), session start and stop (session.py), the homeowner's own profiles (manage.py), the
charger-wide maximum (station.py), the arithmetic (limits.py) and what survives a restart
(stored.py). It reaches the charger only through its `ChargerLink` (link.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..csms.commands import ChargingProfile, CommandResult, ProfilePurpose, RateUnit
from .connectors import Connectors
from .detect import KnownQuirks
from .limits import Control, Intent, LimitReason, LimitState, round_down, valid_phases
from .link import ChargerLink
from .manage import ClearRequest, HomeownerProfiles
from .quirks import DetectedQuirks, Quirks
from .recover import Recovery
from .session import Sessions
from .station import StationMaximum
from .stored import StoredState
from .writer import ProfileWriter

# After a (re)connect without a BootNotification, limits are re-applied after this long; a boot
# within it re-applies at once (some chargers drop the connection when called before they boot).
CONNECT_GRACE_S = 10.0
# Event-driven commands wait this long, so the charger has our answer to the message that caused
# them (a TxProfile needs the transaction id the charger learns from our StartTransaction answer).
SETTLE_S = 1.0


class SmartCharging:
    """Limits, schedules, pause and resume for one charger's connectors."""

    connect_grace_s = CONNECT_GRACE_S
    settle_s = SETTLE_S

    def __init__(self, link: ChargerLink) -> None:
        """Restore what was persisted for this charger and listen to its events."""
        self._link = link
        stored = StoredState.from_dict(link.load(), self.charger_id)
        self._known = KnownQuirks(self.charger_id, stored.detected, lambda: link.settings.overrides)
        self._writer = ProfileWriter(link, self._known)
        self._station = StationMaximum(link, self._writer, stored.station_max)
        self._connectors = Connectors(link, self._writer, self._known, self._changed)
        self._sessions = Sessions(link, self._connectors, self._writer, self._known)
        self._profiles = HomeownerProfiles(
            link, self._connectors, self._station, self._known, self._changed
        )
        self._recovery = Recovery(
            link,
            self._connectors,
            self._writer,
            self._station,
            self._known,
            changed=self._changed,
            delays=lambda: (self.settle_s, self.connect_grace_s),
        )
        for connector_id, intent in stored.intents.items():
            self._connectors.controls[connector_id] = Control(intent=intent)
            self._connectors.arm_expiry(connector_id)
        self._unsub_events = link.subscribe(self._recovery.on_event)

    @property
    def charger_id(self) -> str:
        """The charger's id."""
        return self._link.settings.charger_id

    @property
    def detected(self) -> DetectedQuirks:
        """What the charger reported about itself and what the ladder learned."""
        return self._known.detected

    @property
    def quirks(self) -> Quirks:
        """Detected quirks with the homeowner's overrides on top."""
        return self._known.effective

    @property
    def can_switch_phases(self) -> bool:
        """Whether limits with phases switch the charger between 1 and 3 phases."""
        return self.quirks.phase_switching is True

    # --- public API --------------------------------------------------------------------

    def state(self, connector_id: int) -> LimitState:
        """Return a connector's limit, why it is what it is, and whether the charger follows it."""
        return self._connectors.state(connector_id)

    def requested_phases(self, connector_id: int) -> int | None:
        """Return the phases last asked of a connector (None: left to the charger)."""
        ctl = self._connectors.controls.get(connector_id)
        return ctl.intent.phases if ctl is not None else None

    async def async_set_current_limit(
        self,
        connector_id: int,
        limit: float,
        unit: RateUnit = RateUnit.AMPERE,
        duration_s: int | None = None,
        immediate: bool = False,
        *,
        phases: int | None = None,
    ) -> CommandResult:
        """Limit a connector (A, or W); 0 or below the minimum current pauses it.

        phases (1 or 3) goes out as numberPhases on chargers that switch phases (see
        can_switch_phases), and at once when it changes; watts convert with it everywhere.
        None leaves the phases to the charger.
        """
        if not math.isfinite(limit) or limit < 0 or (duration_s is not None and duration_s <= 0):
            raise ValueError(f"Invalid limit {limit} {unit} for {duration_s} s")
        phases = valid_phases(phases)
        async with self._connectors.lock:
            intent = self._connectors.control(connector_id).intent
            intent.requested = float(limit)
            intent.unit = RateUnit(unit)
            intent.phases = phases
            intent.expires_at = (
                dt_util.utcnow() + timedelta(seconds=duration_s) if duration_s else None
            )
            intent.schedule = intent.schedule_valid_to = None
            self._connectors.arm_expiry(connector_id)
            await self._connectors.run(connector_id, immediate=immediate)
        return self._result(connector_id)

    async def async_set_schedule(
        self,
        connector_id: int,
        periods: list[tuple[datetime, float]],
        unit: RateUnit = RateUnit.AMPERE,
        valid_to: datetime | None = None,
    ) -> CommandResult:
        """One multi-period profile with validTo: the charger follows it while we are away."""
        ordered = sorted(periods)
        if not ordered or any(limit < 0 or not math.isfinite(limit) for _, limit in ordered):
            raise ValueError("A schedule needs periods with limits of 0 or more")
        end = valid_to or ordered[-1][0] + timedelta(hours=1)
        if end <= max(dt_util.utcnow(), ordered[0][0]):
            raise ValueError("The schedule ends before it starts")
        async with self._connectors.lock:
            intent = self._connectors.control(connector_id).intent
            intent.requested, intent.unit, intent.expires_at = None, RateUnit(unit), None
            intent.phases = None  # A schedule leaves the phases to the charger.
            intent.schedule = tuple((dt_util.as_utc(at), float(limit)) for at, limit in ordered)
            intent.schedule_valid_to = dt_util.as_utc(end)
            self._connectors.arm_expiry(connector_id)
            await self._connectors.run(connector_id, immediate=False)
        return self._result(connector_id)

    async def async_pause(self, connector_id: int) -> CommandResult:
        """0 A without ending the session (or the charger's fallback), at once."""
        async with self._connectors.lock:
            self._connectors.control(connector_id).intent.paused = True
            await self._connectors.run(connector_id, immediate=True)
        return self._result(connector_id)

    async def async_resume(self, connector_id: int) -> CommandResult:
        """Undo a pause and restore the previous limit, at once."""
        async with self._connectors.lock:
            self._connectors.control(connector_id).intent.paused = False
            await self._connectors.run(connector_id, immediate=True)
        return self._result(connector_id)

    async def async_start(
        self,
        connector_id: int,
        id_tag: str | None = None,
        *,
        limit: float | None = None,
        unit: RateUnit = RateUnit.AMPERE,
    ) -> CommandResult:
        """Resume a paused connector; start a session (RemoteStartTransaction) if none runs.

        A session Home Assistant still holds is first checked with the charger (2.0.1
        GetTransactionStatus; 1.6 closed it already when the connector turned Available or
        Preparing): a stale one does not stop the start. limit sends a TxProfile with the start.
        """
        return await self._sessions.start(connector_id, id_tag, limit, unit)

    async def async_stop(
        self, connector_id: int, transaction_id: int | str | None = None
    ) -> CommandResult:
        """End a session (RemoteStopTransaction): the one named, else the connector's own."""
        return await self._sessions.stop(connector_id, transaction_id)

    async def async_set_station_max(self, limit_a: float) -> CommandResult:
        """Set a static station maximum (ChargePointMaxProfile); not for frequent changes."""
        if not math.isfinite(limit_a) or limit_a < 0:
            raise ValueError(f"Invalid station maximum {limit_a} A")
        amps = round_down(min(limit_a, self._link.settings.max_current), self.quirks.whole_amps)
        async with self._connectors.lock:
            if await self._station.set(amps, self._connectors.station_phases()):
                self._changed()
        return CommandResult("Accepted", {"limit": amps, "unit": RateUnit.AMPERE.value})

    @property
    def station_max(self) -> float | None:
        """The charger-wide maximum in amps (None: none set)."""
        return self._station.value

    @station_max.setter
    def station_max(self, amps: float | None) -> None:
        self._station.value = amps

    async def async_clear_profiles(
        self, connector_id: int | None = None, request: ClearRequest | None = None
    ) -> CommandResult:
        """Remove profiles: by default only ours (of one connector, or all), by id.

        request names criteria (id, purpose, stack level: the charger matches them) or asks for
        everything. Our limits on what was cleared are forgotten, so they are not put back.
        """
        return await self._profiles.clear(request or ClearRequest(connector_id=connector_id))

    async def async_set_profile(self, profile: ChargingProfile) -> CommandResult:
        """Install a homeowner's profile as given (its id outside ours: ReservedProfileIdError)."""
        return await self._profiles.set(profile)

    async def async_get_profiles(
        self,
        connector_id: int | None = None,
        *,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
        profile_id: int | None = None,
    ) -> CommandResult:
        """Read the charger's profiles (2.0.1), or its composite schedule (1.6)."""
        return await self._profiles.get(connector_id, purpose, stack_level, profile_id)

    def _result(self, connector_id: int) -> CommandResult:
        """Return what a control call answers: Scheduled while the write waits for its interval."""
        state = self.state(connector_id)
        waiting = state.reason is LimitReason.WAITING_FOR_INTERVAL
        return CommandResult("Scheduled" if waiting else "Accepted", state.as_dict())

    def external_cap(self, connector_id: int) -> float | None:
        """Return the lowest cap another central system put on a connector or the station."""
        return self._connectors.external_cap(connector_id)

    def set_external_cap(self, connector_id: int, amps: float | None) -> None:
        """Cap a connector (0: every one) for another central system; None lifts it. Re-applied."""
        self._connectors.set_external_cap(connector_id, amps)
        if self._link.charger.connected:
            self._link.spawn(self._connectors.run_all(), "re-apply limits under an external cap")

    # --- persistence -----------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Return what survives a restart (also shown in diagnostics)."""
        intents = {number: ctl.intent for number, ctl in self._connectors.controls.items()}
        return StoredState(self._known.detected, self.station_max, intents).as_dict()

    def diagnostics(self) -> dict[str, Any]:
        """Return the stored state, the effective quirks and where each quirk came from."""
        return {**self.as_dict(), **self._known.diagnostics()}

    @callback
    def _changed(self) -> None:
        """Persist and let the entities refresh."""
        self._link.save(self.as_dict())
        self._link.notify()

    @callback
    def async_config_changed(self) -> None:
        """Re-apply after the homeowner changed the charger's options (limits may clamp differently)."""
        if self._link.charger.connected and self._connectors.controls:
            self._link.spawn(self._connectors.run_all(), "re-apply limits after reconfigure")

    @callback
    def async_shutdown(self) -> None:
        """Stop timers and listening (unload, or the charger was removed); safe to repeat."""
        self._recovery.cancel()
        self._connectors.cancel_timers()
        self._unsub_events()
        self._unsub_events = lambda: None


__all__ = ["Intent", "LimitReason", "LimitState", "SmartCharging"]
