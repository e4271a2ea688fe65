"""The options flow's entity set: all entities (default) or the car park's essential ones."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import CONF_ENTITY_SET


def field(result: Any, name: str) -> Any:
    """Return the form's field (its voluptuous marker) of that name."""
    return next(key for key in result["data_schema"].schema if str(key) == name)


async def test_full_by_default_and_offered_both(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(central.entry_id)
    assert result["step_id"] == "init"
    marker = field(result, CONF_ENTITY_SET)
    assert marker.default() == "full"
    selector = result["data_schema"].schema[marker]
    assert selector.config["options"] == ["full", "car_park"]
    assert selector.config["translation_key"] == CONF_ENTITY_SET

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert central.options[CONF_ENTITY_SET] == "full"


async def test_car_park_is_stored_and_shown_next_time(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(central.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ENTITY_SET: "car_park"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert central.options[CONF_ENTITY_SET] == "car_park"

    result = await hass.config_entries.options.async_init(central.entry_id)
    assert field(result, CONF_ENTITY_SET).default() == "car_park"


async def test_unknown_set_is_refused(hass: HomeAssistant, central: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(central.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_ENTITY_SET: "minimal"}
        )
    assert CONF_ENTITY_SET not in central.options
