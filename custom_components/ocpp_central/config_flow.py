"""Config flow: the central system (user, reconfigure, options) and its chargers (subentries, discovery)."""

from __future__ import annotations

from errno import EADDRINUSE
from pathlib import Path
import socket
import ssl
from typing import TYPE_CHECKING, Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .central import unique_id_for_charger
from .config_entry import OcppCentralConfigEntry
from .const import (
    CONF_AUTHORIZATION,
    CONF_CHARGER_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_MAX_CURRENT,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    CONF_UNKNOWN_CHARGERS,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DOMAIN,
    SUBENTRY_CHARGER,
    SUBENTRY_ID_TAG,
    AuthorizationMode,
    UnknownChargerPolicy,
)
from .csms.auth import build_ssl_context, generate_password, password_problem
from .flows.charger import (
    ChargerSubentryFlow,
    charger_schema as _charger_schema,
    find_charger as _find_charger,
)
from .flows.id_tag import IdTagSubentryFlow
from .flows.options import OcppCentralOptionsFlow
from .security.certificates import async_create_ca

if TYPE_CHECKING:
    # Home Assistant types its flows with probatio, which it also installs as voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

# Reconfigure only: make the central system's own CA the client-certificate CA (certificates.py).
CONF_CREATE_CA = "create_ca"
_PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)


def _server_schema(defaults: dict[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, DEFAULT_HOST)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): _PORT_SELECTOR,
            vol.Optional(
                CONF_SSL_CERTFILE,
                description={"suggested_value": defaults.get(CONF_SSL_CERTFILE)},
            ): str,
            vol.Optional(
                CONF_SSL_KEYFILE,
                description={"suggested_value": defaults.get(CONF_SSL_KEYFILE)},
            ): str,
            vol.Optional(
                CONF_SSL_CAFILE,
                description={"suggested_value": defaults.get(CONF_SSL_CAFILE)},
            ): str,
        }
    )


def _policy_selector() -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(
            options=[policy.value for policy in UnknownChargerPolicy],
            translation_key=CONF_UNKNOWN_CHARGERS,
            mode=SelectSelectorMode.LIST,
        )
    )


def _check_port(host: str, port: int) -> None:
    """Raise OSError if the address cannot be bound (runs in the executor)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _check_tls(certfile: str, keyfile: str, cafile: str = "") -> dict[str, str]:
    """Errors per field when the certificate and key cannot serve TLS (runs in the executor)."""
    field = CONF_SSL_CERTFILE
    try:
        Path(certfile).read_bytes()
        if keyfile:
            field = CONF_SSL_KEYFILE
            Path(keyfile).read_bytes()
        build_ssl_context(certfile, keyfile)
    except ssl.SSLError:
        return {field: "certificate_mismatch"}
    except OSError:
        return {field: "certificate_unreadable"}
    return _check_ca(certfile, keyfile, cafile) if cafile else {}


def _check_ca(certfile: str, keyfile: str, cafile: str) -> dict[str, str]:
    """Errors when the CA file cannot verify client certificates (runs in the executor)."""
    try:
        Path(cafile).read_bytes()
        build_ssl_context(certfile, keyfile, cafile)
    except ssl.SSLError:
        return {CONF_SSL_CAFILE: "ca_invalid"}
    except OSError:
        return {CONF_SSL_CAFILE: "certificate_unreadable"}
    return {}


async def _validate_server(
    hass: HomeAssistant, data: dict[str, Any], *, own_port: int | None = None
) -> dict[str, str]:
    """Errors per field for the server settings; empty when usable.

    own_port is the port our running server holds: finding it in use is no error.
    """
    errors: dict[str, str] = {}
    data[CONF_HOST] = data[CONF_HOST].strip()
    data[CONF_PORT] = int(data[CONF_PORT])
    certfile = (data.get(CONF_SSL_CERTFILE) or "").strip()
    keyfile = (data.get(CONF_SSL_KEYFILE) or "").strip()
    data[CONF_SSL_CERTFILE] = certfile
    data[CONF_SSL_KEYFILE] = keyfile
    # Only kept when set: the data of a central system without a CA stays as it was.
    if cafile := (data.pop(CONF_SSL_CAFILE, None) or "").strip():
        data[CONF_SSL_CAFILE] = cafile
    try:
        await hass.async_add_executor_job(_check_port, data[CONF_HOST], data[CONF_PORT])
    except OSError as err:
        if err.errno != EADDRINUSE:
            errors[CONF_HOST] = "cannot_bind"
        elif data[CONF_PORT] != own_port:
            errors[CONF_PORT] = "port_in_use"
    if keyfile and not certfile:
        errors[CONF_SSL_CERTFILE] = "certificate_required"
    elif cafile and not certfile:
        errors[CONF_SSL_CAFILE] = "ca_needs_certificate"
    elif certfile:
        errors |= await hass.async_add_executor_job(_check_tls, certfile, keyfile, cafile)
    return errors


async def _own_ca(hass: HomeAssistant, entry_id: str, data: dict[str, Any]) -> dict[str, str]:
    """Create the central system's CA when asked to, and make it the client-certificate CA."""
    if not data.pop(CONF_CREATE_CA, False):
        return {}
    if not (data.get(CONF_SSL_CERTFILE) or "").strip():
        return {CONF_CREATE_CA: "ca_needs_certificate"}
    data[CONF_SSL_CAFILE] = str(await async_create_ca(hass, entry_id))
    return {}


class OcppCentralConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a central system; confirm chargers that connect to it."""

    VERSION = 1
    _discovery: dict[str, Any]

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OcppCentralOptionsFlow:
        return OcppCentralOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        return {SUBENTRY_CHARGER: ChargerSubentryFlow, SUBENTRY_ID_TAG: IdTagSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the server's address, TLS files and what to do with unknown chargers."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match({CONF_PORT: int(user_input[CONF_PORT])})
            errors = await _validate_server(self.hass, user_input)
            if not errors:
                policy = user_input.pop(CONF_UNKNOWN_CHARGERS)
                return self.async_create_entry(
                    title=f"OCPP Central System (port {user_input[CONF_PORT]})",
                    data=user_input,
                    options={
                        CONF_UNKNOWN_CHARGERS: policy,
                        CONF_HEARTBEAT_INTERVAL: DEFAULT_HEARTBEAT_INTERVAL,
                        CONF_AUTHORIZATION: AuthorizationMode.ACCEPT_ALL,
                    },
                )
        defaults = user_input or {}
        schema = _server_schema(defaults).extend(
            {
                vol.Required(
                    CONF_UNKNOWN_CHARGERS,
                    default=defaults.get(CONF_UNKNOWN_CHARGERS, UnknownChargerPolicy.ASK),
                ): _policy_selector()
            }
        )
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the server to another address or port, or change its certificate."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            self._async_abort_entries_match({CONF_PORT: int(user_input[CONF_PORT])})
            loaded = entry.state is ConfigEntryState.LOADED
            errors = await _own_ca(self.hass, entry.entry_id, user_input)
            errors = errors or await _validate_server(
                self.hass, user_input, own_port=entry.data[CONF_PORT] if loaded else None
            )
            if not errors:
                result = self.async_update_and_abort(
                    entry,
                    title=f"OCPP Central System (port {user_input[CONF_PORT]})",
                    data=user_input,
                )
                # A running server restarts through the update listener when the data changed;
                # one waiting to retry is started now.
                if not loaded:
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return result
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_server_schema(user_input or dict(entry.data)).extend(
                {vol.Optional(CONF_CREATE_CA, default=False): BooleanSelector()}
            ),
            errors=errors,
        )

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Ask the homeowner about an unknown charger that connected and booted."""
        charger_id: str = discovery_info[CONF_CHARGER_ID]
        await self.async_set_unique_id(unique_id_for_charger(charger_id))
        self._abort_if_unique_id_configured()
        central_entry = self.hass.config_entries.async_get_entry(discovery_info["entry_id"])
        if central_entry is None:
            return self.async_abort(reason="central_system_gone")
        self._discovery = discovery_info
        label = " ".join(
            part for part in (discovery_info.get("vendor"), discovery_info.get("model")) if part
        )
        self.context["title_placeholders"] = {
            "name": f"{charger_id}: {label}" if label else charger_id
        }
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the discovered charger with a name, optional password and maximum current."""
        charger_id: str = self._discovery[CONF_CHARGER_ID]
        central_entry: OcppCentralConfigEntry | None = self.hass.config_entries.async_get_entry(
            self._discovery["entry_id"]
        )
        if central_entry is None or central_entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="central_system_gone")
        if _find_charger(central_entry, charger_id) is not None:
            return self.async_abort(reason="charger_already_configured")
        errors: dict[str, str] = {}
        if user_input is not None:
            if problem := password_problem(user_input.get(CONF_PASSWORD, "")):
                errors[CONF_PASSWORD] = problem
            else:
                central_entry.runtime_data.async_add_charger(
                    charger_id,
                    user_input[CONF_NAME],
                    user_input.get(CONF_PASSWORD, ""),
                    float(user_input[CONF_MAX_CURRENT]),
                )
                return self.async_abort(reason="charger_added")
        # A generated password, suggested: most homeowners would otherwise leave it empty.
        defaults = user_input or {CONF_NAME: charger_id, CONF_PASSWORD: generate_password()}
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=_charger_schema(defaults),
            errors=errors,
            description_placeholders={
                "charger_id": charger_id,
                "vendor": self._discovery.get("vendor") or "?",
                "model": self._discovery.get("model") or "?",
            },
        )

    async def async_step_ignore(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """Ignoring a discovered charger keeps it out, starting with its current connection."""
        result = await super().async_step_ignore(user_input)
        prefix = unique_id_for_charger("")
        unique_id = str(user_input.get("unique_id", ""))
        if unique_id.startswith(prefix):
            for entry in self.hass.config_entries.async_loaded_entries(DOMAIN):
                entry.runtime_data.async_refuse_pending(unique_id.removeprefix(prefix))
        return result
