"""Buttons: soft and hard reset, refresh (status and meter values), unlock, clear the departure.

Clear departure (per connector, entities/control.py) unsets the connector's departure time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_errors import async_send, command_action
from .config_entry import OcppCentralConfigEntry
from .coordinator import ChargerCoordinator
from .entities.control import CLEAR_DEPARTURE_FAMILY
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
)

PARALLEL_UPDATES = 1

# What the refresh button asks for: the status of every connector, then the meter of each.
REFRESH_STATUS = "StatusNotification"
REFRESH_METER = "MeterValues"


@dataclass(frozen=True, kw_only=True)
class OcppChargerButtonDescription(ChargerEntityDescription, ButtonEntityDescription):
    """A station-level button."""

    press_fn: Callable[[ChargerCoordinator], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class OcppConnectorButtonDescription(ConnectorEntityDescription, ButtonEntityDescription):
    """A per-connector button."""

    press_fn: Callable[[ChargerCoordinator, int], Awaitable[None]]


async def _reset(coordinator: ChargerCoordinator, *, hard: bool) -> None:
    await async_send(coordinator, "Reset", lambda session: session.reset(hard))


async def _trigger(coordinator: ChargerCoordinator, message: str, connector_id: int | None) -> None:
    await async_send(
        coordinator,
        "TriggerMessage",
        lambda session: session.trigger_message(message, connector_id),
    )


async def _refresh(coordinator: ChargerCoordinator) -> None:
    """Ask for every connector's status, then for the meter values of each connector."""
    await _trigger(coordinator, REFRESH_STATUS, None)
    connector_ids: list[int | None] = [n for n in sorted(coordinator.charger.connectors) if n > 0]
    for connector_id in connector_ids or [None]:
        await _trigger(coordinator, REFRESH_METER, connector_id)


async def _unlock(coordinator: ChargerCoordinator, connector_id: int) -> None:
    await async_send(
        coordinator, "UnlockConnector", lambda session: session.unlock_connector(connector_id)
    )


CHARGER_BUTTONS: tuple[OcppChargerButtonDescription, ...] = (
    OcppChargerButtonDescription(
        key="soft_reset",
        translation_key="soft_reset",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: _reset(coordinator, hard=False),
    ),
    OcppChargerButtonDescription(
        key="hard_reset",
        translation_key="hard_reset",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda coordinator: _reset(coordinator, hard=True),
    ),
    OcppChargerButtonDescription(
        key="refresh",
        translation_key="refresh",
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=_refresh,
    ),
)

CONNECTOR_BUTTONS: tuple[OcppConnectorButtonDescription, ...] = (
    OcppConnectorButtonDescription(
        key="unlock",
        translation_key="unlock",
        entity_category=EntityCategory.CONFIG,
        press_fn=_unlock,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every charger, and of connectors as they appear."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.BUTTON,
        EntityFamily(entity=OcppButton, charger=CHARGER_BUTTONS, connector=CONNECTOR_BUTTONS),
        CLEAR_DEPARTURE_FAMILY,
    )


class OcppButton(OcppEntity, ButtonEntity):
    """A button sending one command (or a few) to the charger."""

    entity_description: OcppChargerButtonDescription | OcppConnectorButtonDescription

    @command_action
    @override
    async def async_press(self) -> None:
        """Send the command; a refusal or failure raises a translated error."""
        description = self.entity_description
        if isinstance(description, OcppConnectorButtonDescription):
            assert self.connector_id is not None
            await description.press_fn(self.coordinator, self.connector_id)
        else:
            await description.press_fn(self.coordinator)
