"""An upstream central system as the homeowner set it for one charger, and what a link reports.

Home Assistant stays the charger's central system; the upstream (an employer's, a leasing company's
or an installer's backend) sees the charger through us: OCPP's Local Controller role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote, urlsplit

OCPP16 = "ocpp1.6"
OCPP201 = "ocpp2.0.1"
UPSTREAM_VERSIONS = (OCPP16, OCPP201)
# Durably queued messages at most, per charger, while the upstream is unreachable.
DEFAULT_QUEUE_LIMIT = 10_000
# How long an Authorize asked of the upstream may take before our own tags decide.
AUTHORIZE_TIMEOUT_S = 2.0


class AuthorizeMode(StrEnum):
    """Who decides on a presented id tag."""

    LOCAL = "local"
    # The upstream, when it answers in time; our own tags when it does not.
    UPSTREAM = "upstream"
    # Accepted when either accepts.
    EITHER = "either"


class Policy(StrEnum):
    """What becomes of a request the upstream sends to the charger."""

    ALLOW = "allow"
    # Answered by us, the charger untouched.
    LOCAL = "local"
    REFUSE = "refuse"


class ProfilePolicy(StrEnum):
    """What becomes of the upstream's charging profiles."""

    # Kept as a cap on our own limits: the lower one wins.
    COMBINE = "combine"
    REFUSE = "refuse"


class LinkState(StrEnum):
    """How the link to the upstream is."""

    DISABLED = "disabled"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    REFUSED = "refused"


class RefusalReason(StrEnum):
    """Why the upstream refused (or could not be reached)."""

    UNAUTHORIZED = "unauthorized"  # HTTP 401: our password
    FORBIDDEN = "forbidden"  # HTTP 403
    NOT_FOUND = "not_found"  # HTTP 404: the identity is unknown there
    TLS = "tls"  # certificate or handshake
    PROTOCOL = "protocol"  # no common OCPP version, another HTTP status
    UNREACHABLE = "unreachable"  # no connection (yet): retried


# The upstream's requests by kind, for per-kind policies (both versions' names).
ACTION_GROUPS: dict[str, tuple[str, ...]] = {
    "remote_start": ("RemoteStartTransaction", "RequestStartTransaction"),
    "remote_stop": ("RemoteStopTransaction", "RequestStopTransaction"),
    "reset": ("Reset",),
    "unlock": ("UnlockConnector",),
    "trigger_message": ("TriggerMessage",),
    "configuration": (
        "GetConfiguration",
        "ChangeConfiguration",
        "GetVariables",
        "SetVariables",
        "GetBaseReport",
        "GetReport",
    ),
    "firmware_diagnostics": ("UpdateFirmware", "GetDiagnostics", "GetLog"),
    "availability": ("ChangeAvailability",),
    "local_list": ("SendLocalList", "GetLocalListVersion", "ClearCache"),
    "reservation": ("ReserveNow", "CancelReservation"),
    "data_transfer": ("DataTransfer",),
}


def group_policies(local: list[str], refused: list[str]) -> dict[str, Policy]:
    """Return per-action policies for the kinds answered locally and refused (refusal wins)."""
    actions: dict[str, Policy] = {}
    for policy, groups in ((Policy.LOCAL, local), (Policy.REFUSE, refused)):
        for group in groups:
            for action in ACTION_GROUPS.get(group, ()):
                actions[action] = policy
    return actions


# Refusals that our credentials caused: a repair issue asks the homeowner to fix them.
CREDENTIAL_REFUSALS = frozenset({RefusalReason.UNAUTHORIZED, RefusalReason.FORBIDDEN})


@dataclass(slots=True, frozen=True)
class UpstreamConfig:
    """One charger's upstream: where, as whom, in which version, and who decides what."""

    url: str
    identity: str
    password: str = ""
    version: str = OCPP16
    authorize: AuthorizeMode = AuthorizeMode.LOCAL
    commands: Policy = Policy.ALLOW
    profiles: ProfilePolicy = ProfilePolicy.COMBINE
    # Per action, a policy other than `commands` (e.g. {"Reset": Policy.REFUSE}).
    actions: Mapping[str, Policy] = field(default_factory=dict)
    # PEM file with the client certificate and its key (security profile 3), if the upstream wants one.
    client_certificate: str = ""
    queue_limit: int = DEFAULT_QUEUE_LIMIT

    @property
    def endpoint(self) -> str:
        """The URL with our identity as its last path segment, as OCPP-J connects."""
        return f"{self.url.rstrip('/')}/{quote(self.identity, safe='')}"

    def policy(self, action: str) -> Policy:
        """Return what becomes of this upstream request (before the rules that always hold)."""
        return self.actions.get(action, self.commands)


def url_problem(url: str) -> str | None:
    """Return why an upstream URL cannot be used (a translation key), None when it can."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "invalid_upstream_url"
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        return "invalid_upstream_url"
    return None
