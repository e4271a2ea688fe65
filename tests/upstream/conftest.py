"""Two real central systems: Home Assistant in the middle, an upstream on the ocpp package behind it.

The charger is an independent ocpp client (tests/helpers), connected to the integration; the
integration forwards it to the upstream (tests/helpers/upstream_csms.py) on another loopback port.
Reconnecting is made quick (the back-off starts at 20 ms) so that outages end at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
import json
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
import pytest

from custom_components.ocpp_central.charging.engine import SmartCharging
from custom_components.ocpp_central.upstreams import (
    CONF_UPSTREAM_AUTHORIZE,
    CONF_UPSTREAM_URL,
    CONF_UPSTREAM_VERSION,
)
from tests.helpers.subentries import charger_subentry
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for

LINK = "custom_components.ocpp_central.csms.upstream.link"


@pytest.fixture(autouse=True)
def quick_links() -> Generator[None]:
    """Reconnect after 20 ms (at most 100 ms), and no settling before limits are written."""
    with (
        patch(f"{LINK}.BACKOFF_FIRST_S", 0.02),
        patch(f"{LINK}.BACKOFF_MAX_S", 0.1),
        patch.object(SmartCharging, "settle_s", 0),
    ):
        yield


@pytest.fixture
def upstream_version(charger_version: str) -> str:
    """The OCPP version the upstream speaks: the charger's (parametrize charger_version)."""
    return f"ocpp{charger_version}"


@pytest.fixture
def upstream_password() -> str | None:
    """The password the upstream wants (None: none)."""
    return None


@pytest.fixture
async def upstream(
    socket_enabled: None,
    unused_tcp_port_factory: Any,
    upstream_version: str,
    upstream_password: str | None,
) -> AsyncGenerator[UpstreamCsms]:
    """The upstream central system, listening."""
    csms = UpstreamCsms(unused_tcp_port_factory(), upstream_version, upstream_password)
    await csms.start()
    yield csms
    await csms.stop()


@pytest.fixture
def upstream_extra() -> dict[str, Any]:
    """Settings a test module or test changes (parametrize)."""
    return {}


@pytest.fixture
def upstream_settings(upstream_version: str, upstream_extra: dict[str, Any]) -> dict[str, Any]:
    """The charger's upstream settings besides the URL."""
    return {
        CONF_UPSTREAM_AUTHORIZE: "local",
        CONF_UPSTREAM_VERSION: upstream_version,
    } | upstream_extra


@pytest.fixture
def subentries(
    upstream: UpstreamCsms, upstream_settings: dict[str, Any]
) -> list[ConfigSubentryData]:
    """CP1, forwarded to the upstream."""
    subentry = charger_subentry("CP1")
    subentry["data"] = {
        **subentry["data"],
        CONF_UPSTREAM_URL: upstream.url,
        **upstream_settings,
    }
    return [subentry]


def record_sent(cp: Any) -> list[tuple[str, dict[str, Any]]]:
    """Record every CALL the charger sends from now on, exactly as it goes on the wire."""
    sent: list[tuple[str, dict[str, Any]]] = []
    original = cp._send

    async def _send(message: str) -> None:
        frame = json.loads(message)
        if frame[0] == 2:
            sent.append((frame[2], frame[3]))
        await original(message)

    cp._send = _send
    return sent


async def linked(entry: Any, charger_id: str = "CP1") -> Any:
    """Wait until the charger's link to its upstream is connected; return the link."""
    link = entry.runtime_data.upstreams.link(charger_id)
    assert link is not None
    await wait_for(lambda: link.state == "connected")
    return link


async def send_raw(cp: Any, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send a CALL from the charger exactly as given; return the answer payload."""
    unique_id = str(cp._unique_id_generator())
    async with cp._call_lock:
        await cp._send(json.dumps([2, unique_id, action, payload]))
        response = await cp._get_specific_response(unique_id, 10)
    answer: dict[str, Any] = json.loads(response.to_json())[2]
    return answer
