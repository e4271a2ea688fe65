"""What every protocol adapter shares: the host it reports to and robust frame handling."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import logging
from typing import Any, Protocol

from ocpp.charge_point import ChargePoint
from ocpp.exceptions import OCPPError, ProtocolError
from ocpp.messages import Call, MessageType, unpack
from websockets.asyncio.server import ServerConnection

from ..const import LOGGER
from ..model import Charger

# The ocpp package logs every frame at INFO; ours go to DEBUG under the integration's logger.
FRAME_LOGGER = LOGGER.getChild("frames")
FRAME_LOGGER.setLevel(logging.WARNING)


@dataclass(slots=True, frozen=True)
class BootDecision:
    """Our answer to a BootNotification."""

    accepted: bool
    interval: int


class ChargerHost(Protocol):
    """The central system as a protocol adapter sees it; implemented outside the adapters."""

    def boot(self, charger: Charger) -> BootDecision:
        """Decide on a BootNotification (the model is already updated)."""

    def authorize(self, charger: Charger, id_tag: str) -> bool:
        """Whether this id tag may charge."""

    def next_transaction_id(self) -> int:
        """A transaction id never used before."""

    def changed(self, charger: Charger, *, durable: bool = False) -> None:
        """The model changed; durable changes must be persisted."""

    def heard_from(self, charger: Charger) -> None:
        """The charger sent something: it is alive."""


class ProtocolAdapter(ChargePoint):
    """Base of the per-version adapters: model, host and robust frame routing."""

    def __init__(
        self, charger: Charger, connection: ServerConnection, host: ChargerHost
    ) -> None:
        """Bind an OCPP session on this connection to the charger's model."""
        super().__init__(
            charger.charger_id, connection, response_timeout=30, logger=FRAME_LOGGER
        )
        self.charger = charger
        self.host = host
        self.connection = connection

    async def start(self) -> None:
        """Read frames until the connection closes."""
        while True:
            message = await self._connection.recv()
            LOGGER.debug("%s > %s", self.id, message)
            self.host.heard_from(self.charger)
            await self.route_message(message)

    async def _send(self, message: str) -> None:
        LOGGER.debug("%s < %s", self.id, message)
        await self._connection.send(message)

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Route one frame; bad frames get one log line and, where possible, a CALLERROR."""
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            LOGGER.warning(
                "Charger %s sent a malformed frame (%s): %.200r",
                self.id,
                error.details.get("cause", error.description),
                raw_msg,
            )
            await self._reply_to_broken_call(raw_msg, error)
            return
        if msg.message_type_id == MessageType.Call:
            try:
                await self._handle_call(msg)
            except OCPPError as error:
                LOGGER.warning(
                    "Charger %s sent an invalid %s: %s %s",
                    self.id,
                    msg.action,
                    error.code,
                    error.details.get("cause", error.description)
                    if isinstance(error.details, dict)
                    else error.description,
                )
                await self._send(msg.create_call_error(error).to_json())
        else:
            self._response_queue.put_nowait(msg)

    async def _reply_to_broken_call(
        self, raw_msg: str | bytes, error: OCPPError
    ) -> None:
        """Answer a CALL whose frame is broken but whose message id can be read."""
        try:
            frame = json.loads(raw_msg)
        except ValueError:
            return
        if (
            isinstance(frame, list)
            and len(frame) >= 2
            and frame[0] == MessageType.Call
            and isinstance(frame[1], str)
        ):
            reply = Call(frame[1], "", {}).create_call_error(
                error if isinstance(error, ProtocolError) else ProtocolError()
            )
            await self._send(reply.to_json())

    @staticmethod
    def now_iso() -> str:
        """Current UTC time the way OCPP wants it."""
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    @abstractmethod
    async def async_confirmed(self) -> None:
        """The homeowner accepted this charger: ask it to boot again."""


def parse_time(value: Any) -> datetime | None:
    """Parse an OCPP timestamp; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed

