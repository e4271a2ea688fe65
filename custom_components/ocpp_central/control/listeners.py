"""Callbacks per connector: the controller tells the entities that show its news, and only them."""

from __future__ import annotations

from dataclasses import dataclass, field

from homeassistant.core import CALLBACK_TYPE, callback


@dataclass
class KeyedListeners:
    """Listeners per connector key, told when that connector shows something new."""

    _listeners: dict[str, list[CALLBACK_TYPE]] = field(default_factory=dict)

    @callback
    def listen(self, key: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever the connector shows something new; return the unsubscribe."""
        listeners = self._listeners.setdefault(key, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def notify(self, key: str) -> None:
        """Tell the connector's listeners."""
        for listener in list(self._listeners.get(key, ())):
            listener()
