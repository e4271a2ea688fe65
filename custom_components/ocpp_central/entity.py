"""Base entity: reads the charger model, writes its state only when what it shows has changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import ChargerCoordinator
from .model import Charger, Connector


@dataclass(frozen=True, kw_only=True)
class ChargerEntityDescription(EntityDescription):
    """A station-level entity: value read from the charger."""

    exists_fn: Callable[[Charger], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class ConnectorEntityDescription(EntityDescription):
    """A per-connector entity: value read from one connector."""

    exists_fn: Callable[[Connector], bool] = lambda _: True


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
        multi_connector = len([n for n in coordinator.charger.connectors if n > 0]) > 1
        if connector_id is None:
            self._attr_unique_id = f"{charger_id}_{description.key}"
            self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, charger_id)})
        else:
            self._attr_unique_id = f"{charger_id}_{connector_id}_{description.key}"
            if multi_connector:
                self._attr_device_info = DeviceInfo(
                    identifiers={(DOMAIN, f"{charger_id}_{connector_id}")},
                    name=f"{coordinator.config.name} connector {connector_id}",
                    via_device_id=coordinator.device_id,
                )
            else:
                self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, charger_id)})
        self._written: tuple[Any, ...] | None = None

    @property
    def charger(self) -> Charger:
        """The charger's model."""
        return self.coordinator.charger

    @property
    def connector(self) -> Connector:
        """This entity's connector."""
        assert self.connector_id is not None
        return self.coordinator.charger.connector(self.connector_id)

    @property
    def available(self) -> bool:
        """Unavailable while the charger is disconnected or silent."""
        return self.coordinator.available

    def _shown(self) -> tuple[Any, ...]:
        """What this entity currently shows; a state is written only when it differs."""
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


def add_entities_for_shape(
    coordinator: ChargerCoordinator,
    platform: str,
    charger_descriptions: tuple[ChargerEntityDescription, ...],
    connector_descriptions: tuple[ConnectorEntityDescription, ...],
    make: Callable[[ChargerCoordinator, Any, int | None], OcppEntity],
) -> list[OcppEntity]:
    """New entities the charger's current shape calls for (each one only once)."""
    known = coordinator.known_entities.setdefault(platform, set())
    charger = coordinator.charger
    entities: list[OcppEntity] = []
    for description in charger_descriptions:
        key = description.key
        if key not in known and description.exists_fn(charger):
            known.add(key)
            entities.append(make(coordinator, description, None))
    for connector_id, connector in sorted(charger.connectors.items()):
        if connector_id == 0:
            continue
        for connector_description in connector_descriptions:
            key = f"{connector_id}_{connector_description.key}"
            if key not in known and connector_description.exists_fn(connector):
                known.add(key)
                entities.append(make(coordinator, connector_description, connector_id))
    return entities
