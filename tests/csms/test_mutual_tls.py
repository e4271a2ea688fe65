"""Security profile 3: chargers admitted on a verified client certificate for their own id."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
import ssl
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from websockets.exceptions import InvalidHandshake, InvalidStatus

from custom_components.ocpp_central.const import (
    CONF_SECURITY_PROFILE,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    DOMAIN,
)
from tests.helpers.certs import CertFiles, make_certs
from tests.helpers.client_certs import (
    ClientCa,
    client_certificate,
    make_client_ca,
    mutual_context,
)
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

PASSWORD = "correct horse battery"


def _profile_3(charger_id: str) -> ConfigSubentryData:
    subentry = charger_subentry(charger_id)
    return ConfigSubentryData(
        data={**subentry["data"], CONF_SECURITY_PROFILE: "3"},
        subentry_type=subentry["subentry_type"],
        title=subentry["title"],
        unique_id=subentry["unique_id"],
    )


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """MTLS on profile 3; SECURE with a password (profile 2), on the same server."""
    return [_profile_3("MTLS"), charger_subentry("SECURE", password=PASSWORD)]


@pytest.fixture
async def mtls(
    hass: HomeAssistant,
    port: int,
    tmp_path: Path,
    subentries: list[ConfigSubentryData],
    options: dict[str, Any],
) -> tuple[CertFiles, ClientCa]:
    """A central system on wss:// asking for client certificates signed by the chargers' CA."""
    server = make_certs(tmp_path)
    chargers_ca = make_client_ca(tmp_path)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "host": "127.0.0.1",
            "port": port,
            CONF_SSL_CERTFILE: str(server.cert),
            CONF_SSL_KEYFILE: str(server.key),
            CONF_SSL_CAFILE: str(chargers_ca.path),
        },
        options=options,
        subentries_data=subentries,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return server, chargers_ca


async def test_certificate_for_its_id_admits_without_password(
    hass: HomeAssistant, mtls: tuple[CertFiles, ClientCa], connect: ConnectFn, tmp_path: Path
) -> None:
    """A client certificate whose CN is the charger id is all a profile-3 charger needs."""
    server, chargers_ca = mtls
    own = client_certificate(chargers_ca, "MTLS", tmp_path)
    cp = await connect("MTLS", scheme="wss", ssl_context=mutual_context(server, own))
    assert (await cp.boot()).status == "Accepted"


async def test_no_certificate_is_refused_with_one_log_line(
    hass: HomeAssistant,
    mtls: tuple[CertFiles, ClientCa],
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without a client certificate a profile-3 charger gets 401, a password does not help."""
    server, _ = mtls
    caplog.clear()
    with pytest.raises(InvalidStatus) as err:
        await connect("MTLS", scheme="wss", ssl_context=mutual_context(server), password=PASSWORD)
    assert err.value.response.status_code == 401
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1
    assert "security profile 3" in refusals[0].getMessage()
    assert "no" in refusals[0].getMessage()


async def test_certificate_for_another_id_is_refused(
    hass: HomeAssistant,
    mtls: tuple[CertFiles, ClientCa],
    connect: ConnectFn,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A valid certificate for another charger's id is no certificate for this one."""
    server, chargers_ca = mtls
    other = client_certificate(chargers_ca, "SECURE", tmp_path)
    with pytest.raises(InvalidStatus) as err:
        await connect("MTLS", scheme="wss", ssl_context=mutual_context(server, other))
    assert err.value.response.status_code == 401
    assert any("'SECURE', not for this charger id" in r.getMessage() for r in caplog.records)


async def test_certificate_of_an_unknown_ca_ends_the_handshake(
    hass: HomeAssistant, mtls: tuple[CertFiles, ClientCa], connect: ConnectFn, tmp_path: Path
) -> None:
    """A certificate that does not verify against the configured CA never gets to HTTP.

    The TLS layer refuses it (OCPP wants the connection ended); asyncio reports that to the loop's
    exception handler, which this test catches instead of Home Assistant's.
    """
    server, _ = mtls
    stranger_ca = make_client_ca(tmp_path, "Someone else")
    forged = client_certificate(stranger_ca, "MTLS", tmp_path)
    loop = asyncio.get_running_loop()
    home_assistants = loop.get_exception_handler()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        with pytest.raises((ssl.SSLError, OSError, InvalidHandshake)):
            cp = await connect("MTLS", scheme="wss", ssl_context=mutual_context(server, forged))
            await cp.call(call.Heartbeat())
        await wait_for(lambda: reported)
    finally:
        loop.set_exception_handler(home_assistants)
    assert isinstance(reported[0].get("exception"), ssl.SSLCertVerificationError)


async def test_password_chargers_still_connect_without_certificate(
    hass: HomeAssistant, mtls: tuple[CertFiles, ClientCa], connect: ConnectFn
) -> None:
    """Client certificates are asked for, not required: profile 2 keeps working beside 3."""
    server, _ = mtls
    cp = await connect(
        "SECURE", scheme="wss", ssl_context=mutual_context(server), password=PASSWORD
    )
    assert (await cp.boot()).status == "Accepted"
    with pytest.raises(InvalidStatus) as err:
        await connect("SECURE", scheme="wss", ssl_context=mutual_context(server), password="nope")
    assert err.value.response.status_code == 401
