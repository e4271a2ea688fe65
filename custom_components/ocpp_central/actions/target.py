"""What a service action is aimed at: a charger (or connector) device, resolved to its live objects.

Also the one place where command failures become a service's errors: bad input, an unknown device and
an offline charger are the caller's to fix (ServiceValidationError); a timeout, a CALLERROR or a
refusal is the charger's answer (HomeAssistantError). All are translated and name the charger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr

from ..command_errors import charger_action, charger_session, translated_error
from ..const import DOMAIN
from ..csms.commands import (
    ChargerCommands,
    ChargerOfflineError,
    CommandError,
    CommandRejectedError,
    CommandResult,
)

if TYPE_CHECKING:
    from ..central import CentralSystem
    from ..coordinator import ChargerCoordinator

ATTR_CONNECTOR_ID = "connector_id"


def validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated error for input the caller has to fix."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


@dataclass(slots=True, frozen=True)
class ChargerTarget:
    """The charger a service call is for, and the connector when a connector's device was chosen."""

    central: CentralSystem
    coordinator: ChargerCoordinator
    device_connector: int | None

    @property
    def charger_id(self) -> str:
        """The charger's OCPP id."""
        return self.coordinator.config.charger_id

    @property
    def name(self) -> str:
        """The charger's name as the homeowner sees it."""
        return self.coordinator.config.name

    def action(self, action: str) -> str:
        """Return a command's action (its 1.6 name) as the charger's OCPP version calls it."""
        return charger_action(self.coordinator, action)

    def session(self, action: str) -> ChargerCommands:
        """Return the charger's live session (ChargerOfflineError when it is not connected)."""
        return charger_session(self.coordinator, action)

    def _requested(self, call: ServiceCall) -> int | None:
        requested: int | None = call.data.get(ATTR_CONNECTOR_ID)
        if (
            requested is not None
            and self.device_connector is not None
            and requested != self.device_connector
        ):
            raise validation_error(
                "connector_mismatch",
                charger=self.name,
                connector_id=str(requested),
                device_connector=str(self.device_connector),
            )
        return requested if requested is not None else self.device_connector

    def _check(self, connector_id: int, *, station: bool) -> int:
        known = [n for n in self.coordinator.charger.connectors if n > 0]
        if (connector_id == 0 and not station) or (
            connector_id > 0 and known and connector_id not in known
        ):
            raise validation_error(
                "invalid_connector", charger=self.name, connector_id=str(connector_id)
            )
        return connector_id

    def connector(self, call: ServiceCall, *, station: bool = False) -> int:
        """Return the connector the call means; the only one when none is named.

        A station with several connectors must be told which one. With station=True, connector 0
        (the whole station) is allowed when named.
        """
        requested = self._requested(call)
        if requested is not None:
            return self._check(requested, station=station)
        known = sorted(n for n in self.coordinator.charger.connectors if n > 0)
        if len(known) > 1:
            raise validation_error("connector_required", charger=self.name)
        return known[0] if known else 1

    def optional_connector(self, call: ServiceCall) -> int | None:
        """Return the connector the call means, or None for the whole station."""
        requested = self._requested(call)
        return None if requested is None else self._check(requested, station=True)


def resolve_target(hass: HomeAssistant, call: ServiceCall) -> ChargerTarget:
    """Return the charger behind the call's device; ServiceValidationError when there is none."""
    device_id: str = call.data[ATTR_DEVICE_ID]
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise validation_error("unknown_device", device_id=device_id)
    # A device belongs to exactly one config entry (HA 2026.x; config_entries is deprecated).
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise validation_error("unknown_device", device_id=device_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise validation_error("not_loaded", device=device.name_by_user or device.name or "")
    central: CentralSystem = entry.runtime_data
    values = [value for domain, value in device.identifiers if domain == DOMAIN]
    for value in values:
        if (coordinator := central.coordinators.get(value)) is not None:
            return ChargerTarget(central, coordinator, None)
    for value in values:
        for charger_id, coordinator in central.coordinators.items():
            rest = value.removeprefix(f"{charger_id}_")
            if rest != value and rest.isdigit():
                return ChargerTarget(central, coordinator, int(rest))
    raise validation_error("unknown_device", device_id=device_id)


@contextmanager
def service_errors(target: ChargerTarget) -> Iterator[None]:
    """Turn command failures inside the block into the service's translated errors."""
    try:
        yield
    except ChargerOfflineError as error:
        raise validation_error(
            error.translation_key,
            charger=target.name,
            action=target.action(error.action),
            detail=error.detail,
        ) from error
    except CommandError as error:
        raise translated_error(error, target.coordinator) from error
    except ValueError as error:
        # Input the charger's protocol cannot carry (an id tag too long for OCPP 1.6, say).
        raise validation_error("invalid_input", charger=target.name, error=str(error)) from error


def require(
    result: CommandResult, target: ChargerTarget, action: str, *also_fine: str
) -> CommandResult:
    """Return the result when the charger said yes; CommandRejectedError with its answer otherwise."""
    if not result.accepted and result.status not in also_fine:
        raise CommandRejectedError(target.charger_id, action, result.status)
    return result
