"""Setting up, retrying, unloading and removing the central system; removing chargers."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import json
from pathlib import Path
import socket
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from websockets.protocol import State

from custom_components.ocpp_central.const import CONF_SSL_CERTFILE, CONF_SSL_KEYFILE, DOMAIN
from tests.helpers.certs import client_context, make_certs
from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

EN = json.loads(
    (
        Path(__file__).parent.parent / "custom_components/ocpp_central/translations/en.json"
    ).read_text(encoding="utf-8")
)


def assert_translated(*path: str) -> None:
    """The English strings hold this key."""
    node: Any = EN
    for key in path:
        assert isinstance(node, dict), path
        assert key in node, f"missing translation {'.'.join(path)}"
        node = node[key]
    assert isinstance(node, str), path


def is_open(charger: SimCharger) -> bool:
    return bool(charger._connection.state is State.OPEN)


@pytest.fixture
def blocker(port: int) -> Generator[socket.socket]:
    """Another program listening on our port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    yield sock
    sock.close()


async def test_setup_and_unload(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    assert central.state is ConfigEntryState.LOADED
    charger = await connect("CP1")
    assert (await charger.boot()).status == "Accepted"
    assert hass.states.get("binary_sensor.charger_cp1_connected") is not None

    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    assert central.state is ConfigEntryState.NOT_LOADED
    await wait_for(lambda: not is_open(charger))
    # The port is free again.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Closed charger connections linger in TIME_WAIT; only a listener would stop this.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", central.data[CONF_PORT]))
        sock.listen()


async def test_port_in_use_retries_with_repair_issue(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    blocker: socket.socket,
    issue_registry: ir.IssueRegistry,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.error_reason_translation_key == "port_in_use"
    assert_translated("exceptions", "port_in_use", "message")

    issue_id = f"port_unavailable_{config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "port_unavailable"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["port"] == str(config_entry.data[CONF_PORT])
    assert_translated("issues", "port_unavailable", "title")
    assert_translated("issues", "port_unavailable", "description")

    # The other program goes away; the next retry succeeds, platforms and all.
    blocker.close()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=30))
    # The retry runs as a background task.
    await wait_for(lambda: config_entry.state is ConfigEntryState.LOADED)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert (await (await connect("CP1")).boot()).status == "Accepted"
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.charger_cp1_connected") is not None
    # The failed attempt left no platform behind to trip over.
    assert "Error setting up entry" not in caplog.text


async def test_address_unusable(
    hass: HomeAssistant, config_entry: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**config_entry.data, CONF_HOST: "192.0.2.1"},
        options=config_entry.options,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "cannot_listen"
    assert_translated("exceptions", "cannot_listen", "message")
    assert issue_registry.async_get_issue(DOMAIN, f"port_unavailable_{entry.entry_id}")


async def test_certificate_unusable(
    hass: HomeAssistant, config_entry: MockConfigEntry, tmp_path: Path
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={**config_entry.data, CONF_SSL_CERTFILE: str(tmp_path / "gone.pem")},
        options=config_entry.options,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "certificate_unusable"
    assert_translated("exceptions", "certificate_unusable", "message")


async def test_tls(
    hass: HomeAssistant, config_entry: MockConfigEntry, tmp_path: Path, connect: ConnectFn
) -> None:
    certs = make_certs(tmp_path)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            **config_entry.data,
            CONF_SSL_CERTFILE: str(certs.cert),
            CONF_SSL_KEYFILE: str(certs.key),
        },
        options=config_entry.options,
        subentries_data=[charger_subentry("CP1")],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    charger = await connect("CP1", scheme="wss", ssl_context=client_context(certs))
    assert (await charger.boot()).status == "Accepted"


async def test_remove_charger_device(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Deleting a charger's device in the UI removes the charger."""
    assert await async_setup_component(hass, "config", {})
    charger = await connect("CP1")
    await charger.boot()
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    response = await client.receive_json()
    assert response["success"], response
    await hass.async_block_till_done()

    assert central.subentries == {}
    assert device_registry.async_get(device.id) is None
    assert "CP1" not in central.runtime_data.coordinators
    await wait_for(lambda: not is_open(charger))


async def test_connector_device_is_not_removable(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A connector's device belongs to its charger: deleting it alone is refused."""
    assert await async_setup_component(hass, "config", {})
    charger = await connect("CP1")
    await charger.boot()
    for connector_id in (1, 2):
        await charger.call(
            call.StatusNotification(
                connector_id=connector_id, error_code="NoError", status="Available"
            )
        )
    await hass.async_block_till_done()
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP1_2"), central.entry_id)
    assert device is not None

    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    response = await client.receive_json()
    assert not response["success"]
    assert len(central.subentries) == 1
    assert device_registry.async_get(device.id) is not None


async def test_remove_other_device(
    hass: HomeAssistant,
    central: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A device without a charger subentry can go; the chargers stay."""
    assert await async_setup_component(hass, "config", {})
    device = device_registry.async_get_or_create(
        config_entry_id=central.entry_id, identifiers={(DOMAIN, "stray")}
    )
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device.id}
    )
    response = await client.receive_json()
    assert response["success"], response
    assert device_registry.async_get(device.id) is None
    assert len(central.subentries) == 1


async def test_remove_charger_subentry(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
) -> None:
    charger = await connect("CP1")
    await charger.boot()
    subentry_id = next(iter(central.subentries))
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None

    assert hass.config_entries.async_remove_subentry(central, subentry_id)
    await hass.async_block_till_done()
    assert device_registry.async_get(device.id) is None
    assert "CP1" not in central.runtime_data.coordinators
    await wait_for(lambda: not is_open(charger))


async def test_remove_entry_forgets_everything(
    hass: HomeAssistant,
    central: MockConfigEntry,
    hass_storage: dict[str, Any],
    issue_registry: ir.IssueRegistry,
) -> None:
    key = f"{DOMAIN}.{central.entry_id}"
    issue_id = f"port_unavailable_{central.entry_id}"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="port_unavailable",
    )
    assert await hass.config_entries.async_unload(central.entry_id)
    assert key in hass_storage

    await hass.config_entries.async_remove(central.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_title_change_keeps_server(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Only a change of the server settings restarts the server."""
    runtime = central.runtime_data
    hass.config_entries.async_update_entry(central, title="Garage OCPP")
    await hass.async_block_till_done()
    assert central.runtime_data is runtime

    hass.config_entries.async_update_entry(central, data={**central.data, CONF_HOST: "localhost"})
    await hass.async_block_till_done()
    assert central.state is ConfigEntryState.LOADED
    assert central.runtime_data is not runtime
