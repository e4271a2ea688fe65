"""Who may connect: identity rules, bounded pending chargers, address binding, first-frame timeout.

Independent clients only: raw `websockets` with hand-written OCPP-J frames, and the `ocpp` package's
charge point (tests/helpers/sim_charger.py). Extra source addresses come from 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import contextlib
from datetime import timedelta
import json
import logging
import os
from typing import Any
from unittest.mock import patch

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from custom_components.ocpp_central.central import (
    CONF_BOUND_ADDRESS,
    FIRST_FRAME_TIMEOUT_S,
    ISSUE_AUTO_ADD_LIMIT,
    ISSUE_NEW_ADDRESS,
)
from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
)
from custom_components.ocpp_central.csms import admission, server
from custom_components.ocpp_central.csms.model import MAX_CONNECTORS
from tests.helpers.connections import basic_auth
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

SECRET = "a-long-enough-password"
ODD_HEX = "0123456789abcdef0123456789abcdef0"  # 33 hex digits: plain text, not a hex key
BOOT = '[2, "b", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]'

type KnockFn = Callable[..., Awaitable[ClientConnection]]


def policy(name: str) -> dict[str, Any]:
    return {
        CONF_UNKNOWN_CHARGERS: name,
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "accept_all",
    }


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """An open charger, one with a password, one whose password is 33 hex digits."""
    return [
        charger_subentry("CP1"),
        charger_subentry("SECURE", password=SECRET),
        charger_subentry("ODD", password=ODD_HEX),
    ]


@pytest.fixture
async def knock(port: int) -> AsyncGenerator[KnockFn]:
    """Raw WebSocket clients from any loopback address; closed at the end."""
    opened: list[ClientConnection] = []

    async def _knock(
        charger_id: str, *, source: str = "127.0.0.1", headers: dict[str, str] | None = None
    ) -> ClientConnection:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers=headers or {},
            open_timeout=5,
            ping_interval=None,
            local_addr=(source, 0),
        )
        opened.append(ws)
        return ws

    yield _knock
    for ws in opened:
        await ws.close()


async def status_of(knock: KnockFn, charger_id: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as err:
        await knock(charger_id, **kwargs)
    return err.value.response.status_code


async def exchange(ws: ClientConnection, frame: str) -> list[Any]:
    """Send a CALL and return its answer; calls of the server meanwhile are left unanswered."""
    await ws.send(frame)
    async with asyncio.timeout(5):
        while True:
            reply: list[Any] = json.loads(await ws.recv())
            if reply[0] != 2:
                return reply


def discovery_flows(hass: HomeAssistant) -> list[Any]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"].get("source") == "integration_discovery"
    ]


def generous_budget(entry: MockConfigEntry) -> None:
    """Per-address budget out of the way: what is tested is the pending cap itself."""
    server = entry.runtime_data.server
    assert server is not None
    server.budget = admission.AddressBudget(burst=100_000)


def frozen_budget(entry: MockConfigEntry) -> None:
    """The per-address budget does not refill while the test runs, however slow the machine."""
    server = entry.runtime_data.server
    assert server is not None
    server.budget = admission.AddressBudget(clock=lambda: 0.0)


# --- identity rules ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ask", "accept", "reject"])
async def test_malformed_ids_refused_before_any_state(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    knock: KnockFn,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    """Control characters, edge whitespace, over 48 characters: HTTP 400 under every policy."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options=policy(name))
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    for path in ("A%00B", "pwd1%20", "%20pwd1", "A%0AB", "A%0D%0AB", "X" * 49, "A%7FB"):
        assert await status_of(knock, path) == 400, path
    await hass.async_block_till_done()
    central = config_entry.runtime_data
    assert not central.pending
    assert set(central.coordinators) == {"CP1", "SECURE", "ODD"}
    assert not discovery_flows(hass)
    refusals = [r.getMessage() for r in caplog.records if "Refused charger" in r.getMessage()]
    # Once per address per minute, escaped: no raw newline or NUL reaches the log.
    assert len(refusals) == 1
    assert "'A\\x00B'" in refusals[0]
    assert "\n" not in refusals[0]
    assert "\x00" not in refusals[0]


@pytest.mark.parametrize("options", [policy("accept")])
async def test_ids_nobody_configured_must_be_identifier_strings(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """`<script>` or "A B" never become a device, not even under "Add automatically"."""
    for path in ("%3Cscript%3E", "A%20B", "caf%C3%A9"):
        assert await status_of(knock, path) == 404, path
    assert set(central.runtime_data.coordinators) == {"CP1", "SECURE", "ODD"}
    ws = await knock("NEW-1_a.b")
    assert (await exchange(ws, BOOT))[2]["status"] == "Accepted"


async def test_ids_are_case_sensitive(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """`cp1` is not CP1: it is an unknown charger, kept pending."""
    ws = await knock("cp1")
    assert (await exchange(ws, BOOT))[2]["status"] == "Pending"
    assert "cp1" in central.runtime_data.pending
    assert not central.runtime_data.coordinators["CP1"].charger.connected


# --- passwords ---------------------------------------------------------------------------


async def test_odd_length_hex_password_is_plain_text(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """33 hex digits are no hex key: the password as typed admits, a wrong one gets 401, never 500."""
    ws = await knock("ODD", headers=basic_auth("ODD", ODD_HEX))
    assert (await exchange(ws, BOOT))[2]["status"] == "Accepted"
    assert await status_of(knock, "ODD", headers=basic_auth("ODD", ODD_HEX[:-1])) == 401


# --- pending chargers --------------------------------------------------------------------


async def test_pending_chargers_capped_oldest_dropped(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """At most 10 pending chargers: the 11th pushes out the oldest, connection and notification."""
    generous_budget(central)
    sockets = []
    for number in range(admission.PENDING_CAP + 3):
        ws = await knock(f"NEW{number}")
        assert (await exchange(ws, BOOT))[2]["status"] == "Pending"
        sockets.append(ws)
    await hass.async_block_till_done()
    pending = central.runtime_data.pending
    assert set(pending) == {f"NEW{n}" for n in range(3, admission.PENDING_CAP + 3)}
    for ws in sockets[:3]:
        async with asyncio.timeout(5):
            await ws.wait_closed()
    flows = {flow["context"]["unique_id"] for flow in discovery_flows(hass)}
    assert flows == {f"charger:NEW{n}" for n in range(3, admission.PENDING_CAP + 3)}


async def test_pending_charger_forgotten_after_it_left(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """Ten minutes after its connection closed, a pending charger and its notification go."""
    ws = await knock("LEAVER")
    assert (await exchange(ws, BOOT))[2]["status"] == "Pending"
    await hass.async_block_till_done()
    assert len(discovery_flows(hass)) == 1
    await ws.close()
    await wait_for(lambda: "LEAVER" not in central.runtime_data.sessions)
    with patch.object(central.runtime_data.pending_visits, "clock", lambda: 1e12):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
        await hass.async_block_till_done()
    assert "LEAVER" not in central.runtime_data.pending
    assert not discovery_flows(hass)


async def test_pending_charger_may_not_charge(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """Until confirmed: Authorize Invalid, StartTransaction Invalid, no device."""
    ws = await knock("STRANGER")
    assert (await exchange(ws, BOOT))[2]["status"] == "Pending"
    reply = await exchange(ws, '[2, "a", "Authorize", {"idTag": "TAG"}]')
    assert reply[2]["idTagInfo"]["status"] == "Invalid"
    reply = await exchange(
        ws,
        '[2, "s", "StartTransaction", {"connectorId": 1, "idTag": "TAG", "meterStart": 0,'
        ' "timestamp": "2026-01-01T00:00:00Z"}]',
    )
    assert reply[2]["idTagInfo"]["status"] == "Invalid"
    assert "STRANGER" not in central.runtime_data.coordinators


async def test_pending_v201_station_may_not_charge(
    hass: HomeAssistant, central: MockConfigEntry, port: int
) -> None:
    """2.0.1: Authorize and TransactionEvent answer idTokenInfo Invalid until confirmed."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ocpp/STATION",
        subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
    ) as ws:
        boot = await exchange(
            ws,
            '[2, "b", "BootNotification", {"reason": "PowerUp",'
            ' "chargingStation": {"vendorName": "V", "model": "M"}}]',
        )
        assert boot[2]["status"] == "Pending"
        token = '{"idToken": "TAG", "type": "ISO14443"}'
        reply = await exchange(ws, f'[2, "a", "Authorize", {{"idToken": {token}}}]')
        assert reply[2]["idTokenInfo"]["status"] == "Invalid"
        reply = await exchange(
            ws,
            '[2, "t", "TransactionEvent", {"eventType": "Started",'
            ' "timestamp": "2026-01-01T00:00:00Z", "triggerReason": "Authorized", "seqNo": 0,'
            ' "transactionInfo": {"transactionId": "T1"}, "evse": {"id": 1, "connectorId": 1},'
            f' "idToken": {token}}}]',
        )
        assert reply[2]["idTokenInfo"]["status"] == "Invalid"
        # Not even free charging (no card at all) before the homeowner confirms the station.
        free = '{"idToken": "", "type": "NoAuthorization"}'
        reply = await exchange(ws, f'[2, "n", "Authorize", {{"idToken": {free}}}]')
        assert reply[2]["idTokenInfo"]["status"] == "Invalid"
    assert "STATION" not in central.runtime_data.coordinators


@pytest.mark.parametrize("options", [policy("accept")])
async def test_automatic_adds_capped_per_hour(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """Five chargers an hour are added automatically; the next waits for confirmation."""
    for number in range(admission.AUTO_ADD_PER_HOUR + 2):
        ws = await knock(f"AUTO{number}")
        status = (await exchange(ws, BOOT))[2]["status"]
        assert status == ("Accepted" if number < admission.AUTO_ADD_PER_HOUR else "Pending")
    await hass.async_block_till_done()
    added = {f"AUTO{n}" for n in range(admission.AUTO_ADD_PER_HOUR)}
    assert set(central.runtime_data.coordinators) == {"CP1", "SECURE", "ODD", *added}
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_AUTO_ADD_LIMIT) is not None


async def test_refusals_from_one_address_rate_limited(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """An address that keeps getting refused gets 429; a configured charger there still connects."""
    frozen_budget(central)
    statuses = [
        await status_of(knock, "SECURE", headers=basic_auth("SECURE", "wrong-password-here"))
        for _ in range(admission.ADDRESS_BURST + 5)
    ]
    assert statuses[: admission.ADDRESS_BURST] == [401] * admission.ADDRESS_BURST
    assert set(statuses[admission.ADDRESS_BURST :]) == {429}
    assert await status_of(knock, "NEWBIE") == 429
    # Another address has its own budget; the known charger is never held up.
    assert await status_of(knock, "SECURE", source="127.0.0.2") == 401
    ws = await knock("CP1")
    assert (await exchange(ws, BOOT))[2]["status"] == "Accepted"


# --- connections that say nothing ---------------------------------------------------------


async def test_connection_without_boot_closed(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """An unknown charger that does not boot in time, and a known one that says nothing, are closed."""
    silent_unknown = await knock("QUIET")
    silent_known = await knock("CP1")
    talking = await knock("SECURE", headers=basic_auth("SECURE", SECRET))
    await exchange(talking, '[2, "h", "Heartbeat", {}]')
    heartbeat_only = await knock("LURKER", source="127.0.0.3")
    await exchange(heartbeat_only, '[2, "h", "Heartbeat", {}]')
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=FIRST_FRAME_TIMEOUT_S + 1))
    await hass.async_block_till_done()
    for ws in (silent_unknown, silent_known, heartbeat_only):
        async with asyncio.timeout(5):
            await ws.wait_closed()
    assert (await exchange(talking, '[2, "h2", "Heartbeat", {}]'))[0] == 3


def test_server_pings_find_dead_links() -> None:
    """A link whose pings go unanswered is closed well within twice the heartbeat interval."""
    assert server.PING_INTERVAL is not None
    assert server.PING_TIMEOUT is not None
    assert server.PING_INTERVAL + server.PING_TIMEOUT <= 2 * 300


# --- no impersonation --------------------------------------------------------------------


async def test_password_less_charger_bound_to_its_address(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn, connect: ConnectFn
) -> None:
    """Its first address binds it; its id from elsewhere gets 403 and the live one stays."""
    charger = await connect("CP1")
    assert (await charger.boot()).status == "Accepted"
    subentry = next(s for s in central.subentries.values() if s.unique_id == "CP1")
    await wait_for(lambda: central.subentries[subentry.subentry_id].data.get(CONF_BOUND_ADDRESS))
    assert central.subentries[subentry.subentry_id].data[CONF_BOUND_ADDRESS] == "127.0.0.1"

    assert await status_of(knock, "CP1", source="127.0.0.2") == 403
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_NEW_ADDRESS}_{subentry.subentry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["address"] == "127.0.0.2"
    # The real one was not disconnected.
    assert central.runtime_data.sessions["CP1"].connection.state.name == "OPEN"
    assert (await charger.boot()).status == "Accepted"


async def test_confirming_new_address_by_repair(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """The repair flow accepts the new address: from then on only it is admitted."""
    assert await async_setup_component(hass, "repairs", {})
    subentry = next(s for s in central.subentries.values() if s.unique_id == "CP1")
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, CONF_BOUND_ADDRESS: "192.0.2.7"}
    )
    assert await status_of(knock, "CP1") == 403
    issue_id = f"{ISSUE_NEW_ADDRESS}_{subentry.subentry_id}"
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"]["address"] == "127.0.0.1"
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert central.subentries[subentry.subentry_id].data[CONF_BOUND_ADDRESS] == "127.0.0.1"
    ws = await knock("CP1")
    assert (await exchange(ws, BOOT))[2]["status"] == "Accepted"
    assert await status_of(knock, "CP1", source="127.0.0.2") == 403


async def test_password_charger_evicted_only_by_its_password(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """A password charger: no password or a wrong one from anywhere is 401; the right one takes over."""
    first = await knock("SECURE", headers=basic_auth("SECURE", SECRET))
    await exchange(first, BOOT)
    assert await status_of(knock, "SECURE", source="127.0.0.2") == 401
    assert await status_of(knock, "SECURE", headers=basic_auth("SECURE", "x" * 20)) == 401
    assert (await exchange(first, '[2, "h", "Heartbeat", {}]'))[0] == 3
    second = await knock("SECURE", source="127.0.0.2", headers=basic_auth("SECURE", SECRET))
    await exchange(second, BOOT)
    async with asyncio.timeout(5):
        await first.wait_closed()


async def test_live_pending_charger_not_taken_over_from_elsewhere(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """A pending id that is connected is refused from another address (403), not evicted."""
    first = await knock("WAITING")
    await exchange(first, BOOT)
    assert await status_of(knock, "WAITING", source="127.0.0.2") == 403
    assert (await exchange(first, '[2, "h", "Heartbeat", {}]'))[0] == 3


async def test_confirmed_discovery_binds_the_address(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """Confirming without a password binds the charger to where it was waiting."""
    ws = await knock("GARAGE", source="127.0.0.4")
    await exchange(ws, BOOT)
    central.runtime_data.async_add_charger("GARAGE", "Garage", "", 16)
    await hass.async_block_till_done()
    subentry = next(s for s in central.subentries.values() if s.unique_id == "GARAGE")
    assert subentry.data[CONF_BOUND_ADDRESS] == "127.0.0.4"


# --- connectors --------------------------------------------------------------------------


async def test_connector_flood_bounded(
    hass: HomeAssistant, central: MockConfigEntry, knock: KnockFn
) -> None:
    """A station naming thousands of connectors gets at most MAX_CONNECTORS of them (entities)."""
    ws = await knock("CP1")
    await exchange(ws, BOOT)
    for number in (1, 2, MAX_CONNECTORS, MAX_CONNECTORS + 1, 500, 4000):
        reply = await exchange(
            ws,
            f'[2, "s{number}", "StatusNotification", {{"connectorId": {number},'
            ' "errorCode": "NoError", "status": "Available"}]',
        )
        assert reply[0] == 3
    await hass.async_block_till_done()
    connectors = central.runtime_data.coordinators["CP1"].charger.connectors
    assert max(connectors) <= MAX_CONNECTORS
    assert len(connectors) <= MAX_CONNECTORS + 1


# --- a flood of invented ids ---------------------------------------------------------------


# 2,000 in CI; OCPP_FLOOD_COUNT=10000 repeats the flood of the issue that asked for the caps.
@pytest.mark.parametrize("count", [int(os.environ.get("OCPP_FLOOD_COUNT", "2000"))])
@pytest.mark.parametrize("name", ["ask", "accept", "reject"])
async def test_flood_of_unknown_ids(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    knock: KnockFn,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
    name: str,
    count: int,
) -> None:
    """Thousands of invented ids from many addresses: bounded flows and devices; readings go on."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options=policy(name))
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    caplog.set_level(logging.WARNING)
    bystander = await connect("SECURE", password=SECRET)
    assert (await bystander.boot()).status == "Accepted"

    async def one(number: int) -> None:
        try:
            ws = await knock(f"FAKE{number}", source=f"127.0.1.{number % 50 + 1}")
        except InvalidStatus as err:
            assert err.response.status_code in {404, 429}
            return
        # Pushed out already, perhaps, by newer pending chargers.
        with contextlib.suppress(ConnectionClosed):
            await ws.send(BOOT.replace('"b"', f'"b{number}"'))

    for start in range(0, count, 100):
        await asyncio.gather(*(one(n) for n in range(start, min(count, start + 100))))
        reading = {
            "timestamp": dt_util.utcnow().isoformat(),
            "sampledValue": [{"value": str(start), "measurand": "Power.Active.Import"}],
        }
        await bystander.call(call.MeterValues(connector_id=1, meter_value=[reading]))
        # Each reading arrives while the flood goes on.
        assert (
            central_of(config_entry).coordinators["SECURE"].charger.connectors[1].power_w == start
        )
    await hass.async_block_till_done()
    central = central_of(config_entry)
    assert len(central.pending) <= admission.PENDING_CAP
    assert len(discovery_flows(hass)) <= admission.PENDING_CAP
    auto = admission.AUTO_ADD_PER_HOUR if name == "accept" else 0
    assert len(central.coordinators) <= 3 + auto
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), config_entry.entry_id)
    assert len(devices) <= 3 + auto
    device_ids = {device.id for device in devices}
    entities = er.async_entries_for_config_entry(er.async_get(hass), config_entry.entry_id)
    assert all(entity.device_id in device_ids for entity in entities)


def central_of(entry: MockConfigEntry) -> Any:
    return entry.runtime_data
