"""The narrow link between the smart-charging engine and the rest of the integration.

The engine knows its charger only through a `ChargerLink`: the charger model, the options it
reads, the live commands, its persisted dict, the listeners it tells, the charger's events and the
tasks and timers it starts. The coordinator provides it; nothing here knows the central system.
Also here: how a command over the link is bounded in time and how its answer is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, Protocol

from websockets.exceptions import ConnectionClosed

from ..const import RESPONSE_TIMEOUT
from ..csms.commands import (
    ChargerCallError,
    ChargerCommands,
    ChargerOfflineError,
    ChargerTimeoutError,
    CommandRejectedError,
    CommandResult,
)
from ..csms.events import ChargerEvent
from ..csms.model import Charger
from .quirks import QuirkOverrides

# A charger that answers after this is treated as not answering, whatever its adapter does.
COMMAND_BOUND_S = RESPONSE_TIMEOUT + 5

type Cancel = Callable[[], None]
# A timer's action gets the time it fired; a coroutine function runs as a task.
type TimerAction = Callable[[datetime], Coroutine[Any, Any, None] | None]


class ChargerSettings(Protocol):
    """The charger's options the engine reads (they change when the homeowner reconfigures)."""

    @property
    def charger_id(self) -> str:
        """The charger's id."""

    @property
    def min_current(self) -> float:
        """Below this a car cannot charge: a lower limit pauses."""

    @property
    def max_current(self) -> float:
        """No limit goes above this."""

    @property
    def min_write_interval(self) -> int:
        """Seconds between two writes of the same profile (0: no wait)."""

    @property
    def remote_id_tag(self) -> str:
        """The idTag of the sessions we start."""

    @property
    def overrides(self) -> QuirkOverrides:
        """Quirks the homeowner configured, over what was detected."""


class ChargerLink(Protocol):
    """Everything the engine needs from outside, for one charger."""

    @property
    def charger(self) -> Charger:
        """The charger model (connectors, transactions, readings)."""

    @property
    def settings(self) -> ChargerSettings:
        """The charger's current options."""

    def commands(self) -> ChargerCommands:
        """Return the live session; raise ChargerOfflineError when the charger is not connected."""

    def load(self) -> dict[str, Any]:
        """Return what the engine persisted for this charger (empty when nothing was)."""

    def save(self, data: dict[str, Any]) -> None:
        """Persist the engine's state (written to disk later)."""

    def notify(self) -> None:
        """Tell the entities that the engine's state changed."""

    def subscribe(self, listener: Callable[[ChargerEvent], None]) -> Cancel:
        """Call listener on each charger event (in the event loop); returns how to stop."""

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run work in the background (ended on unload)."""

    def call_later(self, delay: float, action: TimerAction) -> Cancel:
        """Run action (an event-loop callback or a coroutine function) after delay seconds."""


async def bounded[T](charger_id: str, call: Coroutine[Any, Any, T]) -> T:
    """Await a command, bounded in time; a dropped connection counts as offline."""
    try:
        async with asyncio.timeout(COMMAND_BOUND_S):
            return await call
    except TimeoutError as err:
        raise ChargerTimeoutError(charger_id, "command", "no answer") from err
    except ConnectionClosed as err:  # pragma: no cover - adapters report this themselves
        raise ChargerOfflineError(charger_id, "command", "connection closed") from err


async def refusal(charger_id: str, call: Coroutine[Any, Any, CommandResult]) -> str | None:
    """None when accepted, else the charger's word (offline and no answer are raised)."""
    try:
        result = await bounded(charger_id, call)
    except CommandRejectedError as err:
        return err.detail or "Rejected"
    except ChargerCallError as err:
        return f"CALLERROR {err.detail}".strip()
    return None if result.accepted else result.status


async def accepted(
    charger_id: str, call: Coroutine[Any, Any, CommandResult], action: str
) -> CommandResult:
    """Await a command, bounded in time; raise CommandRejectedError unless the charger accepted."""
    result = await bounded(charger_id, call)
    if not result.accepted:
        raise CommandRejectedError(charger_id, action, result.status)
    return result
