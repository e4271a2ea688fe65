"""Commands to a charger that went away: a translated error, never a quiet success."""

from __future__ import annotations

from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.services_common import act, device_of
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.waiting import wait_for

LIMIT = "number.charger_cp1_current_limit"


async def _gone(hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn) -> None:
    """A charger that booted, told its connector, and then lost its connection."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await hass.async_block_till_done()
    coordinator = central.runtime_data.coordinators["CP1"]
    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    await hass.async_block_till_done()


async def test_set_current_limit_on_a_charger_that_went_away(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The service names the charger as not connected."""
    await _gone(hass, central, connect)
    with pytest.raises(HomeAssistantError) as excinfo:
        await act(hass, "set_current_limit", {"device_id": device_of(central), "limit": 10})
    assert excinfo.value.translation_domain == DOMAIN
    assert excinfo.value.translation_key == "charger_offline"
    assert "Charger CP1" in str(excinfo.value)


async def test_number_on_a_charger_that_went_away(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The number is unavailable: Home Assistant itself skips it (and logs so), it sends nothing.

    Home Assistant's entity services leave unavailable entities out before they are called, so
    no entity can answer with an error; the unavailable state is what a caller (evcc) sees.
    """
    await _gone(hass, central, connect)
    assert hass.states.get(LIMIT).state == STATE_UNAVAILABLE
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: LIMIT, ATTR_VALUE: 10}, blocking=True
    )
    assert f"{LIMIT}" in caplog.text and "not currently available" in caplog.text
    assert hass.states.get(LIMIT).state == STATE_UNAVAILABLE
