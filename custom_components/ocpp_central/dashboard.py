"""The charger card as a frontend resource, and a ready-made dashboard of stock cards.

The card (built from frontend/ at the repository's root, shipped in ./frontend/) is served from a
static path and loaded by every browser as an extra module: no manual resource step. Its URL
carries a digest of the file, so a new version is never served from a browser's cache.

`ocpp_central.create_dashboard` writes a sections-view dashboard "Chargers" (storage mode) with
tile, gauge and history-graph cards for every charger's connectors; run again, it rewrites it
with the chargers there are now.
"""

from __future__ import annotations

from hashlib import sha256
import inspect
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.service import async_register_admin_service

from .const import DOMAIN, LOGGER

CARD_FILE = "ocpp-central-card.js"
CARD_DIR = Path(__file__).parent / "frontend"
CARD_URL_BASE = f"/{DOMAIN}/frontend"
DASHBOARD_URL = "ocpp-chargers"
SERVICE_CREATE_DASHBOARD = "create_dashboard"

# Cards of one connector, by translation key: (key, card) in the order shown.
_TILES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("status", {}),
    ("charge_mode", {"features": [{"type": "select-options"}], "features_position": "bottom"}),
    (
        "current_limit",
        {"features": [{"type": "numeric-input", "style": "slider"}], "features_position": "bottom"},
    ),
    ("charge", {"features": [{"type": "toggle"}], "features_position": "inline"}),
    ("energy_session", {}),
    ("state_of_charge", {}),
    ("control_reason", {}),
    ("applied_limit", {}),
    ("session_solar_share", {}),
)


def _digest(path: Path) -> str:
    return sha256(path.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> str | None:
    """Serve the card and have the frontend load it; the URL it is loaded from, or None without a frontend."""
    if hass.http is None or "frontend" not in hass.config.components:
        return None
    from homeassistant.components.frontend import add_extra_js_url
    from homeassistant.components.http.server import StaticPathConfig

    version = await hass.async_add_executor_job(_digest, CARD_DIR / CARD_FILE)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL_BASE, str(CARD_DIR), cache_headers=True)]
    )
    url = f"{CARD_URL_BASE}/{CARD_FILE}?v={version}"
    add_extra_js_url(hass, url)
    return url


def _connector_devices(hass: HomeAssistant) -> list[tuple[str, dict[str, str]]]:
    """(name, entity id by translation key) of every device of ours with a status sensor."""
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    found: list[tuple[str, dict[str, str]]] = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
            keys = {
                entity.translation_key: entity.entity_id
                for entity in er.async_entries_for_device(entities, device.id)
                if entity.platform == DOMAIN and entity.translation_key and not entity.disabled
            }
            if "status" in keys:
                found.append((device.name_by_user or device.name or device.id, keys))
    return sorted(found)


def _short_name(hass: HomeAssistant, entity_id: str, device_name: str) -> str:
    """Return the entity's own name ("Status"): the section's heading names the device."""
    state = hass.states.get(entity_id)
    full = str(state.attributes.get("friendly_name", "")) if state is not None else ""
    own = full.removeprefix(device_name).strip()
    return own[:1].upper() + own[1:] if own else full or entity_id


def dashboard_config(hass: HomeAssistant) -> dict[str, Any]:
    """One sections view, one section per connector."""
    sections: list[dict[str, Any]] = []
    for name, keys in _connector_devices(hass):
        cards: list[dict[str, Any]] = [{"type": "heading", "heading": name}]
        cards.extend(
            {
                "type": "tile",
                "entity": keys[key],
                "name": _short_name(hass, keys[key], name),
                **extra,
            }
            for key, extra in _TILES
            if key in keys
        )
        if "power" in keys:
            cards.append(
                {
                    "type": "gauge",
                    "entity": keys["power"],
                    "name": _short_name(hass, keys["power"], name),
                    "min": 0,
                    "max": 22,
                    "needle": True,
                    "grid_options": {"columns": 6},
                }
            )
        history = [keys[key] for key in ("power", "current_offered") if key in keys]
        if history:
            cards.append(
                {
                    "type": "history-graph",
                    "entities": [{"entity": entity_id} for entity_id in history],
                    "hours_to_show": 12,
                    "grid_options": {"columns": 12},
                }
            )
        sections.append({"type": "grid", "cards": cards})
    return {
        "views": [
            {
                "title": "Chargers",
                "path": "chargers",
                "type": "sections",
                "max_columns": 3,
                "sections": sections,
            }
        ]
    }


def _dashboards_collection(hass: HomeAssistant) -> Any:
    """Lovelace's collection of storage dashboards, behind its websocket command.

    Home Assistant keeps it nowhere else; the command's handler is a bound method of the
    collection's websocket API under two decorators.
    """
    handlers = hass.data.get("websocket_api") or {}
    handler = handlers.get("lovelace/dashboards/create", (None,))[0]
    api = getattr(inspect.unwrap(handler), "__self__", None) if handler else None
    return getattr(api, "storage_collection", None)


async def async_create_dashboard(hass: HomeAssistant) -> str:
    """Create (or rewrite) the Chargers dashboard; returns its URL path."""
    from homeassistant.components.lovelace.const import LOVELACE_DATA

    collection = _dashboards_collection(hass)
    if collection is None or LOVELACE_DATA not in hass.data:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="dashboard_unavailable")
    dashboards = hass.data[LOVELACE_DATA].dashboards
    if DASHBOARD_URL not in dashboards:
        await collection.async_create_item(
            {
                "url_path": DASHBOARD_URL,
                "title": "Chargers",
                "icon": "mdi:ev-station",
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
    await dashboards[DASHBOARD_URL].async_save(dashboard_config(hass))
    LOGGER.info("Dashboard /%s written", DASHBOARD_URL)
    return DASHBOARD_URL


@callback
def async_setup_dashboard_service(hass: HomeAssistant) -> None:
    """Register ocpp_central.create_dashboard (admins only)."""

    async def _create(call: ServiceCall) -> None:
        await async_create_dashboard(hass)

    async_register_admin_service(hass, DOMAIN, SERVICE_CREATE_DASHBOARD, _create)
