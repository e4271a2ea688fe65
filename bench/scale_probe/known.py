"""When each charger became known: every status and power sensor of it has a value.

Follows state changes (no polling, no registry scan per look): an entity is classified once, when
its first state is written, by its registry entry's translation key and device. The times are
wall clock, so that the bench can set them against when the fleet's chargers (re)connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

KNOWN_KEYS = frozenset({"status", "power"})
UNKNOWN = frozenset({"unknown", "unavailable"})
PLATFORM = "ocpp_central"


@dataclass(slots=True)
class KnownTimes:
    """Per charger id: its watched entities, those without a value, and when it became known.

    A charger becomes known when it has both a status and a power sensor and all of them have a
    value; each such moment (again after a value was lost) is kept.
    """

    hass: HomeAssistant
    # Entity id -> (charger id, translation key), or None: no status or power sensor of a charger.
    _owner: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    _keys: dict[str, set[str]] = field(default_factory=dict)
    _unknown: dict[str, set[str]] = field(default_factory=dict)
    _known: set[str] = field(default_factory=set)
    known_at: dict[str, list[float]] = field(default_factory=dict)

    @callback
    def async_start(self) -> None:
        """Follow every state change from now on."""
        self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    @callback
    def _changed(self, event: Event[Any]) -> None:
        entity_id: str = event.data["entity_id"]
        if (owner := self._owner_of(entity_id)) is None:
            return
        charger_id, key = owner
        self._keys.setdefault(charger_id, set()).add(key)
        unknown = self._unknown.setdefault(charger_id, set())
        new_state = event.data.get("new_state")
        if new_state is None or new_state.state in UNKNOWN:
            unknown.add(entity_id)
        else:
            unknown.discard(entity_id)
        known = not unknown and self._keys[charger_id] >= KNOWN_KEYS
        if known and charger_id not in self._known:
            self.known_at.setdefault(charger_id, []).append(time.time())
            self._known.add(charger_id)
        elif not known:
            self._known.discard(charger_id)

    def _owner_of(self, entity_id: str) -> tuple[str, str] | None:
        if entity_id in self._owner:
            return self._owner[entity_id]
        owner = None
        entry = er.async_get(self.hass).async_get(entity_id)
        if (
            entry is not None
            and entry.platform == PLATFORM
            and entry.translation_key in KNOWN_KEYS
            and entry.device_id is not None
            and (charger_id := _charger_id(dr.async_get(self.hass), entry.device_id)) is not None
        ):
            owner = (charger_id, entry.translation_key)
        self._owner[entity_id] = owner
        return owner


def _charger_id(devices: dr.DeviceRegistry, device_id: str) -> str | None:
    """The charger id of a charger's device, or of the charger a connector's device is via."""
    device = devices.async_get(device_id)
    if device is None:
        return None
    if device.via_device_id is not None:
        return _charger_id(devices, device.via_device_id)
    return next((ident for domain, ident in device.identifiers if domain == PLATFORM), None)
