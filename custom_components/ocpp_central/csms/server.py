"""The OCPP-J WebSocket server: admission (400/401/403/404/429), subprotocol choice, one task per connection.

Refusals are logged once per source address per minute, with the charger id escaped (repr): an id is
whatever a stranger puts in a URL, newlines and NUL included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from http import HTTPStatus
import ssl
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader, NegotiationError
from websockets.frames import CloseCode
from websockets.headers import build_www_authenticate_basic, parse_authorization_basic
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ..const import LOGGER
from .admission import AddressBudget, LogThrottle, identity_problem
from .tls import CertificatePolicy, certificate_refusal, peer_common_name

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
OCPP21 = "ocpp2.1"
# In order of preference; 2.1 is experimental, still above 1.6 for a charger that offers both.
SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = (OCPP201, OCPP21, OCPP16)
REALM = "OCPP Central System"
PROTOCOL_HEADER = "Sec-WebSocket-Protocol"
# A charger frame larger than this is not OCPP; websockets closes the connection with 1009.
MAX_FRAME_BYTES = 2**20
# Some chargers answer pings slowly; a minute is generous and still finds dead links.
PING_INTERVAL: float | None = 60
PING_TIMEOUT: float | None = 60


class Admission(Enum):
    """Outcome of checking a connecting charger."""

    ADMIT = "admit"
    # Admitted, but unconfirmed (or added automatically): it costs its address some budget.
    PENDING = "pending"
    UNKNOWN = "unknown"
    UNAUTHORIZED = "unauthorized"
    # A password-less charger's id from an address other than its own. 403, not 401: no
    # credentials exist that could be offered instead (RFC 9110 15.5.2 asks a 401 to challenge
    # for some), and the refusal is the server's policy about the request (15.5.4).
    WRONG_ADDRESS = "wrong_address"


_REFUSALS: dict[Admission, tuple[str, HTTPStatus]] = {
    Admission.UNKNOWN: ("unknown charger", HTTPStatus.NOT_FOUND),
    Admission.WRONG_ADDRESS: (
        "a charger without a password connecting from an address not its own",
        HTTPStatus.FORBIDDEN,
    ),
}
# Charger id, Basic-auth password and username (None: none sent), source address.
type AdmitFn = Callable[[str, bytes | None, str | None, str], Admission]
type ServeFn = Callable[[str, ServerConnection], Awaitable[None]]
# Charger id → the subprotocol it is held to (its version pin), None: any we support.
type PinFn = Callable[[str], str | None]
# Charger id → what it must show: a password, a client certificate (security profile 3) or either.
type CertificatePolicyFn = Callable[[str], CertificatePolicy]


def remote_host(connection: ServerConnection) -> str:
    """Return the connecting side's IP address ("?" when the socket does not say)."""
    address = connection.remote_address
    return str(address[0]) if address else "?"


def charger_id_from_path(path: str) -> str:
    """Charger id = last non-empty path segment, URL-decoded; query strings ignored."""
    # Not urlsplit: it reads "//CP1" (base URL with a trailing slash + "/CP1") as a host name.
    segments = [segment for segment in path.split("?", 1)[0].split("/") if segment]
    return unquote(segments[-1]) if segments else ""


def _credentials(headers: Headers) -> tuple[str | None, bytes | None] | None:
    """Basic-auth username and raw password bytes; None when the header is unusable."""
    header = headers.get("Authorization")
    if header is None:
        return (None, None)
    try:
        username, password = parse_authorization_basic(header)
    except InvalidHeader:
        return None
    return username, password.encode("utf-8", "surrogateescape")


def select_subprotocol(
    connection: ServerConnection,
    offered: Sequence[Subprotocol],
    pinned: str | None = None,
) -> Subprotocol | None:
    """Pick our preferred offered subprotocol (any case), or the pinned one; no offer means 1.6."""
    wanted = {name.lower(): name for name in offered}
    for ours in (pinned,) if pinned else SUPPORTED_SUBPROTOCOLS:
        if ours in wanted:
            return wanted[ours]
    if not offered and pinned in (None, OCPP16):
        return None
    if pinned:
        LOGGER.warning(
            "Charger at %s is held to %s but offered %s",
            connection.remote_address,
            pinned,
            ", ".join(offered) or "no protocol (1.6)",
        )
    else:
        LOGGER.warning(
            "Charger at %s offered only unsupported protocols %s",
            connection.remote_address,
            ", ".join(offered),
        )
    # Refusing the upgrade is what OCPP-J 1.6 section 3.2 asks for.
    raise NegotiationError("no supported OCPP version offered")


class OcppServer:
    """Accepts chargers and hands each admitted connection to the central system."""

    def __init__(
        self,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None,
        admit: AdmitFn,
        serve_connection: ServeFn,
        *,
        pin: PinFn | None = None,
        certificate_policy: CertificatePolicyFn | None = None,
    ) -> None:
        """Prepare the server; nothing listens until async_start."""
        self._pin = pin
        self._certificate_policy = certificate_policy
        self._host = host
        self._port = port
        self._ssl = ssl_context
        self._admit = admit
        self._serve_connection = serve_connection
        self._server: Server | None = None
        # Public so that tests can give it a clock of their own.
        self.budget = AddressBudget()
        self._log_throttle = LogThrottle()

    @property
    def port(self) -> int:
        """The bound port (useful when configured as 0)."""
        if self._server is None:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def async_start(self) -> None:
        """Bind and listen; raises OSError when the address is taken."""
        self._server = await serve(
            self._handle,
            self._host or None,
            self._port,
            ssl=self._ssl,
            subprotocols=[Subprotocol(name) for name in SUPPORTED_SUBPROTOCOLS],
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            compression=None,
            max_size=MAX_FRAME_BYTES,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            server_header=None,
        )

    async def async_stop(self) -> None:
        """Close the listener and every charger connection."""
        if self._server is None:
            return
        # 1001 going away: the charger reconnects when we are back (not 1011, an internal error).
        self._server.close(close_connections=True, code=CloseCode.GOING_AWAY)
        await self._server.wait_closed()
        self._server = None

    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        pinned = None
        if self._pin is not None and connection.request is not None:
            pinned = self._pin(charger_id_from_path(connection.request.path))
        return select_subprotocol(connection, offered, pinned)

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        charger_id = charger_id_from_path(request.path)
        if not charger_id:
            # Grizzl-E 5.x connects without an id: no such charger rather than a malformed one.
            return self._refuse(connection, charger_id, "no id in the URL", HTTPStatus.NOT_FOUND)
        if (problem := identity_problem(charger_id)) is not None:
            return self._refuse(connection, charger_id, problem, HTTPStatus.BAD_REQUEST)
        offers = request.headers.get_all(PROTOCOL_HEADER)
        if offers and not any(value.strip() for value in offers):
            # Some firmwares send the header empty; websockets would refuse that with HTTP 400.
            del request.headers[PROTOCOL_HEADER]
        if self._by_certificate(connection, charger_id):
            return self._certificate_admission(connection, charger_id)
        credentials = _credentials(request.headers)
        if credentials is None:
            return self._unauthorized(connection, charger_id, "unreadable credentials")
        username, password = credentials
        if password is not None and username != charger_id:
            return self._unauthorized(
                connection, charger_id, "username differs from the charger id"
            )
        return self._decide(connection, charger_id, password, username)

    def _decide(
        self,
        connection: ServerConnection,
        charger_id: str,
        password: bytes | None,
        username: str | None,
    ) -> Response | None:
        """Ask the central system; refusals and pending chargers spend their address's budget."""
        address = remote_host(connection)
        admission = self._admit(charger_id, password, username, address)
        if admission is Admission.ADMIT:
            return None
        if not self.budget.spend(address):
            return self._refuse(
                connection,
                charger_id,
                "too many refused or new chargers",
                HTTPStatus.TOO_MANY_REQUESTS,
            )
        if admission is Admission.UNAUTHORIZED:
            return self._unauthorized(connection, charger_id, "wrong or missing password")
        if (refusal := _REFUSALS.get(admission)) is not None:
            return self._refuse(connection, charger_id, *refusal)
        return None

    def _by_certificate(self, connection: ServerConnection, charger_id: str) -> bool:
        """Whether a client certificate decides on this charger, not its password."""
        if self._certificate_policy is None:
            return False
        policy = self._certificate_policy(charger_id)
        return policy is CertificatePolicy.CERTIFICATE or (
            policy is CertificatePolicy.CERTIFICATE_OR_PASSWORD
            and peer_common_name(connection.transport) is not None
        )

    def _certificate_admission(
        self, connection: ServerConnection, charger_id: str
    ) -> Response | None:
        """Admit a profile-3 charger on its verified client certificate alone (no password)."""
        if (reason := certificate_refusal(connection.transport, charger_id)) is not None:
            return self._unauthorized(connection, charger_id, reason)
        return None

    def _unauthorized(self, connection: ServerConnection, charger_id: str, reason: str) -> Response:
        response = self._refuse(connection, charger_id, reason, HTTPStatus.UNAUTHORIZED)
        response.headers["WWW-Authenticate"] = build_www_authenticate_basic(REALM)
        return response

    def _refuse(
        self, connection: ServerConnection, charger_id: str, reason: str, status: HTTPStatus
    ) -> Response:
        """Answer with an HTTP error; log it unless this address was logged within the minute."""
        address = remote_host(connection)
        if (kept_back := self._log_throttle.allow(address)) is not None:
            LOGGER.warning(
                "Refused charger %r from %s: %s (HTTP %d)%s",
                charger_id,
                address,
                reason,
                status,
                f"; {kept_back} more refusals from there not logged" if kept_back else "",
            )
        return connection.respond(status, f"{status.phrase}\n")

    async def _handle(self, connection: ServerConnection) -> None:
        charger_id = charger_id_from_path(connection.request.path if connection.request else "")
        await self._serve_connection(charger_id, connection)
