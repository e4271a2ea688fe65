"""Reading the charge control's inputs from Home Assistant states, and from the Energy dashboard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .config import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_SIGN,
    CONF_BATTERY_SOC,
    CONF_CAR_CAPACITY,
    CONF_DEPARTURE_ENTITY,
    CONF_DEPARTURE_TIME,
    CONF_GRID_POWER,
    CONF_GRID_SIGN,
    CONF_GRID_SOURCE,
    CONF_PRICE,
    CONF_PV_POWER,
    CONF_TARGET_ENERGY,
    CONF_TARGET_SOC,
    GridSource,
    PowerSign,
)
from .core.modes import ChargeMode
from .core.price import PriceSlot, PvSlot, parse_price_forecast, parse_pv_forecast

POWER_SCALE = {"W": 1.0, "kW": 1000.0, "MW": 1_000_000.0}
# Share of the energy put into the car that ends up in its battery (SoC targets).
CHARGING_EFFICIENCY = 0.9


@dataclass(frozen=True, slots=True)
class PowerSource:
    """Sensors whose sum is one power in W, each with its factor (+1 or -1 for the sign)."""

    parts: tuple[tuple[str, float], ...]

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """The sensors read."""
        return tuple(entity_id for entity_id, _ in self.parts)


@dataclass(frozen=True, slots=True)
class Sources:
    """Where each input is read; None where it is not configured."""

    grid: PowerSource | None = None
    pv: PowerSource | None = None
    battery: PowerSource | None = None
    battery_soc: str | None = None
    price: str | None = None

    def entity_ids(self) -> dict[str, tuple[str, ...]]:
        """Sensors per role, for subscriptions and repair issues."""
        roles: dict[str, tuple[str, ...]] = {}
        for role, source in (("grid", self.grid), ("pv", self.pv), ("battery", self.battery)):
            if source is not None:
                roles[role] = source.entity_ids
        if self.battery_soc:
            roles["battery_soc"] = (self.battery_soc,)
        if self.price:
            roles["price"] = (self.price,)
        return roles

    def power_entity_ids(self) -> list[str]:
        """Return the power meters (grid, PV, battery): each of their readings calls for a pass."""
        return sorted(
            {
                e
                for source in (self.grid, self.pv, self.battery)
                if source
                for e in source.entity_ids
            }
        )


def _signed(entity_id: str | None, sign: Any, positive: PowerSign) -> PowerSource | None:
    if not entity_id:
        return None
    return PowerSource(((entity_id, 1.0 if sign in (None, positive) else -1.0),))


def sources_from_options(options: Mapping[str, Any]) -> Sources:
    """Return the inputs as entities chosen in the options flow (the grid may come from the dashboard)."""
    grid = None
    if options.get(CONF_GRID_SOURCE, GridSource.ENTITY) == GridSource.ENTITY:
        grid = _signed(
            options.get(CONF_GRID_POWER), options.get(CONF_GRID_SIGN), PowerSign.POSITIVE_IMPORT
        )
    return Sources(
        grid=grid,
        pv=_signed(options.get(CONF_PV_POWER), None, PowerSign.POSITIVE_IMPORT),
        battery=_signed(
            options.get(CONF_BATTERY_POWER),
            options.get(CONF_BATTERY_SIGN),
            PowerSign.POSITIVE_IMPORT,
        ),
        battery_soc=options.get(CONF_BATTERY_SOC) or None,
        price=options.get(CONF_PRICE) or None,
    )


def _power_config(source: Mapping[str, Any], sign: float) -> list[tuple[str, float]]:
    """One Energy-dashboard power configuration; sign turns its convention into ours."""
    config = source.get("power_config") or {}
    if rate := config.get("stat_rate"):
        return [(rate, sign)]
    if rate := config.get("stat_rate_inverted"):
        return [(rate, -sign)]
    if config.get("stat_rate_from") and config.get("stat_rate_to"):
        return [(config["stat_rate_from"], sign), (config["stat_rate_to"], -sign)]
    if rate := source.get("stat_rate"):
        return [(rate, sign)]
    return []


def sources_from_energy(
    preferences: Mapping[str, Any] | None, options: Mapping[str, Any]
) -> Sources:
    """Grid, PV and battery power, battery SoC and price as configured in the Energy dashboard.

    The dashboard counts grid power positive when importing (as we do) and battery power positive
    when discharging (we count charging positive). Entities chosen in the options win.
    """
    from_options = sources_from_options(options)
    grid: list[tuple[str, float]] = []
    pv: list[tuple[str, float]] = []
    battery: list[tuple[str, float]] = []
    soc = price = None
    for source in (preferences or {}).get("energy_sources", []):
        kind = source.get("type")
        if kind == "grid":
            grid += _power_config(source, 1.0)
            for legacy in source.get("power", []):
                grid += _power_config(legacy, 1.0)
            price = price or source.get("entity_energy_price")
        elif kind == "solar" and source.get("stat_rate"):
            pv.append((source["stat_rate"], 1.0))
        elif kind == "battery":
            battery += _power_config(source, -1.0)
            soc = soc or source.get("stat_soc")
    return Sources(
        grid=PowerSource(tuple(grid)) if grid else None,
        pv=from_options.pv or (PowerSource(tuple(pv)) if pv else None),
        battery=from_options.battery or (PowerSource(tuple(battery)) if battery else None),
        battery_soc=from_options.battery_soc or soc,
        price=from_options.price or price,
    )


def number_of(hass: HomeAssistant, entity_id: str | None) -> tuple[float | None, datetime | None]:
    """Return a numeric state and when it was last reported; None when missing or unavailable."""
    state = hass.states.get(entity_id) if entity_id else None
    if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None, None
    try:
        value = float(state.state)
    except ValueError:
        return None, None
    return value, state.last_reported


def read_power(
    hass: HomeAssistant, source: PowerSource | None
) -> tuple[float | None, datetime | None]:
    """Return the power of a source in W (kW and MW converted), and its oldest part's report time."""
    if source is None:
        return None, None
    total = 0.0
    oldest: datetime | None = None
    for entity_id, factor in source.parts:
        value, reported = number_of(hass, entity_id)
        state = hass.states.get(entity_id)
        if value is None or state is None:
            return None, None
        scale = POWER_SCALE.get(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or "W", 1.0)
        total += value * scale * factor
        if reported is not None and (oldest is None or reported < oldest):
            oldest = reported
    return total, oldest


def price_slots(hass: HomeAssistant, entity_id: str | None) -> list[PriceSlot]:
    """Return the price forecast in a price entity's attributes (Nordpool, Tibber, ENTSO-e, Octopus)."""
    state = hass.states.get(entity_id) if entity_id else None
    return parse_price_forecast(state.attributes) if state is not None else []


def pv_forecast(hass: HomeAssistant, entity_id: str | None) -> list[PvSlot]:
    """Return a PV forecast (Solcast detailedForecast, or a watts map) from an entity's attributes."""
    state = hass.states.get(entity_id) if entity_id else None
    return parse_pv_forecast(state.attributes) if state is not None else []


def _next_time_of_day(at: time, now: datetime) -> datetime:
    local = dt_util.as_local(now)
    moment = local.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    if moment <= local:
        moment += timedelta(days=1)
    return moment


def departure(hass: HomeAssistant, options: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the car leaves next: an entity (date and time, or a time of day), else the option."""
    if entity_id := options.get(CONF_DEPARTURE_ENTITY):
        state = hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        if (moment := dt_util.parse_datetime(state.state)) is not None:
            moment = (
                moment if moment.tzinfo else moment.replace(tzinfo=dt_util.get_default_time_zone())
            )
            return moment if moment > now else None
        if (at := dt_util.parse_time(state.state)) is not None:
            return _next_time_of_day(at, now)
        return None
    text = options.get(CONF_DEPARTURE_TIME)
    if text and (at := dt_util.parse_time(str(text))) is not None:
        return _next_time_of_day(at, now)
    return None


def connector_departure(
    hass: HomeAssistant,
    options: Mapping[str, Any],
    now: datetime,
    own: time | None,
    car: datetime | None = None,
) -> datetime | None:
    """When a connector's car leaves: its own time of day, else the car's word, else the site's.

    The connector's time of day means its next occurrence; the car's own departure (ISO 15118)
    counts while it is still ahead.
    """
    if own is not None:
        return _next_time_of_day(own, now)
    if car is not None and car > now:
        return car
    return departure(hass, options, now)


def energy_needed_wh(
    options: Mapping[str, Any],
    soc_percent: float | None,
    session_wh: float | None,
    own_target_kwh: float | None = None,
    car_wh: float | None = None,
) -> float | None:
    """Energy still to charge: the connector's own target, else the car's word, else the site's.

    The car's word is the energy it still asks for itself (ISO 15118). The site's target SoC needs the car's capacity and SoC; the site's target kWh is the fallback.
    """
    if own_target_kwh:
        return max(0.0, own_target_kwh * 1000 - (session_wh or 0.0))
    if car_wh is not None:
        return max(0.0, car_wh)
    target_soc = options.get(CONF_TARGET_SOC)
    capacity = options.get(CONF_CAR_CAPACITY)
    if target_soc is not None and capacity and soc_percent is not None:
        return max(
            0.0,
            (float(target_soc) - soc_percent) / 100 * float(capacity) * 1000 / CHARGING_EFFICIENCY,
        )
    if (target := options.get(CONF_TARGET_ENERGY)) is not None:
        return max(0.0, float(target) * 1000 - (session_wh or 0.0))
    return None


ROLE_OPTIONS = {
    "grid": CONF_GRID_POWER,
    "pv": CONF_PV_POWER,
    "battery": CONF_BATTERY_POWER,
    "battery_soc": CONF_BATTERY_SOC,
    "price": CONF_PRICE,
}

# What each charge mode cannot work without: Solar and Min+Solar the grid meter, Cheapest a price.
MODE_NEEDS: dict[ChargeMode, tuple[str, ...]] = {
    ChargeMode.SOLAR: ("grid",),
    ChargeMode.MIN_SOLAR: ("grid",),
    ChargeMode.CHEAPEST: ("price",),
}
SETUP_ROLES = ("grid", "price")


def missing_inputs(modes: Iterable[ChargeMode], sources: Sources) -> tuple[str, ...]:
    """Return the inputs ("grid", "price") these modes need and the options do not name.

    Not an input that is configured but unavailable: that is a repair issue of its own.
    """
    present = {"grid": sources.grid is not None, "price": sources.price is not None}
    needed = {role for mode in modes for role in MODE_NEEDS.get(mode, ())}
    return tuple(role for role in SETUP_ROLES if role in needed and not present[role])
