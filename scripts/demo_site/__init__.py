"""The OCPP demo's simulated site: grid meter, solar, house load and an electricity price.

Only for scripts/develop: linked into the demo's config dir by scripts/make_config.py, never shipped
with the integration. configuration.yaml:

    demo_site:
      chargers: [sensor.demo_charger_charging_power, sensor.demo_charger_2_charging_power]

The grid meter reads house load + what the chargers draw (their power sensors) - solar, so the
integration's solar control sees its own cars in the meter, as at home.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

DOMAIN = "demo_site"
CONF_CHARGERS = "chargers"

CONFIG_SCHEMA = vol.Schema(
    {DOMAIN: vol.Schema({vol.Optional(CONF_CHARGERS, default=[]): cv.entity_ids})},
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Add the site's sensors."""
    hass.async_create_task(
        async_load_platform(hass, Platform.SENSOR, DOMAIN, dict(config[DOMAIN]), config)
    )
    return True
