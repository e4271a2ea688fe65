"""Setting an upstream up: the Reconfigure section, the status sensor, the repair issue on refusal."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from pathlib import Path
import socket
import ssl
import threading
from typing import Any
from unittest.mock import patch

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import CONF_MAX_CURRENT, DOMAIN
from custom_components.ocpp_central.diagnostics import async_get_config_entry_diagnostics
from custom_components.ocpp_central.upstreams import (
    CONF_UPSTREAM_CERTIFICATE,
    CONF_UPSTREAM_PASSWORD,
    CONF_UPSTREAM_URL,
    CONF_UPSTREAM_VERSION,
)
from tests.helpers.certs import make_certs
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.subentries import charger_subentry
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import linked

SENSOR = "sensor.charger_cp1_upstream"


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, upstream: dict[str, Any]
) -> dict[str, Any]:
    result = await entry.start_subentry_reconfigure_flow(hass, next(iter(entry.subentries)))
    assert result["type"] is FlowResultType.FORM
    user_input = {CONF_NAME: "Charger CP1", CONF_MAX_CURRENT: 32, "min_current": 6}
    return dict(
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**user_input, "upstream": upstream}
        )
    )


def data(entry: MockConfigEntry) -> dict[str, Any]:
    return dict(next(iter(entry.subentries.values())).data)


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1")]], ids=["no upstream"])
async def test_flow_sets_changes_and_removes_an_upstream(
    hass: HomeAssistant, central: MockConfigEntry, upstream: UpstreamCsms
) -> None:
    """Set in the section; a wrong URL is an error; an empty URL removes every setting."""
    config_entry = central
    result = await reconfigure(hass, config_entry, {CONF_UPSTREAM_URL: "http://x/"})
    assert result["errors"] == {CONF_UPSTREAM_URL: "invalid_upstream_url"}
    result = await reconfigure(
        hass,
        config_entry,
        {
            CONF_UPSTREAM_URL: upstream.url,
            CONF_UPSTREAM_PASSWORD: "secret",
            CONF_UPSTREAM_VERSION: "v1_6",
            "upstream_authorize": "either",
            "upstream_commands": "local",
            "upstream_profiles": "refuse",
            "upstream_local_actions": ["unlock"],
            "upstream_refused_actions": [],
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert {k: v for k, v in data(config_entry).items() if k.startswith("upstream")} == {
        CONF_UPSTREAM_URL: upstream.url,
        CONF_UPSTREAM_PASSWORD: "secret",
        CONF_UPSTREAM_VERSION: "ocpp1.6",
        "upstream_authorize": "either",
        "upstream_commands": "local",
        "upstream_profiles": "refuse",
        "upstream_local_actions": ["unlock"],
    }
    link = config_entry.runtime_data.upstreams.link("CP1")
    assert link is not None
    assert (link.config.identity, link.config.password) == ("CP1", "secret")
    await wait_for(lambda: hass.states.get(SENSOR) and hass.states.get(SENSOR).state == "connected")
    result = await reconfigure(hass, config_entry, {CONF_UPSTREAM_URL: ""})
    assert result["reason"] == "reconfigure_successful"
    assert not any(key.startswith("upstream") for key in data(config_entry))
    assert config_entry.runtime_data.upstreams.link("CP1") is None
    await hass.async_block_till_done()
    assert hass.states.get(SENSOR).state == "disabled"


@pytest.mark.parametrize("upstream_password", ["the-right-one"])
async def test_refused_credentials_raise_a_repair_issue(
    hass: HomeAssistant, central: MockConfigEntry, upstream: UpstreamCsms
) -> None:
    """401: refused (unauthorized), an issue; the right password: connected, the issue gone."""
    link = central.runtime_data.upstreams.link("CP1")
    await wait_for(lambda: link.state == "refused")
    await hass.async_block_till_done()
    state = hass.states.get(SENSOR)
    assert state.state == "refused"
    assert state.attributes["reason"] == "unauthorized"
    assert state.attributes["http_status"] == 401
    issue_id = f"upstream_refused_{central.entry_id}_CP1"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["status"] == "401"
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, CONF_UPSTREAM_PASSWORD: "the-right-one"}
    )
    await hass.async_block_till_done()
    await linked(central)
    await hass.async_block_till_done()
    assert hass.states.get(SENSOR).state == "connected"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.parametrize("charger_version", ["2.0.1"])
@pytest.mark.parametrize("upstream_extra", [{CONF_UPSTREAM_VERSION: "auto"}])
async def test_automatic_version_follows_the_charger(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Before the charger first connects the link tries 1.6; a 2.0.1 charger moves it to 2.0.1."""
    link = central.runtime_data.upstreams.link("CP1")
    await wait_for(lambda: link.state == "refused")
    assert link.reason == "protocol"
    cp = await connect_charger("CP1")
    await cp.boot()
    relinked = await linked(central)
    assert relinked.config.version == "ocpp2.0.1"
    await upstream.wait_for(1)
    assert upstream.got[0].action == "BootNotification"


@contextlib.contextmanager
def tls_listener(certs: Any) -> Iterator[int]:
    """A TLS server (in a thread of its own) with a certificate no CA we trust signed."""
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certs.cert, certs.key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with contextlib.suppress(OSError), server_tls.wrap_socket(connection, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        done.set()
        thread.join()
        listener.close()


async def test_an_upstream_we_cannot_trust_is_refused(
    hass: HomeAssistant, central: MockConfigEntry, tmp_path: Path
) -> None:
    """wss:// to a certificate no CA we trust signed: refused, reason tls; no credentials issue.

    Our client certificate (security profile 3) is loaded from its PEM file on the way.
    """
    certs = make_certs(tmp_path)
    with tls_listener(certs) as port:
        subentry = next(iter(central.subentries.values()))
        hass.config_entries.async_update_subentry(
            central,
            subentry,
            data={
                **subentry.data,
                CONF_UPSTREAM_URL: f"wss://127.0.0.1:{port}/upstream/",
                CONF_UPSTREAM_CERTIFICATE: str(certs.combined),
            },
        )
        await hass.async_block_till_done()
        link = central.runtime_data.upstreams.link("CP1")
        await wait_for(lambda: link.state == "refused")
        assert link.reason == "tls"
        assert not ir.async_get(hass).issues


async def test_an_unusable_client_certificate_is_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    tmp_path: Path,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Not PEM: refused (tls) without connecting; the charger's session messages still wait."""
    certs = make_certs(tmp_path)
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central,
        subentry,
        data={
            **subentry.data,
            CONF_UPSTREAM_URL: "wss://127.0.0.1:9/upstream/",
            CONF_UPSTREAM_CERTIFICATE: str(certs.garbage),
        },
    )
    await hass.async_block_till_done()
    link = central.runtime_data.upstreams.link("CP1")
    await wait_for(lambda: link.state == "refused")
    assert link.reason == "tls"
    cp = await connect_charger("CP1")
    await cp.boot()
    assert len(link.queue) == 1


@pytest.fixture
def small_queue() -> Iterator[None]:
    """Queues of three messages."""
    with patch("custom_components.ocpp_central.upstreams.QUEUE_LIMIT", 3):
        yield


@pytest.mark.usefixtures("small_queue")
async def test_a_full_queue_raises_a_repair_issue_until_it_drains(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Three messages at most: the fourth is dropped and the homeowner told; gone once drained."""
    link = await linked(central)
    assert link.queue.limit == 3
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    cp = await connect_charger("CP1")
    await cp.boot()
    for status in ("Preparing", "Charging", "Finishing"):
        await cp.status(1, status)
    assert (len(link.queue), link.refused_full) == (3, 1)
    issue_id = f"upstream_queue_full_{central.entry_id}_CP1"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["limit"] == "3"
    await upstream.start()
    await upstream.wait_for(3)
    await wait_for(lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None)
    central.runtime_data.upstreams._async_queue_full("CP9")  # no such charger: nothing


async def test_a_charger_error_reaches_the_upstream(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """The charger answers an allowed request with a CALLERROR: the upstream gets that error."""
    await linked(central)
    cp = await connect_charger("CP1")
    await cp.boot()
    await wait_for(lambda: "CP1" in upstream.stations)
    cp.script.answers["UnlockConnector"] = "CALLERROR"
    frame = await upstream.send("CP1", "UnlockConnector", {"connectorId": 1})
    assert frame[:3] == [4, frame[1], "NotSupported"]


async def test_diagnostics_show_the_link_without_its_password(
    hass: HomeAssistant, central: MockConfigEntry, upstream: UpstreamCsms
) -> None:
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, CONF_UPSTREAM_PASSWORD: "very-secret-word"}
    )
    await hass.async_block_till_done()
    await linked(central)
    found = await async_get_config_entry_diagnostics(hass, central)
    shown = found["chargers"]["CP1"]["upstream"]
    assert (shown["state"], shown["identity"], shown["queued"]) == ("connected", "CP1", 0)
    assert "very-secret-word" not in str(found)


async def test_a_removed_charger_takes_its_queue_along(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Messages waiting for the upstream of a charger that is removed are forgotten with it."""
    link = await linked(central)
    path = central.runtime_data.upstreams.queue_path("CP1")
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    cp = await connect_charger("CP1")
    await cp.boot()
    assert path.exists()
    hass.config_entries.async_remove_subentry(central, next(iter(central.subentries)))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert central.runtime_data.upstreams.link("CP1") is None
    assert not path.exists()


async def test_a_removed_central_system_takes_its_queues_along(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    link = await linked(central)
    path = central.runtime_data.upstreams.queue_path("CP1")
    await upstream.stop()
    await wait_for(lambda: link.state != "connected")
    cp = await connect_charger("CP1")
    await cp.boot()
    assert path.exists()
    await hass.config_entries.async_remove(central.entry_id)
    await hass.async_block_till_done()
    assert not path.exists()
