"""Upstream central systems: Home Assistant as OCPP's Local Controller between a charger and its backend.

No Home Assistant here: the glue (upstreams.py at the top level) makes the links, gives them the
charger's session and the file for their queue, and shows their state.
"""

from .config import (
    AuthorizeMode,
    LinkState,
    Policy,
    ProfilePolicy,
    RefusalReason,
    UpstreamConfig,
    url_problem,
)
from .link import UpstreamLink

__all__ = [
    "AuthorizeMode",
    "LinkState",
    "Policy",
    "ProfilePolicy",
    "RefusalReason",
    "UpstreamConfig",
    "UpstreamLink",
    "url_problem",
]
