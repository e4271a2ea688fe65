"""Diagnostics download: central-system settings and every charger's model, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .central import OcppCentralConfigEntry
from .const import CONF_ID_TAGS

TO_REDACT = {CONF_PASSWORD, CONF_ID_TAGS, "id_tag", "serial_number", "meter_serial_number"}


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
                charger_id: {
                    "config": {
                        "name": coordinator.config.name,
                        "password": coordinator.config.password,
                        "max_current": coordinator.config.max_current,
                    },
                    "model": asdict(coordinator.charger),
                }
                for charger_id, coordinator in central.coordinators.items()
            },
            "pending_chargers": sorted(central.pending),
        },
        TO_REDACT,
    )
