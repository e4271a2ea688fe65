"""What a charging connector writes per meter message: the states the recorder stores a row of.

Issue 16: a charging connector wrote ~7 states per 10 s reading (power, session and lifetime
energy, three phase currents, temperature): ~2,520 recorder rows per charger-hour. The phase
currents and the charger's temperature are diagnostics now, disabled by default; what the Energy
dashboard and the session figures read is written as before.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.helpers.sim_charger import ConnectFn, all_measurands, start_charging

S = "sensor.charger_cp1_"
# Issue 16's goal: at most half of the ~2,520 rows a charging charger wrote per hour.
ROWS_PER_CHARGING_HOUR = 2520 // 2


def reading(energy_wh: float, power_w: float, shift: float, timestamp: str) -> list[dict[str, Any]]:
    """A reading whose phase currents, voltages and temperature all moved by `shift`."""
    (meter_value,) = all_measurands(energy_wh, power_w, timestamp)
    for sampled in meter_value["sampledValue"]:
        if sampled["measurand"] in ("Current.Import", "Voltage", "Temperature"):
            sampled["value"] = str(round(float(sampled["value"]) + shift, 1))
    return [meter_value]


@pytest.mark.usefixtures("central")
async def test_one_reading_writes_power_and_energy_only(
    hass: HomeAssistant, connect: ConnectFn, entity_registry: er.EntityRegistry
) -> None:
    """A reading where everything moved writes 3 states: power, session and lifetime energy.

    (The session calendar is written when its headline's 0.1 kWh changes; these stay in 2.3.)
    """
    cp = await connect("CP1")
    transaction_id = await start_charging(hass, cp)
    written: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        written.append(event.data["entity_id"])

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    for n, (energy_wh, power_w, shift) in enumerate(
        ((12346.0, 7260.0, 1.0), (12347.0, 7310.0, 2.0), (12348.0, 7370.0, 3.0)), start=1
    ):
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=transaction_id,
                meter_value=reading(energy_wh, power_w, shift, f"2026-11-25T08:05:{10 * n}Z"),
            )
        )
        await hass.async_block_till_done()
    unsubscribe()

    assert sorted(written) == sorted(
        3 * [f"{S}charging_power", f"{S}session_energy", f"{S}lifetime_energy"]
    )
    # There, and what moved at every reading: off by default, still one click away.
    for key in ("current_l1", "current_l2", "current_l3", "temperature"):
        entry = entity_registry.async_get(S + key)
        assert entry is not None, key
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
        assert hass.states.get(S + key) is None, key

    # The Energy dashboard's meter and the session's figure, exact to the Wh.
    lifetime = hass.states.get(f"{S}lifetime_energy")
    session = hass.states.get(f"{S}session_energy")
    assert lifetime is not None and session is not None
    assert (lifetime.state, session.state) == ("12.348", "2.348")
    for state in (lifetime, session):
        assert state.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENERGY
        assert state.attributes[ATTR_STATE_CLASS] == SensorStateClass.TOTAL_INCREASING
        assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    power = hass.states.get(f"{S}charging_power")
    assert power is not None
    assert power.state == "7.37"


@pytest.mark.usefixtures("central")
async def test_noise_below_the_precision_writes_nothing(
    hass: HomeAssistant, connect: ConnectFn
) -> None:
    """Power within its 10 W step and an unchanged register: the reading is no news."""
    cp = await connect("CP1")
    transaction_id = await start_charging(hass, cp)
    written: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        written.append(event.data["entity_id"])

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=transaction_id,
            meter_value=reading(12345.0, 7203.0, 0.02, "2026-11-25T08:05:10Z"),
        )
    )
    await hass.async_block_till_done()
    unsubscribe()
    assert written == []


@pytest.mark.usefixtures("central")
async def test_rows_per_charging_charger_hour(
    hass: HomeAssistant, connect: ConnectFn, freezer: FrozenDateTimeFactory
) -> None:
    """Ten minutes of readings every 10 s, as bench/scale_fleet.py sends them: at most half.

    7.4 kW with a few tens of watts of noise, 10.7 A +- 0.3 A per phase, 30 +- 1 C; every state
    written (also the calendar's, whose running event ends a minute ahead) is a recorder row.
    Measured: 2,340 rows an hour with the phase currents and temperature enabled, 1,122 without.
    """
    # start_charging's reading is stamped 08:05: later ones follow it.
    start = datetime(2026, 11, 25, 8, 5, tzinfo=UTC)
    freezer.move_to(start)
    cp = await connect("CP1")
    transaction_id = await start_charging(hass, cp)
    rng = random.Random(16)
    written: Counter[str] = Counter()

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        written[event.data["entity_id"]] += 1

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    energy_wh = 12345.0
    readings = 60
    for n in range(1, readings + 1):
        freezer.tick(timedelta(seconds=10))
        async_fire_time_changed(hass)
        power_w = 7400 + rng.uniform(-40, 40)
        energy_wh += power_w * 10 / 3600
        (meter_value,) = all_measurands(
            round(energy_wh, 1), round(power_w, 1), (start + timedelta(seconds=10 * n)).isoformat()
        )
        for sampled in meter_value["sampledValue"]:
            if sampled["measurand"] == "Current.Import":
                sampled["value"] = str(round(10.7 + rng.uniform(-0.3, 0.3), 2))
            elif sampled["measurand"] == "Temperature":
                sampled["value"] = str(round(30 + rng.uniform(-1, 1), 1))
        await cp.call(
            call.MeterValues(
                connector_id=1, transaction_id=transaction_id, meter_value=[meter_value]
            )
        )
        await hass.async_block_till_done()
    unsubscribe()

    per_hour = sum(written.values()) * 3600 // (readings * 10)
    assert per_hour <= ROWS_PER_CHARGING_HOUR, written
    # The energy the Energy dashboard and the session figures read: at every reading, exact.
    assert (written[f"{S}session_energy"], written[f"{S}lifetime_energy"]) == (readings, readings)
    lifetime = hass.states.get(f"{S}lifetime_energy")
    session = hass.states.get(f"{S}session_energy")
    assert lifetime is not None and session is not None
    assert float(lifetime.state) == round(round(energy_wh, 1) / 1000, 3)
    assert float(session.state) == round((round(energy_wh, 1) - 10000) / 1000, 3)
    # Power at its 10 W precision: written when that changes.
    power = hass.states.get(f"{S}charging_power")
    assert power is not None
    assert float(power.state) == round(round(power_w, -1) / 1000, 2)
    assert 0 < written[f"{S}charging_power"] <= readings
