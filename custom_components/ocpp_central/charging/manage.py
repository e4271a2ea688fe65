"""Profiles the homeowner manages by hand: set, clear and read them, beside the engine's own.

The engine's profiles keep their ids in RESERVED_PROFILE_IDS (writer.py); a homeowner's profile may
not use one, so neither overwrites the other. Clearing without criteria clears only the engine's
profiles, by id; every profile on the charger goes only when the homeowner asks for all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
from typing import Any

from ..csms.commands import (
    ChargerCommands,
    ChargingProfile,
    CommandRejectedError,
    CommandResult,
    ProfileKind,
    ProfilePurpose,
    ProfileReports,
    RateUnit,
    SchedulePeriod,
)
from .connectors import Connectors
from .detect import KnownQuirks
from .link import ChargerLink, accepted, bounded
from .station import StationMaximum
from .writer import RESERVED_PROFILE_IDS, own_profile_ids, profile_id

# How far ahead a 1.6 charger's composite schedule is read when profiles are asked for.
COMPOSITE_S = 86400


class ReservedProfileIdError(ValueError):
    """A homeowner's profile asked for an id the engine keeps for its own."""

    def __init__(self, profile_id: int) -> None:
        """Name the id and the reserved range."""
        super().__init__(f"Profile id {profile_id} is reserved")
        self.profile_id = profile_id
        self.first = RESERVED_PROFILE_IDS.start
        self.last = RESERVED_PROFILE_IDS.stop - 1


@dataclass(slots=True, frozen=True)
class ClearRequest:
    """What to clear: criteria (each narrows), or everything, or (neither) only ours."""

    connector_id: int | None = None
    profile_id: int | None = None
    purpose: ProfilePurpose | None = None
    stack_level: int | None = None
    everything: bool = False

    @property
    def only_ours(self) -> bool:
        """No criterion but perhaps a connector, and not everything: the engine's own profiles."""
        return not self.everything and (self.profile_id, self.purpose, self.stack_level) == (
            None,
            None,
            None,
        )


def clears(
    request: ClearRequest,
    number: int,
    purposes: tuple[ProfilePurpose, ...],
    stack_level: int,
) -> bool:
    """Whether a clear may have removed our profiles of these purposes on this connector.

    stack_level is the one ours are written at.
    """
    if request.connector_id not in (None, number):
        return False
    if request.everything or request.only_ours:
        return True
    ids = {profile_id(purpose, number) for purpose in purposes}
    if request.profile_id is not None and request.profile_id not in ids:
        return False
    if request.purpose is not None and request.purpose not in purposes:
        return False
    return request.stack_level in (None, stack_level)


def start_profile(
    connector_id: int, limit: float, unit: RateUnit, stack_level: int
) -> ChargingProfile:
    """Return a TxProfile for a remote start: our id, the charger's stack level, Relative."""
    if not math.isfinite(limit) or limit < 0:
        raise ValueError(f"Invalid limit {limit} {unit}")
    return ChargingProfile(
        connector_id=connector_id,
        profile_id=profile_id(ProfilePurpose.TX, connector_id),
        stack_level=stack_level,
        purpose=ProfilePurpose.TX,
        kind=ProfileKind.RELATIVE,
        rate_unit=RateUnit(unit),
        periods=(SchedulePeriod(0, float(limit)),),
    )


def check_user_profile(profile: ChargingProfile) -> None:
    """Refuse an id of the engine's reserved range (ReservedProfileIdError)."""
    if profile.profile_id in RESERVED_PROFILE_IDS:
        raise ReservedProfileIdError(profile.profile_id)


async def clear(
    charger_id: str, commands: ChargerCommands, request: ClearRequest, connectors: list[int]
) -> CommandResult:
    """Send the ClearChargingProfile calls the request asks for; Accepted when any matched.

    Only ours: one call per id of ours on the connectors (the station maximum with all of them);
    Unknown when the charger held none of them. A refusal raises CommandRejectedError.
    """
    if request.only_ours:
        numbers = connectors if request.connector_id is None else [request.connector_id]
        ids = own_profile_ids(numbers)
        if request.connector_id is not None:
            ids = [i for i in ids if i % 1000 == request.connector_id]
        statuses = [await _clear_one(charger_id, commands, profile_id=i) for i in ids]
        return CommandResult("Accepted" if "Accepted" in statuses else "Unknown")
    status = await _clear_one(
        charger_id,
        commands,
        profile_id=request.profile_id,
        connector_id=request.connector_id,
        purpose=request.purpose,
        stack_level=request.stack_level,
    )
    return CommandResult(status)


async def _clear_one(charger_id: str, commands: ChargerCommands, **criteria: Any) -> str:
    result = await bounded(charger_id, commands.clear_charging_profile(**criteria))
    if not result.accepted and result.status != "Unknown":
        raise CommandRejectedError(charger_id, "ClearChargingProfile", result.status)
    return result.status


async def read(
    charger_id: str,
    commands: ChargerCommands,
    *,
    connector_id: int | None,
    purpose: ProfilePurpose | None,
    stack_level: int | None,
    profile_id: int | None,
    rate_unit: RateUnit | None,
) -> CommandResult:
    """Read the charger's profiles (2.0.1 GetChargingProfiles), else its composite schedule (1.6).

    A 1.6 charger cannot list its profiles: its composite schedule for the next day, on the
    connector (0: the station), is what it will follow.
    """
    if isinstance(commands, ProfileReports):
        result = await bounded(
            charger_id,
            commands.get_charging_profiles(
                connector_id,
                purpose,
                stack_level,
                [profile_id] if profile_id is not None else None,
            ),
        )
        profiles = list(result.data.get("profiles") or [])
        for profile in profiles:
            profile["ours"] = profile.get("profile_id") in RESERVED_PROFILE_IDS
        return CommandResult(result.status, {"profiles": profiles})
    composite = await bounded(
        charger_id,
        commands.get_composite_schedule(connector_id or 0, COMPOSITE_S, rate_unit),
    )
    return CommandResult(composite.status, {"composite_schedule": composite.data or None})


class HomeownerProfiles:
    """Set, clear and read profiles by hand on one charger; a clear forgets our limits on it."""

    def __init__(
        self,
        link: ChargerLink,
        connectors: Connectors,
        station: StationMaximum,
        known: KnownQuirks,
        changed: Callable[[], None],
    ) -> None:
        """Clear and set under the connectors' lock; changed persists what a clear forgot."""
        self._link = link
        self._connectors = connectors
        self._station = station
        self._known = known
        self._changed = changed

    @property
    def _charger_id(self) -> str:
        return self._link.settings.charger_id

    async def clear(self, request: ClearRequest) -> CommandResult:
        """Remove the profiles request names; our limits on what was cleared are not put back."""
        controls = self._connectors.controls
        connectors = sorted({*controls, *self._link.charger.connectors} - {0})
        async with self._connectors.lock:
            result = await clear(self._charger_id, self._link.commands(), request, connectors)
            stack_level = self._known.effective.stack_level
            session = (ProfilePurpose.TX_DEFAULT, ProfilePurpose.TX)
            for number, ctl in controls.items():
                if clears(request, number, session, stack_level):
                    ctl.forget_profiles()
            if clears(request, 0, (ProfilePurpose.STATION_MAX,), stack_level):
                self._station.cleared()
            self._changed()
            return result

    async def set(self, profile: ChargingProfile) -> CommandResult:
        """Install a homeowner's profile as given (its id outside ours: ReservedProfileIdError)."""
        check_user_profile(profile)
        async with self._connectors.lock:
            command = self._link.commands().set_charging_profile(profile)
            return await accepted(self._charger_id, command, "SetChargingProfile")

    async def get(
        self,
        connector_id: int | None,
        purpose: ProfilePurpose | None,
        stack_level: int | None,
        profile_id: int | None,
    ) -> CommandResult:
        """Read the charger's profiles (2.0.1), or its composite schedule (1.6)."""
        return await read(
            self._charger_id,
            self._link.commands(),
            connector_id=connector_id,
            purpose=purpose,
            stack_level=stack_level,
            profile_id=profile_id,
            rate_unit=self._known.effective.rate_unit,
        )
