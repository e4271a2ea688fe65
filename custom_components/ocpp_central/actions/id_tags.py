"""Service actions that manage id tags (tokens) like the UI does: one config subentry per tag.

`set_id_tag` adds a tag or changes one (status, expiry date, group, holder's name; what a call
leaves out stays as it was, an empty expiry date or group removes it); `remove_id_tag` removes one.
Both act on the central system's config entry (`config_entry_id`, optional when there is one).
Authorize and transaction answers follow the change at once; a charger's local list follows with
the next `send_local_list`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_register_admin_service

from ..config_entry import OcppCentralConfigEntry
from ..const import CONF_ID_TAG, DOMAIN, SUBENTRY_ID_TAG
from ..security.id_tags import CONF_EXPIRY, CONF_GROUP, CONF_STATUS, STATUSES, token_data
from .target import validation_error

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
# Registered by async_setup_id_tag_services, besides services.SERVICES (no charger target).
ID_TAG_SERVICES = ("set_id_tag", "remove_id_tag")
_ID_TAG = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=36))
_BASE = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required("id_tag"): _ID_TAG}
SET_ID_TAG_SCHEMA = vol.Schema(
    {
        **_BASE,
        vol.Optional("name"): vol.All(cv.string, vol.Length(max=100)),
        vol.Optional("status"): vol.In(STATUSES),
        vol.Optional("expiry_date"): vol.Any(None, "", cv.datetime),
        vol.Optional("group"): vol.Any(None, vol.All(cv.string, vol.Length(max=36))),
    }
)
REMOVE_ID_TAG_SCHEMA = vol.Schema(_BASE)


def _central_entry(hass: HomeAssistant, call: ServiceCall) -> OcppCentralConfigEntry:
    """Return the central system's entry the call names, else the only one."""
    wanted = call.data.get(ATTR_CONFIG_ENTRY_ID)
    entries: list[OcppCentralConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if wanted is None or entry.entry_id == wanted
    ]
    if len(entries) != 1:
        raise validation_error("central_system_required")
    if entries[0].state is not ConfigEntryState.LOADED:
        raise validation_error("not_loaded", device=entries[0].title)
    return entries[0]


def _subentry_of(entry: OcppCentralConfigEntry, id_tag: str) -> ConfigSubentry | None:
    wanted = id_tag.casefold()
    return next(
        (
            subentry
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_ID_TAG
            and str(subentry.data[CONF_ID_TAG]).casefold() == wanted
        ),
        None,
    )


async def async_set_id_tag(call: ServiceCall) -> None:
    """Add an id tag, or change the one with this tag (case-insensitive)."""
    entry = _central_entry(call.hass, call)
    id_tag: str = call.data["id_tag"]
    subentry = _subentry_of(entry, id_tag)
    old: dict[str, Any] = dict(subentry.data) if subentry is not None else {}
    expiry = call.data["expiry_date"] if "expiry_date" in call.data else old.get(CONF_EXPIRY)
    data = token_data(
        old.get(CONF_ID_TAG, id_tag),
        call.data.get("status", old.get(CONF_STATUS)),
        cv.datetime(expiry) if expiry else None,
        call.data["group"] if "group" in call.data else old.get(CONF_GROUP),
    )
    name = str(call.data.get("name") or "").strip()
    if subentry is None:
        call.hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=data,  # type: ignore[arg-type]
                subentry_type=SUBENTRY_ID_TAG,
                title=name or id_tag,
                unique_id=id_tag.casefold(),
            ),
        )
        return
    call.hass.config_entries.async_update_subentry(
        entry, subentry, data=data, title=name or subentry.title
    )


async def async_remove_id_tag(call: ServiceCall) -> None:
    """Remove an id tag (case-insensitive)."""
    entry = _central_entry(call.hass, call)
    subentry = _subentry_of(entry, call.data["id_tag"])
    if subentry is None:
        raise validation_error("unknown_id_tag", id_tag=call.data["id_tag"])
    call.hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)


@callback
def async_setup_id_tag_services(hass: HomeAssistant) -> None:
    """Register set_id_tag and remove_id_tag (admin only: they decide who may charge)."""
    async_register_admin_service(
        hass, DOMAIN, "set_id_tag", async_set_id_tag, schema=SET_ID_TAG_SCHEMA
    )
    async_register_admin_service(
        hass, DOMAIN, "remove_id_tag", async_remove_id_tag, schema=REMOVE_ID_TAG_SCHEMA
    )
