"""OCPP Central System: EV chargers connect to Home Assistant over OCPP-J."""

from __future__ import annotations

from errno import EADDRINUSE

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .auth import build_ssl_context
from .central import CentralSystem, OcppCentralConfigEntry
from .const import CONF_SSL_CERTFILE, CONF_SSL_KEYFILE, DOMAIN, LOGGER
from .store import ChargerStore

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration (services come with the Control issue)."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Start the central system of this entry."""
    ssl_context = None
    if certfile := entry.data.get(CONF_SSL_CERTFILE):
        try:
            ssl_context = await hass.async_add_executor_job(
                build_ssl_context, certfile, entry.data.get(CONF_SSL_KEYFILE, "")
            )
        except (OSError, ValueError) as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="certificate_unusable",
                translation_placeholders={"path": certfile, "error": str(err)},
            ) from err
    central = CentralSystem(hass, entry, ChargerStore(hass, entry.entry_id))
    entry.runtime_data = central
    entry.async_on_unload(central.async_stop)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    port = entry.data[CONF_PORT]
    issue_id = f"port_unavailable_{entry.entry_id}"
    try:
        await central.async_start(entry.data.get(CONF_HOST, ""), port, ssl_context)
    except OSError as err:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="port_unavailable",
            translation_placeholders={"port": str(port), "error": err.strerror or str(err)},
        )
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="port_in_use" if err.errno == EADDRINUSE else "cannot_listen",
            translation_placeholders={"port": str(port), "error": err.strerror or str(err)},
        ) from err
    ir.async_delete_issue(hass, DOMAIN, issue_id)
    LOGGER.info("OCPP central system listening on port %s", central.server.port if central.server else port)
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Chargers added or removed, or options changed: applied without restarting the server."""
    entry.runtime_data.async_sync_chargers()


async def async_unload_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Stop the central system; the server closes through async_on_unload."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OcppCentralConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the homeowner delete a charger's device; the charger goes with it."""
    return entry.runtime_data.async_remove_device(device)
