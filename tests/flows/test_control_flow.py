"""The options flow with the charge control's steps (flow_options.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.control.core.modes import ChargeMode
from tests.helpers.sim_charger import ConnectFn, start_charging

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
    assert central.options == {
        **GENERAL,
        "heartbeat_interval": 120,
        "offline_issue_minutes": 30,
        "entity_set": "full",
    }
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
    cleared = {
        "grid_source": "entity",
        "grid_power_sign": "positive_import",
        "battery_power_sign": "positive_import",
    }
    # No grid source and no price: nothing to charge by, refused (Solar needs the grid meter).
    result = await hass.config_entries.options.async_configure(result["flow_id"], cleared)
    assert result["errors"] == {"grid_power_entity": "grid_power_required"}
    translated("options", "error", "grid_power_required")
    # A price alone is a setup for Cheapest only: accepted.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**cleared, "price_entity": "sensor.price"}
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


# --- a mode chosen without its input: repair issue, fix flow, reason ---------------------------


def setup_issue(hass: HomeAssistant, central: MockConfigEntry, role: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"control_setup_{central.entry_id}_{role}")


async def test_solar_without_grid_raises_a_fixable_issue(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """Solar with no grid meter: a repair issue whose fix flow asks for the meter, then goes."""
    assert await async_setup_component(hass, "repairs", {})
    control = central.runtime_data.control
    control.async_set_mode("CP1/1", ChargeMode.SOLAR)
    await hass.async_block_till_done()
    issue = setup_issue(hass, central, "grid")
    assert issue is not None and issue.is_fixable
    assert issue.translation_key == "control_setup_grid"
    assert control.needs_setup("CP1/1")
    assert setup_issue(hass, central, "price") is None
    for key in ("title", "description"):
        translated("issues", "control_setup_grid", key)
    translated(
        "issues", "control_setup_grid", "fix_flow", "step", "init", "data", "grid_power_entity"
    )

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(
        DOMAIN, data={"issue_id": f"control_setup_{central.entry_id}_grid"}
    )
    assert result["step_id"] == "init"
    fields = {str(key) for key in result["data_schema"].schema}
    assert fields == {"grid_source", "grid_power_entity", "grid_power_sign"}
    # Still no meter: the form again, with the reason.
    result = await manager.async_configure(
        result["flow_id"], {"grid_source": "entity", "grid_power_sign": "positive_import"}
    )
    assert result["errors"] == {"grid_power_entity": "grid_power_required"}
    hass.states.async_set("sensor.grid", "-2000", {"unit_of_measurement": "W"})
    result = await manager.async_configure(
        result["flow_id"],
        {
            "grid_source": "entity",
            "grid_power_entity": "sensor.grid",
            "grid_power_sign": "positive_import",
        },
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert central.options["grid_power_entity"] == "sensor.grid"
    assert central.options["unknown_chargers"] == "ask"  # the other options are kept
    assert setup_issue(hass, central, "grid") is None
    assert not control.needs_setup("CP1/1")


async def test_cheapest_without_price_raises_a_price_issue(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """Cheapest needs a price entity; leaving the mode clears the issue."""
    assert await async_setup_component(hass, "repairs", {})
    control = central.runtime_data.control
    control.async_set_mode("CP1/1", ChargeMode.CHEAPEST)
    await hass.async_block_till_done()
    assert setup_issue(hass, central, "price") is not None
    assert setup_issue(hass, central, "grid") is None
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(
        DOMAIN, data={"issue_id": f"control_setup_{central.entry_id}_price"}
    )
    assert {str(key) for key in result["data_schema"].schema} == {"price_entity"}
    result = await manager.async_configure(result["flow_id"], {})
    assert result["errors"] == {"price_entity": "price_required"}
    translated("issues", "control_setup_price", "fix_flow", "error", "price_required")
    control.async_set_mode("CP1/1", ChargeMode.FAST)
    await hass.async_block_till_done()
    assert setup_issue(hass, central, "price") is None


async def test_reason_says_set_up_solar_first(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The Control reason of a connector in Solar without a grid meter: set up solar first."""
    await start_charging(hass, await connect("CP1"))
    reason = "sensor.charger_cp1_control_reason"
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.charger_cp1_charge_mode", "option": "solar"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(reason).state == "setup_needed"  # type: ignore[union-attr]
    translated("entity", "sensor", "control_reason", "state", "setup_needed")
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.charger_cp1_charge_mode", "option": "fast"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(reason).state == "fast"  # type: ignore[union-attr]


async def test_setup_repair_of_a_removed_entry_aborts(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """A setup issue left over from an entry that is gone: the fix flow aborts, translated."""
    assert await async_setup_component(hass, "repairs", {})
    ir.async_create_issue(
        hass,
        DOMAIN,
        "control_setup_gone_grid",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="control_setup_grid",
        data={"entry_id": "gone", "role": "grid"},
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": "control_setup_gone_grid"})
    assert (result["type"], result["reason"]) == ("abort", "entry_gone")
    translated("issues", "control_setup_grid", "fix_flow", "abort", "entry_gone")
