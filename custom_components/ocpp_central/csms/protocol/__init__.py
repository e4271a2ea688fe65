"""Protocol adapters: one per OCPP version, each translating to the version-neutral charger model."""

from __future__ import annotations

from ..server import OCPP16, OCPP21, OCPP201
from .base import ProtocolAdapter
from .v16 import Ocpp16Adapter
from .v21 import Ocpp21Adapter
from .v201 import Ocpp201Adapter

_ADAPTERS: dict[str, type[ProtocolAdapter]] = {
    OCPP201: Ocpp201Adapter,
    OCPP21: Ocpp21Adapter,
    OCPP16: Ocpp16Adapter,
}
# The OCPP version a charger's options hold it to (OcppVersionPin) → the only subprotocol it may
# use. 2.1 is never pinned: a charger speaks it only by offering it (experimental).
VERSION_PINS: dict[str, str] = {"1.6": OCPP16, "2.0.1": OCPP201}


def adapter_class(subprotocol: str | None) -> type[ProtocolAdapter]:
    """Return the adapter for a negotiated subprotocol; none at all (no offer) means 1.6."""
    return _ADAPTERS.get((subprotocol or OCPP16).lower(), Ocpp16Adapter)


def action_name(protocol: str | None, action: str) -> str:
    """Name a command, known by its 1.6 action, as a charger speaking this subprotocol is sent it.

    RemoteStartTransaction is RequestStartTransaction for a 2.0.1 charger, say; names of no 1.6
    command (the engine's own words, 2.0.1-only actions) are returned as they are.
    """
    return adapter_class(protocol).ACTION_NAMES.get(action, action)
