"""A household in Stockholm on a November evening: hourly prices and a departure entity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

T0 = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # 19:00 in Stockholm
PRICES = [0.30, 0.35, 0.28, 0.12, 0.10, 0.09, 0.11, 0.25, 0.40, 0.08, 0.22, 0.31, 0.50]
PRICE = "sensor.nordpool"
DEPARTURE = "input_datetime.departure"


async def evening_in_stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """19:00 local time; today's and tomorrow's prices, the site-wide departure 12 h on."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to(T0)
    raw = [
        {"start": T0 + timedelta(hours=h), "end": T0 + timedelta(hours=h + 1), "value": price}
        for h, price in enumerate(PRICES)
    ]
    hass.states.async_set(PRICE, str(PRICES[0]), {"raw_today": raw[:6], "raw_tomorrow": raw[6:]})
    hass.states.async_set(DEPARTURE, (T0 + timedelta(hours=12)).isoformat())
