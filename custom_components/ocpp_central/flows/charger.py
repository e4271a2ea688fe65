"""Charger subentries: add a charger by hand, or change one and its charging options.

A charger's subentry data holds its id, password and maximum current, plus only those options the
homeowner changed from their defaults (ChargerConfig and QuirkOverrides supply the defaults), so a
better default in a later version reaches every charger that kept it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME, CONF_PASSWORD
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from ..central import CONF_BOUND_ADDRESS, unique_id_for_charger
from ..charging.quirks import (
    CONF_MIN_CURRENT,
    CONF_MIN_WRITE_INTERVAL,
    CONF_OCPP_VERSION,
    CONF_PAUSE_METHOD,
    CONF_PHASE_SWITCHING,
    CONF_PROFILE_KIND,
    CONF_RATE_UNIT,
    CONF_REMOTE_ID_TAG,
    CONF_STACK_LEVEL_ZERO,
    CONF_TX_PROFILE,
    CONF_WHOLE_AMPS,
    DEFAULT_MIN_CURRENT,
    DEFAULT_MIN_WRITE_INTERVAL,
    DEFAULT_REMOTE_ID_TAG,
    MAX_REMOTE_ID_TAG_LENGTH,
    KindChoice,
    OcppVersionPin,
    PauseMethod,
    PhaseSwitchingChoice,
    TxProfileChoice,
    UnitChoice,
)
from ..const import (
    CONF_CHARGER_ID,
    CONF_MAX_CURRENT,
    CONF_PREVIOUS_PASSWORD,
    CONF_PREVIOUS_SECURITY_PROFILE,
    CONF_SECURITY_PROFILE,
    DEFAULT_MAX_CURRENT,
    DOMAIN,
)
from ..csms.admission import identity_problem
from ..csms.auth import generate_password, password_problem
from ..csms.upstream import url_problem
from ..csms.upstream.config import ACTION_GROUPS
from ..upstreams import (
    AUTO,
    CONF_UPSTREAM_AUTHORIZE,
    CONF_UPSTREAM_CERTIFICATE,
    CONF_UPSTREAM_COMMANDS,
    CONF_UPSTREAM_IDENTITY,
    CONF_UPSTREAM_LOCAL,
    CONF_UPSTREAM_PASSWORD,
    CONF_UPSTREAM_PROFILES,
    CONF_UPSTREAM_REFUSED,
    CONF_UPSTREAM_URL,
    CONF_UPSTREAM_VERSION,
    UPSTREAM_KEYS,
)
from .security import SECURITY_CHOICES, security_profile_errors

if TYPE_CHECKING:
    # Home Assistant types its flows with probatio, which it also installs as voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

CURRENT_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=6, max=80, step=1, unit_of_measurement="A", mode=NumberSelectorMode.BOX
    )
)
PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_MIN_CURRENT_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=32, step=1, unit_of_measurement="A", mode=NumberSelectorMode.BOX
    )
)
_INTERVAL_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
    )
)
SECTION_ADVANCED = "advanced"
SECTION_UPSTREAM = "upstream"

# Choice options: the selector's (translatable, dot-free) keys and the values stored in the data.
_CHOICES: dict[str, dict[str, str]] = {
    CONF_PROFILE_KIND: {choice.value: choice.value for choice in KindChoice},
    CONF_RATE_UNIT: {
        "auto": UnitChoice.AUTO,
        "amperes": UnitChoice.AMPERE,
        "watts": UnitChoice.WATT,
    },
    CONF_PAUSE_METHOD: {method.value: method.value for method in PauseMethod},
    CONF_TX_PROFILE: {choice.value: choice.value for choice in TxProfileChoice},
    CONF_PHASE_SWITCHING: {choice.value: choice.value for choice in PhaseSwitchingChoice},
    CONF_OCPP_VERSION: {
        "auto": OcppVersionPin.AUTO,
        "v1_6": OcppVersionPin.V16,
        "v2_0_1": OcppVersionPin.V201,
    },
    CONF_SECURITY_PROFILE: SECURITY_CHOICES,
    CONF_UPSTREAM_VERSION: {"auto": AUTO, "v1_6": "ocpp1.6", "v2_0_1": "ocpp2.0.1"},
    CONF_UPSTREAM_AUTHORIZE: {"local": "local", "upstream": "upstream", "either": "either"},
    CONF_UPSTREAM_COMMANDS: {"allow": "allow", "local": "local", "refuse": "refuse"},
    CONF_UPSTREAM_PROFILES: {"combine": "combine", "refuse": "refuse"},
}
# The upstream's choices, with their defaults (stored only with an upstream URL).
_UPSTREAM_CHOICES: dict[str, str] = {
    CONF_UPSTREAM_VERSION: AUTO,
    CONF_UPSTREAM_AUTHORIZE: "local",
    CONF_UPSTREAM_COMMANDS: "allow",
    CONF_UPSTREAM_PROFILES: "combine",
}
# Every charging option with its default (the stored value when not in the data).
OPTION_DEFAULTS: dict[str, Any] = {
    CONF_MIN_CURRENT: DEFAULT_MIN_CURRENT,
    CONF_REMOTE_ID_TAG: DEFAULT_REMOTE_ID_TAG,
    CONF_MIN_WRITE_INTERVAL: DEFAULT_MIN_WRITE_INTERVAL,
    CONF_OCPP_VERSION: OcppVersionPin.AUTO.value,
    CONF_STACK_LEVEL_ZERO: False,
    CONF_PROFILE_KIND: KindChoice.AUTO.value,
    CONF_RATE_UNIT: UnitChoice.AUTO.value,
    CONF_PAUSE_METHOD: PauseMethod.AUTO.value,
    CONF_TX_PROFILE: TxProfileChoice.AUTO.value,
    CONF_WHOLE_AMPS: True,
    CONF_PHASE_SWITCHING: PhaseSwitchingChoice.AUTO.value,
    CONF_SECURITY_PROFILE: "auto",
}
_ADVANCED = (
    CONF_MIN_WRITE_INTERVAL,
    CONF_STACK_LEVEL_ZERO,
    CONF_PROFILE_KIND,
    CONF_RATE_UNIT,
    CONF_PAUSE_METHOD,
    CONF_TX_PROFILE,
    CONF_WHOLE_AMPS,
    CONF_PHASE_SWITCHING,
    CONF_OCPP_VERSION,
    CONF_SECURITY_PROFILE,
)


def find_charger(entry: ConfigEntry, charger_id: str) -> ConfigSubentry | None:
    """Find the subentry of a configured charger."""
    return next((sub for sub in entry.subentries.values() if sub.unique_id == charger_id), None)


def charger_schema(defaults: dict[str, Any]) -> vol.Schema:
    """Name, password and maximum current (adding or confirming a charger)."""
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): str,
            vol.Optional(
                CONF_PASSWORD, description={"suggested_value": defaults.get(CONF_PASSWORD)}
            ): PASSWORD_SELECTOR,
            vol.Required(
                CONF_MAX_CURRENT,
                default=defaults.get(CONF_MAX_CURRENT, DEFAULT_MAX_CURRENT),
            ): CURRENT_SELECTOR,
        }
    )


def _select(key: str) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=list(_CHOICES[key]), translation_key=key, mode=SelectSelectorMode.DROPDOWN
        )
    )


def _selector_key(key: str, stored: Any) -> str:
    """Return the selector option that shows a stored choice."""
    return next((option for option, value in _CHOICES[key].items() if value == stored), "auto")


def _options_schema(data: dict[str, Any]) -> vol.Schema:
    """Build the charging options, set to what the data holds (or the defaults)."""
    current = {key: data.get(key, default) for key, default in OPTION_DEFAULTS.items()}
    for key in _CHOICES:
        if key in current:
            current[key] = _selector_key(key, current[key])

    def field(key: str) -> Any:
        if key in _CHOICES:
            return _select(key)
        if key in {CONF_STACK_LEVEL_ZERO, CONF_WHOLE_AMPS}:
            return BooleanSelector()
        return _INTERVAL_SELECTOR

    advanced = vol.Schema(
        {vol.Required(key, default=current[key]): field(key) for key in _ADVANCED}
    )
    return vol.Schema(
        {
            vol.Required(
                CONF_MIN_CURRENT, default=current[CONF_MIN_CURRENT]
            ): _MIN_CURRENT_SELECTOR,
            vol.Optional(
                CONF_REMOTE_ID_TAG, description={"suggested_value": data.get(CONF_REMOTE_ID_TAG)}
            ): str,
            vol.Optional(SECTION_ADVANCED, default={}): section(advanced, {"collapsed": True}),
        }
    )


def _upstream_schema(data: dict[str, Any]) -> vol.Schema:
    """Build the optional upstream central system's fields, set to what the data holds."""
    upstream: dict[Any, Any] = {
        vol.Optional(key, description={"suggested_value": data.get(key)}): selector
        for key, selector in (
            (CONF_UPSTREAM_URL, TextSelector(TextSelectorConfig(type=TextSelectorType.URL))),
            (CONF_UPSTREAM_IDENTITY, TextSelector()),
            (CONF_UPSTREAM_PASSWORD, PASSWORD_SELECTOR),
        )
    }
    for key, default in _UPSTREAM_CHOICES.items():
        upstream[vol.Required(key, default=_selector_key(key, data.get(key, default)))] = _select(
            key
        )
    for key in (CONF_UPSTREAM_LOCAL, CONF_UPSTREAM_REFUSED):
        upstream[vol.Optional(key, default=list(data.get(key) or []))] = SelectSelector(
            SelectSelectorConfig(
                options=list(ACTION_GROUPS),
                multiple=True,
                translation_key="upstream_actions",
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    upstream[
        vol.Optional(
            CONF_UPSTREAM_CERTIFICATE,
            description={"suggested_value": data.get(CONF_UPSTREAM_CERTIFICATE)},
        )
    ] = TextSelector()
    return vol.Schema(
        {
            vol.Optional(SECTION_UPSTREAM, default={}): section(
                vol.Schema(upstream), {"collapsed": not data.get(CONF_UPSTREAM_URL)}
            )
        }
    )


def _upstream_from_input(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the upstream's settings to store (none without a URL), and errors per field."""
    given = user_input.get(SECTION_UPSTREAM) or {}
    url = str(given.get(CONF_UPSTREAM_URL) or "").strip()
    if not url:
        return {}, {}
    if problem := url_problem(url):
        return {}, {CONF_UPSTREAM_URL: problem}
    values: dict[str, Any] = {CONF_UPSTREAM_URL: url}
    for key in (CONF_UPSTREAM_IDENTITY, CONF_UPSTREAM_PASSWORD, CONF_UPSTREAM_CERTIFICATE):
        if text := str(given.get(key) or "").strip():
            values[key] = text
    for key, default in _UPSTREAM_CHOICES.items():
        values[key] = _CHOICES[key].get(str(given.get(key, "")), default)
    for key in (CONF_UPSTREAM_LOCAL, CONF_UPSTREAM_REFUSED):
        if chosen := [group for group in given.get(key) or [] if group in ACTION_GROUPS]:
            values[key] = chosen
    return values, {}


def _options_from_input(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the options that differ from their defaults, and errors per field."""
    values: dict[str, Any] = {**user_input.get(SECTION_ADVANCED, {})}
    values[CONF_MIN_CURRENT] = float(user_input[CONF_MIN_CURRENT])
    values[CONF_REMOTE_ID_TAG] = (
        user_input.get(CONF_REMOTE_ID_TAG) or ""
    ).strip() or DEFAULT_REMOTE_ID_TAG
    values[CONF_MIN_WRITE_INTERVAL] = int(
        values.get(CONF_MIN_WRITE_INTERVAL, DEFAULT_MIN_WRITE_INTERVAL)
    )
    for key, choices in _CHOICES.items():
        if key not in _UPSTREAM_CHOICES:
            values[key] = str(choices.get(values.get(key, "auto"), "auto"))
    errors: dict[str, str] = {}
    if values[CONF_MIN_CURRENT] > float(user_input[CONF_MAX_CURRENT]):
        errors[CONF_MIN_CURRENT] = "min_above_max"
    tag = values[CONF_REMOTE_ID_TAG]
    if len(tag) > MAX_REMOTE_ID_TAG_LENGTH or any(char.isspace() for char in tag):
        errors[CONF_REMOTE_ID_TAG] = "invalid_remote_id_tag"
    changed = {
        key: values[key]
        for key, default in OPTION_DEFAULTS.items()
        if key in values and values[key] != default
    }
    return changed, errors


class ChargerSubentryFlow(ConfigSubentryFlow):
    """Add a charger by hand before it first connects, or change one."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Charger id (the last part of its URL), name, password, maximum current."""
        errors: dict[str, str] = {}
        if user_input is not None:
            charger_id = user_input[CONF_CHARGER_ID].strip().strip("/")
            if not charger_id or "/" in charger_id or identity_problem(charger_id):
                errors[CONF_CHARGER_ID] = "invalid_charger_id"
            elif problem := password_problem(user_input.get(CONF_PASSWORD, "")):
                errors[CONF_PASSWORD] = problem
            elif find_charger(self._get_entry(), charger_id) is not None:
                return self.async_abort(reason="already_configured")
            else:
                # Added by hand: a notification about the same charger has done its job.
                for flow in self.hass.config_entries.flow.async_progress_by_handler(
                    DOMAIN, match_context={"unique_id": unique_id_for_charger(charger_id)}
                ):
                    self.hass.config_entries.flow.async_abort(flow["flow_id"])
                return self.async_create_entry(
                    title=user_input[CONF_NAME] or charger_id,
                    data={
                        CONF_CHARGER_ID: charger_id,
                        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                        CONF_MAX_CURRENT: float(user_input[CONF_MAX_CURRENT]),
                    },
                    unique_id=charger_id,
                )
        schema = vol.Schema({vol.Required(CONF_CHARGER_ID): str}).extend(
            charger_schema(user_input or {CONF_PASSWORD: generate_password()}).schema
        )
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Rename a charger; change its password, currents, remote-start id tag and quirks."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = _options_from_input(user_input)
            upstream, upstream_errors = _upstream_from_input(user_input)
            errors |= upstream_errors
            password = user_input.get(CONF_PASSWORD, "")
            if password != subentry.data.get(CONF_PASSWORD, "") and (
                problem := password_problem(password)
            ):
                errors[CONF_PASSWORD] = problem
            errors |= security_profile_errors(
                self._get_entry(),
                options.get(CONF_SECURITY_PROFILE, "auto"),
                user_input.get(CONF_PASSWORD, ""),
            )
            if not errors:
                kept = {
                    k: v
                    for k, v in subentry.data.items()
                    if k not in OPTION_DEFAULTS and k not in UPSTREAM_KEYS
                }
                if password:
                    # The password protects it now; without one it is bound again where it connects.
                    kept.pop(CONF_BOUND_ADDRESS, None)
                if user_input.get(CONF_PASSWORD, "") != subentry.data.get(CONF_PASSWORD, ""):
                    # Set by hand: the charger is told the new one by whoever set it.
                    kept.pop(CONF_PREVIOUS_PASSWORD, None)
                if options.get(CONF_SECURITY_PROFILE) != subentry.data.get(CONF_SECURITY_PROFILE):
                    # Chosen by hand: what is chosen applies, with no transition.
                    kept.pop(CONF_PREVIOUS_SECURITY_PROFILE, None)
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=user_input[CONF_NAME],
                    data={
                        **kept,
                        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                        CONF_MAX_CURRENT: float(user_input[CONF_MAX_CURRENT]),
                        **options,
                        **upstream,
                    },
                )
        defaults = {CONF_NAME: subentry.title, **subentry.data, **(user_input or {})}
        schema = (
            charger_schema(defaults)
            .extend(_options_schema(dict(subentry.data)).schema)
            .extend(_upstream_schema(dict(subentry.data)).schema)
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,
            errors=errors,
            description_placeholders={"charger_id": subentry.data[CONF_CHARGER_ID]},
        )
