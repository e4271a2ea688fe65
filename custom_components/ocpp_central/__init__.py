"""OCPP Central System: EV chargers connect to Home Assistant over OCPP-J."""

from __future__ import annotations

from errno import EADDRINUSE
from functools import partial
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .central import CentralSystem
from .config_entry import OcppCentralConfigEntry
from .const import (
    CONF_CHARGER_ID,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    DOMAIN,
    LOGGER,
)
from .control.controller import remove_control_issues
from .control.history import async_remove_history
from .csms.auth import build_ssl_context
from .dashboard import async_register_card, async_setup_dashboard_service
from .flows.migration import async_offer_import, issue_id as import_issue_id
from .security.certificates import async_load_ca, async_remove_ca
from .services import async_setup_services
from .storage.local_lists import async_remove_local_lists
from .storage.store import ChargerStore, async_remove_stored
from .upstreams import async_remove_upstream_queues

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration: its service actions, and the charger card for the frontend."""
    async_setup_services(hass)
    async_setup_dashboard_service(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Start the central system of this entry."""
    # Before the server: the OCPP integration may hold the port until its chargers are imported.
    async_offer_import(hass, entry)
    ssl_context = None
    if certfile := entry.data.get(CONF_SSL_CERTFILE):
        try:
            ssl_context = await hass.async_add_executor_job(
                build_ssl_context,
                certfile,
                entry.data.get(CONF_SSL_KEYFILE, ""),
                entry.data.get(CONF_SSL_CAFILE, ""),
            )
        except (OSError, ValueError) as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="certificate_unusable",
                translation_placeholders={"path": certfile, "error": str(err)},
            ) from err
    central = CentralSystem(hass, entry, ChargerStore(hass, entry.entry_id))
    central.certificate_authority = await async_load_ca(hass, entry)
    entry.runtime_data = central
    entry.async_on_unload(central.async_stop)
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
    await central.control.async_start()
    entry.async_on_unload(central.control.async_stop)
    # Platforms only after the server is up: a setup retried later must not find them set up.
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    LOGGER.info(
        "OCPP central system listening on port %s", central.server.port if central.server else port
    )
    entry.async_on_unload(
        entry.add_update_listener(partial(_async_entry_updated, dict(entry.data)))
    )
    return True


async def _async_entry_updated(
    server_settings: dict[str, Any], hass: HomeAssistant, entry: OcppCentralConfigEntry
) -> None:
    """Restart the server when its settings changed (reconfigure).

    Chargers added, changed or removed, and new options, apply without a restart.
    """
    if dict(entry.data) != server_settings:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    entry.runtime_data.async_sync_chargers()
    await entry.runtime_data.control.async_reload_options()


async def async_unload_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Stop the central system; the server closes through async_on_unload."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Forget what the central system kept: its repair issue and its chargers' history."""
    ir.async_delete_issue(hass, DOMAIN, f"port_unavailable_{entry.entry_id}")
    ir.async_delete_issue(hass, DOMAIN, import_issue_id(entry))
    remove_control_issues(hass, entry.entry_id)
    await async_remove_stored(hass, entry.entry_id)
    await async_remove_local_lists(hass, entry.entry_id)
    await async_remove_history(hass, entry.entry_id)
    await async_remove_ca(hass, entry.entry_id)
    await async_remove_upstream_queues(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OcppCentralConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Remove a charger with its device; a connector's device cannot go alone."""
    subentry = entry.subentries.get(device.config_subentry_id or "")
    if subentry is None:
        return True
    if (DOMAIN, subentry.data[CONF_CHARGER_ID]) not in device.identifiers:
        return False
    hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
    return True
