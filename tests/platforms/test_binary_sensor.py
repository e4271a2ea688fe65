"""Binary sensors: connected, cable plugged in, charging."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.sim_charger import ConnectFn, start_charging
from tests.helpers.waiting import wait_for

CONNECTED = "binary_sensor.charger_cp1_connected"
PLUGGED_IN = "binary_sensor.charger_cp1_cable_plugged_in"
CHARGING = "binary_sensor.charger_cp1_charging"


@pytest.fixture(autouse=True)
def binary_sensor_platform_only() -> Generator[None]:
    """Load only the binary sensor platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.BINARY_SENSOR]):
        yield


def states(hass: HomeAssistant, *entity_ids: str) -> tuple[str, ...]:
    found = [hass.states.get(entity_id) for entity_id in entity_ids]
    return tuple(state.state if state else "missing" for state in found)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Snapshot of the binary sensors of a charging charger."""
    freezer.move_to("2026-11-25T08:05:00+00:00")
    await start_charging(hass, await connect("CP1"))
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@pytest.mark.usefixtures("central")
async def test_plugged_in_and_charging_follow_status(
    hass: HomeAssistant, connect: ConnectFn
) -> None:
    """The connector status decides whether a cable is in and whether energy flows."""
    # A configured charger that never connected: only the station's connectivity exists.
    assert states(hass, CONNECTED, PLUGGED_IN) == (STATE_OFF, "missing")
    cp = await connect("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    assert states(hass, CONNECTED, PLUGGED_IN) == (STATE_ON, "missing")

    expected = {
        "Available": (STATE_OFF, STATE_OFF),
        "Preparing": (STATE_ON, STATE_OFF),
        "Charging": (STATE_ON, STATE_ON),
        "SuspendedEV": (STATE_ON, STATE_OFF),
        "SuspendedEVSE": (STATE_ON, STATE_OFF),
        "Finishing": (STATE_ON, STATE_OFF),
        "Faulted": (STATE_OFF, STATE_OFF),
    }
    for status, plugged_and_charging in expected.items():
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=status))
        await hass.async_block_till_done()
        assert states(hass, PLUGGED_IN, CHARGING) == plugged_and_charging, status


@pytest.mark.usefixtures("central")
async def test_status_not_understood_is_unknown(hass: HomeAssistant, connect: ConnectFn) -> None:
    """A status outside the OCPP vocabulary leaves both unknown instead of guessing."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Occupied"),
        skip_schema_validation=True,
    )
    await hass.async_block_till_done()
    assert states(hass, PLUGGED_IN, CHARGING) == (STATE_UNKNOWN, STATE_UNKNOWN)


@pytest.mark.usefixtures("central")
async def test_connected_stays_available_when_disconnected(
    hass: HomeAssistant, connect: ConnectFn
) -> None:
    """Connectivity turns off (and stays available) while the others become unavailable."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    assert states(hass, CONNECTED, PLUGGED_IN, CHARGING) == (STATE_ON, STATE_ON, STATE_ON)
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinators["CP1"]

    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    await hass.async_block_till_done()
    assert states(hass, CONNECTED, PLUGGED_IN, CHARGING) == (
        STATE_OFF,
        STATE_UNAVAILABLE,
        STATE_UNAVAILABLE,
    )

    await (await connect("CP1")).boot()
    await hass.async_block_till_done()
    assert states(hass, CONNECTED, PLUGGED_IN, CHARGING) == (STATE_ON, STATE_ON, STATE_ON)


@pytest.mark.usefixtures("central")
async def test_silent_charger_is_not_connected(hass: HomeAssistant, connect: ConnectFn) -> None:
    """A charger that stopped talking counts as gone even if its socket is still open."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.coordinators["CP1"]
    coordinator.charger.silent = True
    coordinator.async_update_listeners()
    await hass.async_block_till_done()
    assert states(hass, CONNECTED, CHARGING) == (STATE_OFF, STATE_UNAVAILABLE)
    await cp.call(call.Heartbeat())
    await hass.async_block_till_done()
    assert states(hass, CONNECTED, CHARGING) == (STATE_ON, STATE_ON)
