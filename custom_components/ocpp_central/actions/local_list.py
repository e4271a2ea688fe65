"""Service actions for a charger's local authorization list: Full and Differential updates.

By default the list is built from the id tags managed in Home Assistant (their status, expiry date
and group). A Full update replaces the charger's list; a Differential one sends only what changed
since the list the charger last acknowledged (removed tags without status), and is sent as Full
when there is no such list or the charger's version is no longer the one it acknowledged, or
retried as Full when the charger refuses it (OCPP 1.6 section 5.15). An installer may send a given
list (`entries`, each tag once) and version (`list_version`) instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.util import dt as dt_util

from ..csms.commands import CommandRejectedError, LocalListEntry
from ..csms.tokens import TokenStatus, apply_update, differential, local_list
from ..storage.local_lists import Acknowledged, local_lists
from .target import ChargerTarget, require, validation_error

FULL = "full"
DIFFERENTIAL = "differential"


def _given(entries: list[dict[str, Any]], *, full: bool) -> list[LocalListEntry]:
    """Return the installer's entries; one without status is removed (Full: Accepted)."""
    given: list[LocalListEntry] = []
    for item in entries:
        expiry: datetime | None = item.get("expiry_date")
        status = item.get("status") or (TokenStatus.ACCEPTED.value if full else None)
        given.append(
            LocalListEntry(
                item["id_tag"],
                status,
                dt_util.as_utc(expiry) if expiry is not None and status else None,
                (item.get("group") or None) if status else None,
            )
        )
    return given


async def async_send_local_list(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Send a Full or Differential update; remember what the charger accepted."""
    session = target.session("SendLocalList")
    store = local_lists(call.hass, target.central.entry.entry_id)
    acknowledged = await store.async_get(target.charger_id)
    current = await session.get_local_list_version()
    if current < 0:
        raise CommandRejectedError(target.charger_id, "GetLocalListVersion", "NotSupported")
    full = call.data.get("update_type", FULL) == FULL
    if "entries" in call.data:
        entries = _given(call.data["entries"], full=full)
        if len({entry.id_tag.casefold() for entry in entries}) < len(entries):
            # OCPP 2.0.1 D01.FR.06: every token of a list is unique.
            raise validation_error(
                "invalid_input", charger=target.name, error="an id tag is in the list twice"
            )
    else:
        wanted = local_list(target.central.id_tags())
        if not full and acknowledged is not None and acknowledged.version == current:
            entries = differential(acknowledged.entries, wanted)
        else:
            full, entries = True, wanted
    known = acknowledged.version if acknowledged is not None else 0
    version: int = call.data.get("list_version") or max(current, known) + 1
    result = await session.send_local_list(version, entries, full=full)
    if not full and not result.accepted and "entries" not in call.data:
        # OCPP 1.6 section 5.15: a refused Differential update is retried as the full list.
        full, entries = True, local_list(target.central.id_tags())
        result = await session.send_local_list(version, entries, full=True)
    require(result, target, "SendLocalList")
    baseline = acknowledged.entries if acknowledged is not None else {}
    await store.async_set(
        target.charger_id, Acknowledged(version, apply_update(baseline, entries, full=full))
    )
    return {
        "list_version": version,
        "update_type": "Full" if full else "Differential",
        "id_tags": [entry.id_tag for entry in entries if entry.status is not None],
        "removed": [entry.id_tag for entry in entries if entry.status is None],
    }


async def async_get_local_list_version(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Return the charger's local list version (0: empty; 1.6 -1: no local list)."""
    return {"list_version": await target.session("GetLocalListVersion").get_local_list_version()}
