"""Id tags (RFID cards, app tokens) managed in the UI: one config subentry each, with a name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME

from ..const import CONF_ID_TAG

if TYPE_CHECKING:
    # Home Assistant types its flows with probatio, which it also installs as voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

# OCPP 1.6 idTag is CiString20; 2.0.1 idToken allows 36.
MAX_ID_TAG_LENGTH = 36


class IdTagSubentryFlow(ConfigSubentryFlow):
    """Add an id tag to the allow list, or rename one."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Tag and the name of who carries it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            id_tag = user_input[CONF_ID_TAG].strip()
            if not id_tag or len(id_tag) > MAX_ID_TAG_LENGTH:
                errors[CONF_ID_TAG] = "invalid_id_tag"
            elif any(
                (sub.unique_id or "") == id_tag.casefold()
                for sub in self._get_entry().subentries.values()
            ):
                # OCPP 1.6 section 7.28: id tags are case-insensitive.
                return self.async_abort(reason="already_configured")
            else:
                return self.async_create_entry(
                    title=user_input[CONF_NAME].strip() or id_tag,
                    data={CONF_ID_TAG: id_tag},
                    unique_id=id_tag.casefold(),
                )
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_ID_TAG, default=(user_input or {}).get(CONF_ID_TAG, "")): str,
                    vol.Optional(CONF_NAME, default=(user_input or {}).get(CONF_NAME, "")): str,
                }
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename a tag's holder."""
        subentry = self._get_reconfigure_subentry()
        if user_input is not None:
            return self.async_update_and_abort(
                self._get_entry(),
                subentry,
                title=user_input[CONF_NAME].strip() or subentry.data[CONF_ID_TAG],
            )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=vol.Schema({vol.Required(CONF_NAME, default=subentry.title): str}),
            description_placeholders={"id_tag": subentry.data[CONF_ID_TAG]},
        )
