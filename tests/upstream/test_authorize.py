"""Who decides on an id tag: Home Assistant, the upstream (ours when it does not answer), or either."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import CONF_AUTHORIZATION
from custom_components.ocpp_central.upstreams import CONF_UPSTREAM_AUTHORIZE
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import LINK, linked

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])


@pytest.fixture(autouse=True)
def short_authorize() -> Generator[None]:
    """The upstream gets 0.3 s to decide (2 s in use)."""
    with patch(f"{LINK}.AUTHORIZE_TIMEOUT_S", 0.3):
        yield


@VERSIONS
@pytest.mark.parametrize("upstream_extra", [{CONF_UPSTREAM_AUTHORIZE: "upstream"}])
async def test_the_upstream_decides(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Its Invalid stands although we accept every tag; once it is away, our tags decide."""
    link = await linked(central)
    cp = await connect_charger("CP1")
    await cp.boot()
    upstream.authorize_status = "Invalid"
    assert await cp.authorize("TAG-1") == "Invalid"
    upstream.authorize_status = "Accepted"
    assert await cp.authorize("TAG-1") == "Accepted"
    assert len(upstream.of("Authorize")) == 2  # asked once each, not passed on again
    upstream.authorize_status = "Invalid"
    upstream.delay_s = 5  # too slow: ours decide
    assert await cp.authorize("TAG-2") == "Accepted"
    upstream.delay_s = 0
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    assert await cp.authorize("TAG-3") == "Accepted"


@pytest.mark.parametrize("options", [{CONF_AUTHORIZATION: "allow_list"}])
@pytest.mark.parametrize(
    ("upstream_extra", "expected"),
    [
        ({CONF_UPSTREAM_AUTHORIZE: "either"}, "Accepted"),
        ({CONF_UPSTREAM_AUTHORIZE: "local"}, "Invalid"),
    ],
)
async def test_either_accepts_what_the_upstream_accepts(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    expected: str,
) -> None:
    """A company card we do not know: either lets the upstream's Accepted count; local does not."""
    await linked(central)
    cp = await connect_charger("CP1")
    await cp.boot()
    assert await cp.authorize("COMPANY-CARD") == expected
