"""Id tags (RFID cards, app tokens) managed in the UI: one config subentry each.

Each has the holder's name (the title) and, as OCPP defines tokens, a status (Accepted, Blocked,
Expired, Invalid), an optional expiry date and an optional group (1.6 parentIdTag, 2.0.1
groupIdToken: cards of one group may stop each other's sessions). Data layout: id_tags.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    DateTimeSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.util import dt as dt_util

from ..const import CONF_ID_TAG
from ..security.id_tags import (
    CONF_EXPIRY,
    CONF_GROUP,
    CONF_STATUS,
    STATUSES,
    token_data,
    token_from_data,
)

if TYPE_CHECKING:
    # Home Assistant types its flows with probatio, which it also installs as voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

# OCPP 1.6 idTag is CiString20; 2.0.1 idToken allows 36.
MAX_ID_TAG_LENGTH = 36
STATUS_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=STATUSES, translation_key="token_status", mode=SelectSelectorMode.DROPDOWN
    )
)


def _token_fields(defaults: dict[str, Any]) -> dict[Any, Any]:
    """Status, expiry date and group, showing `defaults` (subentry data or the last input)."""
    return {
        vol.Optional(CONF_STATUS, default=defaults.get(CONF_STATUS) or STATUSES[0]): (
            STATUS_SELECTOR
        ),
        vol.Optional(
            CONF_EXPIRY, description={"suggested_value": defaults.get(CONF_EXPIRY)}
        ): DateTimeSelector(),
        vol.Optional(
            CONF_GROUP, description={"suggested_value": defaults.get(CONF_GROUP)}
        ): TextSelector(),
    }


def _check(user_input: dict[str, Any], errors: dict[str, str]) -> datetime | None:
    """Return the expiry date as UTC; note what is wrong with the token fields in `errors`."""
    group = str(user_input.get(CONF_GROUP) or "").strip()
    if len(group) > MAX_ID_TAG_LENGTH:
        errors[CONF_GROUP] = "invalid_id_tag"
    # The selector has checked the date; what it gives is local time, maybe without a zone.
    parsed = dt_util.parse_datetime(str(user_input.get(CONF_EXPIRY) or ""))
    if parsed is None:
        return None
    return dt_util.as_utc(
        parsed if parsed.tzinfo else parsed.replace(tzinfo=dt_util.get_default_time_zone())
    )


def _data(id_tag: str, user_input: dict[str, Any], expiry: datetime | None) -> dict[str, Any]:
    return token_data(id_tag, user_input.get(CONF_STATUS), expiry, user_input.get(CONF_GROUP))


class IdTagSubentryFlow(ConfigSubentryFlow):
    """Add an id tag, or change one's holder, status, expiry date or group."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Tag, the name of who carries it, its status, expiry date and group."""
        errors: dict[str, str] = {}
        if user_input is not None:
            id_tag = user_input[CONF_ID_TAG].strip()
            expiry = _check(user_input, errors)
            if not id_tag or len(id_tag) > MAX_ID_TAG_LENGTH:
                errors[CONF_ID_TAG] = "invalid_id_tag"
            elif any(
                (sub.unique_id or "") == id_tag.casefold()
                for sub in self._get_entry().subentries.values()
            ):
                # OCPP 1.6 section 7.28: id tags are case-insensitive.
                return self.async_abort(reason="already_configured")
            if not errors:
                return self.async_create_entry(
                    title=str(user_input.get(CONF_NAME) or "").strip() or id_tag,
                    data=_data(id_tag, user_input, expiry),
                    unique_id=id_tag.casefold(),
                )
        shown = user_input or {}
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ID_TAG, default=shown.get(CONF_ID_TAG, "")): str,
                    vol.Optional(CONF_NAME, default=shown.get(CONF_NAME, "")): str,
                    **_token_fields(shown),
                }
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the holder's name, the status, the expiry date or the group."""
        subentry = self._get_reconfigure_subentry()
        id_tag = str(subentry.data[CONF_ID_TAG])
        errors: dict[str, str] = {}
        if user_input is not None:
            expiry = _check(user_input, errors)
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=str(user_input.get(CONF_NAME) or "").strip() or id_tag,
                    data=_data(id_tag, user_input, expiry),
                )
        token = token_from_data(subentry.data, subentry.title)
        shown = user_input or {
            CONF_STATUS: token.status.value,
            CONF_EXPIRY: dt_util.as_local(token.expiry).isoformat() if token.expiry else None,
            CONF_GROUP: token.group,
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_NAME, default=subentry.title): str,
                    **_token_fields(shown),
                }
            ),
            description_placeholders={"id_tag": id_tag},
            errors=errors,
        )
