"""Things that happen at a charger, version-neutral: the smart-charging engine and event entities react to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ChargerEventType(StrEnum):
    """Kinds of charger events."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    BOOTED = "booted"
    TAG_PRESENTED = "tag_presented"
    TRANSACTION_STARTED = "transaction_started"
    TRANSACTION_ENDED = "transaction_ended"


@dataclass(slots=True, frozen=True)
class ChargerEvent:
    """One event; fields not relevant to its type are None."""

    type: ChargerEventType
    connector_id: int | None = None
    id_tag: str | None = None
    accepted: bool | None = None
    transaction_id: int | str | None = None
    # TRANSACTION_ENDED: why it stopped (the charger's reason, as sent) and when (its stop reading).
    stop_reason: str | None = None
    at: datetime | None = None
    # TAG_PRESENTED: the tag's status (Accepted, Blocked, Expired, Invalid).
    status: str | None = None
