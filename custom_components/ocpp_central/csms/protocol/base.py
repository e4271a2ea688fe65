"""What every protocol adapter shares: the host, robust frame handling, all alike in every version.

Alike in every OCPP version: the messages and commands of the same shape, and the decisions (a boot,
a transaction opened or closed) that each version's messages translate into.
"""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import functools
import inspect
import logging
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from ocpp.charge_point import (
    ChargePoint,
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.exceptions import (
    FormatViolationError,
    NotImplementedError as OcppNotImplementedError,
    NotSupportedError,
    OCPPError,
    ProtocolError,
)
from ocpp.messages import Call, MessageType, validate_payload
from ocpp.routing import on as _ocpp_on
from websockets.asyncio.server import ServerConnection

from ...const import LOGGER
from ..commands import CommandError, CommandResult
from ..events import ChargerEvent, ChargerEventType
from ..model import Charger, Connector, Transaction
from ..tokens import AuthorizationResult
from .frames import answerable, call_id, read_frame
from .readings import Readings

# A charger that has not booted this long after connecting was running all along; its statuses are
# asked for then. Not at once: some chargers drop a connection that is called before they boot.
STATUS_GRACE_S = 5.0
# The stop reason of a session closed because the charger no longer runs it (no OCPP reason).
STALE = "Stale"

# The ocpp package logs every frame at INFO; ours go to DEBUG under the integration's logger.
FRAME_LOGGER = LOGGER.getChild("frames")
FRAME_LOGGER.setLevel(logging.WARNING)


def on[F: Callable[..., Any]](
    action: str, *, skip_schema_validation: bool = False
) -> Callable[[F], F]:
    """Register a handler for a charger-initiated action (typed wrapper of ocpp.routing.on)."""
    return cast("Callable[[F], F]", _ocpp_on(action, skip_schema_validation=skip_schema_validation))


# Actions whose handlers change nothing but readings (never a transaction or an id reservation).
_ANSWERED_BEFORE_DISK = frozenset({"MeterValues"})


@dataclass(slots=True, frozen=True)
class BootDecision:
    """Our answer to a BootNotification."""

    accepted: bool
    interval: int


class ChargerHost(Protocol):
    """The central system as a protocol adapter sees it; implemented outside the adapters."""

    def boot(self, charger: Charger) -> BootDecision:
        """Decide on a BootNotification (the model is already updated)."""

    def authorize(self, charger: Charger, id_tag: str) -> AuthorizationResult:
        """Judge an id tag: status, expiry date and group (csms/tokens.py)."""

    def confirmed(self, charger: Charger) -> bool:
        """Return whether the homeowner confirmed this charger (a pending one may not charge)."""

    def next_transaction_id(self) -> int:
        """Return a transaction id never used before."""

    def changed(self, charger: Charger, *, durable: bool = False) -> None:
        """Report a model change; durable changes must be persisted."""

    def durable_mark(self, charger: Charger) -> int:
        """Return how far the charger's durable changes reach so far (for persisted's `through`)."""

    async def persisted(self, charger: Charger, through: int | None = None) -> None:
        """Return once the charger's durable changes (up to the mark `through`) are on disk."""

    def heard_from(self, charger: Charger) -> None:
        """Note that the charger sent something: it is alive."""

    def event(self, charger: Charger, event: ChargerEvent) -> None:
        """Report something that happened (never awaited: handlers stay fast)."""

    def sign_certificate(self, charger: Charger, csr: str) -> str | None:
        """Return the PEM chain our CA signed for the charger's request; None: not signed."""


class Forwarder(Protocol):
    """Where a charger's CALLs go besides us: an upstream central system (csms/upstream/)."""

    async def before(self, action: str, payload: dict[str, Any]) -> None:
        """Run before we decide on a CALL (an Authorize asked upstream); bounded, never fails."""

    async def forward(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        """Pass on a CALL as the charger sent it, with our answer; returns once it is queued."""


@functools.lru_cache(maxsize=1024)
def _snake_case_key(key: str) -> str:
    """Convert one key as the ocpp package does, remembered: chargers repeat the same few keys."""
    converted: dict[str, None] = camel_to_snake_case({key: None})
    return next(iter(converted))


def _snake_case_keys(data: Any) -> Any:
    """Convert every dict key from camelCase like camel_to_snake_case, at a fraction of its cost."""
    if isinstance(data, dict):
        return {
            _snake_case_key(key) if isinstance(key, str) else key: _snake_case_keys(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_snake_case_keys(value) for value in data]
    return data


@functools.lru_cache(maxsize=256)
def _signature(function: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(function)


def _cause(error: OCPPError) -> str:
    details = error.details
    if isinstance(details, dict) and isinstance(details.get("cause"), str):
        return str(details["cause"])
    return str(error.description)


class ProtocolAdapter(ChargePoint):  # type: ignore[misc]
    """Base of the per-version adapters: model, host, robust frame routing and shared decisions.

    Each version's adapter translates its own message shapes into calls of this base (a boot to
    decide, a transaction to open or close); messages and commands alike in every version are
    handled here, with the version's own call and call_result modules.

    Every frame a charger gets wrong costs exactly one warning and, where a CALL's message id can
    be read, one CALLERROR; the session carries on. A bug in one of our handlers is logged with its
    traceback and answered with InternalError.
    """

    # Version-neutral commands are named by their 1.6 action (errors, logs); the actions this
    # version calls otherwise, by that name. See protocol.action_name.
    ACTION_NAMES: ClassVar[Mapping[str, str]] = {}
    status_grace_s: ClassVar[float] = STATUS_GRACE_S

    def __init__(self, charger: Charger, connection: ServerConnection, host: ChargerHost) -> None:
        """Bind an OCPP session on this connection to the charger's model."""
        super().__init__(charger.charger_id, connection, response_timeout=30, logger=FRAME_LOGGER)
        self.charger = charger
        self.host = host
        self.connection = connection
        # Meter readings as they can be true: read, judged and applied.
        self.readings = Readings(charger)
        # What a handler left to do once its answer is sent (certificates.py), and its tasks.
        self._after_answer: Coroutine[Any, Any, None] | None = None
        self._follow_ups: set[asyncio.Task[None]] = set()
        self._booted = asyncio.Event()
        # Connectors (1.6) or EVSE and connector (2.0.1) whose status came on this connection.
        self._statuses_heard: set[tuple[int, int]] = set()
        # An upstream central system the charger's CALLs are passed on to, if any.
        self.forwarder: Forwarder | None = None

    async def start(self) -> None:
        """Read frames until the connection closes (raises ConnectionClosed then)."""
        confirming = asyncio.get_running_loop().create_task(self._confirm_statuses_unless_booted())
        try:
            while True:
                message = await self._connection.recv()
                self.charger.trace.received(message)
                LOGGER.debug("%s > %s", self.id, message)
                self.host.heard_from(self.charger)
                await self.route_message(message)
        finally:
            confirming.cancel()

    # --- Statuses after a (re)connect -------------------------------------------------

    async def _confirm_statuses_unless_booted(self) -> None:
        """Ask for the statuses a (re)connected charger did not tell within the grace.

        A booting charger reports every status once accepted; one that only reconnects (after a
        restart of ours, a network outage) need not, and an idle one then sends nothing: its
        stored status would stand unconfirmed. It is asked once the grace passes without a boot.
        A charger that boots but tells no status within the grace after it (firmware that skips
        them) is asked too, so that every status is known soon after a (re)connect.
        """
        try:
            async with asyncio.timeout(self.status_grace_s):
                await self._booted.wait()
        except TimeoutError:
            pass
        else:
            await asyncio.sleep(self.status_grace_s)
            if self._statuses_heard or not self.host.confirmed(self.charger):
                return
        try:
            await self.confirm_statuses()
        except CommandError as err:
            LOGGER.info("Charger %s was not asked for its statuses: %s", self.id, err)

    def status_reported(self, number: int, connector_id: int = 0) -> None:
        """Note a status the charger told on this connection: it need not be asked for."""
        self._statuses_heard.add((number, connector_id))

    def status_heard(self, number: int, connector_id: int = 0) -> bool:
        """Whether the charger told this status on this connection."""
        return (number, connector_id) in self._statuses_heard

    @abstractmethod
    async def confirm_statuses(self) -> None:
        """Ask the charger for every status it did not tell since it connected.

        Raises CommandError when the charger cannot be asked (offline, no answer).
        """

    async def _send(self, message: str) -> None:
        self.charger.trace.sent(message)
        LOGGER.debug("%s < %s", self.id, message)
        await self._connection.send(message)

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Route one frame; bad frames get one log line and, where possible, a CALLERROR."""
        try:
            msg = read_frame(raw_msg)
        except OCPPError as error:
            LOGGER.warning(
                "Charger %s sent a malformed frame (%s): %.200r", self.id, _cause(error), raw_msg
            )
            if (unique_id := call_id(raw_msg)) is not None:
                await self._send_call_error(Call(unique_id, "", {}), answerable(error))
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
                    _cause(error),
                )
                await self._send_call_error(msg, error)
        elif self._call_lock.locked():
            self._response_queue.put_nowait(msg)
        else:
            # Late (after our timeout) or stray: nobody waits for it, and left in the queue it
            # would only cost an error line at our next call.
            LOGGER.debug("Charger %s sent an answer nobody waits for: %.200r", self.id, raw_msg)

    async def _send_call_error(self, msg: Call, error: Exception) -> None:
        reply = msg.create_call_error(error)
        # Only the cause goes back: the library would echo the whole offending frame.
        reply.error_details = {"cause": _cause(error)} if isinstance(error, OCPPError) else {}
        await self._send(reply.to_json())

    def _handlers(self, action: Any) -> dict[str, Any]:
        """Return the handlers of an action; NotSupported / NotImplemented for what has none."""
        handlers = self.route_map.get(action) if isinstance(action, str) else None
        if handlers is not None and "_on_action" in handlers:
            return cast("dict[str, Any]", handlers)
        if not isinstance(action, str):
            raise NotSupportedError(details={"cause": f"Action {action!r} is not a string"})
        try:
            self._check_action_known(action)
        except ValueError:
            raise NotSupportedError(
                details={"cause": f"{action} is not an OCPP {self._ocpp_version} action"}
            ) from None
        raise OcppNotImplementedError(details={"cause": f"{action} is not supported here"})

    async def _handle_call(self, msg: Call) -> None:
        """Answer one CALL; OCPPError means the charger got it wrong."""
        action = msg.action
        handlers = self._handlers(action)
        skip_validation = bool(handlers.get("_skip_schema_validation", False))
        if not skip_validation:
            await validate_payload(msg, self._ocpp_version)
        if not isinstance(msg.payload, dict):
            raise FormatViolationError(details={"cause": "The payload must be a JSON object"})
        handler = handlers["_on_action"]
        payload = _snake_case_keys(msg.payload)
        try:
            # Bound with the instance, so that a payload key "self" is caught here too.
            _signature(handler.__func__).bind(self, **payload)
        except TypeError as err:
            raise ProtocolError(details={"cause": str(err)}) from None
        # A reading may be answered before its own line is on disk, never before what came
        # earlier: a crash costs at most this one reading, which the charger's next one restores.
        through = self.host.durable_mark(self.charger) if action in _ANSWERED_BEFORE_DISK else None
        if self.forwarder is not None:
            await self.forwarder.before(action, msg.payload)
        try:
            response = handler(**payload)
            if inspect.isawaitable(response):
                response = await response
        except OCPPError:
            raise
        except Exception:  # noqa: BLE001 - our bug: logged with its traceback, answered InternalError
            LOGGER.exception("Error handling %s from charger %s", action, self.id)
            await self._send_call_error(msg, RuntimeError())
            return
        self.readings.report_refused()
        result = msg.create_call_result(
            snake_to_camel_case(remove_nones(serialize_as_dict(response)))
        )
        if not skip_validation:
            try:
                await validate_payload(result, self._ocpp_version)
            except OCPPError as error:
                LOGGER.error("Our answer to %s is invalid: %s", action, _cause(error))
                await self._send_call_error(msg, RuntimeError())
                return
        # What the answer confirms (a transaction, its id) must survive a crash right after it.
        await self.host.persisted(self.charger, through)
        if self.forwarder is not None:
            await self.forwarder.forward(action, msg.payload, result.payload)
        await self._send(result.to_json())
        if (follow_up := self._after_answer) is not None:
            self._after_answer = None
            task = asyncio.get_running_loop().create_task(follow_up)
            self._follow_ups.add(task)
            task.add_done_callback(self._follow_ups.discard)

    def after_answer(self, work: Coroutine[Any, Any, None]) -> None:
        """Run work once the answer to the CALL being handled is sent.

        A call of our own to the charger from inside its handler would wait behind the handler.
        """
        self._after_answer = work

    @staticmethod
    @abstractmethod
    def _check_action_known(action: str) -> None:
        """Raise ValueError when the action does not exist in this OCPP version."""

    @staticmethod
    def now_iso() -> str:
        """Return the current UTC time the way OCPP wants it."""
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    # --- Commands alike in every version, sent by the version's commands mixin ----------

    if TYPE_CHECKING:

        async def _request(self, request: Any) -> Any:
            """Send one CALL; return the answer or raise a CommandError (the version's)."""

        async def _status(self, request: Any) -> CommandResult:
            """Send a CALL whose answer is a status word (the version's)."""

        async def trigger_message(
            self, message: str, connector_id: int | None = None
        ) -> CommandResult:
            """Ask the charger to send a message now (the version's)."""

    async def async_confirmed(self) -> None:
        """Ask a charger that was kept Pending to boot again, now to be accepted."""
        try:
            await self.trigger_message("BootNotification")
        except CommandError as err:
            LOGGER.info(
                "Charger %s did not accept a boot trigger (%s); it will be accepted at its next boot",
                self.id,
                err,
            )

    async def clear_cache(self) -> CommandResult:
        """Clear the charger's authorization cache."""
        return await self._status(self._call.ClearCache())

    async def cancel_reservation(self, reservation_id: int) -> CommandResult:
        """Cancel a reservation."""
        return await self._status(self._call.CancelReservation(reservation_id=reservation_id))

    async def data_transfer(
        self, vendor_id: str, message_id: str | None, data: str | None
    ) -> CommandResult:
        """Vendor-specific exchange (data: the charger's data, if any)."""
        answer = await self._request(
            self._call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data)
        )
        return CommandResult(
            str(answer.status), {"data": answer.data} if answer.data is not None else {}
        )

    # --- Messages that read and answer alike in every version --------------------------
    # Answers come from the version's own call_result module (ChargePoint._call_result).

    def answer_boot(self) -> Any:
        """Decide on a BootNotification, the model holding what it said; report and answer it."""
        decision = self.host.boot(self.charger)
        self._booted.set()
        self.host.changed(self.charger, durable=True)
        if decision.accepted:
            self.host.event(self.charger, ChargerEvent(ChargerEventType.BOOTED))
        return self._call_result.BootNotification(
            current_time=self.now_iso(),
            interval=decision.interval,
            status="Accepted" if decision.accepted else "Pending",
        )

    @on("Heartbeat")
    def on_heartbeat(self, **kwargs: Any) -> Any:
        """Tell the time; note that the charger is alive."""
        self.charger.last_heartbeat = datetime.now(UTC)
        self.host.changed(self.charger)
        return self._call_result.Heartbeat(current_time=self.now_iso())

    @on("FirmwareStatusNotification")
    def on_firmware_status(self, status: str, **kwargs: Any) -> Any:
        """Keep the firmware status for the diagnostics sensor."""
        self.charger.firmware_status = status
        self.host.changed(self.charger)
        return self._call_result.FirmwareStatusNotification()

    @on("LogStatusNotification")
    def on_log_status(self, status: str, **kwargs: Any) -> Any:
        """Acknowledge a log upload status."""
        LOGGER.debug("Charger %s log upload: %s", self.id, status)
        return self._call_result.LogStatusNotification()

    @on("SecurityEventNotification")
    def on_security_event(self, type: str, timestamp: str, **kwargs: Any) -> Any:
        """Security events are worth a log line."""
        LOGGER.info("Charger %s security event %s at %s", self.id, type, timestamp)
        return self._call_result.SecurityEventNotification()

    @on("DataTransfer", skip_schema_validation=True)
    def on_data_transfer(self, vendor_id: Any = None, **kwargs: Any) -> Any:
        """Answer UnknownVendorId: no vendor extensions are handled yet."""
        LOGGER.debug("Charger %s sent DataTransfer from %r", self.id, vendor_id)
        return self._call_result.DataTransfer(status="UnknownVendorId")

    # --- Translation into the model, the same for every version ----------------------

    def judge_tag(self, id_tag: str, connector_id: int | None) -> AuthorizationResult:
        """Judge a presented id tag and report the presentation, with the status it got."""
        result = self.host.authorize(self.charger, id_tag)
        self.host.event(
            self.charger,
            ChargerEvent(
                ChargerEventType.TAG_PRESENTED,
                connector_id=connector_id,
                id_tag=id_tag,
                accepted=result.accepted,
                status=result.status.value,
            ),
        )
        return result

    def meter_connector(self, number: int) -> Connector:
        """Return the connector that meter values for this connector (1.6) or EVSE (2.0.1) belong to.

        Number 0 is the main meter; it stands in for the only connector of a station as long
        as that connector reports no meter values of its own (Zaptec style).
        """
        if number > 0:
            connector = self.charger.connector(number)
            connector.metered_directly = True
            return connector
        real = [n for n in self.charger.connectors if n > 0]
        if len(real) <= 1:
            connector = self.charger.connector(real[0] if real else 1)
            if not connector.metered_directly:
                return connector
        return self.charger.connector(0)

    def open_transaction(
        self,
        connector: Connector,
        transaction_id: int | str,
        id_tag: str | None,
        *,
        start_wh: float | None,
        read_at: datetime | None,
        started_at: datetime | None,
    ) -> Transaction | None:
        """Open a session and report it; return the session it closed (whose stop got lost), if any."""
        replaced = connector.open_transaction(
            transaction_id,
            id_tag,
            start_wh=start_wh,
            read_at=read_at,
            started_at=started_at or datetime.now(UTC),
            rating=self.charger.rating,
        )
        if replaced is not None:
            LOGGER.info(
                "Charger %s started transaction %s on connector %s while %s was open; closed that",
                self.id,
                transaction_id,
                connector.connector_id,
                replaced.transaction_id,
            )
            self._report_ended(connector, replaced, STALE)
        self.host.event(
            self.charger,
            ChargerEvent(
                ChargerEventType.TRANSACTION_STARTED,
                connector_id=connector.connector_id,
                id_tag=id_tag,
                transaction_id=transaction_id,
            ),
        )
        return replaced

    def close_transaction(
        self,
        connector: Connector,
        *,
        stop_wh: float | None,
        read_at: datetime | None,
        reason: str | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        """End the connector's session at its stop reading (None: the latest total) and report it.

        The report says why (the charger's reason) and when (ended_at, else the reading's time).
        """
        if (
            ended := connector.close_transaction(stop_wh, read_at, self.charger.rating)
        ) is not None:
            self._report_ended(connector, ended, reason, ended_at or read_at)

    def close_stale(self, connector: Connector, why: str) -> None:
        """Close a session the charger no longer runs (why: the evidence), at the latest reading.

        Its energy is kept, its end is reported with reason Stale, and a StopTransaction for it
        that arrives after all still brings its stop reading (Connector.late_stop).
        """
        if (stale := connector.close_stale(self.charger.rating)) is None:
            return
        LOGGER.info(
            "Charger %s connector %s: transaction %s closed as stale (%s)",
            self.id,
            connector.connector_id,
            stale.transaction_id,
            why,
        )
        self._report_ended(connector, stale, STALE)
        self.host.changed(self.charger, durable=True)

    def _report_ended(
        self,
        connector: Connector,
        transaction: Transaction,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> None:
        self.host.event(
            self.charger,
            ChargerEvent(
                ChargerEventType.TRANSACTION_ENDED,
                connector_id=connector.connector_id,
                transaction_id=transaction.transaction_id,
                stop_reason=reason,
                at=at,
            ),
        )
