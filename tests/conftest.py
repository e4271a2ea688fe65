"""Fixtures every test folder shares: a real central system in a real hass, real charge points.

Plain helpers (the simulated chargers, subentries, waiting) live in tests/helpers/.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import logging
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.charging.engine import SmartCharging
from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
)
from tests.helpers.charger_v201 import Charger21, Charger201
from tests.helpers.connections import ConnectAnyFn, Connections, basic_auth, charger_url
from tests.helpers.scripted_charger import ConnectScripted, ScriptedCharger
from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.subentries import charger_subentry

# The recorder's SQL at INFO (the root logger's level in these tests) would reach stderr from
# its thread after a test's capture has ended: hundreds of lines of noise in the test output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Enable custom integrations in every test."""


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Each test's own config dir: the store's journal is a real file in its .storage."""
    return hass_tmp_config_dir


@pytest.fixture
def port(socket_enabled: None, unused_tcp_port: int) -> int:
    """A free loopback port for the central system."""
    return unused_tcp_port


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """Chargers configured in the central system entry (override per test module)."""
    return [charger_subentry("CP1")]


@pytest.fixture
def options() -> dict[str, Any]:
    """Options of the central system entry."""
    return {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "accept_all",
    }


@pytest.fixture
def config_entry(
    port: int, subentries: list[ConfigSubentryData], options: dict[str, Any]
) -> MockConfigEntry:
    """The central system's config entry, listening on 127.0.0.1."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"OCPP Central System (port {port})",
        data={
            "host": "127.0.0.1",
            "port": port,
            CONF_SSL_CERTFILE: "",
            CONF_SSL_KEYFILE: "",
        },
        options=options,
        subentries_data=subentries,
    )


@pytest.fixture
async def central(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The integration set up and listening."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


# --- simulated chargers ------------------------------------------------------------------


@pytest.fixture
async def connections() -> AsyncGenerator[Connections]:
    """Charger connections opened by the connect fixtures, closed at the end of the test."""
    opened = Connections()
    yield opened
    await opened.close_all()


@pytest.fixture
def connect(port: int, connections: Connections) -> ConnectFn:
    """Connect plain 1.6 chargers (tests/helpers/sim_charger.py)."""

    async def _connect(
        charger_id: str = "CP1",
        *,
        subprotocols: list[str] | None = None,
        password: str | None = None,
        username: str | None = None,
        scheme: str = "ws",
        ssl_context: Any = None,
    ) -> SimCharger:
        return await connections.open(
            SimCharger,
            charger_url(port, charger_id, scheme=scheme),
            charger_id,
            ["ocpp1.6"] if subprotocols is None else subprotocols,
            headers=None if password is None else basic_auth(username or charger_id, password),
            ssl_context=ssl_context,
        )

    return _connect


@pytest.fixture
def connect_scripted(port: int, connections: Connections) -> ConnectScripted:
    """Connect ScriptedCharger instances (answers scripted per action, calls recorded)."""

    async def _connect(charger_id: str = "CP1") -> ScriptedCharger:
        url = charger_url(port, charger_id)
        return await connections.open(ScriptedCharger, url, charger_id, ["ocpp1.6"])

    return _connect


@pytest.fixture
def quiet_charger(connect_scripted: ConnectScripted) -> ConnectScripted:
    """connect_scripted, by the name the charge-control tests use (no charger sends pings)."""
    return connect_scripted


# OCPP version → (simulated charger, the subprotocol it offers).
_VERSIONS: dict[str, tuple[type[Any], str]] = {
    "1.6": (ScriptedCharger, "ocpp1.6"),
    "2.0.1": (Charger201, "ocpp2.0.1"),
    "2.1": (Charger21, "ocpp2.1"),
}


def _connector(port: int, connections: Connections, default_version: str) -> ConnectAnyFn:
    async def _connect(
        charger_id: str = "CP1",
        *,
        version: str | None = None,
        subprotocols: list[str] | None = None,
        password: str | None = None,
    ) -> Any:
        make, subprotocol = _VERSIONS[version or default_version]
        return await connections.open(
            make,
            charger_url(port, charger_id),
            charger_id,
            [subprotocol] if subprotocols is None else subprotocols,
            headers=None if password is None else basic_auth(charger_id, password),
        )

    return _connect


@pytest.fixture
def connect_v201(port: int, connections: Connections) -> ConnectAnyFn:
    """Connect simulated 2.0.1 stations (tests/helpers/charger_v201.py); `version="2.1"` for 2.1."""
    return _connector(port, connections, "2.0.1")


@pytest.fixture
def charger_version() -> str:
    """OCPP version of the chargers connect_charger connects; parametrize to run over versions."""
    return "1.6"


@pytest.fixture
def connect_charger(port: int, charger_version: str, connections: Connections) -> ConnectAnyFn:
    """Connect a scripted charger of `charger_version` that speaks the driver steps (drivers.py).

    Parametrize charger_version ("1.6", "2.0.1", "2.1") to run a test over versions; see
    tests/csms/test_versions.py::test_same_entities_for_every_version.
    """
    return _connector(port, connections, charger_version)


# --- time moved on with freezegun ----------------------------------------------------------


@pytest.fixture
def hooked() -> Generator[None]:
    """No settling, no keepalive pings (the reason sensor is part of the sensor platform).

    Time is moved on with freezegun, which moves the event loop's clock too: keepalive pings would
    time out, so the server sends none (and the simulated chargers never do).
    """
    with (
        patch.object(SmartCharging, "settle_s", 0),
        patch("custom_components.ocpp_central.csms.server.PING_INTERVAL", None),
    ):
        yield


# --- entity platform tests (snapshots) ------------------------------------------------------


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot extension (syrupy's own fixture would shadow phcc's)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable every entity, also those disabled by default (phcc lacks core's fixture)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield
