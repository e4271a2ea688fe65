"""Power, phase currents and what is offered drop to 0 when no current flows any more.

When the session ends, or the connector leaves Charging, the last reading no longer holds: the
entities show 0, not the power of minutes ago. Energy registers and voltages stay as read. Run over
every OCPP version with the scripted chargers (tests/helpers/drivers.py) on a real WebSocket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.csms.model import Connector, Phase
from tests.helpers.drivers import start_charging
from tests.helpers.sim_charger import all_measurands

type Connect = Callable[..., Awaitable[Any]]

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
POWER = "sensor.charger_cp1_charging_power"
CURRENT_L1 = "sensor.charger_cp1_current_l1"
OFFERED = "sensor.charger_cp1_current_offered"
ZERO_CURRENTS = {Phase.L1: 0.0, Phase.L2: 0.0, Phase.L3: 0.0}


def connector(entry: MockConfigEntry) -> Connector:
    return entry.runtime_data.coordinators["CP1"].charger.connectors[1]


def flows(found: Connector) -> tuple[float | None, dict[Phase, float], float | None, float | None]:
    """Power, phase currents, current and power offered."""
    return found.power_w, found.current_a, found.current_offered_a, found.power_offered_w


def shown(hass: HomeAssistant, *entity_ids: str) -> tuple[str, ...]:
    return tuple(hass.states.get(entity_id).state for entity_id in entity_ids)  # type: ignore[union-attr]


@VERSIONS
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_the_end_of_the_session_stops_every_flow(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """StopTransaction / TransactionEvent Ended: 0 W, 0 A, nothing offered; energy stays."""
    cp = await connect_charger("CP1")
    tx = await start_charging(cp)
    await hass.async_block_till_done()
    found = connector(central)
    assert flows(found) == (7200.0, {Phase.L1: 10.1, Phase.L2: 10.2, Phase.L3: 10.3}, 16.0, 11000.0)

    await cp.stop_transaction(tx, 13500, "2026-11-25T09:00:00Z")
    await hass.async_block_till_done()
    assert flows(found) == (0.0, ZERO_CURRENTS, 0.0, 0.0)
    assert shown(hass, POWER, CURRENT_L1, OFFERED) == ("0.0", "0.0", "0.0")
    assert found.voltage_v == {Phase.L1: 230.1, Phase.L2: 230.2, Phase.L3: 230.3}
    assert (found.energy.total_wh, found.last_session_energy_wh) == (13500.0, 3500.0)
    assert shown(hass, "sensor.charger_cp1_session_energy") == ("3.5",)


@VERSIONS
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_leaving_charging_stops_the_flow_and_the_offer_as_ocpp_has_it(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """SuspendedEV: the car takes none of what is still offered. SuspendedEVSE: none is offered."""
    cp = await connect_charger("CP1")
    await start_charging(cp)
    found = connector(central)

    await cp.status(1, "SuspendedEV")
    await hass.async_block_till_done()
    assert flows(found) == (0.0, ZERO_CURRENTS, 16.0, 11000.0)
    assert shown(hass, POWER, CURRENT_L1, OFFERED) == ("0.0", "0.0", "16.0")

    await cp.status(1, "SuspendedEVSE")
    await hass.async_block_till_done()
    assert flows(found) == (0.0, ZERO_CURRENTS, 0.0, 0.0)

    # Charging again: the next readings count, and are shown as they come.
    await cp.status(1, "Charging")
    assert flows(found) == (0.0, ZERO_CURRENTS, 0.0, 0.0)
    await cp.meter_values(1, all_measurands(energy_wh=12500.0, power_w=3600.0))
    await hass.async_block_till_done()
    assert found.power_w == 3600.0
    assert shown(hass, POWER) == ("3.6",)
    assert found.energy.total_wh == 12500.0


@pytest.mark.parametrize("charger_version", ["1.6"])
async def test_finishing_without_a_stop_yet_stops_the_flow(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """1.6 Finishing may come before the StopTransaction: no current flows from then on."""
    cp = await connect_charger("CP1")
    await start_charging(cp)
    await cp.status(1, "Finishing")
    await hass.async_block_till_done()
    found = connector(central)
    assert flows(found) == (0.0, ZERO_CURRENTS, 0.0, 0.0)
    assert found.transaction is not None


@pytest.mark.parametrize("charger_version", ["2.0.1"])
async def test_readings_stand_where_only_the_status_is_repeated(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """A station that never tells its charging state shows Preparing while it charges.

    Only a change of status stops the flows: its readings stand through repeated statuses.
    """
    cp = await connect_charger("CP1")
    await cp.boot()
    await cp.status(1, "Preparing")
    await cp.start_transaction(1, "TAG-0001", 10000, "2026-11-25T08:00:00Z")
    await cp.meter_values(1, all_measurands())
    await cp.status(1, "Preparing")
    await hass.async_block_till_done()
    found = connector(central)
    assert (found.status, found.power_w) == ("preparing", 7200.0)


@pytest.mark.parametrize("charger_version", ["2.0.1"])
async def test_readings_of_the_event_that_suspends_are_taken_after_it(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """One TransactionEvent with a charging state and readings: the readings are as new."""
    cp = await connect_charger("CP1")
    await start_charging(cp)
    values = [
        {
            "timestamp": "2026-11-25T08:06:00Z",
            "sampled_value": [
                {
                    "value": 40.0,
                    "measurand": "Power.Active.Import",
                    "unit_of_measure": {"unit": "W"},
                }
            ],
        }
    ]
    await cp.transaction_event(
        "Updated", 1, "ChargingStateChanged", charging_state="SuspendedEV", meter_value=values
    )
    await hass.async_block_till_done()
    found = connector(central)
    assert (found.status, found.power_w, found.current_a) == ("suspended_ev", 40.0, ZERO_CURRENTS)
