"""A token decision as each OCPP version says it: 1.6 idTagInfo, 2.0.1 idTokenInfo.

Keys are snake_case: the ocpp package turns them into the camelCase the schemas name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .profiles import ocpp_time

# 2.0.1 IdTokenEnumType of a token we name without having seen it presented.
CENTRAL = "Central"
# 1.6 idTag and parentIdTag are CiString20: a longer tag cannot be said in 1.6.
ID_TAG_LENGTH_16 = 20


def id_tag_info(status: str, expiry: datetime | None, group: str | None) -> dict[str, Any]:
    """OCPP 1.6 IdTagInfo: status, expiryDate, parentIdTag (left out when longer than 1.6 allows)."""
    info: dict[str, Any] = {"status": status}
    if expiry is not None:
        info["expiry_date"] = ocpp_time(expiry)
    if group and len(group) <= ID_TAG_LENGTH_16:
        info["parent_id_tag"] = group
    return info


def id_token_info(
    status: str,
    expiry: datetime | None,
    group: str | None,
    token_type: Callable[[str], str] = lambda _tag: CENTRAL,
) -> dict[str, Any]:
    """OCPP 2.0.1 IdTokenInfo: status, cacheExpiryDateTime, groupIdToken (an IdToken)."""
    info: dict[str, Any] = {"status": status}
    if expiry is not None:
        info["cache_expiry_date_time"] = ocpp_time(expiry)
    if group:
        info["group_id_token"] = {"id_token": group, "type": token_type(group)}
    return info
