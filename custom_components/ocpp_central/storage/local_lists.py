"""The local authorization list each charger last acknowledged, with its version, kept on disk.

A Differential update sends only what changed since the list the charger accepted, so that list
and its version are remembered per charger (one small Home Assistant Store per config entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..csms.commands import LocalListEntry

STORAGE_VERSION = 1
_STORES: HassKey[dict[str, LocalLists]] = HassKey(f"{DOMAIN}_local_lists")


@dataclass(slots=True)
class Acknowledged:
    """A charger's local list as it accepted it: its version and entries (keyed casefolded)."""

    version: int
    entries: dict[str, LocalListEntry] = field(default_factory=dict)


def _entry_to_dict(entry: LocalListEntry) -> dict[str, Any]:
    return {
        "id_tag": entry.id_tag,
        "status": entry.status,
        "expiry": entry.expiry.isoformat() if entry.expiry is not None else None,
        "group": entry.group,
    }


def _entry_from_dict(data: dict[str, Any]) -> LocalListEntry:
    expiry = dt_util.parse_datetime(data["expiry"]) if data.get("expiry") else None
    return LocalListEntry(str(data["id_tag"]), data.get("status"), expiry, data.get("group"))


class LocalLists:
    """Per charger of one config entry: the local list it last acknowledged."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.local_lists"
        )
        self._lists: dict[str, Acknowledged] | None = None

    async def async_get(self, charger_id: str) -> Acknowledged | None:
        """Return the list the charger last acknowledged, if any was sent by us."""
        return (await self._loaded()).get(charger_id)

    async def async_set(self, charger_id: str, acknowledged: Acknowledged) -> None:
        """Remember what the charger accepted, on disk before returning."""
        lists = await self._loaded()
        lists[charger_id] = acknowledged
        await self._store.async_save(
            {
                charger: {
                    "version": ack.version,
                    "entries": [_entry_to_dict(entry) for entry in ack.entries.values()],
                }
                for charger, ack in lists.items()
            }
        )

    async def _loaded(self) -> dict[str, Acknowledged]:
        if self._lists is None:
            data = await self._store.async_load() or {}
            self._lists = {
                charger: Acknowledged(
                    int(stored["version"]),
                    {
                        str(item["id_tag"]).casefold(): _entry_from_dict(item)
                        for item in stored.get("entries", [])
                    },
                )
                for charger, stored in data.items()
            }
        return self._lists


def local_lists(hass: HomeAssistant, entry_id: str) -> LocalLists:
    """Return the local lists of a config entry (one object per entry, loaded on first use)."""
    stores = hass.data.setdefault(_STORES, {})
    if (found := stores.get(entry_id)) is None:
        found = stores[entry_id] = LocalLists(hass, entry_id)
    return found


async def async_remove_local_lists(hass: HomeAssistant, entry_id: str) -> None:
    """Forget a removed config entry's local lists, on disk too."""
    hass.data.get(_STORES, {}).pop(entry_id, None)
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.local_lists"
    ).async_remove()
