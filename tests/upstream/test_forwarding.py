"""Forwarding: the upstream sees the charger's messages as it sent them; the charger never waits on it.

Over both versions the charger is an independent ocpp client and the upstream another ocpp central
system; what the charger put on the wire is compared with what the upstream received.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.connections import ConnectAnyFn
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import linked, record_sent, send_raw

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
# Not kept while the upstream is away (the upstream's own link has its heartbeats).
VOLATILE = {"Heartbeat", "Authorize", "DataTransfer"}


async def run_a_session(cp: Any) -> None:
    """Boot, plug in, authorize, charge with readings, stop."""
    await cp.boot()
    await cp.heartbeat()
    await cp.status(1, "Preparing")
    await cp.authorize("TAG-0001")
    tx = await cp.start_transaction(1, "TAG-0001", 1000, "2026-12-01T08:00:00Z")
    await cp.status(1, "Charging")
    readings = [
        {
            "timestamp": "2026-12-01T08:15:00Z",
            "sampledValue": [
                {"value": "3500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
            ],
        }
    ]
    await cp.meter_values(1, readings, **({"transaction_id": tx} if cp.version == "1.6" else {}))
    await cp.stop_transaction(tx, 8000, "2026-12-01T09:00:00Z")
    await cp.status(1, "Finishing")


def as_upstream_sees(sent: list[tuple[str, dict[str, Any]]], version: str) -> list[Any]:
    """What the upstream must get: the same payloads; in 1.6 its own transaction id (9001)."""
    if version != "1.6":
        return sent
    return [
        (action, {**payload, "transactionId": 9001} if "transactionId" in payload else payload)
        for action, payload in sent
    ]


@VERSIONS
async def test_a_session_reaches_the_upstream_unchanged(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Every message, in order, with the charger's own timestamps and readings."""
    link = await linked(central)
    cp = await connect_charger("CP1")
    sent = record_sent(cp)
    await run_a_session(cp)
    await upstream.wait_for(len(sent))
    assert [(got.action, got.payload) for got in upstream.got] == as_upstream_sees(
        sent, charger_version
    )
    assert {got.station for got in upstream.got} == {"CP1"}
    await wait_for(lambda: link.forwarded == len(sent))
    assert link.dropped == 0


async def test_our_transaction_id_is_not_the_upstreams(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """1.6: the charger keeps our id; the upstream's Stop carries its own (mapped both ways)."""
    link = await linked(central)
    cp = await connect_charger("CP1")
    await cp.boot()
    started = await send_raw(
        cp,
        "StartTransaction",
        {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-12-01T08:00:00Z"},
    )
    await upstream.wait_for(2)
    await wait_for(lambda: link.queue.transaction_ids)
    assert link.queue.transaction_ids == {str(started["transactionId"]): 9001}
    assert started["transactionId"] != 9001


@VERSIONS
async def test_the_charger_never_waits_on_a_slow_upstream(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """An upstream that takes minutes to answer: the charger's calls (5 s timeout) are answered."""
    await linked(central)
    upstream.delay_s = 600
    cp = await connect_charger("CP1")
    sent = record_sent(cp)
    await run_a_session(cp)  # each call would time out if our answer waited on the upstream
    await upstream.wait_for(1)
    assert len(upstream.got) == 1  # still answering the first
    assert len(sent) > 5


@VERSIONS
async def test_an_outage_loses_nothing(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Upstream away for a whole session: the transaction's messages wait, then arrive in order."""
    link = await linked(central)
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    cp = await connect_charger("CP1")
    sent = record_sent(cp)
    await run_a_session(cp)
    kept = [(action, payload) for action, payload in sent if action not in VOLATILE]
    assert len(link.queue) == len(kept)
    await upstream.start()
    await upstream.wait_for(len(kept))
    assert [(got.action, got.payload) for got in upstream.got] == as_upstream_sees(
        kept, charger_version
    )
    await wait_for(lambda: len(link.queue) == 0)


@VERSIONS
async def test_an_outage_and_a_restart_lose_nothing(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Home Assistant restarts (entry reload) while the upstream is away: the queue is on disk."""
    link = await linked(central)
    path = central.runtime_data.upstreams.queue_path("CP1")
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    cp = await connect_charger("CP1")
    sent = record_sent(cp)
    await run_a_session(cp)
    kept = [(action, payload) for action, payload in sent if action not in VOLATILE]
    assert path.exists()
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    relinked = central.runtime_data.upstreams.link("CP1")
    assert relinked is not link
    await wait_for(lambda: len(relinked.queue) == len(kept))
    await upstream.start()
    await upstream.wait_for(len(kept))
    assert [(got.action, got.payload) for got in upstream.got] == as_upstream_sees(
        kept, charger_version
    )
    await wait_for(lambda: len(relinked.queue) == 0)


async def test_an_upstream_that_gets_things_wrong(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Its CALLERROR to a forwarded message drops that message only; junk frames are ignored."""
    link = await linked(central)
    cp = await connect_charger("CP1")
    upstream.callerror_for.add("BootNotification")
    await cp.boot()
    await cp.status(1, "Available")
    await upstream.wait_for(2)
    await wait_for(lambda: link.forwarded == 2 and not link.queue)
    assert upstream.got[1].action == "StatusNotification"
    await upstream.send_frame("CP1", "not json", None)
    await upstream.send_frame("CP1", "[3]", None)
    frame = await upstream.send_frame("CP1", '[2, "77", "Reset", [1]]', "77")
    assert frame[:3] == [4, "77", "FormationViolation"]
    assert link.state == "connected"
