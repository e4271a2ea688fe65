"""Per-connector sensor of a limit another party put on a charger (OCPP 2.0.1 NotifyChargingLimit).

An energy manager, the grid operator or a building's load balancer may limit a 2.0.1 charger; the
charger tells us so, and the built-in controller stays under it (control_connector.py). Added by
the sensor platform once a limit was first reported for the connector (or for its whole station),
and kept from then on. It shows the lowest limit in force now, in A per phase (a limit in W taken
at 230 V on its phases), with its source; unknown while none is (cleared, or the charger rebooted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent
from homeassistant.util import dt as dt_util

from ..csms.model import EXTERNAL_LIMIT_SEEN
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity


@dataclass(frozen=True, kw_only=True)
class OcppExternalLimitSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """The limit another party put on a connector."""


EXTERNAL_LIMIT_SENSORS: tuple[OcppExternalLimitSensorDescription, ...] = (
    OcppExternalLimitSensorDescription(
        key="external_limit",
        translation_key="external_limit",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda connector: EXTERNAL_LIMIT_SEEN in connector.seen_measurands,
    ),
)


class OcppExternalLimitSensor(OcppEntity, SensorEntity):
    """The lowest limit in force on the connector or its station, and who set it."""

    entity_description: OcppExternalLimitSensorDescription

    @property
    def _limit(self) -> tuple[float, str] | None:
        assert self.connector_id is not None
        return self.charger.external_limit(self.connector_id, dt_util.utcnow())

    @property
    def native_value(self) -> float | None:
        """A per phase; unknown while no limit is in force."""
        limit = self._limit
        return None if limit is None else round(limit[0], 2)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Who set it: ems (an energy manager), so (the grid operator) or other."""
        limit = self._limit
        return {"source": None if limit is None else limit[1].lower()}

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self._limit)


EXTERNAL_LIMIT_FAMILY = EntityFamily(
    entity=OcppExternalLimitSensor, connector=EXTERNAL_LIMIT_SENSORS
)
