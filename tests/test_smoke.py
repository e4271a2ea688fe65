from ocpp.v16 import call
from homeassistant.core import HomeAssistant


async def test_boot_and_meter(hass: HomeAssistant, central, connect) -> None:
    cp = await connect("CP1")
    result = await cp.boot()
    assert result.status == "Accepted"
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await cp.call(
        call.MeterValues(
            connector_id=1,
            meter_value=[
                {
                    "timestamp": "2026-11-25T08:00:00Z",
                    "sampledValue": [
                        {"value": "1234.5", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                    ],
                }
            ],
        )
    )
    await hass.async_block_till_done()
    states = {s.entity_id: s.state for s in hass.states.async_all()}
    print(states)
    assert states["sensor.charger_cp1_charging_power"] == "7.2"
