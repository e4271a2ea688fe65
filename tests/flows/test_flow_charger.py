"""Charger subentry flow: the charging options and quirk overrides of a charger's reconfigure step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.const import CONF_NAME, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.quirks import (
    KindChoice,
    OcppVersionPin,
    PauseMethod,
    TxProfileChoice,
    UnitChoice,
)
from custom_components.ocpp_central.const import CONF_CHARGER_ID, CONF_MAX_CURRENT

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/ocpp_central/translations"
ADVANCED_KEYS = [
    "min_write_interval",
    "stack_level_zero",
    "profile_kind",
    "rate_unit",
    "pause_method",
    "tx_profile",
    "whole_amps",
    "phase_switching",
    "ocpp_version",
]


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> dict[str, Any]:
    subentry_id = next(iter(entry.subentries))
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["type"] is FlowResultType.FORM
    return dict(await hass.config_entries.subentries.async_configure(result["flow_id"], user_input))


def subentry_data(entry: MockConfigEntry) -> dict[str, Any]:
    return dict(next(iter(entry.subentries.values())).data)


async def test_defaults_are_not_stored(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Only options changed from their defaults land in the data; defaults stay the code's."""
    result = await reconfigure(
        hass,
        central,
        {
            CONF_NAME: "Garage",
            CONF_MAX_CURRENT: 16,
            "min_current": 6,
            "advanced": {"min_write_interval": 30, "pause_method": "auto", "rate_unit": "auto"},
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert subentry_data(central) == {
        CONF_CHARGER_ID: "CP1",
        CONF_PASSWORD: "",
        CONF_MAX_CURRENT: 16.0,
    }
    config = central.runtime_data.coordinators["CP1"].config
    assert (config.min_current, config.min_write_interval, config.remote_id_tag) == (
        6.0,
        30,
        "HomeAssistant",
    )
    assert config.ocpp_version is OcppVersionPin.AUTO


async def test_every_option_is_stored_and_read(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    result = await reconfigure(
        hass,
        central,
        {
            CONF_NAME: "Garage",
            CONF_MAX_CURRENT: 20,
            "min_current": 8,
            "remote_id_tag": "  GARAGE-1 ",
            "advanced": {
                "min_write_interval": 60,
                "stack_level_zero": True,
                "profile_kind": "relative",
                "rate_unit": "watts",
                "pause_method": "change_availability",
                "tx_profile": "off",
                "whole_amps": False,
                "ocpp_version": "v2_0_1",
            },
        },
    )
    assert result["reason"] == "reconfigure_successful"
    data = subentry_data(central)
    assert data == {
        CONF_CHARGER_ID: "CP1",
        CONF_PASSWORD: "",
        CONF_MAX_CURRENT: 20.0,
        "min_current": 8.0,
        "remote_id_tag": "GARAGE-1",
        "min_write_interval": 60,
        "stack_level_zero": True,
        "profile_kind": "relative",
        "rate_unit": "W",
        "pause_method": "change_availability",
        "tx_profile": "off",
        "whole_amps": False,
        "ocpp_version": "2.0.1",
    }
    config = central.runtime_data.coordinators["CP1"].config
    assert config.ocpp_version is OcppVersionPin.V201
    assert config.overrides.profile_kind is KindChoice.RELATIVE
    assert config.overrides.rate_unit is UnitChoice.WATT
    assert config.overrides.pause_method is PauseMethod.CHANGE_AVAILABILITY
    assert config.overrides.tx_profile is TxProfileChoice.OFF
    assert config.overrides.stack_level_zero is True

    # The form shows what is stored; back to the defaults removes it from the data.
    subentry_id = next(iter(central.subentries))
    form = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    schema = form["data_schema"].schema
    defaults = {str(key): key.default() for key in schema if callable(key.default)}
    assert defaults["min_current"] == 8.0
    assert defaults["advanced"] == {}
    advanced = schema["advanced"].schema.schema
    shown = {str(key): key.default() for key in advanced}
    assert shown["rate_unit"] == "watts"
    assert shown["ocpp_version"] == "v2_0_1"
    assert shown["min_write_interval"] == 60
    # Leaving the form as shown (the id tag is a suggested value the form fills in) keeps every option.
    await hass.config_entries.subentries.async_configure(
        form["flow_id"], {CONF_NAME: "Garage", CONF_MAX_CURRENT: 20, "remote_id_tag": "GARAGE-1"}
    )
    assert subentry_data(central) == data
    defaults_input = {
        CONF_NAME: "Garage",
        CONF_MAX_CURRENT: 20,
        "min_current": 6,
        "advanced": {
            "min_write_interval": 30,
            "stack_level_zero": False,
            "profile_kind": "auto",
            "rate_unit": "auto",
            "pause_method": "auto",
            "tx_profile": "auto",
            "whole_amps": True,
            "ocpp_version": "auto",
        },
    }
    await reconfigure(hass, central, defaults_input)
    assert subentry_data(central) == {
        CONF_CHARGER_ID: "CP1",
        CONF_PASSWORD: "",
        CONF_MAX_CURRENT: 20.0,
    }


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({"min_current": 20, CONF_MAX_CURRENT: 16}, {"min_current": "min_above_max"}),
        ({"remote_id_tag": "A" * 21}, {"remote_id_tag": "invalid_remote_id_tag"}),
        ({"remote_id_tag": "two words"}, {"remote_id_tag": "invalid_remote_id_tag"}),
    ],
)
async def test_invalid_options(
    hass: HomeAssistant,
    central: MockConfigEntry,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await reconfigure(
        hass, central, {CONF_NAME: "Garage", CONF_MAX_CURRENT: 32, **user_input}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    en = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    for error in errors.values():
        assert en["config_subentries"]["charger"]["error"][error]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_field_and_choice_is_translated(language: str) -> None:
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    step = strings["config_subentries"]["charger"]["step"]["reconfigure"]
    for key in ("name", "password", "max_current", "min_current", "remote_id_tag"):
        assert step["data"][key] and step["data_description"][key]
    section = step["sections"]["advanced"]
    assert section["name"] and section["description"]
    for key in ADVANCED_KEYS:
        assert section["data"][key] and section["data_description"][key]
    errors = strings["config_subentries"]["charger"]["error"]
    assert errors["min_above_max"] and errors["invalid_remote_id_tag"]
    selectors = strings["selector"]
    for key, options in {
        "profile_kind": ["auto", "absolute", "relative"],
        "rate_unit": ["auto", "amperes", "watts"],
        "pause_method": ["auto", "zero_current", "change_availability", "remote_stop"],
        "tx_profile": ["auto", "on", "off"],
        "phase_switching": ["auto", "on", "off"],
        "ocpp_version": ["auto", "v1_6", "v2_0_1"],
    }.items():
        assert sorted(selectors[key]["options"]) == sorted(options)


async def test_unknown_version_pin_reads_as_auto(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, "ocpp_version": "3.0"}
    )
    await hass.async_block_till_done()
    assert central.runtime_data.coordinators["CP1"].config.ocpp_version is OcppVersionPin.AUTO
