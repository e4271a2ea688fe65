"""Options of the central system: general settings, then, if asked for, the built-in charge control.

Step init: unknown-charger policy, heartbeat interval, id-tag authorization, the entity set (all
entities, or only what a car park needs: entities/entity_set.py), and whether to set up solar and
price charging. If so: control_inputs (grid power or the Energy dashboard, PV, home
battery, price and PV forecast entities), control_goals (departure, target, price limit) and
control_tuning (how the solar controller behaves). Options not shown keep their values.

The inputs step refuses a setup without a grid source unless a price entity is chosen (price-only
Cheapest charging): Solar and Min+Solar cannot work without the grid meter. The repair flow of a
mode chosen without its input (repairs.py) shows the same inputs (inputs_schema, inputs_errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TimeSelector,
)

from ..const import (
    CONF_AUTHORIZATION,
    CONF_ENTITY_SET,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
    DEFAULT_HEARTBEAT_INTERVAL,
    LOGGER,
    AuthorizationMode,
    EntitySet,
    UnknownChargerPolicy,
)
from ..control.config import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_PRIORITY_SOC,
    CONF_BATTERY_SIGN,
    CONF_BATTERY_SOC,
    CONF_CAR_CAPACITY,
    CONF_CAR_SOC,
    CONF_CLOUD_GUARD,
    CONF_DEADBAND,
    CONF_DEPARTURE_ENTITY,
    CONF_DEPARTURE_TIME,
    CONF_DISABLE_DELAY,
    CONF_DISABLE_THRESHOLD,
    CONF_ENABLE_DELAY,
    CONF_ENABLE_THRESHOLD,
    CONF_FUSE_LIMIT,
    CONF_GRID_POWER,
    CONF_GRID_SIGN,
    CONF_GRID_SOURCE,
    CONF_MIN_OFF,
    CONF_MIN_ON,
    CONF_PHASE_DOWN_DELAY,
    CONF_PHASE_INTERVAL,
    CONF_PHASE_UP_DELAY,
    CONF_PRICE,
    CONF_PRICE_LIMIT,
    CONF_PV_FORECAST,
    CONF_PV_POWER,
    CONF_RESIDUAL_POWER,
    CONF_STARTS_PER_DAY,
    CONF_STRATEGY,
    CONF_TARGET_ENERGY,
    CONF_TARGET_SOC,
    GridSource,
    PowerSign,
)
from ..control.core.modes import SolarSettings, Strategy
from ..entities.faults import CONF_OFFLINE_ISSUE_MINUTES, DEFAULT_OFFLINE_ISSUE_MINUTES

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

CONF_CONTROL: str = "configure_control"


def _list(key: str, options: list[str]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=options, translation_key=key, mode=SelectSelectorMode.LIST)
    )


def _number(low: float, high: float, step: float, unit: str | None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _entity(domains: list[str], device_class: str | None = None) -> EntitySelector:
    if device_class is None:
        return EntitySelector(EntitySelectorConfig(domain=domains))
    return EntitySelector(EntitySelectorConfig(domain=domains, device_class=device_class))


def _optional(key: str, options: dict[str, Any]) -> vol.Optional:
    return vol.Optional(key, description={"suggested_value": options.get(key)})


_POWER = _entity(["sensor"], SensorDeviceClass.POWER)
_DEFAULTS = SolarSettings()
_CLOUD_GUARD_PERCENT = round((_DEFAULTS.cloud_start_share or 1.0) * 100)
# Tuning fields: (option, selector, default shown).
_TUNING: tuple[tuple[str, NumberSelector, float], ...] = (
    (CONF_RESIDUAL_POWER, _number(-5000, 5000, 10, "W"), _DEFAULTS.residual_power_w),
    (CONF_ENABLE_DELAY, _number(0, 3600, 1, "s"), _DEFAULTS.enable_delay_s),
    (CONF_DISABLE_DELAY, _number(0, 3600, 1, "s"), _DEFAULTS.disable_delay_s),
    (CONF_ENABLE_THRESHOLD, _number(-10000, 10000, 10, "W"), _DEFAULTS.enable_threshold_w),
    (CONF_DISABLE_THRESHOLD, _number(-10000, 10000, 10, "W"), _DEFAULTS.disable_threshold_w),
    (CONF_MIN_ON, _number(0, 7200, 1, "s"), _DEFAULTS.min_on_s),
    (CONF_MIN_OFF, _number(0, 7200, 1, "s"), _DEFAULTS.min_off_s),
    (CONF_STARTS_PER_DAY, _number(1, 100, 1, None), _DEFAULTS.starts_per_day),
    (CONF_DEADBAND, _number(0, 5, 0.1, "A"), _DEFAULTS.deadband_a),
    (CONF_CLOUD_GUARD, _number(0, 100, 1, "%"), _CLOUD_GUARD_PERCENT),
    (CONF_PHASE_UP_DELAY, _number(0, 3600, 1, "s"), _DEFAULTS.phase_up_delay_s),
    (CONF_PHASE_DOWN_DELAY, _number(0, 3600, 1, "s"), _DEFAULTS.phase_down_delay_s),
    (CONF_PHASE_INTERVAL, _number(0, 7200, 1, "s"), _DEFAULTS.phase_switch_interval_s),
)
_STEP_KEYS: dict[str, tuple[str, ...]] = {
    "control_inputs": (
        CONF_GRID_SOURCE,
        CONF_GRID_POWER,
        CONF_GRID_SIGN,
        CONF_PV_POWER,
        CONF_BATTERY_POWER,
        CONF_BATTERY_SIGN,
        CONF_BATTERY_SOC,
        CONF_PRICE,
        CONF_PV_FORECAST,
    ),
    "control_goals": (
        CONF_DEPARTURE_ENTITY,
        CONF_DEPARTURE_TIME,
        CONF_TARGET_ENERGY,
        CONF_TARGET_SOC,
        CONF_CAR_SOC,
        CONF_CAR_CAPACITY,
        CONF_PRICE_LIMIT,
    ),
    "control_tuning": (
        CONF_STRATEGY,
        CONF_FUSE_LIMIT,
        CONF_BATTERY_PRIORITY_SOC,
        *(key for key, _, _ in _TUNING),
    ),
}


def inputs_schema(options: dict[str, Any], keys: tuple[str, ...] | None = None) -> vol.Schema:
    """Return the inputs step's fields (all, or only these keys), defaults from the options."""
    fields: dict[Any, Any] = {
        vol.Required(
            CONF_GRID_SOURCE, default=options.get(CONF_GRID_SOURCE, GridSource.ENTITY)
        ): _list(CONF_GRID_SOURCE, [source.value for source in GridSource]),
        _optional(CONF_GRID_POWER, options): _POWER,
        vol.Required(
            CONF_GRID_SIGN, default=options.get(CONF_GRID_SIGN, PowerSign.POSITIVE_IMPORT)
        ): _list(CONF_GRID_SIGN, [sign.value for sign in PowerSign]),
        _optional(CONF_PV_POWER, options): _POWER,
        _optional(CONF_BATTERY_POWER, options): _POWER,
        vol.Required(
            CONF_BATTERY_SIGN,
            default=options.get(CONF_BATTERY_SIGN, PowerSign.POSITIVE_IMPORT),
        ): _list(CONF_BATTERY_SIGN, [sign.value for sign in PowerSign]),
        _optional(CONF_BATTERY_SOC, options): _entity(["sensor"], SensorDeviceClass.BATTERY),
        _optional(CONF_PRICE, options): _entity(["sensor", "event"]),
        _optional(CONF_PV_FORECAST, options): _entity(["sensor"]),
    }
    if keys is not None:
        fields = {key: value for key, value in fields.items() if str(key) in keys}
    return vol.Schema(fields)


async def inputs_errors(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Return what is wrong: a dashboard without grid power, or no grid source at all."""
    source = user_input.get(CONF_GRID_SOURCE, GridSource.ENTITY)
    if source == GridSource.ENERGY_DASHBOARD:
        if not await _dashboard_has_grid_power(hass):
            return {CONF_GRID_SOURCE: "no_dashboard_grid_power"}
    elif not user_input.get(CONF_GRID_POWER) and not user_input.get(CONF_PRICE):
        # Solar needs the grid meter; only a price-only setup (Cheapest) may go without one.
        return {CONF_GRID_POWER: "grid_power_required"}
    return {}


async def _dashboard_has_grid_power(hass: HomeAssistant) -> bool:
    from homeassistant.components.energy.data import async_get_manager

    from ..control.inputs import sources_from_energy

    manager = await async_get_manager(hass)
    return sources_from_energy(manager.data, {}).grid is not None


class OcppCentralOptionsFlow(OptionsFlow):
    """General options; then, if asked for, the inputs, goals and tuning of the charge control."""

    def __init__(self) -> None:
        """Start with the options the entry has."""
        self._options: dict[str, Any] = {}

    def _merge(self, step: str, user_input: dict[str, Any]) -> None:
        """Take a step's answers; its optional fields left empty are removed."""
        for key in _STEP_KEYS[step]:
            self._options.pop(key, None)
        self._options.update({k: v for k, v in user_input.items() if v not in (None, "")})

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Unknown chargers, heartbeat, authorization, entity set; whether to set up charge control."""
        self._options = dict(self.config_entry.options)
        if user_input is not None:
            control = user_input.pop(CONF_CONTROL, False)
            user_input[CONF_HEARTBEAT_INTERVAL] = int(user_input[CONF_HEARTBEAT_INTERVAL])
            user_input[CONF_OFFLINE_ISSUE_MINUTES] = int(user_input[CONF_OFFLINE_ISSUE_MINUTES])
            self._options.update(user_input)
            if control:
                return await self.async_step_control_inputs()
            LOGGER.debug("New options: %s", self._options)
            return self.async_create_entry(data=self._options)
        options = self._options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_UNKNOWN_CHARGERS,
                    default=options.get(CONF_UNKNOWN_CHARGERS, UnknownChargerPolicy.ASK),
                ): _list(CONF_UNKNOWN_CHARGERS, [policy.value for policy in UnknownChargerPolicy]),
                vol.Required(
                    CONF_HEARTBEAT_INTERVAL,
                    default=options.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL),
                ): _number(30, 86400, 1, "s"),
                vol.Required(
                    CONF_OFFLINE_ISSUE_MINUTES,
                    default=options.get(CONF_OFFLINE_ISSUE_MINUTES, DEFAULT_OFFLINE_ISSUE_MINUTES),
                ): _number(5, 10080, 1, "min"),
                vol.Required(
                    CONF_AUTHORIZATION,
                    default=options.get(CONF_AUTHORIZATION, AuthorizationMode.ACCEPT_ALL),
                ): _list(CONF_AUTHORIZATION, [mode.value for mode in AuthorizationMode]),
                vol.Required(
                    CONF_ENTITY_SET, default=options.get(CONF_ENTITY_SET, EntitySet.FULL.value)
                ): _list(CONF_ENTITY_SET, [entity_set.value for entity_set in EntitySet]),
                vol.Optional(CONF_CONTROL, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)

    async def async_step_control_inputs(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Where grid, PV, battery, price and PV forecast come from."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await inputs_errors(self.hass, user_input)
            if not errors:
                self._merge("control_inputs", user_input)
                return await self.async_step_control_goals()
        options = {**self._options, **(user_input or {})}
        return self.async_show_form(
            step_id="control_inputs", data_schema=inputs_schema(options), errors=errors
        )

    async def async_step_control_goals(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Departure and target for Cheapest mode, and an optional price limit."""
        if user_input is not None:
            self._merge("control_goals", user_input)
            return await self.async_step_control_tuning()
        options = self._options
        schema = vol.Schema(
            {
                _optional(CONF_DEPARTURE_ENTITY, options): _entity(
                    ["input_datetime", "datetime", "time", "sensor"]
                ),
                _optional(CONF_DEPARTURE_TIME, options): TimeSelector(),
                _optional(CONF_TARGET_ENERGY, options): _number(0, 200, 0.5, "kWh"),
                _optional(CONF_TARGET_SOC, options): _number(0, 100, 1, "%"),
                _optional(CONF_CAR_SOC, options): _entity(["sensor"]),
                _optional(CONF_CAR_CAPACITY, options): _number(1, 250, 1, "kWh"),
                _optional(CONF_PRICE_LIMIT, options): NumberSelector(
                    NumberSelectorConfig(step=0.001, mode=NumberSelectorMode.BOX)
                ),
            }
        )
        return self.async_show_form(step_id="control_goals", data_schema=schema)

    async def async_step_control_tuning(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """How the solar controller shares, starts, stops and protects the fuse."""
        if user_input is not None:
            self._merge("control_tuning", user_input)
            return self.async_create_entry(data=self._options)
        options = self._options
        fields: dict[Any, Any] = {
            vol.Required(
                CONF_STRATEGY, default=options.get(CONF_STRATEGY, Strategy.PRIORITY)
            ): _list(CONF_STRATEGY, [strategy.value for strategy in Strategy]),
            _optional(CONF_FUSE_LIMIT, options): _number(6, 400, 1, "A"),
            _optional(CONF_BATTERY_PRIORITY_SOC, options): _number(0, 100, 1, "%"),
        }
        for key, selector, default in _TUNING:
            fields[vol.Required(key, default=options.get(key, default))] = selector
        return self.async_show_form(step_id="control_tuning", data_schema=vol.Schema(fields))
