"""Calendar platform: each charger's charging sessions, from the session history (entities/history.py)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entry import OcppCentralConfigEntry
from .entities.history import async_add_session_calendars

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a session calendar for every charger."""
    async_add_session_calendars(entry, async_add_entities)
