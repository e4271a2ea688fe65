"""Reading the charge control's inputs from states (control_inputs.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from custom_components.ocpp_central.control.config import solar_settings
from custom_components.ocpp_central.control.core.modes import Strategy
from custom_components.ocpp_central.control.inputs import (
    PowerSource,
    Sources,
    departure,
    energy_needed_wh,
    read_power,
    sources_from_energy,
    sources_from_options,
)

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


async def test_power_units_signs_and_missing(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.a", "1.5", {"unit_of_measurement": "kW"})
    hass.states.async_set("sensor.b", "200", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.c", "unavailable")
    hass.states.async_set("sensor.d", "abc")
    watts, at = read_power(hass, PowerSource((("sensor.a", 1.0), ("sensor.b", -1.0))))
    assert watts == 1300 and at is not None
    assert read_power(hass, PowerSource((("sensor.c", 1.0),))) == (None, None)
    assert read_power(hass, PowerSource((("sensor.d", 1.0),))) == (None, None)
    assert read_power(hass, PowerSource((("sensor.none", 1.0),))) == (None, None)
    assert read_power(hass, None) == (None, None)


def test_sources_from_options() -> None:
    sources = sources_from_options(
        {
            "grid_power_entity": "sensor.g",
            "grid_power_sign": "positive_export",
            "battery_power_entity": "sensor.b",
            "battery_soc_entity": "sensor.s",
            "price_entity": "sensor.p",
            "pv_power_entity": "sensor.pv",
        }
    )
    assert sources.grid == PowerSource((("sensor.g", -1.0),))
    assert sources.battery == PowerSource((("sensor.b", 1.0),))
    assert sources.entity_ids() == {
        "grid": ("sensor.g",),
        "pv": ("sensor.pv",),
        "battery": ("sensor.b",),
        "battery_soc": ("sensor.s",),
        "price": ("sensor.p",),
    }
    assert (
        sources_from_options({"grid_source": "energy_dashboard", "grid_power_entity": "x"}).grid
        is None
    )
    assert Sources().entity_ids() == {}


def test_sources_from_the_energy_dashboard() -> None:
    preferences = {
        "energy_sources": [
            {
                "type": "grid",
                "power_config": {"stat_rate_from": "sensor.in", "stat_rate_to": "sensor.out"},
                "entity_energy_price": "sensor.price",
            },
            {"type": "grid", "power": [{"stat_rate": "sensor.legacy"}]},
            {"type": "solar", "stat_rate": "sensor.pv"},
            {
                "type": "battery",
                "power_config": {"stat_rate_inverted": "sensor.bat"},
                "stat_soc": "sensor.soc",
            },
            {"type": "gas"},
        ]
    }
    sources = sources_from_energy(preferences, {})
    assert sources.grid == PowerSource(
        (("sensor.in", 1.0), ("sensor.out", -1.0), ("sensor.legacy", 1.0))
    )
    assert sources.pv == PowerSource((("sensor.pv", 1.0),))
    assert sources.battery == PowerSource((("sensor.bat", 1.0),))
    assert (sources.battery_soc, sources.price) == ("sensor.soc", "sensor.price")
    # Entities chosen in the options win; nothing configured: nothing.
    chosen = sources_from_energy(preferences, {"price_entity": "sensor.mine"})
    assert chosen.price == "sensor.mine"
    assert sources_from_energy(None, {}) == Sources()


async def test_departure(hass: HomeAssistant) -> None:
    now = dt_util.as_local(NOW)
    assert departure(hass, {}, now) is None
    at_seven = departure(hass, {"departure_time": "07:00:00"}, now)
    assert at_seven is not None and at_seven > now and dt_util.as_local(at_seven).hour == 7
    assert at_seven - now < timedelta(days=1)
    assert departure(hass, {"departure_time": "nonsense"}, now) is None
    hass.states.async_set("input_datetime.d", "2026-11-26 06:30:00")
    moment = departure(hass, {"departure_entity": "input_datetime.d"}, now)
    assert moment is not None and moment.tzinfo is not None and moment.hour == 6
    hass.states.async_set("input_datetime.d", "2026-11-24 06:30:00")
    assert departure(hass, {"departure_entity": "input_datetime.d"}, now) is None
    hass.states.async_set("input_datetime.t", "05:15:00")
    assert departure(hass, {"departure_entity": "input_datetime.t"}, now).minute == 15  # type: ignore[union-attr]
    hass.states.async_set("input_datetime.u", "unknown")
    assert departure(hass, {"departure_entity": "input_datetime.u"}, now) is None
    hass.states.async_set("input_datetime.x", "soon")
    assert departure(hass, {"departure_entity": "input_datetime.x"}, now) is None


def test_energy_needed() -> None:
    assert energy_needed_wh({}, 50, 0) is None
    assert energy_needed_wh({"target_energy_kwh": 10}, None, 4000) == 6000
    assert energy_needed_wh({"target_energy_kwh": 10}, None, 12000) == 0
    needed = energy_needed_wh({"target_soc": 80, "car_capacity_kwh": 60}, 50, None)
    assert needed is not None and round(needed) == round(0.3 * 60000 / 0.9)
    # A SoC target without the car's SoC falls back to the energy target.
    assert (
        energy_needed_wh(
            {"target_soc": 80, "car_capacity_kwh": 60, "target_energy_kwh": 5}, None, 0
        )
        == 5000
    )


def test_settings_from_options() -> None:
    settings = solar_settings(
        {"fuse_limit_a": 25, "starts_per_day": 4.0, "strategy": "nonsense", "deadband_a": ""}, 45
    )
    assert settings.fuse_limit_a == 25 and settings.starts_per_day == 4
    assert settings.write_interval_s == 45 and settings.strategy is Strategy.PRIORITY
    assert settings.deadband_a == 0.1


@pytest.mark.parametrize(("percent", "share"), [(10, 0.1), (0, 0.0), (100, None), ("", 0.3)])
def test_cloud_guard_and_phase_switching_from_options(percent: object, share: float | None) -> None:
    settings = solar_settings(
        {
            "cloud_guard_percent": percent,
            "phase_up_delay_s": 120,
            "phase_down_delay_s": 15,
            "phase_switch_interval_s": 900,
        },
        30,
    )
    assert settings.cloud_start_share == share
    assert settings.phase_up_delay_s == 120
    assert settings.phase_down_delay_s == 15
    assert settings.phase_switch_interval_s == 900
