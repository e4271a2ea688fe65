"""Id tag subentries as tokens: what a subentry's data holds, and the token it stands for.

Data of an id tag subentry: the tag, and since tokens have a status, optionally the status
(Accepted when missing: subentries from before keep loading unchanged), an expiry date (ISO 8601,
UTC) and a group (1.6 parentIdTag / 2.0.1 groupIdToken). The subentry's title is the holder's name.
The UI flow (flows/id_tag.py) and the services (actions/id_tags.py) write it; central.py reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.util import dt as dt_util

from ..const import CONF_ID_TAG
from ..csms.tokens import Token, TokenStatus

CONF_STATUS: Final = "status"
CONF_EXPIRY: Final = "expiry"
CONF_GROUP: Final = "group"
STATUSES: Final = [status.value for status in TokenStatus]


def token_of(subentry: ConfigSubentry) -> Token:
    """Return the token an id tag subentry stands for."""
    return token_from_data(subentry.data, subentry.title)


def token_from_data(data: Mapping[str, Any], name: str) -> Token:
    """Return the token of a subentry's data; what is missing or unreadable is default."""
    try:
        status = TokenStatus(data.get(CONF_STATUS) or TokenStatus.ACCEPTED)
    except ValueError:
        status = TokenStatus.ACCEPTED
    expiry = dt_util.parse_datetime(str(data[CONF_EXPIRY])) if data.get(CONF_EXPIRY) else None
    group = str(data.get(CONF_GROUP) or "").strip() or None
    return Token(
        id_tag=str(data[CONF_ID_TAG]),
        status=status,
        expiry=dt_util.as_utc(expiry) if expiry is not None else None,
        group=group,
        name=name,
    )


def token_data(
    id_tag: str, status: str | None, expiry: datetime | None, group: str | None
) -> dict[str, Any]:
    """Return a subentry's data for a token (only what differs from the defaults)."""
    data: dict[str, Any] = {CONF_ID_TAG: id_tag}
    if status and status != TokenStatus.ACCEPTED:
        data[CONF_STATUS] = status
    if expiry is not None:
        data[CONF_EXPIRY] = dt_util.as_utc(expiry).isoformat()
    if group and group.strip():
        data[CONF_GROUP] = group.strip()
    return data
