"""Config flow: central system (user, reconfigure, options), chargers (subentries, discovery)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
import json
from pathlib import Path
import socket
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentry,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from websockets.exceptions import InvalidStatus
from websockets.protocol import State

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_CHARGER_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_ID_TAG,
    CONF_MAX_CURRENT,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
    SUBENTRY_CHARGER,
    SUBENTRY_ID_TAG,
)
from tests.helpers.certs import CertFiles, make_certs
from tests.helpers.connections import Connections, charger_url
from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.waiting import wait_for

EN = json.loads(
    (Path(__file__).parents[2] / "custom_components/ocpp_central/translations/en.json").read_text(
        encoding="utf-8"
    )
)


def assert_translated(*path: str) -> None:
    """The English strings hold this key."""
    node: Any = EN
    for key in path:
        assert isinstance(node, dict), path
        assert key in node, f"missing translation {'.'.join(path)}"
        node = node[key]
    assert isinstance(node, str), path
    assert node.strip()


def assert_errors_translated(section: str, errors: dict[str, str]) -> None:
    for error in errors.values():
        assert_translated(*section.split("."), "error", error)


def user_input(port: int, **overrides: Any) -> dict[str, Any]:
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_UNKNOWN_CHARGERS: "ask",
        **overrides,
    }


@pytest.fixture
def certs(tmp_path: Path) -> CertFiles:
    return make_certs(tmp_path)


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Flow-only tests: the central system does not start."""
    with patch("custom_components.ocpp_central.async_setup_entry", return_value=True) as mock_setup:
        yield mock_setup


@pytest.fixture
def blocker() -> Generator[Callable[[int], socket.socket]]:
    """Another program listening on a port."""
    opened: list[socket.socket] = []

    def _block(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", port))
        sock.listen()
        opened.append(sock)
        return sock

    yield _block
    for sock in opened:
        sock.close()


ConnectToFn = Callable[[int, str], Awaitable[SimCharger]]


@pytest.fixture
def connect_to(connections: Connections) -> ConnectToFn:
    """Connect a simulated charger to any port."""

    async def _connect(port: int, charger_id: str) -> SimCharger:
        url = charger_url(port, charger_id, path="/")
        return await connections.open(SimCharger, url, charger_id, ["ocpp1.6"])

    return _connect


def is_open(charger: SimCharger) -> bool:
    return bool(charger._connection.state is State.OPEN)


# --- user step ---------------------------------------------------------------------


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_creates_entry(hass: HomeAssistant, port: int) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(port, **{CONF_HOST: " 127.0.0.1 "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"OCPP Central System (port {port})"
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_SSL_CERTFILE: "",
        CONF_SSL_KEYFILE: "",
    }
    assert isinstance(result["data"][CONF_PORT], int)
    assert result["options"] == {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "accept_all",
    }
    assert_translated("config", "step", "user", "title")


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_port_in_use(
    hass: HomeAssistant, port: int, blocker: Callable[[int], socket.socket]
) -> None:
    sock = blocker(port)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input(port))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PORT: "port_in_use"}
    assert_errors_translated("config", result["errors"])

    sock.close()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input(port))
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({CONF_HOST: "192.0.2.1"}, {CONF_HOST: "cannot_bind"}),
        ({CONF_SSL_KEYFILE: "key"}, {CONF_SSL_CERTFILE: "certificate_required"}),
        ({CONF_SSL_CERTFILE: "missing.pem"}, {CONF_SSL_CERTFILE: "certificate_unreadable"}),
        ({CONF_SSL_CERTFILE: "."}, {CONF_SSL_CERTFILE: "certificate_unreadable"}),
        (
            {CONF_SSL_CERTFILE: "cert", CONF_SSL_KEYFILE: "missing.key"},
            {CONF_SSL_KEYFILE: "certificate_unreadable"},
        ),
        (
            {CONF_SSL_CERTFILE: "cert", CONF_SSL_KEYFILE: "other_key"},
            {CONF_SSL_KEYFILE: "certificate_mismatch"},
        ),
        ({CONF_SSL_CERTFILE: "cert"}, {CONF_SSL_CERTFILE: "certificate_mismatch"}),
        ({CONF_SSL_CERTFILE: "garbage"}, {CONF_SSL_CERTFILE: "certificate_mismatch"}),
    ],
)
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_errors_recover(
    hass: HomeAssistant,
    port: int,
    certs: CertFiles,
    tmp_path: Path,
    overrides: dict[str, str],
    errors: dict[str, str],
) -> None:
    """Each error shows on its field; valid input afterwards creates the entry."""
    paths = {
        "cert": str(certs.cert),
        "key": str(certs.key),
        "other_key": str(certs.other_key),
        "garbage": str(certs.garbage),
        "missing.pem": str(tmp_path / "missing.pem"),
        "missing.key": str(tmp_path / "missing.key"),
        ".": str(tmp_path),
    }
    bad = {
        field: paths.get(value, value) if field != CONF_HOST else value
        for field, value in overrides.items()
    }
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(port, **bad)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert_errors_translated("config", result["errors"])

    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input(port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SSL_CERTFILE] == ""


@pytest.mark.parametrize("separate_key", [True, False])
@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_tls(
    hass: HomeAssistant, port: int, certs: CertFiles, separate_key: bool
) -> None:
    cert = certs.cert if separate_key else certs.combined
    key = str(certs.key) if separate_key else ""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        user_input(port, **{CONF_SSL_CERTFILE: f" {cert} ", CONF_SSL_KEYFILE: key}),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SSL_CERTFILE] == str(cert)
    assert result["data"][CONF_SSL_KEYFILE] == key


@pytest.mark.usefixtures("mock_setup_entry")
async def test_user_duplicate_port(hass: HomeAssistant, config_entry: MockConfigEntry) -> None:
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(config_entry.data[CONF_PORT])
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert_translated("config", "abort", "already_configured")


# --- reconfigure ---------------------------------------------------------------------


async def test_reconfigure_moves_server(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    connect_to: ConnectToFn,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    """A new port restarts the server there; chargers connect to it."""
    old_port = central.data[CONF_PORT]
    assert (await (await connect("CP1")).boot()).status == "Accepted"
    new_port = unused_tcp_port_factory()

    result = await central.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: new_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert_translated("config", "abort", "reconfigure_successful")
    await hass.async_block_till_done()

    assert central.state is ConfigEntryState.LOADED
    assert central.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: new_port,
        CONF_SSL_CERTFILE: "",
        CONF_SSL_KEYFILE: "",
    }
    assert central.title == f"OCPP Central System (port {new_port})"
    charger = await connect_to(new_port, "CP1")
    assert (await charger.boot()).status == "Accepted"
    with pytest.raises(OSError):
        await connect_to(old_port, "CP1")


async def test_reconfigure_same_port_keeps_server(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Our own server holds the port: that is no error, and nothing restarts."""
    charger = await connect("CP1")
    await charger.boot()
    runtime = central.runtime_data

    result = await central.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: central.data[CONF_PORT]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert central.runtime_data is runtime
    assert is_open(charger)
    assert (await charger.boot()).status == "Accepted"


async def test_reconfigure_errors_recover(
    hass: HomeAssistant,
    central: MockConfigEntry,
    blocker: Callable[[int], socket.socket],
    unused_tcp_port_factory: Callable[[], int],
    certs: CertFiles,
    connect: ConnectFn,
) -> None:
    taken = unused_tcp_port_factory()
    blocker(taken)
    result = await central.start_reconfigure_flow(hass)
    for bad, errors in (
        ({CONF_PORT: taken}, {CONF_PORT: "port_in_use"}),
        (
            {CONF_HOST: "192.0.2.1", CONF_PORT: central.data[CONF_PORT]},
            {CONF_HOST: "cannot_bind"},
        ),
        ({CONF_SSL_CERTFILE: str(certs.garbage)}, {CONF_SSL_CERTFILE: "certificate_mismatch"}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "127.0.0.1", CONF_PORT: central.data[CONF_PORT], **bad},
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors
        assert_errors_translated("config", errors)

    # TLS on the same port: the server restarts with the certificate.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: "127.0.0.1",
            CONF_PORT: central.data[CONF_PORT],
            CONF_SSL_CERTFILE: str(certs.cert),
            CONF_SSL_KEYFILE: str(certs.key),
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert central.state is ConfigEntryState.LOADED
    assert central.data[CONF_SSL_CERTFILE] == str(certs.cert)

    from tests.helpers.certs import client_context

    charger = await connect("CP1", scheme="wss", ssl_context=client_context(certs))
    assert (await charger.boot()).status == "Accepted"


async def test_reconfigure_other_entry_port(hass: HomeAssistant, central: MockConfigEntry) -> None:
    other = MockConfigEntry(domain=DOMAIN, data={CONF_HOST: "127.0.0.1", CONF_PORT: 1})
    other.add_to_hass(hass)
    result = await central.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: 1}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_entry_waiting_to_retry(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    blocker: Callable[[int], socket.socket],
    unused_tcp_port_factory: Callable[[], int],
    connect_to: ConnectToFn,
) -> None:
    """A central system that could not start is started on the new port right away."""
    blocked = config_entry.data[CONF_PORT]
    blocker(blocked)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    result = await config_entry.start_reconfigure_flow(hass)
    # Not our server holding the port this time.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: blocked}
    )
    assert result["errors"] == {CONF_PORT: "port_in_use"}

    new_port = unused_tcp_port_factory()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: new_port}
    )
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert (await (await connect_to(new_port, "CP1")).boot()).status == "Accepted"


# --- options -------------------------------------------------------------------------


async def test_options_apply_without_reload(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    charger = await connect("CP1")
    assert (await charger.boot()).interval == 300
    runtime = central.runtime_data

    result = await hass.config_entries.options.async_init(central.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_UNKNOWN_CHARGERS: "reject",
            CONF_HEARTBEAT_INTERVAL: 60,
            CONF_AUTHORIZATION: "allow_list",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert central.options == {
        CONF_UNKNOWN_CHARGERS: "reject",
        CONF_HEARTBEAT_INTERVAL: 60,
        CONF_AUTHORIZATION: "allow_list",
        # New options, at their defaults.
        "offline_issue_minutes": 30,
        "entity_set": "full",
    }
    for key in central.options:
        assert_translated("options", "step", "init", "data", key)
    assert_translated("selector", "unknown_chargers", "options", "reject")
    assert_translated("selector", "authorization", "options", "allow_list")

    # Same server, same connection, new settings.
    assert central.runtime_data is runtime
    assert is_open(charger)
    assert (await charger.boot()).interval == 60
    await add_id_tag(hass, central, "TAG-A", "Anna")
    allowed = await charger.call(call.Authorize(id_tag="tag-a"))
    refused = await charger.call(call.Authorize(id_tag="TAG-C"))
    assert allowed.id_tag_info["status"] == "Accepted"
    assert refused.id_tag_info["status"] == "Invalid"
    with pytest.raises(InvalidStatus) as err:
        await connect("UNKNOWN")
    assert err.value.response.status_code == 404

    # The form shows what is set.
    result = await hass.config_entries.options.async_init(central.entry_id)
    schema = result["data_schema"].schema
    defaults = {str(key): key.default() for key in schema}
    assert defaults[CONF_HEARTBEAT_INTERVAL] == 60
    assert defaults[CONF_AUTHORIZATION] == "allow_list"


# --- id tag subentries ---------------------------------------------------------------


async def add_id_tag(hass: HomeAssistant, entry: MockConfigEntry, id_tag: str, name: str) -> Any:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ID_TAG), context={"source": SOURCE_USER}
    )
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG: id_tag, CONF_NAME: name}
    )


async def test_id_tags(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Id tags are added with a name, are unique regardless of case, and can be renamed."""
    assert_translated("config_subentries", "id_tag", "initiate_flow", "user")
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_ID_TAG), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    for bad in ("  ", "X" * 37):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_ID_TAG: bad, CONF_NAME: "Anna"}
        )
        assert result["errors"] == {CONF_ID_TAG: "invalid_id_tag"}
        assert_errors_translated("config_subentries.id_tag", result["errors"])
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG: " 04A2B3 ", CONF_NAME: "Anna's card"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [(t.id_tag, t.name) for t in central.runtime_data.id_tags()] == [
        ("04A2B3", "Anna's card")
    ]
    result = await add_id_tag(hass, central, "04a2b3", "Duplicate")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert_translated("config_subentries", "id_tag", "abort", "already_configured")
    result = await add_id_tag(hass, central, "FAMILY", "")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "FAMILY"

    subentry_id = next(
        sid for sid, sub in central.subentries.items() if sub.subentry_type == SUBENTRY_ID_TAG
    )
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Anna"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert central.subentries[subentry_id].title == "Anna"
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: " "}
    )
    assert central.subentries[subentry_id].title == "04A2B3"
    # Chargers are untouched by id tags.
    assert list(central.runtime_data.coordinators) == ["CP1"]


# --- charger subentries --------------------------------------------------------------


async def test_add_charger_by_hand(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert_translated("config_subentries", "charger", "initiate_flow", "user")
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    for bad in ("a/b", " / "):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            {CONF_CHARGER_ID: bad, CONF_NAME: "Garage", CONF_MAX_CURRENT: 16},
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_CHARGER_ID: "invalid_charger_id"}
        assert_errors_translated("config_subentries.charger", result["errors"])

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_CHARGER_ID: " CP9/ ",
            CONF_NAME: "Garage",
            CONF_PASSWORD: "secret-secret-secret",
            CONF_MAX_CURRENT: 16,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage"
    assert result["data"] == {
        CONF_CHARGER_ID: "CP9",
        CONF_PASSWORD: "secret-secret-secret",
        CONF_MAX_CURRENT: 16.0,
    }
    await hass.async_block_till_done()
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CP9")
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP9"), central.entry_id)
    assert device is not None
    assert device.name == "Garage"
    assert device.config_subentry_id == subentry.subentry_id

    # The charger is known now, and needs its password.
    with pytest.raises(InvalidStatus) as err:
        await connect("CP9")
    assert err.value.response.status_code == 401
    charger = await connect("CP9", password="secret-secret-secret")
    assert (await charger.boot()).status == "Accepted"


async def test_add_charger_without_name(hass: HomeAssistant, central: MockConfigEntry) -> None:
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_CHARGER_ID: "CP2", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "CP2"
    assert result["data"][CONF_PASSWORD] == ""


async def test_add_charger_duplicate(hass: HomeAssistant, central: MockConfigEntry) -> None:
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_CHARGER_ID: "CP1", CONF_NAME: "Again", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert_translated("config_subentries", "charger", "abort", "already_configured")


async def test_reconfigure_charger(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
) -> None:
    subentry_id = next(iter(central.subentries))
    charger = await connect("CP1")
    await charger.boot()

    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["description_placeholders"] == {"charger_id": "CP1"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "Driveway", CONF_PASSWORD: "new-password-for-cp1", CONF_MAX_CURRENT: 20},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert_translated("config_subentries", "charger", "abort", "reconfigure_successful")
    await hass.async_block_till_done()

    subentry = central.subentries[subentry_id]
    assert subentry.title == "Driveway"
    assert dict(subentry.data) == {
        CONF_CHARGER_ID: "CP1",
        CONF_PASSWORD: "new-password-for-cp1",
        CONF_MAX_CURRENT: 20.0,
    }
    device = device_registry.async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    assert device.name == "Driveway"
    coordinator = central.runtime_data.coordinators["CP1"]
    assert coordinator.config.max_current == 20.0
    # No restart: the charger stays connected; new connections need the password.
    assert is_open(charger)
    with pytest.raises(InvalidStatus) as err:
        await connect("CP1")
    assert err.value.response.status_code == 401

    # Clearing the password.
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Driveway", CONF_MAX_CURRENT: 20}
    )
    assert result["type"] is FlowResultType.ABORT
    assert central.subentries[subentry_id].data[CONF_PASSWORD] == ""


# --- discovery ------------------------------------------------------------------------


def discovery_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def pending_charger(hass: HomeAssistant, connect: ConnectFn, charger_id: str) -> Any:
    """An unknown charger connects, boots and is kept Pending while a flow asks about it."""
    charger = await connect(charger_id)
    result = await charger.boot()
    assert result.status == "Pending"
    await hass.async_block_till_done()
    return charger


async def test_discovery_confirm(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    charger = await pending_charger(hass, connect, "CPX")
    flows = discovery_flows(hass)
    assert len(flows) == 1
    flow = flows[0]
    assert flow["step_id"] == "discovery_confirm"
    assert flow["context"]["unique_id"] == "charger:CPX"
    assert flow["context"]["title_placeholders"] == {"name": "CPX: Acme Wallbox 1"}
    assert_translated("config", "flow_title")
    assert_translated("config", "step", "discovery_confirm", "description")

    # Booting again while pending does not ask twice.
    assert (await charger.boot()).status == "Pending"
    await hass.async_block_till_done()
    assert len(discovery_flows(hass)) == 1

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_NAME: "Garage", CONF_PASSWORD: "", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "charger_added"
    assert_translated("config", "abort", "charger_added")
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CPX")
    assert subentry.title == "Garage"
    assert subentry.data[CONF_MAX_CURRENT] == 16.0

    # Same connection: asked to boot again, and now accepted.
    await wait_for(
        lambda: ("TriggerMessage", {"requested_message": "BootNotification"}) in charger.received
    )
    assert is_open(charger)
    assert (await charger.boot()).status == "Accepted"
    assert central.runtime_data.coordinators["CPX"].charger.info.vendor == "Acme"


async def test_discovery_ignore(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    charger = await pending_charger(hass, connect, "CPX")
    assert len(discovery_flows(hass)) == 1

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE},
        data={"unique_id": "charger:CPX", "title": "CPX"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert discovery_flows(hass) == []
    await wait_for(lambda: not is_open(charger))

    with pytest.raises(InvalidStatus) as err:
        await connect("CPX")
    assert err.value.response.status_code == 404
    # Other unknown chargers are still asked about.
    await pending_charger(hass, connect, "CPY")
    assert len(discovery_flows(hass)) == 1


async def test_ignore_other_unique_id(hass: HomeAssistant, central: MockConfigEntry) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_IGNORE}, data={"unique_id": "other", "title": "x"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_discovery_of_ignored_charger(hass: HomeAssistant, central: MockConfigEntry) -> None:
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id="charger:CPX").add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"entry_id": central.entry_id, CONF_CHARGER_ID: "CPX", "vendor": "", "model": ""},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    "options",
    [
        {
            CONF_UNKNOWN_CHARGERS: "reject",
            CONF_HEARTBEAT_INTERVAL: 300,
            CONF_AUTHORIZATION: "accept_all",
        }
    ],
)
async def test_policy_reject(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    with pytest.raises(InvalidStatus) as err:
        await connect("CPX")
    assert err.value.response.status_code == 404
    assert discovery_flows(hass) == []
    # Configured chargers are still welcome.
    assert (await (await connect("CP1")).boot()).status == "Accepted"


@pytest.mark.parametrize(
    "options",
    [
        {
            CONF_UNKNOWN_CHARGERS: "accept",
            CONF_HEARTBEAT_INTERVAL: 300,
            CONF_AUTHORIZATION: "accept_all",
        }
    ],
)
async def test_policy_accept(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    device_registry: dr.DeviceRegistry,
) -> None:
    charger = await connect("CPA")
    assert (await charger.boot()).status == "Accepted"
    await hass.async_block_till_done()
    assert discovery_flows(hass) == []
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CPA")
    assert subentry.title == "CPA"
    assert (
        device_registry.async_get_device_by_identifier((DOMAIN, "CPA"), central.entry_id)
        is not None
    )


async def test_discovery_title_without_vendor(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"entry_id": central.entry_id, CONF_CHARGER_ID: "CPZ", "vendor": "", "model": ""},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {
        "charger_id": "CPZ",
        "vendor": "?",
        "model": "?",
    }
    flow = discovery_flows(hass)[0]
    assert flow["context"]["title_placeholders"] == {"name": "CPZ"}


async def test_discovery_central_system_gone(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    await pending_charger(hass, connect, "CPX")
    flow = discovery_flows(hass)[0]

    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    # The form was open when the central system stopped.
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_NAME: "Garage", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "central_system_gone"
    assert_translated("config", "abort", "central_system_gone")
    assert not any(sub.unique_id == "CPX" for sub in central.subentries.values())

    # Discovery reported while it is not running, or for an entry that is gone.
    for entry_id in (central.entry_id, "no-such-entry"):
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={"entry_id": entry_id, CONF_CHARGER_ID: "CPZ", "vendor": "", "model": ""},
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "central_system_gone"


async def test_discovery_charger_added_meanwhile(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The charger got configured another way while the notification was open."""
    charger = await pending_charger(hass, connect, "CPX")
    flow = discovery_flows(hass)[0]
    hass.config_entries.async_add_subentry(
        central,
        ConfigSubentry(
            data={CONF_CHARGER_ID: "CPX", CONF_PASSWORD: "", CONF_MAX_CURRENT: 16.0},
            subentry_type=SUBENTRY_CHARGER,
            title="CPX",
            unique_id="CPX",
        ),
    )
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_NAME: "Garage", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "charger_already_configured"
    assert_translated("config", "abort", "charger_already_configured")
    assert (await charger.boot()).status == "Accepted"


async def test_add_by_hand_ends_discovery(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Adding a pending charger as a subentry answers the notification about it."""
    charger = await pending_charger(hass, connect, "CPX")
    assert len(discovery_flows(hass)) == 1
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_CHARGER_ID: "CPX", CONF_NAME: "Garage", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert discovery_flows(hass) == []
    await wait_for(lambda: charger.received)
    assert (await charger.boot()).status == "Accepted"
