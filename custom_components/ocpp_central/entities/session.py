"""Per-connector session accounting sensors: solar and grid energy, solar share, grid cost.

Part of the sensor platform, after the reason sensor. They exist once a grid power input is
configured (the cost sensor also needs a price entity), and appear when one is configured later.
They show the running session, and after it ends the last one, until the next session starts
(energy and cost are totals with last_reset at the session's start). The account is kept in the
controller (control_sessions.py); each sensor saves it with its restore data, and the first one
restored after a restart gives it back, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, Platform, UnitOfEnergy
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoreEntity

from ..const import LOGGER
from ..control.core.accounting import SessionAccount
from ..control.sessions import AccountingInputs
from ..coordinator import ChargerCoordinator
from ..entity import ConnectorEntityDescription, EntityFamily, async_add_family_entities, kwh
from .control import ControlEntity

if TYPE_CHECKING:
    from ..config_entry import OcppCentralConfigEntry


@dataclass(frozen=True, kw_only=True)
class SessionSensorDescription(ConnectorEntityDescription, SensorEntityDescription):
    """One number of a connector's session account."""

    value_fn: Callable[[SessionAccount], float | None]
    attributes_fn: Callable[[SessionAccount], dict[str, Any]] = lambda _: {}
    # The cost needs a price entity; every session sensor needs the grid power.
    needs_price: bool = False


def _share(account: SessionAccount) -> float | None:
    share = account.solar_share
    return None if share is None else round(share, 1)


def _session(account: SessionAccount) -> dict[str, Any]:
    return {
        "transaction_id": account.transaction_id,
        "session_start": account.started_at.isoformat(),
        "session_end": account.ended_at.isoformat() if account.ended_at else None,
    }


SESSION_SENSORS: tuple[SessionSensorDescription, ...] = (
    SessionSensorDescription(
        key="session_solar_energy",
        translation_key="session_solar_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda account: kwh(account.solar_wh),
    ),
    SessionSensorDescription(
        key="session_grid_energy",
        translation_key="session_grid_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda account: kwh(account.grid_wh),
    ),
    SessionSensorDescription(
        key="session_solar_share",
        translation_key="session_solar_share",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value_fn=_share,
        attributes_fn=_session,
    ),
    SessionSensorDescription(
        key="session_unattributed_energy",
        translation_key="session_unattributed_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda account: kwh(account.unknown_wh),
    ),
    SessionSensorDescription(
        key="session_grid_cost",
        translation_key="session_grid_cost",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        needs_price=True,
        value_fn=lambda account: round(account.cost, 4),
        attributes_fn=lambda account: {"unpriced_energy_kwh": kwh(account.unpriced_wh)},
    ),
)


def _allowed_family(inputs: AccountingInputs) -> EntityFamily:
    """Return the session sensors the inputs allow: none without grid power, no cost without a price."""
    if not inputs.grid:
        return EntityFamily(entity=SessionSensor)
    allowed = tuple(d for d in SESSION_SENSORS if inputs.price or not d.needs_price)
    return EntityFamily(entity=SessionSensor, connector=allowed)


@callback
def async_add_session_sensors(
    entry: OcppCentralConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the session sensors of every connector the inputs allow, now and as they change."""
    recorder = entry.runtime_data.control.sessions

    @callback
    def add(coordinator: ChargerCoordinator) -> None:
        family = _allowed_family(recorder.inputs)
        async_add_family_entities(coordinator, async_add_entities, Platform.SENSOR, (family,))

    @callback
    def inputs_changed() -> None:
        for coordinator in entry.runtime_data.coordinators.values():
            add(coordinator)

    entry.runtime_data.async_register_entity_factory(add)
    entry.async_on_unload(recorder.async_listen_inputs(inputs_changed))


class _AccountData(ExtraStoredData):
    """A session account in the restore data."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def as_dict(self) -> dict[str, Any]:
        return self._data


class SessionSensor(ControlEntity, SensorEntity, RestoreEntity):
    """One number of the connector's running (or last) session's account.

    Available while the charger is away: the account is Home Assistant's own bookkeeping.
    """

    entity_description: SessionSensorDescription

    @property
    def _account(self) -> SessionAccount | None:
        return self._control.sessions.account(self._key)

    @property
    def native_value(self) -> float | None:
        """Unknown before the first session."""
        account = self._account
        return self.entity_description.value_fn(account) if account is not None else None

    @property
    def last_reset(self) -> datetime | None:
        """The session's start: energy and cost count from there."""
        account = self._account
        if account is None or self.entity_description.state_class is not SensorStateClass.TOTAL:
            return None
        return account.started_at

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The cost is in Home Assistant's currency."""
        if self.entity_description.device_class is SensorDeviceClass.MONETARY:
            return self.hass.config.currency
        return self.entity_description.native_unit_of_measurement

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The session (share sensor) or the grid energy that had no price (cost sensor)."""
        account = self._account
        return self.entity_description.attributes_fn(account) if account is not None else None

    @property
    def extra_restore_state_data(self) -> ExtraStoredData | None:
        """The whole account, so that any one of the connector's session sensors restores it."""
        account = self._account
        return _AccountData(account.as_dict()) if account is not None else None

    def _shown(self) -> tuple[Any, ...]:
        attributes = self.extra_state_attributes or {}
        return (*super()._shown(), self.native_value, self.last_reset, *attributes.values())

    @override
    async def async_added_to_hass(self) -> None:
        """Give the account from before the restart back, then follow it."""
        if (extra := await self.async_get_last_extra_data()) is not None:
            try:
                account = SessionAccount.from_dict(extra.as_dict())
            except (KeyError, TypeError, ValueError) as err:
                LOGGER.warning("Dropped the unreadable session account of %s: %s", self._key, err)
            else:
                self._control.sessions.restore(self._key, account)
        await super().async_added_to_hass()
        self.async_on_remove(
            self._control.sessions.async_listen(self._key, self._handle_coordinator_update)
        )
