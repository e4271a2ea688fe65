"""Event entity: every id tag presentation (Authorize, StartTransaction) fires tag_presented."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
)
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry, id_tag_subentry

EVENT = "event.charger_cp1_id_tag_presented"


@pytest.fixture(autouse=True)
def event_platform_only() -> Generator[None]:
    """Load only the event platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.EVENT]):
        yield


@pytest.fixture
def subentries() -> list[Any]:
    """One charger and one tag on the allow list."""
    return [charger_subentry("CP1"), id_tag_subentry("TAG-0001", "Anna")]


@pytest.fixture
def options() -> dict[str, Any]:
    """Only allow-listed tags may charge."""
    return {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "allow_list",
    }


async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Snapshot of the event entity after a tag was presented."""
    freezer.move_to("2026-11-25T08:05:00+00:00")
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.Authorize(id_tag="TAG-0001"))
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@pytest.mark.usefixtures("central")
async def test_fires_on_authorize_and_start_transaction(
    hass: HomeAssistant, connect: ConnectFn, freezer: FrozenDateTimeFactory
) -> None:
    """Authorize and StartTransaction each fire once, with the charger's verdict."""
    # Offline until the charger connects; no event before the first presentation.
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    cp = await connect("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    assert hass.states.get(EVENT).state == STATE_UNKNOWN

    freezer.move_to("2026-11-25T08:00:00+00:00")
    answer = await cp.call(call.Authorize(id_tag="tag-0001"))
    await hass.async_block_till_done()
    assert answer.id_tag_info["status"] == "Accepted"
    state = hass.states.get(EVENT)
    assert state.state == "2026-11-25T08:00:00.000+00:00"
    assert state.attributes["event_type"] == "accepted"
    assert state.attributes["event_types"] == ["accepted", "rejected"]
    keys = ("tag", "status", "holder", "charger", "connector")
    assert {k: state.attributes[k] for k in keys} == {
        "tag": "tag-0001",
        "status": "Accepted",
        "holder": "Anna",
        "charger": "CP1",
        "connector": None,
    }

    freezer.move_to("2026-11-25T08:01:00+00:00")
    started = await cp.call(
        call.StartTransaction(
            connector_id=2, id_tag="STRANGER", meter_start=0, timestamp="2026-11-25T08:01:00Z"
        )
    )
    await hass.async_block_till_done()
    assert started.id_tag_info["status"] == "Invalid"
    state = hass.states.get(EVENT)
    assert state.state == "2026-11-25T08:01:00.000+00:00"
    assert state.attributes["event_type"] == "rejected"
    assert {k: state.attributes[k] for k in keys} == {
        "tag": "STRANGER",
        "status": "Invalid",
        "holder": None,
        "charger": "CP1",
        "connector": 2,
    }


@pytest.mark.usefixtures("central")
async def test_usable_as_automation_trigger(hass: HomeAssistant, connect: ConnectFn) -> None:
    """An automation triggered by the event entity runs once per presentation."""
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "state", "entity_id": EVENT},
                "condition": {
                    "condition": "template",
                    "value_template": "{{ trigger.to_state.attributes.event_type == 'accepted' }}",
                },
                "action": {
                    "service": "test.automation",
                    "data_template": {"tag": "{{ trigger.to_state.attributes.tag }}"},
                },
            }
        },
    )
    cp = await connect("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    await cp.call(call.Authorize(id_tag="TAG-0001"))
    await cp.call(call.Authorize(id_tag="STRANGER"))
    await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-0001", meter_start=0, timestamp="2026-11-25T08:01:00Z"
        )
    )
    await hass.async_block_till_done()
    assert [c.data["tag"] for c in calls] == ["TAG-0001", "TAG-0001"]
