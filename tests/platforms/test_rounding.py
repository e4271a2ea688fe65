"""Measurements are shown at the precision they carry; energy is never rounded.

A meter's noise below that precision (a few W, hundredths of an amp) is no new state: no write,
so no recorder row. The energy registers and the session energy stay exact to the Wh, so the
Energy dashboard and the session figures do not change.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.const import EVENT_STATE_CHANGED, Platform
from homeassistant.core import Event, HomeAssistant, callback
from ocpp.v16 import call
import pytest

from tests.helpers.sim_charger import ConnectFn, start_charging

S = "sensor.charger_cp1_"


@pytest.fixture(autouse=True)
def sensor_platform_only() -> Generator[None]:
    """Load only the sensor platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.SENSOR]):
        yield


def reading(
    energy_wh: float, power_w: float, amps: float, volts: float, celsius: float, soc: float
) -> call.MeterValues:
    sampled: list[dict[str, Any]] = [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        {"value": str(soc), "measurand": "SoC", "unit": "Percent", "location": "EV"},
        {"value": str(celsius), "measurand": "Temperature", "unit": "Celsius"},
    ]
    for n in (1, 2, 3):
        sampled.append(
            {"value": str(amps), "measurand": "Current.Import", "unit": "A", "phase": f"L{n}"}
        )
        sampled.append(
            {"value": str(volts), "measurand": "Voltage", "unit": "V", "phase": f"L{n}-N"}
        )
    return call.MeterValues(
        connector_id=1, meter_value=[{"timestamp": "2026-11-25T08:06:00Z", "sampledValue": sampled}]
    )


def shown(hass: HomeAssistant, suffix: str) -> str:
    found = hass.states.get(S + suffix)
    assert found is not None, suffix
    return found.state


@pytest.mark.usefixtures("central", "entity_registry_enabled_by_default")
async def test_noise_below_the_precision_writes_only_energy(
    hass: HomeAssistant, connect: ConnectFn
) -> None:
    """Power to 10 W, current 0.1 A, voltage 1 V, temperature 0.5 °C, SoC 1 %; energy to the Wh."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    await cp.call(reading(12_345.4, 7_203.7, 10.12, 230.4, 31.6, 55.2))
    await hass.async_block_till_done()
    assert {
        key: shown(hass, key)
        for key in (
            "charging_power",
            "current_l1",
            "voltage_l1",
            "temperature",
            "state_of_charge",
            "lifetime_energy",
            "session_energy",
        )
    } == {
        "charging_power": "7.2",
        "current_l1": "10.1",
        "voltage_l1": "230.0",
        "temperature": "31.5",
        "state_of_charge": "55.0",
        "lifetime_energy": "12.345",
        "session_energy": "2.345",
    }
    power = hass.states.get(S + "charging_power")
    assert power is not None and power.attributes["unit_of_measurement"] == "kW"

    changed: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"].startswith(S):
            changed.append(event.data["entity_id"].removeprefix(S))

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    # Noise everywhere, 3 Wh more energy: only the energy sensors change, to the Wh.
    await cp.call(reading(12_348.4, 7_198.2, 10.08, 229.7, 31.4, 54.9))
    await hass.async_block_till_done()
    assert sorted(changed) == ["lifetime_energy", "session_energy"]
    assert (shown(hass, "lifetime_energy"), shown(hass, "session_energy")) == ("12.348", "2.348")

    # A real change of each measurement is shown.
    changed.clear()
    await cp.call(reading(12_351.0, 3_600.0, 5.2, 236.0, 33.0, 56.0))
    await hass.async_block_till_done()
    assert (shown(hass, "charging_power"), shown(hass, "current_l1")) == ("3.6", "5.2")
    assert (shown(hass, "voltage_l1"), shown(hass, "temperature")) == ("236.0", "33.0")
    assert shown(hass, "state_of_charge") == "56.0"
    assert (shown(hass, "lifetime_energy"), shown(hass, "session_energy")) == ("12.351", "2.351")
