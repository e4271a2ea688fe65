"""The options flow with the charge control's steps (flow_options.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/ocpp_central/translations"


def translated(*path: str) -> None:
    for language in ("en", "sv"):
        node: Any = json.loads((TRANSLATIONS / f"{language}.json").read_text())
        for key in path:
            node = node[key]
        assert isinstance(node, str) and node, (language, path)


GENERAL = {"unknown_chargers": "ask", "heartbeat_interval": 300, "authorization": "accept_all"}


async def test_general_options_alone(hass: HomeAssistant, central: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(central.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GENERAL, "heartbeat_interval": 120}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert central.options == {**GENERAL, "heartbeat_interval": 120, "offline_issue_minutes": 30}
    translated("options", "step", "init", "data", "configure_control")


async def test_control_steps(hass: HomeAssistant, central: MockConfigEntry) -> None:
    hass.states.async_set(
        "sensor.grid", "100", {"unit_of_measurement": "W", "device_class": "power"}
    )
    result = await hass.config_entries.options.async_init(central.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GENERAL, "configure_control": True}
    )
    assert result["step_id"] == "control_inputs"
    # The Energy dashboard has no grid power: an error, and the form again.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "grid_source": "energy_dashboard",
            "grid_power_sign": "positive_import",
            "battery_power_sign": "positive_import",
        },
    )
    assert result["errors"] == {"grid_source": "no_dashboard_grid_power"}
    translated("options", "error", "no_dashboard_grid_power")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "grid_source": "entity",
            "grid_power_entity": "sensor.grid",
            "grid_power_sign": "positive_export",
            "battery_power_sign": "positive_import",
        },
    )
    assert result["step_id"] == "control_goals"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"departure_time": "07:00:00", "target_energy_kwh": 20}
    )
    assert result["step_id"] == "control_tuning"
    schema = result["data_schema"].schema
    defaults = {
        str(key): key.default() for key in schema if callable(getattr(key, "default", None))
    }
    assert defaults["disable_delay_s"] == 180
    assert defaults["enable_delay_s"] == 60
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **{k: v for k, v in defaults.items() if k != "strategy"},
            "strategy": "equal",
            "fuse_limit_a": 25,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    options = central.options
    assert options["grid_power_entity"] == "sensor.grid"
    assert options["grid_power_sign"] == "positive_export"
    assert options["departure_time"] == "07:00:00"
    assert options["fuse_limit_a"] == 25
    control = central.runtime_data.control
    assert control.core.settings.fuse_limit_a == 25
    assert control.core.settings.strategy == "equal"
    assert control.sources.grid is not None and control.sources.grid.parts == (
        ("sensor.grid", -1.0),
    )
    for step, keys in (
        (
            "control_inputs",
            ("grid_source", "grid_power_entity", "price_entity", "pv_forecast_entity"),
        ),
        ("control_goals", ("departure_time", "target_soc", "price_limit")),
        (
            "control_tuning",
            (
                "strategy",
                "fuse_limit_a",
                "starts_per_day",
                "deadband_a",
                "cloud_guard_percent",
                "phase_up_delay_s",
                "phase_down_delay_s",
                "phase_switch_interval_s",
            ),
        ),
    ):
        translated("options", "step", step, "title")
        for key in keys:
            translated("options", "step", step, "data", key)
            translated("options", "step", step, "data_description", key)
    translated("selector", "grid_source", "options", "energy_dashboard")
    translated("selector", "strategy", "options", "equal")

    # Going through again and clearing an optional field removes it.
    result = await hass.config_entries.options.async_init(central.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GENERAL, "configure_control": True}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "grid_source": "entity",
            "grid_power_sign": "positive_import",
            "battery_power_sign": "positive_import",
        },
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    result = await hass.config_entries.options.async_configure(result["flow_id"], defaults)
    assert "grid_power_entity" not in central.options
    assert "departure_time" not in central.options
    assert "fuse_limit_a" not in central.options


async def test_energy_dashboard_grid_power(hass: HomeAssistant, central: MockConfigEntry) -> None:
    from homeassistant.components.energy.data import async_get_manager

    manager = await async_get_manager(hass)
    manager.data = {  # type: ignore[assignment]
        "energy_sources": [
            {
                "type": "grid",
                "stat_energy_from": "sensor.in",
                "power_config": {"stat_rate_inverted": "sensor.net"},
            },
            {
                "type": "battery",
                "stat_energy_from": "a",
                "stat_energy_to": "b",
                "stat_rate": "sensor.bat",
                "stat_soc": "sensor.bat_soc",
            },
        ],
        "device_consumption": [],
    }
    result = await hass.config_entries.options.async_init(central.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**GENERAL, "configure_control": True}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "grid_source": "energy_dashboard",
            "grid_power_sign": "positive_import",
            "battery_power_sign": "positive_import",
        },
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"strategy": "priority"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    sources = central.runtime_data.control.sources
    assert sources.grid is not None and sources.grid.parts == (("sensor.net", -1.0),)
    assert sources.battery is not None and sources.battery.parts == (("sensor.bat", -1.0),)
    assert sources.battery_soc == "sensor.bat_soc"
