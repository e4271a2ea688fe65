"""The state of a charger's link to its upstream central system (upstreams.py), as a sensor.

Added for chargers that have an upstream set (and kept once added): connected, connecting,
refused (our credentials, an unknown identity, TLS, no common OCPP version) or disabled (the
upstream was removed). The reason, the messages waiting for the upstream and those passed on so
far are attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import callback

from ..csms.upstream import LinkState, UpstreamLink
from ..entity import ChargerEntityDescription, EntityFamily, OcppEntity, async_add_family_entities

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from ..config_entry import OcppCentralConfigEntry
    from ..coordinator import ChargerCoordinator

UPSTREAM_OPTIONS = [state.value for state in LinkState]


@dataclass(frozen=True, kw_only=True)
class OcppUpstreamSensorDescription(ChargerEntityDescription, SensorEntityDescription):
    """The upstream link's state."""


UPSTREAM_SENSORS: tuple[OcppUpstreamSensorDescription, ...] = (
    OcppUpstreamSensorDescription(
        key="upstream",
        translation_key="upstream",
        device_class=SensorDeviceClass.ENUM,
        options=UPSTREAM_OPTIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


class OcppUpstreamSensor(OcppEntity, SensorEntity):
    """Connected, connecting, refused or disabled; why, and what waits."""

    entity_description: OcppUpstreamSensorDescription

    @property
    def _link(self) -> UpstreamLink | None:
        return self.coordinator.config_entry.runtime_data.upstreams.link(
            self.coordinator.config.charger_id
        )

    @property
    def available(self) -> bool:
        """Whether the charger is online does not matter: the link is ours."""
        return True

    @property
    def native_value(self) -> str:
        """The link's state; disabled without an upstream."""
        link = self._link
        return LinkState.DISABLED.value if link is None else link.state.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why (refused or unreachable), the HTTP status, and the queue."""
        link = self._link
        if link is None:
            return {"reason": None, "http_status": None, "queued": 0, "forwarded": 0}
        return {
            "reason": None if link.reason is None else link.reason.value,
            "http_status": link.http_status,
            "queued": len(link.queue),
            "forwarded": link.forwarded,
        }

    def _shown(self) -> tuple[Any, ...]:
        link = self._link
        if link is None:
            return (None,)
        return (link.state, link.reason, link.http_status, len(link.queue), link.forwarded)


UPSTREAM_FAMILY = EntityFamily(entity=OcppUpstreamSensor, charger=UPSTREAM_SENSORS)


@callback
def async_add_upstream_sensors(
    entry: OcppCentralConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensor to each charger once it has an upstream (and when it gets one later)."""

    @callback
    def add(coordinator: ChargerCoordinator) -> None:
        if entry.runtime_data.upstreams.link(coordinator.config.charger_id) is not None:
            async_add_family_entities(
                coordinator, async_add_entities, Platform.SENSOR, (UPSTREAM_FAMILY,)
            )

    entry.runtime_data.async_register_entity_factory(add)
