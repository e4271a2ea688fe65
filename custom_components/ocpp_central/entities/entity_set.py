"""Which entities a charger gets: all of them ("full"), or only what a car park needs ("car_park").

Home Assistant adds at most MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY (10,000) enabled entities per
config entry, and every charger is a subentry of the central system's one entry: with ~30 enabled
entities per charger, a few hundred chargers reach it and later ones get none. The car park set
(the entry's option entity_set) gives each charger only entity.py's CAR_PARK_KEYS: per connector
its status, power, session and lifetime energy, charge switch, charge mode and current limit, and
per charger its connectivity; nothing else is created, not even disabled (every registry entry
costs memory and startup time). Every add path asks `creates` (entity.py's async_add_family_entities, and the
id tag sensors). Switching the set reloads the entry, and at setup in the car park set the registry
entries of the chargers' other entities are removed: they would still count against the cap.

In the full set, a repair issue tells the installer to switch once the chargers times the enabled
entities of the most equipped charger would pass the cap; it goes when that is no longer true.
"""

from __future__ import annotations

from collections import Counter
import re
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform, entity_registry as er, issue_registry as ir
from homeassistant.helpers.debounce import Debouncer

from ..const import CONF_CHARGER_ID, DOMAIN, LOGGER, SUBENTRY_CHARGER, EntitySet
from ..entity import creates, entity_set

if TYPE_CHECKING:
    from ..config_entry import OcppCentralConfigEntry
    from ..coordinator import ChargerCoordinator

ISSUE_ENTITY_CAP = "entity_cap"
# How long after a charger's entities were added the cap is checked again (a join adds many).
CAP_CHECK_DELAY_S = 10.0
_CONNECTOR_KEY = re.compile(r"\d+_(.+)")


def issue_id(entry: ConfigEntry) -> str:
    """Return the id of the entry's entity cap issue."""
    return f"{ISSUE_ENTITY_CAP}_{entry.entry_id}"


@callback
def async_setup_entity_set(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Prune what the set leaves out, reload when the set changes, watch the cap."""
    chosen = entity_set(entry)
    if chosen is EntitySet.CAR_PARK:
        async_remove_left_out(hass, entry)

    @callback
    def check() -> None:
        if entry.state is ConfigEntryState.LOADED:
            async_check_cap(hass, entry)

    checker: Debouncer[None] = Debouncer(
        hass, LOGGER, cooldown=CAP_CHECK_DELAY_S, immediate=False, function=check
    )

    @callback
    def added(_coordinator: ChargerCoordinator) -> None:
        checker.async_schedule_call()

    async def updated(_hass: HomeAssistant, _entry: ConfigEntry) -> None:
        if entity_set(entry) is not chosen:
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        checker.async_schedule_call()

    entry.runtime_data.async_register_entity_factory(added)
    entry.async_on_unload(entry.add_update_listener(updated))
    entry.async_on_unload(checker.async_cancel)
    entry.async_on_unload(lambda: ir.async_delete_issue(hass, DOMAIN, issue_id(entry)))
    async_check_cap(hass, entry)


def _charger_ids(entry: ConfigEntry) -> dict[str, str]:
    """Charger id by subentry id."""
    return {
        subentry_id: str(subentry.data[CONF_CHARGER_ID])
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_CHARGER
    }


def _key_of(unique_id: str, charger_id: str) -> str | None:
    """Return the description key of a charger's entity ("<id>_<key>" or "<id>_<n>_<key>")."""
    prefix = f"{charger_id}_"
    if not unique_id.startswith(prefix):
        return None
    rest = unique_id[len(prefix) :]
    match = _CONNECTOR_KEY.fullmatch(rest)
    return match.group(1) if match else rest


@callback
def async_remove_left_out(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the registry entries of the chargers' entities the entry's set does not create."""
    registry = er.async_get(hass)
    chargers = _charger_ids(entry)
    removed = 0
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        charger_id = chargers.get(entity.config_subentry_id or "")
        if charger_id is None:
            continue
        key = _key_of(entity.unique_id, charger_id)
        if key is not None and not creates(entry, entity.domain, key):
            registry.async_remove(entity.entity_id)
            removed += 1
    if removed:
        LOGGER.info("Car park entity set: removed %d entities the chargers no longer get", removed)


@callback
def async_check_cap(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise the entity cap issue when the full set would pass Home Assistant's cap; else clear it."""
    cap = entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    chargers = _charger_ids(entry)
    per_charger: Counter[str] = Counter()
    others = 0
    if entity_set(entry) is EntitySet.FULL:
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
            if entity.disabled_by is not None:
                continue
            if (entity.config_subentry_id or "") in chargers:
                per_charger[entity.config_subentry_id or ""] += 1
            else:
                others += 1
    most = max(per_charger.values(), default=0)
    needed = len(chargers) * most + others
    if needed <= cap:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_ENTITY_CAP,
        translation_placeholders={
            "chargers": str(len(chargers)),
            "per_charger": str(most),
            "needed": str(needed),
            "cap": str(cap),
            "fits": str(max(0, cap - others) // most),
        },
    )
