"""The WebSocket server: admission, subprotocols, Basic auth, TLS, reconnects, robustness, availability."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_IGNORE, ConfigEntryState, ConfigSubentryData
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import test_ocpp
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from custom_components.ocpp_central.central import CentralSystem
from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
)
from custom_components.ocpp_central.csms import auth
from custom_components.ocpp_central.csms.model import Charger
from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from tests.helpers.certs import client_context, make_certs
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

HEX_KEY = "0123456789abcdef0123456789abcdef01234567"
CONNECTED = "binary_sensor.charger_cp1_connected"
STATUS = "sensor.charger_cp1_status"

type RawConnectFn = Callable[..., Awaitable[ClientConnection]]


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """Two open chargers, one with a password, one with a hex key, one with a space in its id."""
    return [
        charger_subentry("CP1"),
        charger_subentry("CP2"),
        charger_subentry("SECURE", password="correct horse battery"),
        charger_subentry("HEX", password=HEX_KEY),
        charger_subentry("CP 1", name="Garage"),
    ]


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Charger:
    return entry.runtime_data.coordinators[charger_id].charger


def basic(username: str, password: bytes | str) -> dict[str, str]:
    raw = password.encode() if isinstance(password, str) else password
    token = base64.b64encode(username.encode() + b":" + raw).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def raw(port: int) -> AsyncGenerator[RawConnectFn]:
    """Plain WebSocket clients that send whatever frames a test wants."""
    opened: list[ClientConnection] = []

    async def _connect(
        path: str = "/ocpp/CP1",
        *,
        subprotocols: list[str] | None = ["ocpp1.6"],  # noqa: B006
        headers: dict[str, str] | None = None,
        ping_interval: float | None = 20,
    ) -> ClientConnection:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}{path}",
            subprotocols=subprotocols,  # type: ignore[arg-type]
            additional_headers=headers or {},
            open_timeout=5,
            ping_interval=ping_interval,
        )
        opened.append(ws)
        return ws

    yield _connect
    for ws in opened:
        await ws.close()


async def exchange(ws: ClientConnection, frame: str | bytes) -> list[Any]:
    await ws.send(frame)
    async with asyncio.timeout(5):
        return json.loads(await ws.recv())  # type: ignore[no-any-return]


async def heartbeat(ws: ClientConnection, unique_id: str = "hb") -> None:
    reply = await exchange(ws, json.dumps([2, unique_id, "Heartbeat", {}]))
    assert reply[0] == 3
    assert reply[1] == unique_id
    assert "currentTime" in reply[2]


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def http_status(port: int, path: str = "/ocpp/CP1", **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as err:
        await websockets.connect(f"ws://127.0.0.1:{port}{path}", open_timeout=5, **kwargs)
    return err.value.response.status_code


# --- robustness -------------------------------------------------------------------------

BAD_FRAMES: list[tuple[str, str | bytes, tuple[str, str] | None]] = [
    ("invalid_json", "this is {not json", None),
    ("binary_garbage", b"\xff\xfe\x00", None),
    ("not_a_list", '{"hello": "world"}', None),
    ("empty_list", "[]", None),
    ("unknown_message_type", '[7, "u1", "Heartbeat", {}]', None),
    ("missing_payload", '[2, "m1", "Heartbeat"]', ("m1", "ProtocolError")),
    ("too_many_elements", '[2, "m2", "Heartbeat", {}, {}]', ("m2", "ProtocolError")),
    ("extra_field", '[2, "x1", "Heartbeat", {"extra": 1}]', ("x1", "FormatViolation")),
    ("null_payload", '[2, "x2", "Heartbeat", null]', ("x2", "TypeConstraintViolation")),
    ("missing_required", '[2, "a1", "Authorize", {}]', ("a1", "ProtocolError")),
    (
        "id_tag_too_long",
        '[2, "a2", "Authorize", {"idTag": "' + "A" * 21 + '"}]',
        ("a2", "TypeConstraintViolation"),
    ),
    ("unknown_action", '[2, "f1", "FooBar", {}]', ("f1", "NotSupported")),
    ("action_for_charge_points", '[2, "f3", "ClearCache", {}]', ("f3", "NotImplemented")),
    ("action_not_a_string", '[2, "f2", ["Heartbeat"], {}]', ("f2", "NotSupported")),
    (
        "connector_id_not_int",
        '[2, "s1", "StatusNotification", {"connectorId": "x", "errorCode": "NoError", "status": "Available"}]',
        ("s1", "TypeConstraintViolation"),
    ),
    (
        "negative_connector_id",
        '[2, "s2", "StatusNotification", {"connectorId": -1, "errorCode": "NoError", "status": "Available"}]',
        ("s2", "TypeConstraintViolation"),
    ),
    (
        "payload_key_self",
        '[2, "s4", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available", "self": 1}]',
        ("s4", "ProtocolError"),
    ),
    ("payload_not_object", '[2, "s3", "StatusNotification", [1, 2]]', ("s3", "FormatViolation")),
    (
        "meter_value_not_list",
        '[2, "mv", "MeterValues", {"connectorId": 1, "meterValue": 5}]',
        ("mv", "ProtocolError"),
    ),
    (
        "boot_without_vendor",
        '[2, "b1", "BootNotification", {"chargePointModel": "M"}]',
        ("b1", "ProtocolError"),
    ),
    (
        "start_without_id_tag",
        '[2, "t1", "StartTransaction", {"connectorId": 1, "meterStart": 0}]',
        ("t1", "ProtocolError"),
    ),
    ("unexpected_argument", '[2, "t2", "Heartbeat", {}, "x"]', ("t2", "ProtocolError")),
    ("numeric_message_id_broken", '[2, 17, "Heartbeat"]', (17, "ProtocolError")),  # type: ignore[list-item]
]


@pytest.mark.parametrize(
    ("frame", "expected"), [(f, e) for _, f, e in BAD_FRAMES], ids=[n for n, _, _ in BAD_FRAMES]
)
async def test_bad_frame(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
    frame: str | bytes,
    expected: tuple[str, str] | None,
) -> None:
    """One warning, a CALLERROR where the message id is readable, and the session carries on."""
    ws = await raw()
    other = await connect("CP2")
    await heartbeat(ws, "before")
    caplog.clear()
    await ws.send(frame)
    if expected is not None:
        async with asyncio.timeout(5):
            reply = json.loads(await ws.recv())
        unique_id, code = expected
        assert reply[0] == 4
        assert reply[1] == unique_id
        assert reply[2] == code
        assert isinstance(reply[3], str)
        assert isinstance(reply[4], dict)
    # Frames are handled in order: the heartbeat answer is the next frame, nothing in between.
    await heartbeat(ws, "after")
    assert len(warnings(caplog)) == 1, [r.getMessage() for r in warnings(caplog)]
    assert warnings(caplog)[0].name.startswith("custom_components.ocpp_central")
    assert (await other.call(call.Heartbeat())).current_time
    assert model(central).connected


async def test_many_bad_frames_in_a_row(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A flood of garbage costs one warning each and never the connection."""
    ws = await raw()
    caplog.clear()
    for n, (_, frame, expected) in enumerate(BAD_FRAMES):
        await ws.send(frame)
        if expected is not None:
            async with asyncio.timeout(5):
                reply = json.loads(await ws.recv())
            assert reply[:3] == [4, expected[0], expected[1]], n
    await heartbeat(ws)
    assert len(warnings(caplog)) == len(BAD_FRAMES)


async def test_callresult_without_call_is_ignored(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stray CALLRESULT / CALLERROR frames do not disturb the session."""
    ws = await raw()
    await ws.send('[3, "nobody-asked", {}]')
    await ws.send('[4, "nobody-asked", "GenericError", "", {}]')
    await heartbeat(ws)
    assert central.runtime_data.sessions["CP1"]._response_queue.empty()
    assert warnings(caplog) == []


async def test_handler_bug_answers_internal_error(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug in our own handler is logged with its traceback and answered with InternalError."""
    ws = await raw()
    caplog.clear()
    with patch.object(CentralSystem, "authorize", side_effect=RuntimeError("boom")):
        reply = await exchange(ws, '[2, "a", "Authorize", {"idTag": "T"}]')
    assert reply[:3] == [4, "a", "InternalError"]
    errors = warnings(caplog)
    assert len(errors) == 1
    assert errors[0].levelno == logging.ERROR
    assert errors[0].exc_info is not None
    await heartbeat(ws)


async def test_invalid_answer_of_ours_is_internal_error(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If our own answer fails the schema, the charger gets InternalError, not garbage."""
    ws = await raw()
    caplog.clear()
    with patch.object(ProtocolAdapter, "now_iso", return_value=12345):
        reply = await exchange(ws, '[2, "h", "Heartbeat", {}]')
    assert reply[:3] == [4, "h", "InternalError"]
    assert [r.levelno for r in warnings(caplog)] == [logging.ERROR]
    await heartbeat(ws)


# --- admission --------------------------------------------------------------------------


async def test_charger_id_is_last_path_segment_url_decoded(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn
) -> None:
    """`/ocpp/CP%201?x=y` is charger "CP 1"; the query string is ignored."""
    ws = await raw("/ocpp/CP%201?token=abc&x=1")
    await heartbeat(ws)
    assert model(central, "CP 1").connected
    assert not model(central, "CP1").connected


async def test_trailing_slash_and_nested_path(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn
) -> None:
    """The id is the last non-empty segment, wherever the charger puts it."""
    ws = await raw("/some/deep/path/CP1/")
    await heartbeat(ws)
    assert model(central).connected
    # A base URL ending in "/" plus "/CP2" from the firmware.
    ws = await raw("//CP2")
    await heartbeat(ws)
    assert model(central, "CP2").connected


async def test_root_path_is_404(hass: HomeAssistant, central: MockConfigEntry, port: int) -> None:
    """A charger without an id in its URL (Grizzl-E 5.x) is refused with 404."""
    assert await http_status(port, "/", subprotocols=["ocpp1.6"]) == 404
    assert await http_status(port, "", subprotocols=["ocpp1.6"]) == 404


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
async def test_unknown_charger_rejected(
    hass: HomeAssistant, central: MockConfigEntry, port: int, raw: RawConnectFn
) -> None:
    """Policy reject: unknown ids get 404; configured ones still connect."""
    assert await http_status(port, "/ocpp/STRANGER", subprotocols=["ocpp1.6"]) == 404
    await heartbeat(await raw("/ocpp/CP1"))


async def test_unknown_charger_ask_is_admitted_pending(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn
) -> None:
    """Policy ask: the unknown charger connects and is kept pending."""
    ws = await raw("/ocpp/STRANGER")
    await heartbeat(ws)
    assert "STRANGER" in central.runtime_data.pending


async def test_ignored_charger_rejected(
    hass: HomeAssistant, central: MockConfigEntry, port: int
) -> None:
    """A charger the homeowner ignored gets 404 even with policy ask."""
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id="charger:STRANGER").add_to_hass(
        hass
    )
    assert await http_status(port, "/ocpp/STRANGER", subprotocols=["ocpp1.6"]) == 404


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
async def test_unknown_charger_accepted_automatically(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Policy accept: the charger is added as a subentry and booted as Accepted."""
    cp = await connect("NEWBIE")
    assert (await cp.boot()).status == "Accepted"
    await hass.async_block_till_done()
    assert "NEWBIE" in central.runtime_data.coordinators
    assert any(sub.unique_id == "NEWBIE" for sub in central.subentries.values())


# --- subprotocols -----------------------------------------------------------------------


async def test_no_subprotocol_means_ocpp16(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn
) -> None:
    """Chargers that offer no Sec-WebSocket-Protocol are served as OCPP 1.6."""
    ws = await raw(subprotocols=None)
    assert ws.subprotocol is None
    reply = await exchange(
        ws, '[2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]'
    )
    assert reply[2]["status"] == "Accepted"
    assert model(central).protocol == "ocpp1.6"


async def test_empty_subprotocol_header_means_ocpp16(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """An empty Sec-WebSocket-Protocol header is no offer at all, not a broken handshake."""
    cp = await connect("CP1", subprotocols=[])
    assert cp._connection.subprotocol is None
    assert (await cp.boot()).status == "Accepted"


async def test_subprotocol_case_insensitive(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn
) -> None:
    """`OCPP1.6` is OCPP 1.6; of several offers ours is picked."""
    ws = await raw(subprotocols=["ocpp2.0", "OCPP1.6"])
    assert ws.subprotocol == "OCPP1.6"
    await heartbeat(ws)
    assert model(central).protocol == "ocpp1.6"


async def test_only_unsupported_subprotocol_refused(
    hass: HomeAssistant, central: MockConfigEntry, port: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Offering only protocols we do not speak is refused with HTTP 400."""
    assert await http_status(port, subprotocols=["ocpp2.0", "ocpp1.5"]) == 400
    assert "offered only unsupported protocols ocpp2.0, ocpp1.5" in caplog.text
    assert not model(central).connected


# --- Basic auth -------------------------------------------------------------------------


async def test_basic_auth(
    hass: HomeAssistant,
    central: MockConfigEntry,
    port: int,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Configured password: missing, wrong, other username → 401; right → connected."""
    path = "/ocpp/SECURE"
    with pytest.raises(InvalidStatus) as err:
        await websockets.connect(f"ws://127.0.0.1:{port}{path}", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
    assert err.value.response.status_code == 401
    assert err.value.response.headers["WWW-Authenticate"].startswith("Basic realm=")
    for headers in (
        basic("SECURE", "wrong password"),
        basic("CP1", "correct horse battery"),
        basic("SECURE", ""),
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Bearer abc"},
    ):
        status = await http_status(port, path, subprotocols=["ocpp1.6"], additional_headers=headers)
        assert status == 401, headers
    assert "correct horse battery" not in caplog.text
    cp = await connect("SECURE", password="correct horse battery")
    assert (await cp.boot()).status == "Accepted"
    assert model(central, "SECURE").connected


async def test_basic_auth_username_must_match_id_even_without_password(
    hass: HomeAssistant, central: MockConfigEntry, port: int, connect: ConnectFn
) -> None:
    """A charger without configured password may still send credentials, but with its own id."""
    assert (
        await http_status(
            port, "/ocpp/CP1", subprotocols=["ocpp1.6"], additional_headers=basic("CP2", "x")
        )
        == 401
    )
    cp = await connect("CP1", password="anything")
    assert (await cp.call(call.Heartbeat())).current_time


async def test_hex_authorization_key(
    hass: HomeAssistant, central: MockConfigEntry, port: int, raw: RawConnectFn
) -> None:
    """A 40-hex-digit key is accepted as typed and as the 20 bytes it encodes (OCTT TC_085)."""
    as_typed = await raw("/ocpp/HEX", headers=basic("HEX", HEX_KEY))
    await heartbeat(as_typed)
    decoded = await raw("/ocpp/HEX", headers=basic("HEX", bytes.fromhex(HEX_KEY)))
    await heartbeat(decoded)
    assert (
        await http_status(
            port,
            "/ocpp/HEX",
            subprotocols=["ocpp1.6"],
            additional_headers=basic("HEX", bytes.fromhex(HEX_KEY)[:-1]),
        )
        == 401
    )
    assert (
        await http_status(
            port,
            "/ocpp/HEX",
            subprotocols=["ocpp1.6"],
            additional_headers=basic("HEX", HEX_KEY.upper() + "0"),
        )
        == 401
    )


async def test_password_compared_in_constant_time(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The comparison goes through hmac.compare_digest."""
    with patch.object(auth.hmac, "compare_digest", wraps=auth.hmac.compare_digest) as compare:
        await connect("SECURE", password="correct horse battery")
    assert compare.called


# --- TLS --------------------------------------------------------------------------------


@pytest.fixture
async def tls_central(
    hass: HomeAssistant,
    port: int,
    tmp_path: Path,
    subentries: list[ConfigSubentryData],
    options: dict[str, Any],
) -> tuple[MockConfigEntry, Any]:
    certs = make_certs(tmp_path)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "host": "127.0.0.1",
            "port": port,
            CONF_SSL_CERTFILE: str(certs.cert),
            CONF_SSL_KEYFILE: str(certs.key),
        },
        options=options,
        subentries_data=subentries,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, certs


async def test_tls(
    hass: HomeAssistant, tls_central: tuple[MockConfigEntry, Any], connect: ConnectFn, port: int
) -> None:
    """wss:// with our certificate; Basic auth on top (security profile 2)."""
    entry, certs = tls_central
    cp = await connect("CP1", scheme="wss", ssl_context=client_context(certs))
    assert (await cp.boot()).status == "Accepted"
    tls = cp._connection.transport.get_extra_info("ssl_object")
    assert tls.version() in ("TLSv1.2", "TLSv1.3")
    secure = await connect(
        "SECURE", scheme="wss", ssl_context=client_context(certs), password="correct horse battery"
    )
    assert (await secure.call(call.Heartbeat())).current_time
    assert model(entry, "SECURE").connected


async def test_tls_test_ocpp_peer(
    hass: HomeAssistant, tls_central: tuple[MockConfigEntry, Any], port: int
) -> None:
    """test-ocpp (an independent charge point) over TLS, with and without Basic auth."""
    _, certs = tls_central
    result = await test_ocpp.check_connection(
        f"wss://127.0.0.1:{port}/ocpp", "CP1", ca=str(certs.ca_cert), timeout=5
    )
    assert result.subprotocol == "ocpp1.6"
    assert result.tls_version in ("TLSv1.2", "TLSv1.3")
    assert result.boot_notification["status"] == "Accepted"
    assert "currentTime" in result.heartbeat
    result = await test_ocpp.check_connection(
        f"wss://127.0.0.1:{port}/ocpp",
        "SECURE",
        ca=str(certs.ca_cert),
        password="correct horse battery",
        timeout=5,
    )
    assert result.boot_notification["status"] == "Accepted"
    with pytest.raises(InvalidStatus) as err:
        await test_ocpp.check_connection(
            f"wss://127.0.0.1:{port}/ocpp",
            "SECURE",
            ca=str(certs.ca_cert),
            password="nope",
            timeout=5,
        )
    assert err.value.response.status_code == 401


async def test_unusable_certificate_retries_setup(
    hass: HomeAssistant, port: int, tmp_path: Path
) -> None:
    """A certificate that cannot be loaded leaves the entry retrying, not half-started."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "host": "127.0.0.1",
            "port": port,
            CONF_SSL_CERTFILE: str(tmp_path / "missing.pem"),
            CONF_SSL_KEYFILE: "",
        },
        options={},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_port_in_use(hass: HomeAssistant, config_entry: MockConfigEntry, port: int) -> None:
    """A taken port leaves the entry retrying; nothing half-started remains."""
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        config_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
    finally:
        blocker.close()
        await blocker.wait_closed()


async def test_listening_port_reported(
    hass: HomeAssistant, central: MockConfigEntry, port: int
) -> None:
    """The server knows the port it is bound to."""
    server = central.runtime_data.server
    assert server is not None
    assert server.port == port


# --- test-ocpp as an independent peer (plain ws://) --------------------------------------


async def test_test_ocpp_peer(hass: HomeAssistant, central: MockConfigEntry, port: int) -> None:
    """Connection, boot, heartbeat and Basic auth as seen by an independent client."""
    url = f"ws://127.0.0.1:{port}/ocpp"
    result = await test_ocpp.check_connection(url, "CP1", timeout=5)
    assert result.subprotocol == "ocpp1.6"
    assert result.boot_notification["status"] == "Accepted"
    assert result.boot_notification["interval"] == 300
    assert model(central).info.vendor == "TestVendor"
    result = await test_ocpp.check_connection(
        url, "SECURE", password="correct horse battery", timeout=5
    )
    assert result.boot_notification["status"] == "Accepted"
    for kwargs in (
        {"password": "wrong"},
        {},
        {"username": "CP1", "password": "correct horse battery"},
    ):
        with pytest.raises(InvalidStatus) as err:
            await test_ocpp.check_connection(url, "SECURE", timeout=5, **kwargs)
        assert err.value.response.status_code == 401, kwargs
    with pytest.raises(InvalidStatus) as err:
        await test_ocpp.check_connection(f"ws://127.0.0.1:{port}", "", timeout=5)
    assert err.value.response.status_code == 404


async def test_test_ocpp_cli(hass: HomeAssistant, central: MockConfigEntry, port: int) -> None:
    """The test-ocpp command line reports success against us (run in a worker thread)."""
    from test_ocpp.cli import main

    def run(*argv: str) -> int:
        return main(list(argv))

    with patch("builtins.print"):
        assert (
            await asyncio.to_thread(run, f"ws://127.0.0.1:{port}/ocpp", "CP2", "--timeout", "5")
            == 0
        )


# --- reconnects and availability -------------------------------------------------------


@pytest.fixture
def connected_states(hass: HomeAssistant) -> list[str]:
    """Every state the connectivity sensor of CP1 takes."""
    seen: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new.state)

    async_track_state_change_event(hass, [CONNECTED], record)
    return seen


def info_lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.ocpp_central") and text in r.getMessage()
    ]


async def test_reconnect_replaces_old_connection(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    connected_states: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The same id connecting again closes the old socket; the new one works, no flip."""
    old = await connect("CP1")
    await old.boot()
    await hass.async_block_till_done()
    assert connected_states == ["on"]
    old_session = central.runtime_data.sessions["CP1"]
    new = await connect("CP1")
    async with asyncio.timeout(5):
        await old._connection.wait_closed()
    assert (await new.call(call.Heartbeat())).current_time
    await hass.async_block_till_done()
    assert central.runtime_data.sessions["CP1"] is not old_session
    assert model(central).connected
    assert connected_states == ["on"]
    assert info_lines(caplog, "disconnected") == []
    assert len(info_lines(caplog, "reconnected")) == 1


async def test_reconnect_while_old_socket_half_open(
    hass: HomeAssistant, central: MockConfigEntry, raw: RawConnectFn, connect: ConnectFn
) -> None:
    """An old socket that never answers the close does not hold up the new session."""
    old = await raw()
    await heartbeat(old)
    # The old client stops reading: it will not take part in the closing handshake.
    old.transport.pause_reading()
    new = await connect("CP1")
    # Held up, it would wait out the old socket's closing handshake (websockets: 10 s).
    async with asyncio.timeout(5):
        assert (await new.call(call.Heartbeat())).current_time
    assert model(central).connected
    old.transport.abort()


async def test_disconnect_and_reconnect(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    connected_states: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Disconnect → unavailable (one INFO line) → reconnect → available."""
    cp = await connect("CP1")
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "charging"
    await cp._connection.close()
    await wait_for(lambda: not model(central).connected)
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == STATE_UNAVAILABLE
    assert hass.states.get(CONNECTED).state == "off"
    lines = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.ocpp_central") and "disconnected" in r.getMessage()
    ]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO

    cp = await connect("CP1")
    await cp.call(call.Heartbeat())
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "charging"
    assert hass.states.get(CONNECTED).state == "on"
    assert connected_states == ["on", "off", "on"]


@pytest.fixture
def no_keepalive() -> Generator[None]:
    """WebSocket pings would race the frozen clock; OCPP-level silence is what is tested."""
    with (
        patch("custom_components.ocpp_central.csms.server.PING_INTERVAL", None),
        patch("custom_components.ocpp_central.csms.server.PING_TIMEOUT", None),
    ):
        yield


@pytest.mark.usefixtures("no_keepalive")
async def test_silent_charger_becomes_unavailable(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing heard for more than 2 heartbeat intervals → unavailable; back on the next frame."""
    ws = await raw(ping_interval=None)
    reply = await exchange(
        ws,
        '[2, "s", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}]',
    )
    assert reply == [3, "s", {}]
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "charging"

    freezer.tick(500)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "charging"

    freezer.tick(200)  # 700 s > 2 x 300 s
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert model(central).silent
    assert model(central).connected
    assert hass.states.get(STATUS).state == STATE_UNAVAILABLE
    assert hass.states.get(CONNECTED).state == "off"
    assert len(info_lines(caplog, "is unavailable")) == 1

    freezer.tick(60)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(info_lines(caplog, "is unavailable")) == 1

    await heartbeat(ws)
    await hass.async_block_till_done()
    assert not model(central).silent
    assert hass.states.get(STATUS).state == "charging"
    assert hass.states.get(CONNECTED).state == "on"
    assert len(info_lines(caplog, "responding again")) == 1


async def test_unload_closes_connections(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn, port: int
) -> None:
    """Unloading the entry stops the server and closes every charger."""
    cp = await connect("CP1")
    await cp.boot()
    assert await hass.config_entries.async_unload(central.entry_id)
    await hass.async_block_till_done()
    async with asyncio.timeout(5):
        await cp._connection.wait_closed()
    with pytest.raises(OSError):
        await websockets.connect(f"ws://127.0.0.1:{port}/ocpp/CP1", open_timeout=2)


# --- chargers added, changed, removed while connected ----------------------------------


async def test_removed_charger_is_disconnected(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Deleting a charger's subentry drops its coordinator, its history and its connection."""
    cp = await connect("CP2")
    await cp.call(
        call.MeterValues(
            connector_id=1,
            meter_value=[{"timestamp": "2025-06-25T08:00:00Z", "sampledValue": [{"value": "5"}]}],
        )
    )
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CP2")
    assert hass.config_entries.async_remove_subentry(central, subentry.subentry_id)
    await hass.async_block_till_done()
    assert "CP2" not in central.runtime_data.coordinators
    async with asyncio.timeout(5):
        await cp._connection.wait_closed()
    assert "CP2" not in central.runtime_data.sessions
    assert central.runtime_data.store.charger("CP2").connectors == {}


async def test_changed_password_applies_to_next_connection(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn, port: int
) -> None:
    """A password set on a configured charger is required from its next connection on."""
    cp = await connect("CP1")
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CP1")
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, "password": "new secret"}, title="Renamed"
    )
    await hass.async_block_till_done()
    coordinator = central.runtime_data.coordinators["CP1"]
    assert coordinator.config.password == "new secret"
    assert coordinator.config.name == "Renamed"
    # The running session is not cut off ...
    assert (await cp.call(call.Heartbeat())).current_time
    # ... but the next connection needs the password.
    assert await http_status(port, "/ocpp/CP1", subprotocols=["ocpp1.6"]) == 401
    cp = await connect("CP1", password="new secret")
    assert (await cp.call(call.Heartbeat())).current_time


async def test_refused_pending_charger_is_disconnected(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The homeowner ignoring a discovered charger closes its connection."""
    cp = await connect("STRANGER")
    assert (await cp.boot()).status == "Pending"
    central.runtime_data.async_refuse_pending("STRANGER")
    async with asyncio.timeout(5):
        await cp._connection.wait_closed()
    assert "STRANGER" not in central.runtime_data.pending
    central.runtime_data.async_refuse_pending("STRANGER")  # twice is harmless


async def test_confirmed_charger_that_refuses_boot_trigger(
    hass: HomeAssistant,
    central: MockConfigEntry,
    raw: RawConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A charger that cannot be triggered to boot again is accepted at its next boot."""
    ws = await raw("/ocpp/STRANGER")
    reply = await exchange(
        ws, '[2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]'
    )
    assert reply[2]["status"] == "Pending"
    central.runtime_data.async_add_charger("STRANGER", "Stranger", "", 16)
    async with asyncio.timeout(5):
        trigger = json.loads(await ws.recv())
    assert trigger[0] == 2
    assert trigger[2] == "TriggerMessage"
    assert trigger[3] == {"requestedMessage": "BootNotification"}
    await ws.send(json.dumps([4, trigger[1], "NotImplemented", "", {}]))
    await wait_for(lambda: "did not accept a boot trigger" in caplog.text)
    reply = await exchange(
        ws, '[2, "b2", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]'
    )
    assert reply[2]["status"] == "Accepted"
    assert model(central, "STRANGER").connected
