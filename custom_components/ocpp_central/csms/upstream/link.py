"""The link of one charger to its upstream central system: a WebSocket OCPP client of our own.

Forwarding: every CALL the charger sends is passed on as it sent it (same payload: the upstream
sees the charger's own timestamps and readings; our message ids are new), after Home Assistant has
answered the charger, which never waits on the upstream. One CALL is outstanding at a time, so the
upstream gets the messages in the charger's order. While the upstream is away the transaction-
related messages wait on disk (queue.py); the others are dropped, as a charger's own offline queue
would. The upstream's 1.6 transaction ids are mapped onto ours both ways.

Requests the upstream sends go to the charger, are answered by us or refused (policy.py); its
charging profiles become a cap on our own limits (on_cap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import itertools
import json
import ssl
import time
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.headers import build_authorization_basic
from websockets.typing import Subprotocol

from ...const import LOGGER
from .config import (
    AUTHORIZE_TIMEOUT_S,
    OCPP16,
    AuthorizeMode,
    LinkState,
    Policy,
    ProfilePolicy,
    RefusalReason,
    UpstreamConfig,
)
from .policy import PROFILE_ACTIONS, decide, profile_cap, profile_id
from .queue import Queued, QueueWriter, UpstreamQueue

# Transaction-related: kept on disk while the upstream is away (MeterValues only of a transaction).
DURABLE_ACTIONS = frozenset(
    {
        "BootNotification",
        "StatusNotification",
        "StartTransaction",
        "StopTransaction",
        "TransactionEvent",
    }
)
RESPONSE_TIMEOUT_S = 30.0
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0
OPEN_TIMEOUT_S = 10.0


class ChargerGateway(Protocol):
    """The charger as the link reaches it: one CALL, its answer payload."""

    async def __call__(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL to the charger; raise UpstreamCallError (CALLERROR) or another error."""


class UpstreamCallError(Exception):
    """A CALLERROR to pass on: code and description."""

    def __init__(self, code: str, description: str = "") -> None:
        """Carry an OCPP error code."""
        super().__init__(code, description)
        self.code = code
        self.description = description


type CapFn = Callable[[int, float | None], None]
type StateFn = Callable[[], None]


def _is_transaction_meter_values(action: str, payload: dict[str, Any]) -> bool:
    return action == "MeterValues" and payload.get("transactionId") is not None


class UpstreamLink:
    """Connect, forward, queue and replay for one charger; see the module docstring."""

    def __init__(
        self,
        config: UpstreamConfig,
        *,
        writer: QueueWriter | None = None,
        gateway: ChargerGateway | None = None,
        ssl_context: ssl.SSLContext | None = None,
        on_state: StateFn | None = None,
        on_cap: CapFn | None = None,
        on_full: StateFn | None = None,
        charger_version: Callable[[], str | None] | None = None,
    ) -> None:
        """Prepare the link; nothing connects until async_start."""
        self.config = config
        self.queue = UpstreamQueue(writer, config.queue_limit)
        self._gateway = gateway
        self._ssl = ssl_context
        self._on_state = on_state or (lambda: None)
        self.on_cap = on_cap or (lambda _n, _a: None)
        self._on_full = on_full or (lambda: None)
        self._charger_version = charger_version or (lambda: None)
        self.state = LinkState.CONNECTING
        # A refused link tries again this long after (credentials do not fix themselves).
        self.backoff_max_s = BACKOFF_MAX_S
        self.reason: RefusalReason | None = None
        self.http_status: int | None = None
        self._ws: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._wake = asyncio.Event()
        self._pending_calls: dict[str, asyncio.Future[list[Any]]] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        # The upstream's verdicts on id tags, the latest per tag (Authorize asked of it).
        self._verdicts: dict[str, bool] = {}
        self._asked_authorize = False
        # Upstream profiles kept: (connector, profile id) → A.
        self.caps: dict[tuple[int, Any], float] = {}
        # Counts for diagnostics and the bench.
        self.forwarded = 0
        self.dropped = 0
        self.refused_full = 0
        # Seconds from our answer to the charger until the upstream had the message, per message.
        self.latencies_s: list[float] = []
        self._answered_at: dict[int, float] = {}

    # --- lifecycle --------------------------------------------------------------------

    def set_ssl_context(self, context: ssl.SSLContext | None) -> None:
        """Use this TLS context for wss:// (built off the event loop: it reads files)."""
        self._ssl = context

    async def async_start(self) -> None:
        """Read back the queue and the upstream's limits on disk, and start connecting."""
        await self.queue.async_load()
        if self.config.profiles is ProfilePolicy.COMBINE:
            self.caps = {(n, kept_id): float(amps) for n, kept_id, amps in self.queue.caps}
        for number in sorted({key[0] for key in self.caps}):
            self.on_cap(number, self.cap(number))
        loop = asyncio.get_running_loop()
        self._runner = loop.create_task(self._run(), name=f"upstream {self.config.identity}")
        self._sender = loop.create_task(
            self._send_loop(), name=f"upstream send {self.config.identity}"
        )

    async def async_stop(self) -> None:
        """Close the connection; what is queued on disk stays for the next start."""
        for task in (self._runner, self._sender, *self._tasks):
            if task is not None:
                task.cancel()
        for task in (self._runner, self._sender, *self._tasks):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._ws is not None:
            await self._ws.close()

    def refuse(self, reason: RefusalReason) -> None:
        """Give up before connecting (our own settings are unusable): refused, and why."""
        self._set_state(LinkState.REFUSED, reason)

    def _set_state(self, state: LinkState, reason: RefusalReason | None = None) -> None:
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            self._on_state()

    async def _run(self) -> None:
        delay = BACKOFF_FIRST_S
        while True:
            outcome = await self._connect_once()
            self._connected.clear()
            self._fail_pending_calls()
            self._release_waiters()
            self.dropped += self.queue.drop_volatile()
            if outcome == "was_connected":
                delay = BACKOFF_FIRST_S
            await asyncio.sleep(self.backoff_max_s if outcome == "refused" else delay)
            delay = min(delay * 2, self.backoff_max_s)

    async def _connect_once(self) -> str:  # noqa: PLR0911 - one outcome per way it ends
        """Connect and serve until the connection ends: refused, was_connected or unreachable."""
        headers = {}
        if self.config.password:
            headers["Authorization"] = build_authorization_basic(
                self.config.identity, self.config.password
            )
        if self.state is not LinkState.REFUSED:
            self._set_state(LinkState.CONNECTING, self.reason)
        try:
            async with connect(
                self.config.endpoint,
                subprotocols=[Subprotocol(self.config.version)],
                additional_headers=headers,
                ssl=self._ssl if self.config.endpoint.startswith("wss:") else None,
                open_timeout=OPEN_TIMEOUT_S,
                compression=None,
                max_size=2**20,
            ) as ws:
                if ws.subprotocol != self.config.version:
                    self._set_state(LinkState.REFUSED, RefusalReason.PROTOCOL)
                    return "refused"
                self._ws = ws
                self.http_status = None
                self._set_state(LinkState.CONNECTED)
                self._connected.set()
                self._wake.set()
                LOGGER.info("Upstream of %s connected at %s", self.config.identity, self.config.url)
                await self._read(ws)
                self._set_state(LinkState.CONNECTING, RefusalReason.UNREACHABLE)
                return "was_connected"
        except InvalidStatus as err:
            self.http_status = err.response.status_code
            reason = {
                401: RefusalReason.UNAUTHORIZED,
                403: RefusalReason.FORBIDDEN,
                404: RefusalReason.NOT_FOUND,
            }.get(self.http_status, RefusalReason.PROTOCOL)
            LOGGER.warning(
                "Upstream %s refused %s: HTTP %s",
                self.config.url,
                self.config.identity,
                self.http_status,
            )
            self._set_state(LinkState.REFUSED, reason)
            return "refused"
        except ssl.SSLError as err:
            LOGGER.warning("Upstream %s: TLS failed: %s", self.config.url, err)
            self._set_state(LinkState.REFUSED, RefusalReason.TLS)
            return "refused"
        except InvalidHandshake as err:
            LOGGER.warning("Upstream %s: handshake failed: %s", self.config.url, err)
            self._set_state(LinkState.REFUSED, RefusalReason.PROTOCOL)
            return "refused"
        except (OSError, TimeoutError, ConnectionClosed) as err:
            LOGGER.debug("Upstream %s unreachable: %s", self.config.url, err)
            self._set_state(LinkState.CONNECTING, RefusalReason.UNREACHABLE)
            if self._connected.is_set():
                return "was_connected"
        finally:
            self._ws = None
        return "unreachable"

    # --- frames -----------------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            try:
                frame = json.loads(raw)
                kind = frame[0]
            except ValueError, TypeError, IndexError, KeyError:
                LOGGER.warning("Upstream %s sent an unreadable frame: %.200r", self.config.url, raw)
                continue
            if kind == 2 and len(frame) >= 4:
                task = asyncio.get_running_loop().create_task(self._serve_call(ws, frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif (
                kind in (3, 4)
                and len(frame) >= 3
                and (waiting := self._pending_calls.pop(str(frame[1]), None))
                and not waiting.done()
            ):
                waiting.set_result(frame)

    def _fail_pending_calls(self) -> None:
        for waiting in self._pending_calls.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError("upstream connection lost"))
        self._pending_calls.clear()

    def _release_waiters(self) -> None:
        for item in self.queue.items:
            if item.waiter is not None and not item.waiter.done():
                item.waiter.set_result(None)

    async def _call_upstream(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send one CALL upstream; return its CALLRESULT or CALLERROR frame."""
        ws = self._ws
        if ws is None:
            raise ConnectionError("upstream not connected")
        unique_id = str(next(self._ids))
        waiting: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending_calls[unique_id] = waiting
        try:
            await ws.send(json.dumps([2, unique_id, action, payload], separators=(",", ":")))
            async with asyncio.timeout(RESPONSE_TIMEOUT_S):
                return await waiting
        finally:
            self._pending_calls.pop(unique_id, None)

    # --- forwarding (charger → upstream) ------------------------------------------------

    def _speaks_charger_version(self) -> bool:
        version = self._charger_version()
        return version is None or version.lower() == self.config.version

    async def forward(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        """Pass on a CALL the charger sent and we answered; a durable one is on disk on return."""
        if action == "Authorize" and self._asked_authorize:
            self._asked_authorize = False
            return  # asked of the upstream already, before we answered
        if not self._speaks_charger_version():
            self.dropped += 1
            return
        durable = action in DURABLE_ACTIONS or _is_transaction_meter_values(action, payload)
        if not durable and not self._connected.is_set():
            self.dropped += 1
            return
        if durable and self.queue.full():
            self.refused_full += 1
            self._on_full()
            return
        item = await self.queue.put(action, payload, answer, durable=durable)
        self._answered_at[item.number] = time.monotonic()
        self._wake.set()

    def _rewrite(self, item: Queued) -> dict[str, Any]:
        """Return the payload as the upstream must see it: its own transaction ids (1.6)."""
        payload = item.payload
        if self.config.version == OCPP16 and item.action in ("StopTransaction", "MeterValues"):
            ours = payload.get("transactionId")
            if (
                ours is not None
                and (theirs := self.queue.transaction_ids.get(str(ours))) is not None
            ):
                return {**payload, "transactionId": theirs}
        return payload

    async def _send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.queue.items and self._connected.is_set():
                item = self.queue.items[0]
                try:
                    frame = await self._call_upstream(item.action, self._rewrite(item))
                except ConnectionError, ConnectionClosed, TimeoutError, OSError:
                    if self._ws is not None:
                        # No answer in time: start over on a new connection, the item kept.
                        await self._ws.close()
                    break
                await self._answered(item, frame)

    async def _answered(self, item: Queued, frame: list[Any]) -> None:
        mapping = None
        result = (
            frame[2] if frame[0] == 3 and len(frame) > 2 and isinstance(frame[2], dict) else None
        )
        if result is None:
            LOGGER.warning(
                "Upstream %s refused %s of %s: %.200r",
                self.config.url,
                item.action,
                self.config.identity,
                frame[2:],
            )
        elif item.action == "StartTransaction" and self.config.version == OCPP16:
            ours, theirs = item.answer.get("transactionId"), result.get("transactionId")
            if ours is not None and theirs is not None:
                mapping = (ours, theirs)
        if (at := self._answered_at.pop(item.number, None)) is not None:
            self.latencies_s.append(time.monotonic() - at)
        self.forwarded += 1
        await self.queue.done(item, mapping)
        if self.refused_full and not self.queue.items:
            self.refused_full = 0
            self._on_state()  # the queue drained: no longer full
        if item.waiter is not None and not item.waiter.done():
            item.waiter.set_result(result)

    # --- authorization -----------------------------------------------------------------

    async def before(self, action: str, payload: dict[str, Any]) -> None:
        """Before we answer: ask the upstream about an id tag, when it decides (bounded wait)."""
        if action != "Authorize" or self.config.authorize is AuthorizeMode.LOCAL:
            return
        tag = _id_tag(payload)
        if tag is None:
            return
        self._verdicts.pop(tag, None)
        if not self._connected.is_set() or not self._speaks_charger_version():
            return
        item = await self.queue.put(action, payload, {}, durable=False)
        item.waiter = asyncio.get_running_loop().create_future()
        self._asked_authorize = True
        self._wake.set()
        try:
            async with asyncio.timeout(AUTHORIZE_TIMEOUT_S):
                result = await item.waiter
        except TimeoutError:
            LOGGER.info(
                "Upstream %s did not decide on a tag in time; our own tags decide", self.config.url
            )
            return
        if result is None:
            return
        info = result.get("idTagInfo") or result.get("idTokenInfo") or {}
        self._verdicts[tag] = info.get("status") == "Accepted"

    def verdict(self, id_tag: str) -> bool | None:
        """Return the upstream's verdict where it decides on a tag; None: our own tags decide.

        Upstream: its verdict when it gave one in time. Either: its acceptance (a refusal leaves
        the decision to our tags).
        """
        mode = self.config.authorize
        verdict = self._verdicts.get(id_tag)
        if mode is AuthorizeMode.UPSTREAM:
            return verdict
        if mode is AuthorizeMode.EITHER and verdict:
            return True
        return None

    # --- requests from the upstream (upstream → charger) ---------------------------------

    async def _serve_call(self, ws: ClientConnection, frame: list[Any]) -> None:
        unique_id, action, payload = frame[1], frame[2], frame[3]
        if not isinstance(payload, dict) or not isinstance(action, str):
            reply: list[Any] = [4, unique_id, "FormationViolation", "Payload must be an object", {}]
        else:
            reply = await self._reply(unique_id, action, payload)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps(reply, separators=(",", ":")))

    async def _reply(  # noqa: PLR0911 - one answer per outcome
        self, unique_id: Any, action: str, payload: dict[str, Any]
    ) -> list[Any]:
        if action in PROFILE_ACTIONS:
            return [3, unique_id, self._profile_request(action, payload)]
        decision = decide(self.config, action, payload)
        if decision.policy is not Policy.ALLOW:
            LOGGER.info(
                "Upstream %s asked %s of %s: %s",
                self.config.url,
                action,
                self.config.identity,
                decision.policy,
            )
            if decision.error is not None:
                return [4, unique_id, decision.error, "Refused by the local controller", {}]
            return [3, unique_id, decision.answer or {}]
        if self._gateway is None:
            return [4, unique_id, "GenericError", "The charger is not connected", {}]
        try:
            answer = await self._gateway(action, self._to_ours(action, payload))
        except UpstreamCallError as err:
            return [4, unique_id, err.code, err.description, {}]
        except Exception as err:  # noqa: BLE001 - offline, no answer: the upstream hears why
            return [4, unique_id, "GenericError", str(err) or type(err).__name__, {}]
        return [3, unique_id, answer]

    def _to_ours(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the payload with an upstream's 1.6 transaction id back to ours (RemoteStopTransaction)."""
        if action == "RemoteStopTransaction" and self.config.version == OCPP16:
            theirs = payload.get("transactionId")
            for ours, mapped in self.queue.transaction_ids.items():
                if mapped == theirs:
                    with contextlib.suppress(ValueError):
                        return {**payload, "transactionId": int(ours)}
        return payload

    def _profile_request(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        refuse = self.config.profiles is ProfilePolicy.REFUSE
        if action == "SetChargingProfile":
            if refuse or (cap := profile_cap(payload)) is None:
                return {"status": "Rejected"}
            number, amps = cap
            self.caps = {key: value for key, value in self.caps.items() if key[0] != number}
            self.caps[(number, profile_id(payload))] = amps
            self.on_cap(number, self.cap(number))
            self._save_caps()
            return {"status": "Accepted"}
        if action == "ClearChargingProfile":
            wanted = payload.get("id", payload.get("chargingProfileId"))
            gone = [key for key in self.caps if wanted is None or key[1] == wanted]
            for key in gone:
                del self.caps[key]
            for number in {key[0] for key in gone}:
                self.on_cap(number, self.cap(number))
            if gone:
                self._save_caps()
            return {"status": "Accepted" if gone else "Unknown"}
        if action == "GetChargingProfiles":
            return {"status": "NoProfiles"}
        return {"status": "Rejected"}

    def _save_caps(self) -> None:
        task = asyncio.get_running_loop().create_task(
            self.queue.save_caps([[n, kept_id, amps] for (n, kept_id), amps in self.caps.items()])
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def diagnostics(self) -> dict[str, Any]:
        """Return where, as whom, how it is and what waits; never the password."""
        config = self.config
        return {
            "url": config.url,
            "identity": config.identity,
            "version": config.version,
            "authorize": config.authorize.value,
            "commands": config.commands.value,
            "profiles": config.profiles.value,
            "client_certificate": bool(config.client_certificate),
            "state": self.state.value,
            "reason": None if self.reason is None else self.reason.value,
            "http_status": self.http_status,
            "queued": len(self.queue),
            "forwarded": self.forwarded,
            "dropped": self.dropped,
            "refused_full": self.refused_full,
            "caps": [[n, kept_id, amps] for (n, kept_id), amps in self.caps.items()],
        }

    def cap(self, number: int) -> float | None:
        """Return the upstream's limit on a connector (the whole station: 0) in A; None: none."""
        return min((amps for key, amps in self.caps.items() if key[0] == number), default=None)


def _id_tag(payload: dict[str, Any]) -> str | None:
    if isinstance(tag := payload.get("idTag"), str):
        return tag
    token = payload.get("idToken")
    if isinstance(token, dict) and isinstance(token.get("idToken"), str):
        return str(token["idToken"])
    return None
