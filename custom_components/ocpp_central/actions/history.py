"""The session history actions: get_sessions (a response) and export_sessions (a CSV file).

Both read the history database (control/history.py) of every loaded central system, filtered by
period (sessions that started in it), charger devices and id tag. get_sessions returns the
sessions and their totals; export_sessions writes them to `<config>/ocpp_central/` as CSV
(written in the executor) and returns the file's path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..entity import kwh
from ..storage.sessions import SessionQuery, SessionRecord, rows_for_csv
from .target import validation_error

if TYPE_CHECKING:
    import probatio as vol

    from ..central import CentralSystem
else:
    import voluptuous as vol

ATTR_START = "start"
ATTR_END = "end"
ATTR_ID_TAG = "id_tag"
# The actions registered here (services.py registers the charger-targeted ones).
HISTORY_SERVICES = ("get_sessions", "export_sessions")
# More sessions than this in one answer are cut off (the response says so).
MAX_SESSIONS = 10_000
EXPORT_FOLDER = DOMAIN

FILTER_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_ID_TAG): vol.All(cv.string, vol.Length(min=1, max=36)),
    }
)


@dataclass(frozen=True, slots=True)
class Found:
    """The sessions a call asked for, and whether there were more."""

    records: list[SessionRecord]
    names: dict[tuple[str, str], str]
    truncated: bool


def _centrals(hass: HomeAssistant) -> list[CentralSystem]:
    return [
        entry.runtime_data
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]


def _charger_ids(hass: HomeAssistant, device_ids: list[str]) -> tuple[str, ...]:
    """Return the chargers behind the devices (a connector's device means its charger)."""
    registry = dr.async_get(hass)
    found: list[str] = []
    for device_id in device_ids:
        device = registry.async_get(device_id)
        entry = hass.config_entries.async_get_entry(device.config_entry_id) if device else None
        if device is None or entry is None or entry.domain != DOMAIN:
            raise validation_error("unknown_device", device_id=device_id)
        subentry = entry.subentries.get(device.config_subentry_id or "")
        charger_id = subentry.data.get("charger_id") if subentry is not None else None
        if not isinstance(charger_id, str):
            raise validation_error("unknown_device", device_id=device_id)
        found.append(charger_id)
    return tuple(found)


async def async_find(hass: HomeAssistant, call: ServiceCall) -> Found:
    """Return the sessions the call's filters ask for, oldest first."""
    start: datetime | None = call.data.get(ATTR_START)
    end: datetime | None = call.data.get(ATTR_END)
    query = SessionQuery(
        start=dt_util.as_utc(start) if start is not None else None,
        end=dt_util.as_utc(end) if end is not None else None,
        charger_ids=(
            _charger_ids(hass, call.data[ATTR_DEVICE_ID]) if ATTR_DEVICE_ID in call.data else None
        ),
        id_tag=call.data.get(ATTR_ID_TAG),
        limit=MAX_SESSIONS + 1,
    )
    records: list[SessionRecord] = []
    names: dict[tuple[str, str], str] = {}
    for central in _centrals(hass):
        entry_id = central.entry.entry_id
        records += await central.history.async_query(replace(query, entry_ids=(entry_id,)))
        for coordinator in central.coordinators.values():
            names[(entry_id, coordinator.config.charger_id)] = coordinator.config.name
    records.sort(key=lambda record: record.started_at)
    return Found(records[:MAX_SESSIONS], names, len(records) > MAX_SESSIONS)


def session_dict(record: SessionRecord, name: str | None) -> dict[str, Any]:
    """Return a session as the response shows it: times in ISO 8601, energy in kWh."""
    return {
        "charger": name or record.charger_id,
        "charger_id": record.charger_id,
        "connector_id": record.connector_id,
        "transaction_id": record.transaction_id,
        "start": dt_util.as_local(record.started_at).isoformat(),
        "end": dt_util.as_local(record.ended_at).isoformat() if record.ended_at else None,
        "id_tag": record.id_tag,
        "holder": record.holder,
        "energy_kwh": kwh(record.energy_wh),
        "solar_kwh": kwh(record.solar_wh),
        "grid_kwh": kwh(record.grid_wh),
        "cost": None if record.cost is None else round(record.cost, 2),
        "max_power_kw": kwh(record.max_power_w),
        "stop_reason": record.stop_reason,
    }


def totals(records: list[SessionRecord]) -> dict[str, Any]:
    """Return the sums (solar, grid and cost: of the sessions that know them)."""

    def total(values: list[float | None]) -> float | None:
        known = [value for value in values if value is not None]
        return sum(known) if known else None

    cost = total([record.cost for record in records])
    return {
        "sessions": len(records),
        "energy_kwh": kwh(sum(record.energy_wh or 0.0 for record in records)),
        "solar_kwh": kwh(total([record.solar_wh for record in records])),
        "grid_kwh": kwh(total([record.grid_wh for record in records])),
        "cost": None if cost is None else round(cost, 2),
    }


async def async_get_sessions(call: ServiceCall) -> ServiceResponse:
    """Return the sessions and their totals."""
    found = await async_find(call.hass, call)
    return {
        "sessions": [
            session_dict(record, found.names.get((record.entry_id, record.charger_id)))
            for record in found.records
        ],
        "totals": totals(found.records),
        "truncated": found.truncated,
    }


def _write_csv(path: Path, records: list[SessionRecord]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows_for_csv(records))


def _day(value: datetime | None, fallback: str) -> str:
    return dt_util.as_local(value).date().isoformat() if value is not None else fallback


async def async_export_sessions(call: ServiceCall) -> ServiceResponse:
    """Write the sessions to a CSV file in the configuration folder; return its path."""
    found = await async_find(call.hass, call)
    name = (
        f"sessions_{_day(call.data.get(ATTR_START), 'all')}_{_day(call.data.get(ATTR_END), 'now')}"
    )
    if id_tag := call.data.get(ATTR_ID_TAG):
        name += "_" + "".join(char if char.isalnum() else "_" for char in id_tag)
    path = Path(call.hass.config.path(EXPORT_FOLDER, f"{name}.csv"))
    try:
        await call.hass.async_add_executor_job(_write_csv, path, found.records)
    except OSError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="export_failed",
            translation_placeholders={"path": str(path), "error": str(err)},
        ) from err
    return {"path": str(path), "sessions": len(found.records), "totals": totals(found.records)}


def async_setup_history_services(hass: HomeAssistant) -> None:
    """Register the history actions (they aim at no single charger)."""
    hass.services.async_register(
        DOMAIN,
        "get_sessions",
        async_get_sessions,
        schema=FILTER_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_register_admin_service(
        hass,
        DOMAIN,
        "export_sessions",
        async_export_sessions,
        schema=FILTER_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
