"""One timer per connector, run through the charger's link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .link import Cancel, ChargerLink


class ConnectorTimers:
    """At most one timer per connector: arming one again replaces it."""

    def __init__(self, link: ChargerLink, action: Callable[[int], None]) -> None:
        """Call action(connector_id), in the event loop, when a connector's timer fires."""
        self._link = link
        self._action = action
        self._cancels: dict[int, Cancel] = {}

    def arm(self, connector_id: int, when: datetime | None) -> None:
        """Fire at `when` (at once if it has passed); None only cancels."""
        if (cancel := self._cancels.pop(connector_id, None)) is not None:
            cancel()
        if when is not None:
            delay = max(0.0, (when - dt_util.utcnow()).total_seconds())
            self._cancels[connector_id] = self._link.call_later(
                delay, partial(self._fired, connector_id)
            )

    def cancel_all(self) -> None:
        """Stop every timer (shutdown)."""
        for cancel in self._cancels.values():
            cancel()
        self._cancels.clear()

    @callback
    def _fired(self, connector_id: int, _now: datetime) -> None:
        self._cancels.pop(connector_id, None)
        self._action(connector_id)
