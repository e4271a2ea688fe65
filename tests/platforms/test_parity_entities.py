"""Entity parity: a 2.0.1 charger shows the same entities, with the same values, as a 1.6 one.

Every test runs over both versions with one charger driver each (tests/drivers.py) and the same
expectations; the only thing allowed to differ is the transaction id, which is ours (an int) on 1.6
and the charger's (a string) on 2.0.1 - the sensor shows either as a string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
)
from tests.helpers.drivers import start_charging
from tests.helpers.subentries import charger_subentry, id_tag_subentry
from tests.helpers.waiting import wait_for

type Connect = Callable[..., Awaitable[Any]]

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
NOW = "2026-11-25T08:05:00+00:00"
EVENT = "event.charger_cp1_id_tag_presented"
# The platforms of issue 4's parity (the charge-mode select belongs to the control issue).
PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]

# Every entity of a charging three-phase charger, its state and unit, whatever the version.
CHARGING: dict[str, tuple[str, str | None]] = {
    "binary_sensor.charger_cp1_cable_plugged_in": (STATE_ON, None),
    "binary_sensor.charger_cp1_charging": (STATE_ON, None),
    "binary_sensor.charger_cp1_connected": (STATE_ON, None),
    "binary_sensor.charger_cp1_problem": (STATE_OFF, None),
    "button.charger_cp1_clear_departure": (STATE_UNKNOWN, None),
    "button.charger_cp1_hard_restart": (STATE_UNKNOWN, None),
    "button.charger_cp1_refresh_status": (STATE_UNKNOWN, None),
    "button.charger_cp1_restart": (STATE_UNKNOWN, None),
    "button.charger_cp1_unlock_cable": (STATE_UNKNOWN, None),
    EVENT: ("2026-11-25T08:05:00.000+00:00", None),
    "number.charger_cp1_charge_priority": ("0.0", None),
    # No limit set: the maximum current; applied, what the charger offers.
    "number.charger_cp1_current_limit": ("32.0", "A"),
    "number.charger_cp1_station_maximum_current": (STATE_UNKNOWN, "A"),
    "number.charger_cp1_target_energy": ("0.0", "kWh"),
    "sensor.charger_cp1_applied_limit": ("16.0", "A"),
    "sensor.charger_cp1_limit_obeyed": ("no_limit", None),
    "sensor.charger_cp1_charging_power": ("7.2", "kW"),
    "sensor.charger_cp1_control_reason": ("external", None),
    "sensor.charger_cp1_current_l1": ("10.1", "A"),
    "sensor.charger_cp1_current_l2": ("10.2", "A"),
    "sensor.charger_cp1_current_l3": ("10.3", "A"),
    "sensor.charger_cp1_current_offered": ("16.0", "A"),
    "sensor.charger_cp1_error": ("no_error", None),
    "sensor.charger_cp1_firmware_status": (STATE_UNKNOWN, None),
    "sensor.charger_cp1_frequency": ("50.02", "Hz"),
    "sensor.charger_cp1_id_tag": ("TAG-0001", None),
    "sensor.charger_cp1_last_heartbeat": (NOW, None),
    "sensor.charger_cp1_lifetime_energy": ("12.345", "kWh"),
    "sensor.charger_cp1_limit_reason": ("no_limit", None),
    "sensor.charger_cp1_power_offered": ("11.0", "kW"),
    "sensor.charger_cp1_session_energy": ("2.345", "kWh"),
    "sensor.charger_cp1_state_of_charge": ("55.0", "%"),
    "sensor.charger_cp1_station_error": ("no_error", None),
    "sensor.charger_cp1_station_status": ("available", None),
    "sensor.charger_cp1_status": ("charging", None),
    "sensor.charger_cp1_temperature": ("31.5", "°C"),
    "sensor.charger_cp1_transaction": ("<transaction id>", None),
    "sensor.charger_cp1_vehicle_state": ("c", None),
    "sensor.charger_cp1_voltage_l1": ("230.0", "V"),
    "sensor.charger_cp1_voltage_l2": ("230.0", "V"),
    "sensor.charger_cp1_voltage_l3": ("230.0", "V"),
    "switch.charger_cp1_availability": (STATE_ON, None),
    "switch.charger_cp1_charge": (STATE_ON, None),
}
# After the session ended and the car left: what changed (nothing flows or is offered any more).
ENDED: dict[str, str] = {
    "binary_sensor.charger_cp1_cable_plugged_in": STATE_OFF,
    "binary_sensor.charger_cp1_charging": STATE_OFF,
    "sensor.charger_cp1_charging_power": "0.0",
    "sensor.charger_cp1_current_l1": "0.0",
    "sensor.charger_cp1_current_l2": "0.0",
    "sensor.charger_cp1_current_l3": "0.0",
    "sensor.charger_cp1_current_offered": "0.0",
    "sensor.charger_cp1_applied_limit": "32.0",
    "sensor.charger_cp1_power_offered": "0.0",
    "sensor.charger_cp1_id_tag": STATE_UNKNOWN,
    "sensor.charger_cp1_lifetime_energy": "13.5",
    "sensor.charger_cp1_session_energy": "3.5",
    "sensor.charger_cp1_status": "available",
    "sensor.charger_cp1_transaction": STATE_UNKNOWN,
    "sensor.charger_cp1_vehicle_state": "a",
    "switch.charger_cp1_charge": STATE_OFF,
}
# Entities that stay available while the charger is away.
STAYS_AVAILABLE = {
    "binary_sensor.charger_cp1_connected": STATE_OFF,
    # The controller's settings of a connector can be changed while the charger is away.
    "number.charger_cp1_charge_priority": "0.0",
    "number.charger_cp1_target_energy": "0.0",
    "button.charger_cp1_clear_departure": STATE_UNKNOWN,
}


@pytest.fixture(autouse=True)
def parity_platforms() -> Generator[None]:
    """Load the entity platforms under comparison."""
    with patch("custom_components.ocpp_central.PLATFORMS", PLATFORMS):
        yield


@pytest.fixture
def subentries() -> list[Any]:
    """CP1 and one id tag on the allow list."""
    return [charger_subentry("CP1"), id_tag_subentry("TAG-0001", "Anna")]


@pytest.fixture
def options() -> dict[str, Any]:
    """Only allow-listed tags may charge."""
    return {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "allow_list",
    }


def states(hass: HomeAssistant) -> dict[str, str]:
    """Every entity's state, but the id tag's energy (the session history's: tests/history)."""
    return {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if not state.entity_id.startswith("sensor.anna_energy_")
    }


def expected_charging(transaction_id: int | str) -> dict[str, str]:
    found = {entity_id: value for entity_id, (value, _) in CHARGING.items()}
    return found | {"sensor.charger_cp1_transaction": str(transaction_id)}


@VERSIONS
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_same_entities_and_values(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Connect,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The same session gives the same entity set, states and units; so does its end."""
    freezer.move_to(NOW)
    cp = await connect_charger("CP1")
    tx = await start_charging(cp)
    await hass.async_block_till_done()
    assert states(hass) == expected_charging(tx)
    units = {
        s.entity_id: s.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        for s in hass.states.async_all()
        if s.entity_id in states(hass)
    }
    assert units == {entity_id: unit for entity_id, (_, unit) in CHARGING.items()}
    # The transaction id as a string: ours ("1") on 1.6, the charger's ("TX-0001") on 2.0.1.
    assert (
        hass.states.get("sensor.charger_cp1_transaction").state
        == {  # type: ignore[union-attr]
            "1.6": "1",
            "2.0.1": "TX-0001",
        }[cp.version]
    )

    await cp.stop_transaction(tx, 13500, "2026-11-25T09:00:00Z")
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    assert states(hass) == expected_charging(tx) | ENDED


@VERSIONS
async def test_same_device(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """The BootNotification fills the same device registry entry."""
    cp = await connect_charger("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    found = (device.manufacturer, device.model, device.serial_number, device.sw_version)
    assert found == ("Acme", "Wallbox 1", "SN-1", "1.2.3")


@VERSIONS
async def test_unavailable_while_disconnected_and_back_on_reconnect(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """Away: every entity but connectivity is unavailable. Back: the same values as before."""
    cp = await connect_charger("CP1")
    await start_charging(cp)
    await hass.async_block_till_done()
    before = states(hass)
    assert set(before) == set(CHARGING) - {
        # Disabled by default (enabled in the test above).
        "button.charger_cp1_hard_restart",
        "sensor.charger_cp1_firmware_status",
        "sensor.charger_cp1_id_tag",
        "sensor.charger_cp1_last_heartbeat",
        "sensor.charger_cp1_frequency",
        "sensor.charger_cp1_power_offered",
        "sensor.charger_cp1_current_l1",
        "sensor.charger_cp1_current_l2",
        "sensor.charger_cp1_current_l3",
        "sensor.charger_cp1_temperature",
        "sensor.charger_cp1_voltage_l1",
        "sensor.charger_cp1_voltage_l2",
        "sensor.charger_cp1_voltage_l3",
    }

    coordinator = central.runtime_data.coordinators["CP1"]
    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    await hass.async_block_till_done()
    assert states(hass) == dict.fromkeys(before, STATE_UNAVAILABLE) | STAYS_AVAILABLE

    await (await connect_charger("CP1")).boot()
    await hass.async_block_till_done()
    assert states(hass) == before


@VERSIONS
async def test_tag_event_on_authorize_and_session_start(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_charger: Connect,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Authorize fires the event with the verdict; a session's tag fires it with its connector."""
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    cp = await connect_charger("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    assert hass.states.get(EVENT).state == STATE_UNKNOWN  # type: ignore[union-attr]

    seen = []
    for n, tag in enumerate(("tag-0001", "STRANGER", None)):
        freezer.move_to(f"2026-11-25T08:0{n}:00+00:00")
        if tag is None:
            answer = "Accepted"  # the session's own tag
            await cp.start_transaction(1, "TAG-0001", 0, "2026-11-25T08:02:00Z")
        else:
            answer = await cp.authorize(tag)
        await hass.async_block_till_done()
        state = hass.states.get(EVENT)
        assert state is not None
        keys = ("event_type", "tag", "holder", "charger", "connector")
        seen.append((answer, state.state, *(state.attributes[k] for k in keys)))
    assert seen == [
        ("Accepted", "2026-11-25T08:00:00.000+00:00", "accepted", "tag-0001", "Anna", "CP1", None),
        ("Invalid", "2026-11-25T08:01:00.000+00:00", "rejected", "STRANGER", None, "CP1", None),
        ("Accepted", "2026-11-25T08:02:00.000+00:00", "accepted", "TAG-0001", "Anna", "CP1", 1),
    ]


# 1.6 status word the driver reports (2.0.1: connector status + charging state) → what is shown.
STATUS_WORDS = [
    ("Available", "available", STATE_OFF, STATE_OFF),
    ("Preparing", "preparing", STATE_ON, STATE_OFF),
    ("Charging", "charging", STATE_ON, STATE_ON),
    ("SuspendedEV", "suspended_ev", STATE_ON, STATE_OFF),
    ("SuspendedEVSE", "suspended_evse", STATE_ON, STATE_OFF),
    ("Charging", "charging", STATE_ON, STATE_ON),
    ("Finishing", "finishing", STATE_ON, STATE_OFF),  # the session ended, the cable is still in
    ("Available", "available", STATE_OFF, STATE_OFF),
    ("Unavailable", "unavailable", STATE_OFF, STATE_OFF),
    ("Faulted", "faulted", STATE_OFF, STATE_OFF),
]


@VERSIONS
async def test_status_words(
    hass: HomeAssistant, central: MockConfigEntry, connect_charger: Connect
) -> None:
    """Status, plugged in and charging follow a session through every state alike."""
    cp = await connect_charger("CP1")
    await cp.boot()
    watched = (
        "sensor.charger_cp1_status",
        "binary_sensor.charger_cp1_cable_plugged_in",
        "binary_sensor.charger_cp1_charging",
    )
    tx = None
    seen = []
    for word, *_ in STATUS_WORDS:
        if word == "Charging" and tx is None:
            tx = await cp.start_transaction(1, "TAG-0001", 0, "2026-11-25T08:00:00Z")
        if word == "Finishing":
            await cp.stop_transaction(tx, 1000, "2026-11-25T09:00:00Z")
        await cp.status(1, word)
        await hass.async_block_till_done()
        seen.append((word, *(hass.states.get(e).state for e in watched)))  # type: ignore[union-attr]
    assert seen == STATUS_WORDS
