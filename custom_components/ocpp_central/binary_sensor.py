"""Binary sensors: connectivity, cable plugged in, charging, problem.

Whether the charger obeys the charging limit is a sensor now (entities/limits.py); the retired
"Limit verified" binary sensor's registry entry is removed at setup.

The platform also watches the chargers' faults and outages (repair issues, events: faults.py), and
sets up the entry's entity set (entities/entity_set.py: pruning, reload on change, the cap issue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .config_entry import OcppCentralConfigEntry
from .coordinator import ChargerCoordinator
from .csms.model import Connector, ConnectorStatus
from .entities.entity_set import async_setup_entity_set
from .entities.faults import async_watch_faults
from .entities.limits import async_remove_retired
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OcppChargerBinarySensorDescription(ChargerEntityDescription, BinarySensorEntityDescription):
    """A station-level binary sensor, computed from the coordinator."""

    is_on_fn: Callable[[ChargerCoordinator], bool | None]
    # The connectivity sensor reports the outage itself.
    always_available: bool = False


@dataclass(frozen=True, kw_only=True)
class OcppConnectorBinarySensorDescription(
    ConnectorEntityDescription, BinarySensorEntityDescription
):
    """A per-connector binary sensor."""

    is_on_fn: Callable[[Connector], bool | None]


def _problem(connector: Connector) -> bool | None:
    """Whether the connector reports an error or Faulted (unknown until it reports anything)."""
    if connector.status is None and connector.error_code is None:
        return None
    return connector.error_code is not None or connector.status is ConnectorStatus.FAULTED


CHARGER_BINARY_SENSORS: tuple[OcppChargerBinarySensorDescription, ...] = (
    OcppChargerBinarySensorDescription(
        key="connected",
        translation_key="connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        always_available=True,
        is_on_fn=lambda coordinator: coordinator.available,
    ),
)

CONNECTOR_BINARY_SENSORS: tuple[OcppConnectorBinarySensorDescription, ...] = (
    OcppConnectorBinarySensorDescription(
        key="plugged_in",
        translation_key="plugged_in",
        device_class=BinarySensorDeviceClass.PLUG,
        is_on_fn=lambda connector: connector.plugged_in,
    ),
    OcppConnectorBinarySensorDescription(
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        is_on_fn=lambda connector: connector.charging,
    ),
    OcppConnectorBinarySensorDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=_problem,
    ),
)


class OcppChargerBinarySensor(OcppEntity, BinarySensorEntity):
    """A binary sensor showing one fact of the station."""

    entity_description: OcppChargerBinarySensorDescription

    @property
    def available(self) -> bool:
        """As the charger's entities are, unless the sensor reports the outage itself."""
        return self.entity_description.always_available or super().available

    @property
    def is_on(self) -> bool | None:
        """Current value from the coordinator."""
        return self.entity_description.is_on_fn(self.coordinator)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.is_on)


class OcppConnectorBinarySensor(OcppEntity, BinarySensorEntity):
    """A binary sensor showing one fact of a connector."""

    entity_description: OcppConnectorBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Current value from the model."""
        return self.entity_description.is_on_fn(self.connector)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.is_on)


CHARGER_BINARY_SENSOR_FAMILY = EntityFamily(
    entity=OcppChargerBinarySensor, charger=CHARGER_BINARY_SENSORS
)
CONNECTOR_BINARY_SENSOR_FAMILY = EntityFamily(
    entity=OcppConnectorBinarySensor, connector=CONNECTOR_BINARY_SENSORS
)
BINARY_SENSOR_FAMILIES = (
    CHARGER_BINARY_SENSOR_FAMILY,
    CONNECTOR_BINARY_SENSOR_FAMILY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for every charger and connector as they appear; watch their faults."""
    async_remove_retired(hass, entry.entry_id)
    async_setup_entity_set(hass, entry)
    async_add_families(entry, async_add_entities, Platform.BINARY_SENSOR, *BINARY_SENSOR_FAMILIES)
    async_watch_faults(hass, entry)
