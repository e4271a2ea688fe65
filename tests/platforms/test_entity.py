"""Devices: the charger's device from its BootNotification, and connector devices."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
import pkgutil
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity import EntityDescription
from ocpp.v16 import call
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central import (
    binary_sensor,
    button,
    event,
    number,
    select,
    sensor,
    switch,
    time,
)
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.model import ConnectorStatus
from custom_components.ocpp_central.entities import (
    control as control_entities,
    ev as ev_sensors,
    external_limit as external_limit_sensor,
    history as history_entities,
    limits as limit_entities,
    reason as control_sensors,
    session as control_session_sensors,
    upstream as upstream_entities,
)
from tests.helpers.sim_charger import ConnectFn, start_charging


def device_of(entity_registry: er.EntityRegistry, entity_id: str) -> str | None:
    entry = entity_registry.async_get(entity_id)
    assert entry is not None, entity_id
    return entry.device_id


async def test_device(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The charger is one device, described by its BootNotification, holding every entity."""
    await start_charging(hass, await connect("CP1"))
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    assert device == snapshot
    assert (device.manufacturer, device.model, device.serial_number, device.sw_version) == (
        "Acme",
        "Wallbox 1",
        "SN-1",
        "1.2.3",
    )
    assert {
        entry.device_id
        for entry in er.async_entries_for_config_entry(entity_registry, central.entry_id)
    } == {device.id}
    assert len(dr.async_entries_for_config_entry(device_registry, central.entry_id)) == 1


async def test_connectors_reported_at_boot_get_devices(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A two-connector station: each connector's entities on "<name> connector N" via the charger."""
    cp = await connect("CP1")
    await cp.boot()
    for connector_id in (0, 1, 2):
        await cp.call(
            call.StatusNotification(
                connector_id=connector_id, error_code="NoError", status="Available"
            )
        )
    await hass.async_block_till_done()
    charger = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert charger is not None
    connectors = {
        n: device_registry.async_get_device_by_identifier((DOMAIN, f"CP1_{n}"), central.entry_id)
        for n in (1, 2)
    }
    for n, device in connectors.items():
        assert device is not None
        assert device.name == f"Charger CP1 connector {n}"
        assert device.via_device_id == charger.id
        assert device.config_subentry_id == charger.config_subentry_id

    # Connector 1's entities existed before connector 2 was heard of: moved, ids kept.
    assert device_of(entity_registry, "sensor.charger_cp1_status") == connectors[1].id
    assert device_of(entity_registry, "binary_sensor.charger_cp1_charging") == connectors[1].id
    # Disabled entities move too.
    assert device_of(entity_registry, "sensor.charger_cp1_id_tag") == connectors[1].id
    assert device_of(entity_registry, "sensor.charger_cp1_connector_2_status") == connectors[2].id
    # Station entities stay on the charger.
    assert device_of(entity_registry, "sensor.charger_cp1_station_status") == charger.id
    assert device_of(entity_registry, "binary_sensor.charger_cp1_connected") == charger.id
    status = hass.states.get("sensor.charger_cp1_status")
    assert status is not None
    assert status.attributes["friendly_name"] == "Charger CP1 connector 1 Status"


async def test_second_connector_later(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A connector that shows up mid-session moves the first one's entities, values kept."""
    cp = await connect("CP1")
    await start_charging(hass, cp)
    charger = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert charger is not None
    assert device_of(entity_registry, "sensor.charger_cp1_charging_power") == charger.id

    await cp.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Available"))
    await hass.async_block_till_done()
    first = device_registry.async_get_device_by_identifier((DOMAIN, "CP1_1"), central.entry_id)
    assert first is not None
    assert device_of(entity_registry, "sensor.charger_cp1_charging_power") == first.id
    assert device_of(entity_registry, "sensor.charger_cp1_voltage_l1") == first.id
    power = hass.states.get("sensor.charger_cp1_charging_power")
    assert power is not None
    assert power.state == "7.2"
    assert power.attributes["friendly_name"] == "Charger CP1 connector 1 Charging power"


async def test_connector_devices_after_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The stored model knows both connectors: entities are created on their devices at once."""
    cp = await connect("CP1")
    await cp.boot()
    for connector_id in (1, 2):
        await cp.call(
            call.StatusNotification(
                connector_id=connector_id, error_code="NoError", status="Available"
            )
        )
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    for n, entity_id in (
        (1, "sensor.charger_cp1_status"),
        (2, "sensor.charger_cp1_connector_2_status"),
    ):
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, f"CP1_{n}"), central.entry_id
        )
        assert device is not None
        assert device_of(entity_registry, entity_id) == device.id
        assert hass.states.get(entity_id) is not None
    assert len(dr.async_entries_for_config_entry(device_registry, central.entry_id)) == 3


def _load(*parts: str) -> dict[str, Any]:
    path = Path(__file__).parents[2] / "custom_components" / "ocpp_central" / Path(*parts)
    return json.loads(path.read_text(encoding="utf-8"))


def _keys(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    return {key for name, sub in tree.items() for key in _keys(sub, f"{prefix}/{name}")}


def _defined_descriptions() -> dict[str, list[EntityDescription]]:
    """Every entity description at module level in the integration, by its platform."""
    import custom_components.ocpp_central as package

    found: dict[str, list[EntityDescription]] = {}
    seen: set[int] = set()
    for module_info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in list(vars(module).values()):
            items = value if isinstance(value, (tuple, list)) else (value,)
            for item in items:
                if not isinstance(item, EntityDescription) or id(item) in seen:
                    continue
                seen.add(id(item))
                platform = next(
                    cls.__module__.split(".")[2]
                    for cls in type(item).__mro__
                    if cls.__module__.startswith("homeassistant.components.")
                )
                found.setdefault(platform, []).append(item)
    return found


def test_names_states_and_icons_are_translated() -> None:
    """Every translation key, enum option and icon refers to a string in en.json."""
    entity_strings = _load("translations", "en.json")["entity"]
    icons = _load("icons.json")["entity"]
    platforms = {
        "sensor": (
            *sensor.CHARGER_SENSORS,
            *sensor.CONNECTOR_SENSORS,
            *limit_entities.LIMIT_SENSORS,
            *ev_sensors.EV_SENSORS,
            *external_limit_sensor.EXTERNAL_LIMIT_SENSORS,
            *control_sensors.CONTROL_SENSORS,
            *control_session_sensors.SESSION_SENSORS,
            *history_entities.ID_TAG_SENSORS,
            *upstream_entities.UPSTREAM_SENSORS,
        ),
        "binary_sensor": (
            *binary_sensor.CHARGER_BINARY_SENSORS,
            *binary_sensor.CONNECTOR_BINARY_SENSORS,
        ),
        "button": (
            *button.CHARGER_BUTTONS,
            *button.CONNECTOR_BUTTONS,
            control_entities.CLEAR_DEPARTURE,
        ),
        "event": event.CHARGER_EVENTS,
        "number": (*number.CHARGER_NUMBERS, *number.CONNECTOR_NUMBERS, *number.CONTROL_NUMBERS),
        "switch": (*switch.CHARGER_SWITCHES, *switch.CONNECTOR_SWITCHES),
        "select": (select.CHARGE_MODE,),
        "time": (time.DEPARTURE_TIME,),
        "calendar": (history_entities.SESSION_CALENDAR,),
    }
    # Every description the integration defines is listed above: a new family cannot be left out.
    listed = {id(d) for descriptions in platforms.values() for d in descriptions}
    missing = {
        f"{platform}/{d.translation_key}"
        for platform, found in _defined_descriptions().items()
        for d in found
        if id(d) not in listed
    }
    assert not missing
    for platform, descriptions in platforms.items():
        strings = entity_strings[platform]
        keys = {description.translation_key for description in descriptions}
        assert set(strings) == keys, platform
        assert set(icons[platform]) <= keys, platform
        for description in descriptions:
            options = getattr(description, "options", None) or []
            assert set(strings[description.translation_key].get("state", {})) == set(options)
            assert set(icons[platform].get(description.translation_key, {}).get("state", {})) <= (
                set(options) or {"on", "off"}
            )


def test_swedish_translation_is_complete() -> None:
    """sv.json has every string en.json has, with the same placeholders."""
    english = _load("translations", "en.json")
    swedish = _load("translations", "sv.json")
    assert _keys(swedish) == _keys(english)

    def placeholders(tree: Any, prefix: str = "") -> dict[str, set[str]]:
        if isinstance(tree, dict):
            found: dict[str, set[str]] = {}
            for name, sub in tree.items():
                found |= placeholders(sub, f"{prefix}/{name}")
            return found
        return {prefix: set(re.findall(r"\{(\w+)\}", tree))}

    assert placeholders(swedish) == placeholders(english)


async def test_main_meter_of_multi_connector_station_has_no_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    entity_registry: er.EntityRegistry,
) -> None:
    """Connector 0 (the station's main meter) of a multi-connector station gets no entities."""
    cp = await connect("CP1")
    await cp.boot()
    for connector_id in (1, 2):
        await cp.call(
            call.StatusNotification(
                connector_id=connector_id, error_code="NoError", status="Available"
            )
        )
    before = len(er.async_entries_for_config_entry(entity_registry, central.entry_id))
    await cp.call(
        call.MeterValues(
            connector_id=0,
            meter_value=[
                {
                    "timestamp": "2026-11-25T08:00:00Z",
                    "sampledValue": [{"value": "99000", "unit": "Wh"}],
                }
            ],
        )
    )
    await hass.async_block_till_done()
    coordinator = central.runtime_data.coordinators["CP1"]
    assert 0 in coordinator.charger.connectors
    assert len(er.async_entries_for_config_entry(entity_registry, central.entry_id)) == before
    assert not [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, central.entry_id)
        if entry.unique_id.startswith("CP1_0_")
    ]


async def test_connectors_appearing_in_one_burst(
    hass: HomeAssistant,
    central: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Connector 2 appearing before connector 1's entities were added: they are on its device.

    Entities are added paced (pacing.py), so both connectors are seen before any is added and
    connector 1's entities are created on their connector device (entity ids named after it).
    """
    coordinator = central.runtime_data.coordinators["CP1"]
    charger = coordinator.charger
    charger.connector(1).status = ConnectorStatus.AVAILABLE
    central.runtime_data.changed(charger)
    # No await in between: nothing else runs before connector 2 appears.
    charger.connector(2).status = ConnectorStatus.AVAILABLE
    central.runtime_data.changed(charger)
    await hass.async_block_till_done()
    first = device_registry.async_get_device_by_identifier((DOMAIN, "CP1_1"), central.entry_id)
    assert first is not None
    status = entity_registry.async_get_entity_id("sensor", DOMAIN, "CP1_1_status")
    charging = entity_registry.async_get_entity_id("binary_sensor", DOMAIN, "CP1_1_charging")
    assert device_of(entity_registry, str(status)) == first.id
    assert device_of(entity_registry, str(charging)) == first.id
