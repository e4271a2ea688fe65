"""Service start_trace: a longer trace for a while, in the diagnostics download."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from ocpp.v16 import call
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ocpp_central.csms.trace import NORMAL_FRAMES
from tests.helpers.services_common import act, device_of
from tests.helpers.sim_charger import ConnectFn


async def test_start_trace_keeps_more_frames(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    central: MockConfigEntry,
    connect: ConnectFn,
) -> None:
    """Turned on before the charger connects; 300 heartbeats later all their frames are there."""
    response = await act(
        hass, "start_trace", {"device_id": device_of(central), "duration": 5}, response=True
    )
    assert response["frames"] == 2000
    assert response["until"] is not None

    cp = await connect("CP1")
    await cp.boot()
    for _ in range(300):
        await cp.call(call.Heartbeat())
    await hass.async_block_till_done()

    result = await get_diagnostics_for_config_entry(hass, hass_client, central)
    trace = result["chargers"]["CP1"]["trace"]
    assert trace["detailed_until"] == response["until"]
    # The boot and 300 heartbeats, both ways, and whatever the engine asked meanwhile.
    assert len(trace["frames"]) >= 2 + 600 > NORMAL_FRAMES
