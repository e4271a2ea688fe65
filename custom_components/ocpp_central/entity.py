"""Base entity: reads the charger model, writes its state only when what it shows has changed.

Devices: station-level entities live on the charger's device. A station with one connector
keeps its connector entities there too; a station with several connectors gets one device
per connector ("<name> connector N", via the charger's device). A charger reports its
connectors one StatusNotification at a time, so connector 1's entities usually exist before
connector 2 is heard of: when a second connector appears, the entities of the first are moved
to their connector device in the entity registry. Their entity ids stay as they are, so that
automations keep working; only the device (and so the friendly name) changes.

Which entities are created at all follows the entry's entity set (CAR_PARK_KEYS below).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_ENTITY_SET, DOMAIN, EntitySet
from .coordinator import ChargerCoordinator
from .csms.model import Charger, Connector

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .config_entry import OcppCentralConfigEntry


@dataclass(frozen=True, kw_only=True)
class ChargerEntityDescription(EntityDescription):
    """A station-level entity: value read from the charger."""

    exists_fn: Callable[[Charger], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class ConnectorEntityDescription(EntityDescription):
    """A per-connector entity: value read from one connector."""

    exists_fn: Callable[[Connector], bool] = lambda _: True


# The car park set, by platform: description keys (per connector; "connected" is per charger).
# Every add path asks `creates`; entities/entity_set.py prunes the rest and watches the cap.
# The id tag sensors are per id tag the installer adds, not per charger: they are kept.
CAR_PARK_KEYS: Mapping[str, frozenset[str]] = {
    Platform.SENSOR: frozenset(
        {"status", "power", "energy_session", "energy_total"}
        | {"energy_this_month", "energy_last_month"}
    ),
    Platform.BINARY_SENSOR: frozenset({"connected"}),
    Platform.SWITCH: frozenset({"charge"}),
    Platform.SELECT: frozenset({"charge_mode"}),
    Platform.NUMBER: frozenset({"current_limit"}),
}


def entity_set(entry: ConfigEntry) -> EntitySet:
    """Return the entry's entity set (full unless the option says otherwise)."""
    try:
        return EntitySet(entry.options.get(CONF_ENTITY_SET, EntitySet.FULL))
    except ValueError:
        return EntitySet.FULL


def creates(entry: ConfigEntry, platform: str, key: str) -> bool:
    """Whether entities of this platform and description key are created in the entry's set."""
    return entity_set(entry) is EntitySet.FULL or key in CAR_PARK_KEYS.get(platform, ())


def kwh(value_wh: float | None) -> float | None:
    """Convert to kWh at the meters' 1 Wh resolution (no float noise from subtractions)."""
    return None if value_wh is None else round(value_wh / 1000.0, 3)


def has_connector_devices(charger: Charger) -> bool:
    """Whether connectors get devices of their own: only when the station has several."""
    return sum(1 for number in charger.connectors if number > 0) > 1


def connector_device_identifier(charger_id: str, connector_id: int) -> tuple[str, str]:
    """Device registry identifier of a connector's own device."""
    return (DOMAIN, f"{charger_id}_{connector_id}")


def connector_device_info(coordinator: ChargerCoordinator, connector_id: int) -> DeviceInfo:
    """Where a connector's entities belong under the rule above."""
    charger_id = coordinator.config.charger_id
    if not has_connector_devices(coordinator.charger):
        return DeviceInfo(identifiers={(DOMAIN, charger_id)})
    return DeviceInfo(
        identifiers={connector_device_identifier(charger_id, connector_id)},
        name=f"{coordinator.config.name} connector {connector_id}",
        via_device_id=coordinator.device_id,
    )


class OcppEntity(CoordinatorEntity[ChargerCoordinator]):
    """Entity of one charger, or of one of its connectors."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ChargerCoordinator,
        description: EntityDescription,
        connector_id: int | None = None,
    ) -> None:
        """Bind to the charger (connector_id None) or to one connector."""
        super().__init__(coordinator)
        self.entity_description = description
        self.connector_id = connector_id
        charger_id = coordinator.config.charger_id
        if connector_id is None:
            self._attr_unique_id = f"{charger_id}_{description.key}"
        else:
            self._attr_unique_id = f"{charger_id}_{connector_id}_{description.key}"
        self._written: tuple[Any, ...] | None = None

    @property
    def device_info(self) -> DeviceInfo:
        """Decided when the entity is added, from the station's shape at that moment."""
        if self.connector_id is None:
            return DeviceInfo(identifiers={(DOMAIN, self.coordinator.config.charger_id)})
        return connector_device_info(self.coordinator, self.connector_id)

    @property
    def charger(self) -> Charger:
        """The charger's model."""
        return self.coordinator.charger

    @property
    def connector(self) -> Connector:
        """The connector this entity belongs to."""
        assert self.connector_id is not None
        return self.coordinator.charger.connector(self.connector_id)

    @property
    def available(self) -> bool:
        """Unavailable while the charger is disconnected or silent."""
        return self.coordinator.available

    def _shown(self) -> tuple[Any, ...]:
        """Return what this entity shows; a state is written only when it differs."""
        return (self.available,)

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._shown()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Remember what was written first."""
        await super().async_added_to_hass()
        self._written = self._shown()


@dataclass(frozen=True, kw_only=True)
class EntityFamily:
    """One kind of entity: its descriptions, station-level and per connector, and its class."""

    entity: type[OcppEntity]
    charger: tuple[ChargerEntityDescription, ...] = ()
    connector: tuple[ConnectorEntityDescription, ...] = ()


@callback
def async_add_families(
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    *families: EntityFamily,
) -> None:
    """Add the families' entities for every charger now, and as connectors and measurands appear."""

    @callback
    def add(coordinator: ChargerCoordinator) -> None:
        async_add_family_entities(coordinator, async_add_entities, platform, families)

    entry.runtime_data.async_register_entity_factory(add)


@callback
def async_add_family_entities(
    coordinator: ChargerCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
    platform: str,
    families: Sequence[EntityFamily],
) -> None:
    """Add, in one batch, the entities the charger's current shape calls for (each one only once).

    Station-level entities come first, then each connector's, family by family; only those the
    entry's entity set creates (entities/entity_set.py). Also moves existing connector entities
    of these families to connector devices once the station turns out to have several connectors.
    """
    known = coordinator.known_entities.setdefault(platform, set())
    charger = coordinator.charger
    entry = coordinator.config_entry
    if has_connector_devices(charger):
        connector_keys = [d.key for family in families for d in family.connector]
        _move_to_connector_devices(coordinator, platform, known, connector_keys)
    entities: list[OcppEntity] = []
    for family in families:
        for description in family.charger:
            if (
                description.key not in known
                and creates(entry, platform, description.key)
                and description.exists_fn(charger)
            ):
                known.add(description.key)
                entities.append(family.entity(coordinator, description, None))
    for connector_id, connector in sorted(charger.connectors.items()):
        if connector_id == 0:
            continue
        for family in families:
            for connector_description in family.connector:
                key = f"{connector_id}_{connector_description.key}"
                if (
                    key not in known
                    and creates(entry, platform, connector_description.key)
                    and connector_description.exists_fn(connector)
                ):
                    known.add(key)
                    entities.append(family.entity(coordinator, connector_description, connector_id))
    if entities:
        async_add_entities(entities, config_subentry_id=coordinator.config.subentry_id)


@callback
def _move_to_connector_devices(
    coordinator: ChargerCoordinator,
    platform: str,
    known: set[str],
    description_keys: Sequence[str],
) -> None:
    """Put registered connector entities (enabled or not) on their connector's device."""
    hass = coordinator.hass
    entity_registry = er.async_get(hass)
    device_registry = dr.async_get(hass)
    charger_id = coordinator.config.charger_id
    device_ids: dict[int, str] = {}
    for connector_id in sorted(coordinator.charger.connectors):
        if connector_id == 0:
            continue
        for description_key in description_keys:
            key = f"{connector_id}_{description_key}"
            if key not in known:
                continue
            entity_id = entity_registry.async_get_entity_id(platform, DOMAIN, f"{charger_id}_{key}")
            entry = entity_registry.async_get(entity_id) if entity_id else None
            if entry is None:  # pragma: no cover - platforms register entities eagerly
                # Not registered yet: device_info places it when it is added.
                continue
            if connector_id not in device_ids:
                device_ids[connector_id] = device_registry.async_get_or_create(
                    config_entry_id=coordinator.config_entry.entry_id,
                    config_subentry_id=coordinator.config.subentry_id,
                    **connector_device_info(coordinator, connector_id),
                ).id
            if entry.device_id != device_ids[connector_id]:
                entity_registry.async_update_entity(
                    entry.entity_id, device_id=device_ids[connector_id]
                )
