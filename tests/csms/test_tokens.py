"""The token decision and the local list arithmetic of csms/tokens.py (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.ocpp_central.csms.commands import LocalListEntry
from custom_components.ocpp_central.csms.tokens import (
    ACCEPTED,
    INVALID,
    AuthorizationResult,
    Token,
    TokenStatus,
    apply_update,
    decide,
    differential,
    local_list,
)

NOW = datetime(2026, 11, 25, 8, tzinfo=UTC)
TOKENS = [
    Token("Anna", expiry=datetime(2026, 11, 25, 9, tzinfo=UTC), group="FAMILY"),
    Token("BLOCKED", TokenStatus.BLOCKED, group="FAMILY"),
    Token("anna", TokenStatus.INVALID),  # the same tag again: the first one wins
]


def test_decide() -> None:
    assert decide(TOKENS, "ANNA", now=NOW, allow_unknown=False) == AuthorizationResult(
        TokenStatus.ACCEPTED, TOKENS[0].expiry, "FAMILY"
    )
    later = datetime(2026, 11, 25, 9, tzinfo=UTC)  # the expiry moment itself: Expired
    assert decide(TOKENS, "anna", now=later, allow_unknown=True).status is TokenStatus.EXPIRED
    blocked = decide(TOKENS, "blocked", now=NOW, allow_unknown=True)
    assert (blocked.status, blocked.accepted) == (TokenStatus.BLOCKED, False)
    assert decide(TOKENS, "stranger", now=NOW, allow_unknown=True) is ACCEPTED
    assert decide(TOKENS, "stranger", now=NOW, allow_unknown=False) is INVALID
    # A blocked token never expires into something else.
    assert TOKENS[1].status_at(later) is TokenStatus.BLOCKED


def test_local_list_and_differential() -> None:
    full = local_list(TOKENS)
    assert full == [
        LocalListEntry("Anna", "Accepted", TOKENS[0].expiry, "FAMILY"),
        LocalListEntry("BLOCKED", "Blocked", None, "FAMILY"),
    ]
    acknowledged = apply_update({}, full, full=True)
    assert differential(acknowledged, full) == []
    changed = [LocalListEntry("ANNA", "Blocked"), LocalListEntry("NEW")]
    diff = differential(acknowledged, changed)
    assert diff == [*changed, LocalListEntry("BLOCKED", None)]
    after = apply_update(acknowledged, diff, full=False)
    assert after == {"anna": changed[0], "new": changed[1]}
    # Removing a tag the charger does not hold changes nothing.
    assert apply_update(after, [LocalListEntry("GONE", None)], full=False) == after
