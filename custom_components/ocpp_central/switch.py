"""Switches: charging per connector (pause and resume, never ending a session) and station availability.

Charging is on while a session runs and the smart-charging engine does not hold it paused. Turning
it off pauses (0 A, or the charger's fallback): the session, and with it the car's readiness to go
on, is kept. Turning it on resumes at the previous limit, and starts a session when none runs.
The switch shows what was asked of the engine, which keeps trying (on reconnect, boot, new
session) when the charger refused or was away; the limit reason sensor tells whether it followed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .command_errors import async_send, command_action
from .config_entry import OcppCentralConfigEntry
from .coordinator import ChargerCoordinator
from .csms.model import Charger, ConnectorStatus
from .entity import (
    ChargerEntityDescription,
    ConnectorEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OcppChargerSwitchDescription(ChargerEntityDescription, SwitchEntityDescription):
    """A station-level switch."""

    is_on_fn: Callable[[ChargerCoordinator], bool | None]
    set_fn: Callable[[ChargerCoordinator, bool], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class OcppConnectorSwitchDescription(ConnectorEntityDescription, SwitchEntityDescription):
    """A per-connector switch."""

    is_on_fn: Callable[[ChargerCoordinator, int], bool | None]
    set_fn: Callable[[ChargerCoordinator, int, bool], Awaitable[None]]


def _charging(coordinator: ChargerCoordinator, connector_id: int) -> bool:
    """Return whether a session runs (or energy flows) and the engine does not hold it paused."""
    if coordinator.smart.state(connector_id).paused:
        return False
    connector = coordinator.charger.connector(connector_id)
    return connector.transaction is not None or connector.status is ConnectorStatus.CHARGING


async def _set_charging(coordinator: ChargerCoordinator, connector_id: int, on: bool) -> None:
    smart = coordinator.smart
    if not on:
        await smart.async_pause(connector_id)
    elif coordinator.charger.connector(connector_id).transaction is None:
        # Resumes a pause too, then starts a session (RemoteStartTransaction).
        await smart.async_start(connector_id)
    else:
        await smart.async_resume(connector_id)


def _operative(charger: Charger) -> bool | None:
    """Return whether the station is operative: its own status, else that of its connectors."""
    if charger.status is not None:
        return charger.status is not ConnectorStatus.UNAVAILABLE
    statuses = [
        connector.status
        for number, connector in charger.connectors.items()
        if number > 0 and connector.status is not None
    ]
    if not statuses:
        return None
    return any(status is not ConnectorStatus.UNAVAILABLE for status in statuses)


async def _set_available(coordinator: ChargerCoordinator, on: bool) -> None:
    await async_send(
        coordinator, "ChangeAvailability", lambda session: session.change_availability(0, on)
    )


CHARGER_SWITCHES: tuple[OcppChargerSwitchDescription, ...] = (
    OcppChargerSwitchDescription(
        key="availability",
        translation_key="availability",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda coordinator: _operative(coordinator.charger),
        set_fn=_set_available,
    ),
)

CONNECTOR_SWITCHES: tuple[OcppConnectorSwitchDescription, ...] = (
    OcppConnectorSwitchDescription(
        key="charge",
        translation_key="charge",
        is_on_fn=_charging,
        set_fn=_set_charging,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every charger, and of connectors as they appear."""
    async_add_families(
        entry,
        async_add_entities,
        Platform.SWITCH,
        EntityFamily(entity=OcppSwitch, charger=CHARGER_SWITCHES, connector=CONNECTOR_SWITCHES),
    )


class OcppSwitch(OcppEntity, SwitchEntity):
    """A switch whose state comes from the charger model or the smart-charging engine."""

    entity_description: OcppChargerSwitchDescription | OcppConnectorSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Current state."""
        description = self.entity_description
        if isinstance(description, OcppConnectorSwitchDescription):
            assert self.connector_id is not None
            return description.is_on_fn(self.coordinator, self.connector_id)
        return description.is_on_fn(self.coordinator)

    def _shown(self) -> tuple[Any, ...]:
        return (*super()._shown(), self.is_on)

    @command_action
    async def _async_set(self, on: bool) -> None:
        description = self.entity_description
        if isinstance(description, OcppConnectorSwitchDescription):
            assert self.connector_id is not None
            await description.set_fn(self.coordinator, self.connector_id, on)
        else:
            await description.set_fn(self.coordinator, on)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on (resume or start charging; make the station operative)."""
        await self._async_set(True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off (pause charging; make the station inoperative)."""
        await self._async_set(False)
