"""Shared fixtures: a real central system in a real hass, and real OCPP 1.6 charge points."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
import contextlib
import logging
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16, call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
import websockets
from websockets.asyncio.client import ClientConnection

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

# The recorder's SQL at INFO (the root logger's level in these tests) would reach stderr from
# its thread after a test's capture has ended: hundreds of lines of noise in the test output.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Enable custom integrations in every test."""


@pytest.fixture
def port(socket_enabled: None, unused_tcp_port: int) -> int:
    """A free loopback port for the central system."""
    return unused_tcp_port


def charger_subentry(
    charger_id: str = "CP1", *, password: str = "", name: str | None = None
) -> ConfigSubentryData:
    """A configured charger."""
    return ConfigSubentryData(
        data={CONF_CHARGER_ID: charger_id, "password": password, CONF_MAX_CURRENT: 32.0},
        subentry_type=SUBENTRY_CHARGER,
        title=name or f"Charger {charger_id}",
        unique_id=charger_id,
    )


def id_tag_subentry(id_tag: str, name: str | None = None) -> ConfigSubentryData:
    """An id tag on the allow list."""
    return ConfigSubentryData(
        data={CONF_ID_TAG: id_tag},
        subentry_type=SUBENTRY_ID_TAG,
        title=name or id_tag,
        unique_id=id_tag.casefold(),
    )


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


class SimCharger(ChargePoint16):
    """A 1.6 charge point built on the ocpp package, as a charger's firmware would be."""

    def __init__(self, charger_id: str, connection: ClientConnection) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        from ocpp.v16 import call_result

        self.received.append(("TriggerMessage", {"requested_message": requested_message}))
        return call_result.TriggerMessage(status="Accepted")

    async def boot(self, vendor: str = "Acme", model: str = "Wallbox 1") -> Any:
        return await self.call(
            call.BootNotification(
                charge_point_vendor=vendor,
                charge_point_model=model,
                charge_point_serial_number="SN-1",
                firmware_version="1.2.3",
            )
        )


ConnectFn = Callable[..., Awaitable[SimCharger]]


@pytest.fixture
async def connect(port: int) -> AsyncGenerator[ConnectFn]:
    """Connect simulated chargers; all are closed at the end of the test."""
    opened: list[tuple[ClientConnection, asyncio.Task[None]]] = []

    async def _connect(
        charger_id: str = "CP1",
        *,
        subprotocols: list[str] | None = None,
        password: str | None = None,
        username: str | None = None,
        scheme: str = "ws",
        ssl_context: Any = None,
    ) -> SimCharger:
        headers = {}
        if password is not None:
            import base64

            token = base64.b64encode(f"{username or charger_id}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        ws = await websockets.connect(
            f"{scheme}://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=subprotocols if subprotocols is not None else ["ocpp1.6"],  # type: ignore[arg-type]
            additional_headers=headers,
            ssl=ssl_context,
            open_timeout=5,
        )
        charger = SimCharger(charger_id, ws)
        task = asyncio.get_running_loop().create_task(_run(charger))
        opened.append((ws, task))
        return charger

    yield _connect
    for ws, task in opened:
        await ws.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _run(charger: SimCharger) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        await charger.start()


# --- entity platform tests (sensor, binary_sensor, diagnostics, entity) ------------------


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot extension (syrupy's own fixture would shadow phcc's)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable every entity, also those disabled by default (phcc lacks core's fixture)."""
    from unittest.mock import PropertyMock, patch

    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


def all_measurands(
    energy_wh: float = 12345.0, power_w: float = 7200.0, timestamp: str = "2026-11-25T08:05:00Z"
) -> list[dict[str, Any]]:
    """One MeterValue with every measurand the sensors show, as a three-phase charger sends it."""
    sampled = [
        {"value": str(energy_wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "16", "measurand": "Current.Offered", "unit": "A"},
        {"value": "11000", "measurand": "Power.Offered", "unit": "W"},
        {"value": "55", "measurand": "SoC", "unit": "Percent", "location": "EV"},
        {"value": "31.5", "measurand": "Temperature", "unit": "Celsius", "location": "Body"},
        {"value": "50.02", "measurand": "Frequency"},
    ]
    for n, (current, voltage) in enumerate(
        (("10.1", "230.1"), ("10.2", "230.2"), ("10.3", "230.3")), start=1
    ):
        sampled.append(
            {"value": current, "measurand": "Current.Import", "unit": "A", "phase": f"L{n}"}
        )
        sampled.append({"value": voltage, "measurand": "Voltage", "unit": "V", "phase": f"L{n}-N"})
    return [{"timestamp": timestamp, "sampledValue": sampled}]


async def start_charging(hass: HomeAssistant, cp: SimCharger, connector_id: int = 1) -> int:
    """Boot, heartbeat, report status, start a session and send every measurand."""
    await cp.boot()
    await cp.call(call.Heartbeat())
    await cp.call(call.StatusNotification(connector_id=0, error_code="NoError", status="Available"))
    await cp.call(
        call.StatusNotification(connector_id=connector_id, error_code="NoError", status="Preparing")
    )
    started = await cp.call(
        call.StartTransaction(
            connector_id=connector_id,
            id_tag="TAG-0001",
            meter_start=10000,
            timestamp="2026-11-25T08:00:00Z",
        )
    )
    await cp.call(
        call.StatusNotification(connector_id=connector_id, error_code="NoError", status="Charging")
    )
    await cp.call(
        call.MeterValues(
            connector_id=connector_id,
            transaction_id=started.transaction_id,
            meter_value=all_measurands(),
        )
    )
    await hass.async_block_till_done()
    return int(started.transaction_id)


async def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until the server side has noticed something (a closed connection, say)."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the server offers no event to wait on
            await asyncio.sleep(0.01)


# --- charger control tests --------------------------------------------------------------


@pytest.fixture
async def connect_scripted(port: int) -> AsyncGenerator[Callable[..., Awaitable[Any]]]:
    """Connect ScriptedCharger instances (answers scripted per action, calls recorded)."""
    from tests.helpers.scripted_charger import ScriptedCharger

    opened: list[tuple[ClientConnection, asyncio.Task[None]]] = []

    async def _connect(charger_id: str = "CP1") -> ScriptedCharger:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            open_timeout=5,
        )
        charger = ScriptedCharger(charger_id, ws)
        task = asyncio.get_running_loop().create_task(_run(charger))  # type: ignore[arg-type]
        opened.append((ws, task))
        return charger

    yield _connect
    for ws, task in opened:
        await ws.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- OCPP 2.0.1 / 2.1 chargers, and tests over every OCPP version ------------------------

type ConnectAnyFn = Callable[..., Awaitable[Any]]
type Opened = list[tuple[ClientConnection, asyncio.Task[None]]]


@pytest.fixture
async def _charger_connections() -> AsyncGenerator[Opened]:
    """Connections opened by connect_v201 / connect_charger, closed at the end of the test."""
    opened: Opened = []
    yield opened
    for ws, task in opened:
        await ws.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _connector(port: int, opened: Opened, default_version: str) -> ConnectAnyFn:
    import base64

    from tests.helpers.charger_v201 import Charger21, Charger201
    from tests.helpers.drivers import Driver16

    # OCPP version → (simulated charger, the subprotocol it offers).
    versions: dict[str, tuple[type[Any], str]] = {
        "1.6": (Driver16, "ocpp1.6"),
        "2.0.1": (Charger201, "ocpp2.0.1"),
        "2.1": (Charger21, "ocpp2.1"),
    }

    async def _connect(
        charger_id: str = "CP1",
        *,
        version: str | None = None,
        subprotocols: list[str] | None = None,
        password: str | None = None,
    ) -> Any:
        cls, subprotocol = versions[version or default_version]
        headers = {}
        if password is not None:
            token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=subprotocols if subprotocols is not None else [subprotocol],  # type: ignore[arg-type]
            additional_headers=headers,
            open_timeout=5,
        )
        charger = cls(charger_id, ws)
        task = asyncio.get_running_loop().create_task(_run(charger))
        opened.append((ws, task))
        return charger

    return _connect


@pytest.fixture
async def connect_v201(port: int, _charger_connections: Opened) -> ConnectAnyFn:
    """Connect simulated 2.0.1 stations (tests/charger_v201.py); `version="2.1"` for 2.1 ones."""
    return _connector(port, _charger_connections, "2.0.1")


@pytest.fixture
def charger_version() -> str:
    """OCPP version of the chargers connect_charger connects; parametrize to run over versions."""
    return "1.6"


@pytest.fixture
async def connect_charger(
    port: int,
    charger_version: str,
    _charger_connections: Opened,
) -> ConnectAnyFn:
    """Connect a scripted charger of `charger_version` that speaks the driver steps (tests/drivers.py).

    Parametrize charger_version ("1.6", "2.0.1", "2.1") to run a test over versions; see
    tests/test_versions.py::test_same_entities_for_every_version.
    """
    return _connector(port, _charger_connections, charger_version)
