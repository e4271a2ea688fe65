"""Options of the built-in charge control: keys, defaults, and the controller settings they make."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from .core.modes import SolarSettings, Strategy

# Inputs (entity ids), chosen in the options flow.
CONF_GRID_SOURCE: Final = "grid_source"
CONF_GRID_POWER: Final = "grid_power_entity"
CONF_GRID_SIGN: Final = "grid_power_sign"
CONF_PV_POWER: Final = "pv_power_entity"
CONF_BATTERY_POWER: Final = "battery_power_entity"
CONF_BATTERY_SIGN: Final = "battery_power_sign"
CONF_BATTERY_SOC: Final = "battery_soc_entity"
CONF_PRICE: Final = "price_entity"
CONF_PV_FORECAST: Final = "pv_forecast_entity"
CONF_DEPARTURE_ENTITY: Final = "departure_entity"
CONF_DEPARTURE_TIME: Final = "departure_time"
CONF_TARGET_ENERGY: Final = "target_energy_kwh"
CONF_TARGET_SOC: Final = "target_soc"
CONF_CAR_SOC: Final = "car_soc_entity"
CONF_CAR_CAPACITY: Final = "car_capacity_kwh"
CONF_PRICE_LIMIT: Final = "price_limit"
# Tuning.
CONF_STRATEGY: Final = "strategy"
CONF_RESIDUAL_POWER: Final = "residual_power_w"
CONF_ENABLE_DELAY: Final = "enable_delay_s"
CONF_DISABLE_DELAY: Final = "disable_delay_s"
CONF_ENABLE_THRESHOLD: Final = "enable_threshold_w"
CONF_DISABLE_THRESHOLD: Final = "disable_threshold_w"
CONF_FUSE_LIMIT: Final = "fuse_limit_a"
CONF_STARTS_PER_DAY: Final = "starts_per_day"
CONF_MIN_ON: Final = "min_on_s"
CONF_MIN_OFF: Final = "min_off_s"
CONF_DEADBAND: Final = "deadband_a"
CONF_BATTERY_PRIORITY_SOC: Final = "battery_priority_soc"
CONF_CLOUD_GUARD: Final = "cloud_guard_percent"
CONF_PHASE_UP_DELAY: Final = "phase_up_delay_s"
CONF_PHASE_DOWN_DELAY: Final = "phase_down_delay_s"
CONF_PHASE_INTERVAL: Final = "phase_switch_interval_s"

# Reading intervals: a pass at least this often, even without a new grid reading.
FLOOR_INTERVAL_S: Final = 10
# An input missing this long gets a repair issue (a restart takes a while to bring sensors back).
REPAIR_GRACE_S: Final = 120
# Cheapest mode: plans are recomputed at least this often.
PLAN_INTERVAL_S: Final = 900


class GridSource(StrEnum):
    """Where the grid power comes from."""

    ENTITY = "entity"
    ENERGY_DASHBOARD = "energy_dashboard"


class PowerSign(StrEnum):
    """Sign convention of a power sensor."""

    POSITIVE_IMPORT = "positive_import"  # grid: import > 0; battery: charging > 0
    POSITIVE_EXPORT = "positive_export"  # grid: export > 0; battery: discharging > 0


# Tuning options and the SolarSettings field each one sets.
TUNING: Final[dict[str, str]] = {
    CONF_RESIDUAL_POWER: "residual_power_w",
    CONF_ENABLE_DELAY: "enable_delay_s",
    CONF_DISABLE_DELAY: "disable_delay_s",
    CONF_ENABLE_THRESHOLD: "enable_threshold_w",
    CONF_DISABLE_THRESHOLD: "disable_threshold_w",
    CONF_FUSE_LIMIT: "fuse_limit_a",
    CONF_STARTS_PER_DAY: "starts_per_day",
    CONF_MIN_ON: "min_on_s",
    CONF_MIN_OFF: "min_off_s",
    CONF_DEADBAND: "deadband_a",
    CONF_BATTERY_PRIORITY_SOC: "battery_priority_soc",
    CONF_CLOUD_GUARD: "cloud_start_share",
    CONF_PHASE_UP_DELAY: "phase_up_delay_s",
    CONF_PHASE_DOWN_DELAY: "phase_down_delay_s",
    CONF_PHASE_INTERVAL: "phase_switch_interval_s",
}


def solar_settings(options: Mapping[str, Any], write_interval_s: float) -> SolarSettings:
    """Return the controller settings from the entry's options; what is not set keeps its default."""
    values: dict[str, Any] = {"write_interval_s": float(write_interval_s)}
    for key, field in TUNING.items():
        value = options.get(key)
        if value is None or value == "":
            continue
        if field == "starts_per_day":
            values[field] = int(value)
        elif field == "cloud_start_share":
            # A percentage in the options; 100 % lets every start through.
            values[field] = None if float(value) >= 100 else float(value) / 100
        else:
            values[field] = float(value)
    try:
        values["strategy"] = Strategy(options.get(CONF_STRATEGY, Strategy.PRIORITY))
    except ValueError:
        values["strategy"] = Strategy.PRIORITY
    return SolarSettings(**values)
