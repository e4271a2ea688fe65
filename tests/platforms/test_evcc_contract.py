"""The evcc configuration in docs/evcc.md names entities a connected charger really has."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.components.sensor import ATTR_OPTIONS, SensorDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
import yaml

from tests.helpers.sim_charger import ConnectFn, start_charging

DOC = Path(__file__).parents[2] / "docs" / "evcc.md"
# The keys of evcc's homeassistant charger that name one entity, and those that name three.
ENTITY_KEYS = ("status", "enabled", "enable", "maxcurrent", "power", "energy")
# Named in the text, to be enabled first: the phase currents are disabled by default.
PHASE_CURRENTS = re.compile(r"`currents: \[([^\]]*)\]`")


def evcc_charger() -> dict[str, Any]:
    """Return the documented charger, parsed from the doc's YAML block."""
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block is not None
    config = yaml.safe_load(block.group(1))
    (charger,) = config["chargers"]
    assert charger["type"] == "homeassistant"
    assert config["loadpoints"][0]["charger"] == charger["name"]
    return dict(charger)


@pytest.mark.usefixtures("central")
async def test_every_named_entity_exists(
    hass: HomeAssistant, connect: ConnectFn, entity_registry: er.EntityRegistry
) -> None:
    """A charging charger has each entity; each is of the kind evcc reads or writes."""
    charger = evcc_charger()
    cp = await connect("CP1")
    await start_charging(hass, cp)
    await hass.async_block_till_done()

    for key in ENTITY_KEYS:
        entity_id = charger[key]
        assert hass.states.get(entity_id) is not None, (key, entity_id)
        assert entity_registry.async_get(entity_id) is not None, (key, entity_id)
    assert "currents" not in charger
    listed = PHASE_CURRENTS.search(" ".join(DOC.read_text().split()))
    assert listed is not None
    currents = [entity_id.strip() for entity_id in listed.group(1).split(",")]
    assert len(currents) == 3
    for entity_id in currents:
        entry = entity_registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, entity_id
    assert charger["maxcurrent"].startswith("number.")
    assert charger["enable"].startswith("switch.")
    assert hass.states.get(charger["energy"]).attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"

    status = hass.states.get(charger["status"])
    assert status.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENUM
    assert set(status.attributes[ATTR_OPTIONS]) <= set("abcdef")
    assert status.state == "c"
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Finishing"))
    await hass.async_block_till_done()
    assert hass.states.get(charger["status"]).state == "b"
