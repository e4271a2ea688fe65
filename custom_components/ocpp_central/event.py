"""Event entity: an id tag was presented at the charger (Authorize or StartTransaction).

Fires on every presentation, accepted or not, so an automation can trigger on a card swipe:
event type "accepted" or "rejected", attributes tag, status (the answer it got: Accepted, Blocked,
Expired or Invalid), holder (name of the tag's holder, when the tag is managed in the UI), charger
(its id) and connector (None for an Authorize, which names no connector).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entry import OcppCentralConfigEntry
from .csms.events import ChargerEvent, ChargerEventType
from .entity import ChargerEntityDescription, EntityFamily, OcppEntity, async_add_families

PARALLEL_UPDATES = 0

EVENT_ACCEPTED = "accepted"
EVENT_REJECTED = "rejected"
ATTR_TAG = "tag"
ATTR_STATUS = "status"
ATTR_HOLDER = "holder"
ATTR_CHARGER = "charger"
ATTR_CONNECTOR = "connector"


@dataclass(frozen=True, kw_only=True)
class OcppEventDescription(ChargerEntityDescription, EventEntityDescription):
    """A station-level event entity fed by one kind of charger event."""

    event: ChargerEventType


CHARGER_EVENTS: tuple[OcppEventDescription, ...] = (
    OcppEventDescription(
        key="tag_presented",
        translation_key="tag_presented",
        event_types=[EVENT_ACCEPTED, EVENT_REJECTED],
        event=ChargerEventType.TAG_PRESENTED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entities of every charger."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.EVENT,
        EntityFamily(entity=OcppTagEvent, charger=CHARGER_EVENTS),
    )


class OcppTagEvent(OcppEntity, EventEntity):
    """Fires when an id tag is presented at the charger."""

    entity_description: OcppEventDescription

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the charger's events while the entity exists."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_event_listener(self._async_on_event))

    @callback
    def _async_on_event(self, event: ChargerEvent) -> None:
        if event.type is not self.entity_description.event:
            return
        wanted = (event.id_tag or "").casefold()
        holder = next(
            (
                tag.name
                for tag in self.coordinator.config_entry.runtime_data.id_tags()
                if tag.id_tag.casefold() == wanted
            ),
            None,
        )
        self._trigger_event(
            EVENT_ACCEPTED if event.accepted else EVENT_REJECTED,
            {
                ATTR_TAG: event.id_tag,
                ATTR_STATUS: event.status,
                ATTR_HOLDER: holder,
                ATTR_CHARGER: self.coordinator.config.charger_id,
                ATTR_CONNECTOR: event.connector_id,
            },
        )
        self.async_write_ha_state()
