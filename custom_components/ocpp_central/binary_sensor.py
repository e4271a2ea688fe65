"""Binary sensors: connectivity, cable plugged in, charging, charging limit verified."""

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
from .csms.model import Connector
from .entities.limits import (
    LIMIT_BINARY_SENSORS,
    OcppLimitBinarySensor,
    OcppLimitBinarySensorDescription,
)
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    OcppEntity,
    async_add_shape_entities,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OcppChargerBinarySensorDescription(ChargerEntityDescription, BinarySensorEntityDescription):
    """A station-level binary sensor, computed from the coordinator."""

    is_on_fn: Callable[[ChargerCoordinator], bool | None]


@dataclass(frozen=True, kw_only=True)
class OcppConnectorBinarySensorDescription(
    ConnectorEntityDescription, BinarySensorEntityDescription
):
    """A per-connector binary sensor."""

    is_on_fn: Callable[[Connector], bool | None]


CHARGER_BINARY_SENSORS: tuple[OcppChargerBinarySensorDescription, ...] = (
    OcppChargerBinarySensorDescription(
        key="connected",
        translation_key="connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
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
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for every charger and connector as they appear."""
    async_add_shape_entities(
        entry,
        async_add_entities,
        Platform.BINARY_SENSOR,
        charger=CHARGER_BINARY_SENSORS,
        connector=(*CONNECTOR_BINARY_SENSORS, *LIMIT_BINARY_SENSORS),
        make=_make,
    )


class OcppBinarySensor(OcppEntity, BinarySensorEntity):
    """A binary sensor showing one fact of the charger model."""

    entity_description: OcppChargerBinarySensorDescription | OcppConnectorBinarySensorDescription

    @property
    def available(self) -> bool:
        """The connectivity sensor is always available: it reports the outage itself."""
        if self.entity_description.key == "connected":
            return True
        return super().available

    @property
    def is_on(self) -> bool | None:
        """Current value from the model."""
        description = self.entity_description
        if isinstance(description, OcppConnectorBinarySensorDescription):
            return description.is_on_fn(self.connector)
        return description.is_on_fn(self.coordinator)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.is_on)


def _make(
    coordinator: ChargerCoordinator,
    description: OcppChargerBinarySensorDescription
    | OcppConnectorBinarySensorDescription
    | OcppLimitBinarySensorDescription,
    connector_id: int | None,
) -> OcppEntity:
    if isinstance(description, OcppLimitBinarySensorDescription):
        return OcppLimitBinarySensor(coordinator, description, connector_id)
    return OcppBinarySensor(coordinator, description, connector_id)
