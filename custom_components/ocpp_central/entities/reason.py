"""The controller's reason per connector: an enum sensor with the timer and the planned schedule.

Added by the sensor platform for every connector, in a batch of its own after the charger's
sensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import math
from typing import Any, override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorEntityDescription
from homeassistant.util import dt as dt_util

from ..control.controller import SiteController, connector_key
from ..control.core.modes import Reason
from ..entity import ConnectorEntityDescription, EntityFamily, OcppEntity

# The remaining time is shown in steps of this many seconds (fewer state writes).
TIMER_STEP_S = 10
# The mode needs an input the options lack (grid meter, price): "Set up solar charging first".
SETUP_NEEDED = "setup_needed"


@dataclass(frozen=True, kw_only=True)
class ControlSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """The controller's reason for one connector."""


CONTROL_SENSORS: tuple[ControlSensorDescription, ...] = (
    ControlSensorDescription(
        key="control_reason",
        translation_key="control_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[*(reason.value for reason in Reason), SETUP_NEEDED],
    ),
)


class ControlReasonSensor(OcppEntity, SensorEntity):
    """Why the controller gives the connector what it gives, and what it plans."""

    _unrecorded_attributes = frozenset({"timer_remaining", "timer_ends_at", "planned_schedule"})

    @property
    def _control(self) -> SiteController:
        return self.coordinator.config_entry.runtime_data.control

    @property
    def _key(self) -> str:
        assert self.connector_id is not None
        return connector_key(self.coordinator.config.charger_id, self.connector_id)

    @property
    def native_value(self) -> str | None:
        """The reason (mode External until a mode is chosen)."""
        if self._control.needs_setup(self._key):
            return SETUP_NEEDED
        explanation = self._control.explanation(self._key)
        return explanation.reason.value if explanation is not None else Reason.EXTERNAL.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Mode, detail (e.g. the fuse's phase), timer, and the planned schedule in Cheapest mode."""
        control = self._control
        explanation = control.explanation(self._key)
        attributes: dict[str, Any] = {
            "mode": control.mode(self._key).value,
            "detail": explanation.detail if explanation else None,
            "timer_remaining": None,
            "timer_ends_at": None,
        }
        if explanation is not None and explanation.timer_s is not None:
            remaining = math.ceil(explanation.timer_s / TIMER_STEP_S) * TIMER_STEP_S
            attributes["timer_remaining"] = remaining
            ends = dt_util.utcnow() + timedelta(seconds=remaining)
            attributes["timer_ends_at"] = ends.replace(
                microsecond=0, second=ends.second // TIMER_STEP_S * TIMER_STEP_S
            ).isoformat()
        plan = control.planner.plan(self._key)
        attributes["planned_schedule"] = (
            [{"start": start.isoformat(), "limit": limit} for start, limit in plan.periods]
            if plan is not None
            else None
        )
        if plan is not None:
            attributes["planned_until"] = plan.valid_to.isoformat()
            attributes["planned_energy_kwh"] = round(plan.energy_wh / 1000, 2)
        return attributes

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the controller's passes too: what they explain is no news of the charger."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._control.async_listen_explanation(self._key, self._handle_coordinator_update)
        )

    def _shown(self) -> tuple[Any, ...]:
        attributes = self.extra_state_attributes
        attributes.pop("timer_ends_at", None)
        return (*super()._shown(), self.native_value, tuple(map(str, attributes.values())))


CONTROL_REASON_FAMILY = EntityFamily(entity=ControlReasonSensor, connector=CONTROL_SENSORS)
