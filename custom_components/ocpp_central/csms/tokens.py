"""Id tokens as OCPP defines them, and the decision on a presented one, version-neutral.

A token (1.6 idTag, 2.0.1 idToken) has a status (Accepted, Blocked, Expired, Invalid), an optional
expiry date, an optional group (1.6 parentIdTag, 2.0.1 groupIdToken) and the name of its holder.
`decide` judges a presented tag against the known tokens; its AuthorizationResult is what both
version adapters turn into idTagInfo (1.6) or idTokenInfo (2.0.1). Id tags compare
case-insensitively (OCPP 1.6 section 7.28).

The local authorization list is built from the same tokens (`local_list`), and `differential`
tells what changed since the list a charger last acknowledged: changed entries with their info,
removed ones without (OCPP: an entry without idTagInfo/idTokenInfo is deleted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .commands import LocalListEntry


class TokenStatus(StrEnum):
    """What a token may do: the AuthorizationStatus words OCPP 1.6 and 2.0.1 share."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"


@dataclass(slots=True, frozen=True)
class Token:
    """An id token the central system knows."""

    id_tag: str
    status: TokenStatus = TokenStatus.ACCEPTED
    expiry: datetime | None = None
    group: str | None = None
    name: str = ""

    @property
    def key(self) -> str:
        """The tag as compared: case-insensitive."""
        return self.id_tag.casefold()

    def status_at(self, now: datetime) -> TokenStatus:
        """Return the token's status at `now`: an Accepted token past its expiry date is Expired."""
        if self.status is TokenStatus.ACCEPTED and self.expiry is not None and self.expiry <= now:
            return TokenStatus.EXPIRED
        return self.status


@dataclass(slots=True, frozen=True)
class AuthorizationResult:
    """The decision on a presented tag: status, expiry date and group (parent id tag)."""

    status: TokenStatus
    expiry: datetime | None = None
    group: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether the tag may charge."""
        return self.status is TokenStatus.ACCEPTED


ACCEPTED = AuthorizationResult(TokenStatus.ACCEPTED)
INVALID = AuthorizationResult(TokenStatus.INVALID)


def find(tokens: Iterable[Token], id_tag: str) -> Token | None:
    """Return the known token for a presented tag (case-insensitive), if any."""
    wanted = id_tag.casefold()
    return next((token for token in tokens if token.key == wanted), None)


def decide(
    tokens: Iterable[Token], id_tag: str, *, now: datetime, allow_unknown: bool
) -> AuthorizationResult:
    """Judge a presented tag.

    A known token answers with its own status (Expired once its expiry date is reached), its
    expiry date and its group: a card of the same group gets the same group back, so the charger
    lets it stop a session another card of the group started. An unknown tag is Accepted only
    when every tag may charge (`allow_unknown`), else Invalid.
    """
    token = find(tokens, id_tag)
    if token is None:
        return ACCEPTED if allow_unknown else INVALID
    return AuthorizationResult(token.status_at(now), token.expiry, token.group)


def list_entry(token: Token) -> LocalListEntry:
    """Return the token as a local authorization list entry."""
    return LocalListEntry(token.id_tag, token.status.value, token.expiry, token.group)


def local_list(tokens: Iterable[Token]) -> list[LocalListEntry]:
    """Return the local list of these tokens, one entry per tag (the first of a tag wins)."""
    entries: dict[str, LocalListEntry] = {}
    for token in tokens:
        entries.setdefault(token.key, list_entry(token))
    return list(entries.values())


def differential(
    acknowledged: Mapping[str, LocalListEntry], current: Iterable[LocalListEntry]
) -> list[LocalListEntry]:
    """Return what a Differential update must send to turn the acknowledged list into `current`.

    Entries new or changed since the acknowledged list, then removed ones (without status).
    `acknowledged` is keyed by the casefolded tag.
    """
    wanted = {entry.id_tag.casefold(): entry for entry in current}
    changed = [entry for key, entry in wanted.items() if acknowledged.get(key) != entry]
    removed = [
        LocalListEntry(entry.id_tag, None)
        for key, entry in acknowledged.items()
        if key not in wanted
    ]
    return changed + removed


def apply_update(
    acknowledged: Mapping[str, LocalListEntry], entries: Iterable[LocalListEntry], *, full: bool
) -> dict[str, LocalListEntry]:
    """Return the list a charger holds after accepting an update (keyed by the casefolded tag)."""
    result = {} if full else dict(acknowledged)
    for entry in entries:
        if entry.status is None:
            result.pop(entry.id_tag.casefold(), None)
        else:
            result[entry.id_tag.casefold()] = entry
    return result
