"""The demo site's sensors: solar, house and grid power every 5 s, the price every quarter hour."""

from __future__ import annotations

from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfPower
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_interval
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import dt as dt_util

from . import CONF_CHARGERS
from .curves import demo_hour, house_w, price_at, price_day, pv_w

INTERVAL = timedelta(seconds=5)
SCALE = {"W": 1.0, "kW": 1000.0}


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the site (only through the demo_site YAML key)."""
    if discovery_info is None:
        return
    site = Site(hass, list(discovery_info.get(CONF_CHARGERS, [])))
    async_add_entities([*site.powers, site.clock, site.price])
    site.start()


class PowerSensor(SensorEntity):
    """One of the site's power readings (W)."""

    _attr_device_class = SensorDeviceClass.POWER
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfPower.WATT
    _attr_should_poll = False

    def __init__(self, key: str, name: str) -> None:
        """A sensor demo_<key>."""
        self._attr_unique_id = f"demo_site_{key}"
        self._attr_name = name
        self._attr_native_value = None


class ClockSensor(SensorEntity):
    """The demo day's time of day (a day lasts 20 minutes)."""

    _attr_unique_id = "demo_site_clock"
    _attr_name = "Demo sun clock"
    _attr_icon = "mdi:weather-sunny"
    _attr_should_poll = False


class PriceSensor(SensorEntity):
    """Electricity price now, with today's and tomorrow's quarter hours (raw_today/raw_tomorrow)."""

    _attr_unique_id = "demo_site_price"
    _attr_name = "Demo electricity price"
    _attr_native_unit_of_measurement = "EUR/kWh"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 3
    _attr_should_poll = False
    _unrecorded_attributes = frozenset({"raw_today", "raw_tomorrow"})

    def refresh(self, now: datetime) -> None:
        """Price of this quarter hour; the forecast for today and tomorrow."""
        local = dt_util.as_local(now)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        quarter = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
        self._attr_native_value = price_at(quarter)

        def raw(day: datetime) -> list[dict[str, Any]]:
            return [
                {"start": s.start.isoformat(), "end": s.end.isoformat(), "value": s.price}
                for s in price_day(day)
            ]

        tomorrow = (midnight + timedelta(hours=26)).replace(hour=0)
        self._attr_extra_state_attributes = {
            "raw_today": raw(midnight),
            "raw_tomorrow": raw(tomorrow),
        }


class Site:
    """Reads the chargers' power and writes the meter."""

    def __init__(self, hass: HomeAssistant, chargers: list[str]) -> None:
        """Simulate a site whose chargers are these power sensors."""
        self.hass = hass
        self.chargers = chargers
        self.pv = PowerSensor("pv", "Demo solar power")
        self.house = PowerSensor("house", "Demo house power")
        self.grid = PowerSensor("grid", "Demo grid power")
        self.powers = (self.pv, self.house, self.grid)
        self.clock = ClockSensor()
        self.price = PriceSensor()
        self._quarter: datetime | None = None

    def start(self) -> None:
        """Update every 5 s and whenever a charger's power changes."""
        async_track_time_interval(self.hass, self._tick, INTERVAL, cancel_on_shutdown=True)
        if self.chargers:
            async_track_state_change_event(self.hass, self.chargers, self._charger_changed)
        self.hass.loop.call_soon(self._tick, dt_util.utcnow())

    def _chargers_w(self) -> float:
        total = 0.0
        for entity_id in self.chargers:
            state = self.hass.states.get(entity_id)
            if state is None:
                continue
            try:
                value = float(state.state)
            except ValueError:
                continue
            total += value * SCALE.get(state.attributes.get("unit_of_measurement", "W"), 1.0)
        return total

    @callback
    def _charger_changed(self, _event: Event[EventStateChangedData]) -> None:
        self._write_grid()

    @callback
    def _write_grid(self) -> None:
        if self.pv.native_value is None or self.house.native_value is None:
            return
        grid = float(self.house.native_value) + self._chargers_w() - float(self.pv.native_value)
        self.grid._attr_native_value = round(grid)
        if self.grid.hass is not None:
            self.grid.async_write_ha_state()

    @callback
    def _tick(self, now: datetime) -> None:
        epoch = time.time()
        self.pv._attr_native_value = pv_w(epoch)
        self.house._attr_native_value = round(house_w(epoch))
        hour = demo_hour(epoch)
        self.clock._attr_native_value = f"{int(hour):02d}:{int(hour % 1 * 60):02d}"
        for entity in (self.pv, self.house, self.clock):
            if entity.hass is not None:
                entity.async_write_ha_state()
        self._write_grid()
        quarter = now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0)
        if quarter != self._quarter and self.price.hass is not None:
            self._quarter = quarter
            self.price.refresh(now)
            self.price.async_write_ha_state()
