"""Diagnostics download: settings, every charger's model and last frames, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .config_entry import OcppCentralConfigEntry
from .control.controller import SiteController
from .coordinator import ChargerCoordinator
from .csms.model import Charger

# Id tags identify people; serial numbers identify the hardware (and its owner to the vendor).
TO_REDACT = {
    CONF_PASSWORD,
    "id_tag",
    "serial_number",
    "meter_serial_number",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OcppCentralConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug a charger, without passwords, tags or serials."""
    central = entry.runtime_data
    return async_redact_data(
        {
            "data": dict(entry.data),
            "options": dict(entry.options),
            "listening_port": central.server.port if central.server else None,
            "chargers": {
                charger_id: _charger(coordinator)
                for charger_id, coordinator in sorted(central.coordinators.items())
            },
            "pending_chargers": {
                charger_id: _jsonable(_model(charger))
                for charger_id, charger in sorted(central.pending.items())
            },
            "control": _control(central.control),
        },
        TO_REDACT,
    )


def _charger(coordinator: ChargerCoordinator) -> dict[str, Any]:
    config = coordinator.config
    return {
        "config": {
            "name": config.name,
            CONF_PASSWORD: config.password,
            "max_current": config.max_current,
        },
        "available": coordinator.available,
        "model": _jsonable(_model(coordinator.charger)),
        "smart_charging": _jsonable(coordinator.smart.diagnostics()),
        "trace": _trace(coordinator.charger),
        **_upstream(coordinator),
    }


def _upstream(coordinator: ChargerCoordinator) -> dict[str, Any]:
    """Return the charger's upstream link (no password), for chargers that have one."""
    upstreams = coordinator.config_entry.runtime_data.upstreams
    if (link := upstreams.link(coordinator.config.charger_id)) is None:
        return {}
    return {"upstream": link.diagnostics()}


def _trace(charger: Charger) -> dict[str, Any]:
    """Return the charger's last frames both ways, secrets redacted (csms/trace.py)."""
    trace = charger.trace
    return {
        "detailed_until": _jsonable(trace.detailed_until),
        "frames": [frame.as_dict() for frame in trace.frames()],
    }


def _control(control: SiteController) -> dict[str, Any]:
    """Return the built-in controller: its settings, and per connector mode, choices, reason, state."""
    keys = sorted(set(control.modes) | set(control.core.states))
    view: dict[str, Any] = _jsonable(
        {
            "settings": asdict(control.core.settings),
            "connectors": {
                key: {
                    "mode": control.mode(key),
                    "preferences": asdict(control.preferences(key)),
                    "explanation": (
                        asdict(explanation)
                        if (explanation := control.explanation(key)) is not None
                        else None
                    ),
                    "state": asdict(state) if (state := control.core.states.get(key)) else None,
                }
                for key in keys
            },
        }
    )
    return view


def _model(charger: Charger) -> dict[str, Any]:
    """Return the model without monotonic clock readings (meaningless outside) and its rating.

    The rating (the configured maximum current) is in the charger's options above; the trace
    has its own section.
    """
    model = asdict(charger)
    for name in ("last_seen", "implausible_logged_at", "rating", "trace"):
        model.pop(name, None)
    return model


def _jsonable(value: Any) -> Any:
    """Plain JSON types, in a stable order (sets sorted, enum keys as their values)."""
    if isinstance(value, dict):
        return {str(_jsonable(key)): _jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(item) for item in value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
