"""Forwarding: the upstream sees the charger's messages as it sent them, answered by us at once."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.connections import ConnectAnyFn
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import send_raw

BOOT = {"chargePointVendor": "Acme", "chargePointModel": "Wallbox 1", "firmwareVersion": "1.2.3"}


def meter(at: str, wh: int, transaction_id: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "connectorId": 1,
        "meterValue": [
            {
                "timestamp": at,
                "sampledValue": [
                    {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
                ],
            }
        ],
    }
    if transaction_id is not None:
        payload["transactionId"] = transaction_id
    return payload


async def _linked(hass: HomeAssistant, central: MockConfigEntry, upstream: UpstreamCsms) -> None:
    link = central.runtime_data.upstreams.link("CP1")
    assert link is not None
    await wait_for(lambda: link.state == "connected")


async def test_a_session_reaches_the_upstream_unchanged(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Boot, statuses, a session and its readings: same payloads upstream, its own ids mapped."""
    await _linked(hass, central, upstream)
    cp = await connect_charger("CP1")
    sent: list[tuple[str, dict[str, Any]]] = [
        ("BootNotification", BOOT),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"}),
        ("Authorize", {"idTag": "TAG1"}),
    ]
    for action, payload in sent:
        await send_raw(cp, action, payload)
    start = {
        "connectorId": 1,
        "idTag": "TAG1",
        "meterStart": 1000,
        "timestamp": "2026-12-01T08:00:00Z",
    }
    started = await send_raw(cp, "StartTransaction", start)
    ours = started["transactionId"]
    readings = meter("2026-12-01T08:15:00Z", 3500, ours)
    await send_raw(cp, "MeterValues", readings)
    stop = {"transactionId": ours, "meterStop": 8000, "timestamp": "2026-12-01T09:00:00Z"}
    await send_raw(cp, "StopTransaction", stop)
    await upstream.wait_for(6)
    assert [(got.action, got.payload) for got in upstream.got] == [
        *sent,
        ("StartTransaction", start),
        ("MeterValues", {**readings, "transactionId": 9001}),
        ("StopTransaction", {**stop, "transactionId": 9001}),
    ]
    assert ours != 9001
    assert all(got.station == "CP1" for got in upstream.got)
