"""Charger command failures as translated Home Assistant errors: one mapping for entities and services.

A command fails in one of five ways, each a `CommandError` subclass with its own translation key
(commands.py): the charger is offline, it did not answer in time, it answered with a CALLERROR, it
refused (Rejected, NotSupported, UnlockFailed, ...) or something else went wrong. The message names
the charger, the OCPP action and the charger's own answer (placeholders charger, action, detail).
Commands are named by their 1.6 action inside the integration; the message names the action the
charger's own OCPP version was sent (RequestStartTransaction for a 2.0.1 charger, say).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .coordinator import ChargerCoordinator
from .csms.commands import (
    ChargerCommands,
    ChargerOfflineError,
    CommandError,
    CommandRejectedError,
    CommandResult,
)
from .csms.protocol import action_name
from .entity import OcppEntity


def charger_action(coordinator: ChargerCoordinator, action: str) -> str:
    """Return a command's action (its 1.6 name) as the charger's OCPP version calls it.

    The version is the one the charger speaks, or last spoke when it is offline (1.6 when never seen).
    """
    return action_name(coordinator.charger.protocol, action)


def translated_error(error: CommandError, coordinator: ChargerCoordinator) -> HomeAssistantError:
    """Return the translated error for a failed command of this charger, named as the user sees it."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=error.translation_key,
        translation_placeholders={
            "charger": coordinator.config.name,
            "action": charger_action(coordinator, error.action),
            "detail": error.detail,
        },
    )


@contextmanager
def command_errors(coordinator: ChargerCoordinator) -> Iterator[None]:
    """Turn a CommandError raised inside the block into a translated HomeAssistantError."""
    try:
        yield
    except CommandError as error:
        raise translated_error(error, coordinator) from error


def ensure_accepted(result: CommandResult, charger_id: str, action: str) -> CommandResult:
    """Return the result when the charger said yes; raise CommandRejectedError with its status otherwise."""
    if not result.accepted:
        raise CommandRejectedError(charger_id, action, result.status)
    return result


def charger_session(coordinator: ChargerCoordinator, action: str) -> ChargerCommands:
    """Return the charger's live session; ChargerOfflineError naming the action when it is offline."""
    charger_id = coordinator.config.charger_id
    try:
        return coordinator.config_entry.runtime_data.session(charger_id)
    except ChargerOfflineError as error:
        raise ChargerOfflineError(charger_id, action, error.detail) from error


async def async_send(
    coordinator: ChargerCoordinator,
    action: str,
    command: Callable[[ChargerCommands], Awaitable[CommandResult]],
) -> CommandResult:
    """Send one command to the charger's live session; any answer but a yes raises CommandError."""
    result = await command(charger_session(coordinator, action))
    return ensure_accepted(result, coordinator.config.charger_id, action)


def command_action[EntityT: OcppEntity, **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Decorate an entity action: CommandError becomes a translated error; success refreshes entities."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        with command_errors(self.coordinator):
            await func(self, *args, **kwargs)
        self.coordinator.async_update_listeners()

    return handler
