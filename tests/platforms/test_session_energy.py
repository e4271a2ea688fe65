"""The session energy entity never goes down within a session, whatever the charger sends.

The lifetime register decides what a reading is worth (csms/energy.py); this checks the way from
there to the entity: every state the sensor takes during one session, through a lower reading, a
late backlog, the flows stopping while the car pauses, a disconnect and a restart of the
integration, and a stop reading lower than what was shown. A real 1.6 charger on a real WebSocket.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from ocpp.v16 import call
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.waiting import wait_for

SESSION = "sensor.charger_cp1_session_energy"


def reading(wh: float, timestamp: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": timestamp,
            "sampledValue": [{"value": str(wh), "measurand": "Energy.Active.Import.Register"}],
        }
    ]


async def meter(hass: HomeAssistant, cp: SimCharger, wh: float, timestamp: str) -> None:
    await cp.call(call.MeterValues(connector_id=1, meter_value=reading(wh, timestamp)))
    await hass.async_block_till_done()


async def status(hass: HomeAssistant, cp: SimCharger, value: str) -> None:
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=value))
    await hass.async_block_till_done()


async def test_session_energy_shown_never_goes_down_within_a_session(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Each state the entity takes from the start to the end of a session is at least the last."""
    shown: list[float] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state not in ("unknown", "unavailable"):
            shown.append(float(new.state))

    unsubscribe = async_track_state_change_event(hass, SESSION, record)
    cp = await connect("CP1")
    await cp.boot()
    await status(hass, cp, "Preparing")
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=10000, timestamp="2026-11-25T08:00:00Z"
        )
    )
    tx = int(started.transaction_id)
    await status(hass, cp, "Charging")
    await meter(hass, cp, 11000, "2026-11-25T08:10:00Z")
    await meter(hass, cp, 10990, "2026-11-25T08:11:00Z")  # a little lower: rounding, a glitch
    await meter(hass, cp, 10500, "2026-11-25T08:05:00Z")  # a backlog, replayed late
    await status(hass, cp, "SuspendedEV")  # the flows stop; the energy does not go back
    await meter(hass, cp, 11500, "2026-11-25T08:20:00Z")

    await cp._connection.close()
    await wait_for(lambda: "CP1" not in central.runtime_data.sessions)
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    cp = await connect("CP1")
    await status(hass, cp, "Charging")
    await meter(hass, cp, 11400, "2026-11-25T08:25:00Z")  # lower again, after the restart
    await meter(hass, cp, 12000, "2026-11-25T08:30:00Z")
    await cp.call(
        call.StopTransaction(transaction_id=tx, meter_stop=11800, timestamp="2026-11-25T08:31:00Z")
    )
    await status(hass, cp, "Finishing")
    unsubscribe()

    assert shown == sorted(shown), shown
    assert shown[0] == 0.0
    assert shown[-1] == 2.0
