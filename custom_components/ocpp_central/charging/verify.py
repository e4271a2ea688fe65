"""After a (re)connect or boot: which of our profiles the charger still has, unchanged.

A profile the charger reports it still holds is not written again, so a reconnect storm does not
become a write storm. 2.0.1 lists its profiles (one GetChargingProfiles for our ids); 1.6 cannot,
so each connector's composite schedule is read (GetCompositeSchedule) and its limit in force now
compared with ours. Anything that does not match, or cannot be read, is written as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import (
    ChargerCommands,
    ChargingProfile,
    CommandError,
    ProfilePurpose,
    ProfileReports,
)
from .limits import Control, Plan
from .link import bounded
from .writer import ProfileWriter

# A 1.6 composite schedule is read over this long: only the limit in force now is compared.
COMPOSITE_S = 60
# Limits closer than this are the same (the schemas' multipleOf 0.1).
TOLERANCE = 0.05


@dataclass(slots=True, frozen=True)
class Expected:
    """One profile of ours that should be on the charger."""

    connector_id: int
    purpose: ProfilePurpose
    profile: ChargingProfile


def expected_profiles(
    writer: ProfileWriter,
    connectors: Mapping[int, tuple[Control, Plan | None]],
    *,
    station: tuple[float | None, int],
    tx_profile: bool,
) -> list[Expected]:
    """Return our profiles that should be on the charger, as the writer would write them now.

    The station maximum, and every connector's limit written before (not a pause).
    """
    expected: list[Expected] = []
    amps, station_phases = station
    if amps is not None:
        plan = Plan(((0, amps),))
        profile = writer.expected(0, ProfilePurpose.STATION_MAX, plan, station_phases)
        expected.append(Expected(0, ProfilePurpose.STATION_MAX, profile))
    for connector_id, (ctl, planned) in connectors.items():
        intent = ctl.intent
        if planned is None or planned.halts or intent.paused or intent.held is not None:
            continue
        if not intent.installed:
            continue  # never written: nothing the charger could still have
        purposes = [ProfilePurpose.TX_DEFAULT]
        if writer.transaction(connector_id) is not None and tx_profile:
            purposes.append(ProfilePurpose.TX)
        phases = writer.phases(connector_id, ctl)
        expected.extend(
            Expected(connector_id, purpose, writer.expected(connector_id, purpose, planned, phases))
            for purpose in purposes
        )
    return expected


async def still_installed(
    charger_id: str, commands: ChargerCommands, expected: Iterable[Expected]
) -> set[tuple[int, ProfilePurpose]]:
    """Return (connector, purpose) of every expected profile the charger still has as it is."""
    wanted = list(expected)
    if not wanted:
        return set()
    try:
        if isinstance(commands, ProfileReports):
            return await _listed(charger_id, commands, wanted)
        return await _composite(charger_id, commands, wanted)
    except CommandError as err:
        LOGGER.debug("Charger %s: profiles not read back (%s); writing them", charger_id, err)
    except ValueError as err:  # a composite schedule the charger cannot give in that unit
        LOGGER.debug("Charger %s: profiles not read back (%s)", charger_id, err)
    return set()


async def _listed(
    charger_id: str, commands: ProfileReports, wanted: list[Expected]
) -> set[tuple[int, ProfilePurpose]]:
    ids = sorted({item.profile.profile_id for item in wanted})
    result = await bounded(charger_id, commands.get_charging_profiles(profile_ids=ids))
    reported = {
        (item.get("connector_id"), item.get("profile_id")): item
        for item in result.data.get("profiles") or []
        if isinstance(item, dict)
    }
    kept: set[tuple[int, ProfilePurpose]] = set()
    for item in wanted:
        profile = item.profile
        held = reported.get((profile.connector_id, profile.profile_id))
        if held is not None and _same(held, profile):
            kept.add((item.connector_id, item.purpose))
    return kept


def _same(held: dict[str, Any], profile: ChargingProfile) -> bool:
    """Whether a reported 2.0.1 profile is ours as we would write it (unit, periods, session)."""
    if profile.transaction_id is not None and str(held.get("transaction_id")) != str(
        profile.transaction_id
    ):
        return False
    schedules = held.get("schedules") or []
    if len(schedules) != 1 or schedules[0].get("rate_unit") != profile.rate_unit.value:
        return False
    periods = schedules[0].get("periods") or []
    if len(periods) != len(profile.periods):
        return False
    return all(
        raw.get("start_s") == period.start_s and _close(raw.get("limit"), period.limit)
        for raw, period in zip(periods, profile.periods, strict=True)
    )


async def _composite(
    charger_id: str, commands: ChargerCommands, wanted: list[Expected]
) -> set[tuple[int, ProfilePurpose]]:
    """1.6: per connector, the composite limit in force now against ours."""
    kept: set[tuple[int, ProfilePurpose]] = set()
    by_connector: dict[int, list[Expected]] = {}
    for item in wanted:
        by_connector.setdefault(item.connector_id, []).append(item)
    now = dt_util.utcnow()
    for connector_id, items in sorted(by_connector.items()):
        unit = items[0].profile.rate_unit
        result = await bounded(
            charger_id, commands.get_composite_schedule(connector_id, COMPOSITE_S, unit)
        )
        periods = result.data.get("periods") or [] if result.accepted else []
        if not periods or result.data.get("rate_unit") not in (None, unit.value):
            continue
        # Every profile of ours on the connector must yield the same limit now.
        if all(_close(periods[0].get("limit"), _limit_now(item.profile, now)) for item in items):
            kept.update((item.connector_id, item.purpose) for item in items)
    return kept


def _limit_now(profile: ChargingProfile, now: Any) -> float:
    """Return the limit of our profile in force now (a schedule's period by its start)."""
    if profile.start is None:
        return profile.periods[0].limit
    elapsed = (now - profile.start).total_seconds()
    limit = profile.periods[0].limit
    for period in profile.periods:
        if period.start_s <= elapsed:
            limit = period.limit
    return limit


def _close(value: Any, limit: float) -> bool:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return ok and abs(float(value) - limit) <= TOLERANCE
