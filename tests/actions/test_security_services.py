"""rotate_password, set_configuration of the password and upgrade_security_profile, over real reconnects."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from websockets.exceptions import InvalidStatus

from custom_components.ocpp_central.const import (
    CONF_PREVIOUS_PASSWORD,
    CONF_PREVIOUS_SECURITY_PROFILE,
    CONF_SECURITY_PROFILE,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    DOMAIN,
)
from tests.helpers.certs import make_certs
from tests.helpers.client_certs import client_certificate, make_client_ca, mutual_context
from tests.helpers.connections import Connections, basic_auth, charger_url
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

pytestmark = pytest.mark.usefixtures("quiet_setup")

OLD = "old-password-0123456789"
type Connect = Any


def _security_profile(value: str) -> dict[str, Any]:
    """A 1.6 GetConfiguration answer that reports SecurityProfile."""
    return {
        "configurationKey": [{"key": "SecurityProfile", "readonly": False, "value": value}],
        "unknownKey": [],
    }


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 (1.6) and EV201 (2.0.1) with a password; OPEN without one."""
    return [
        charger_subentry("CP1", password=OLD),
        charger_subentry("EV201", password=OLD),
        charger_subentry("OPEN"),
    ]


def stored(entry: MockConfigEntry, charger_id: str) -> dict[str, Any]:
    """The charger's subentry data as Home Assistant keeps it."""
    return next(dict(sub.data) for sub in entry.subentries.values() if sub.unique_id == charger_id)


def connected(entry: MockConfigEntry, charger_id: str) -> bool:
    """Whether the central system holds a session of the charger."""
    return charger_id in entry.runtime_data.sessions


async def reconnect(
    entry: MockConfigEntry, cp: Any, connect: Connect, password: str, version: str
) -> Any:
    """Drop the charger's connection and connect it again with a password; boot it."""
    await cp._connection.close()
    await wait_for(lambda: not connected(entry, cp.id))
    again = await connect(cp.id, version=version, password=password)
    await again.boot()
    return again


@pytest.mark.parametrize(
    ("charger_id", "version", "new_password"),
    [("CP1", "1.6", r"[0-9a-f]{40}"), ("EV201", "2.0.1", r"[A-Za-z0-9_-]{24}")],
)
async def test_rotation_keeps_the_charger_connected(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_v201: Connect,
    charger_id: str,
    version: str,
    new_password: str,
) -> None:
    """The old password works until the charger logs in with the new one, then only the new one."""
    cp = await connect_v201(charger_id, version=version, password=OLD)
    await cp.boot()
    response = await act(
        hass, "rotate_password", {"device_id": device_of(central, charger_id)}, response=True
    )
    assert response == {"status": "Accepted"}
    if version == "1.6":
        sent = cp.received("ChangeConfiguration")[-1]
        assert sent["key"] == "AuthorizationKey"
        new = sent["value"]
    else:
        (item,) = cp.received("SetVariables")[-1]["setVariableData"]
        assert (item["component"]["name"], item["variable"]["name"]) == (
            "SecurityCtrlr",
            "BasicAuthPassword",
        )
        new = item["attributeValue"]
    assert re.fullmatch(new_password, new)
    assert stored(central, charger_id)["password"] == new
    assert stored(central, charger_id)[CONF_PREVIOUS_PASSWORD] == OLD

    # A charger that applies the new password only later still gets in with the old one.
    cp = await reconnect(central, cp, connect_v201, OLD, version)
    assert stored(central, charger_id)[CONF_PREVIOUS_PASSWORD] == OLD

    cp = await reconnect(central, cp, connect_v201, new, version)
    await hass.async_block_till_done()
    assert CONF_PREVIOUS_PASSWORD not in stored(central, charger_id)
    assert central.runtime_data.coordinators[charger_id].config.previous_password is None

    await cp._connection.close()
    await wait_for(lambda: not connected(central, charger_id))
    with pytest.raises(InvalidStatus) as err:
        await connect_v201(charger_id, version=version, password=OLD)
    assert err.value.response.status_code == 401


async def test_refused_password_is_not_stored(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """A charger that says no keeps its password, and so does Home Assistant."""
    cp = await connect_v201("CP1", version="1.6", password=OLD)
    await cp.boot()
    cp.script.answers["ChangeConfiguration"] = "Rejected"
    with pytest.raises(HomeAssistantError) as err:
        await act(hass, "rotate_password", {"device_id": device_of(central)})
    assert err.value.translation_key == "command_rejected"
    assert stored(central, "CP1")["password"] == OLD
    assert CONF_PREVIOUS_PASSWORD not in stored(central, "CP1")


async def test_set_configuration_of_the_password_is_stored(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """set_configuration of AuthorizationKey takes the rotation's path: no lock-out."""
    cp = await connect_v201("CP1", version="1.6", password=OLD)
    await cp.boot()
    hex_key = "00112233445566778899aabbccddeeff00112233"
    response = await act(
        hass,
        "set_configuration",
        {"device_id": device_of(central), "key": "AuthorizationKey", "value": hex_key},
        response=True,
    )
    assert response == {"status": "Accepted"}
    assert cp.received("ChangeConfiguration")[-1] == {"key": "AuthorizationKey", "value": hex_key}
    assert stored(central, "CP1")["password"] == hex_key
    assert stored(central, "CP1")[CONF_PREVIOUS_PASSWORD] == OLD
    await reconnect(central, cp, connect_v201, hex_key, "1.6")


async def test_set_configuration_refuses_a_password_ocpp_does_not_allow(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Too short: refused before the charger could take it and lock itself out."""
    cp = await connect_v201("CP1", version="1.6", password=OLD)
    await cp.boot()
    with pytest.raises(ServiceValidationError) as err:
        await act(
            hass,
            "set_configuration",
            {"device_id": device_of(central), "key": "AuthorizationKey", "value": "short"},
        )
    assert err.value.translation_key == "invalid_input"
    assert not cp.received("ChangeConfiguration")
    assert stored(central, "CP1")["password"] == OLD


async def test_upgrade_refuses_what_the_server_cannot_serve(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Without TLS no step to 2; without a password no step to 1; nothing is sent then."""
    cp = await connect_v201("CP1", version="1.6", password=OLD)
    await cp.boot()
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "upgrade_security_profile", {"device_id": device_of(central)})
    assert err.value.translation_key == "profile_needs_tls"
    open_cp = await connect_v201("OPEN", version="1.6")
    await open_cp.boot()
    open_cp.script.answers["GetConfiguration"] = _security_profile("0")
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "upgrade_security_profile", {"device_id": device_of(central, "OPEN")})
    assert err.value.translation_key == "profile_needs_password"
    assert not cp.received("ChangeConfiguration")
    assert not open_cp.received("ChangeConfiguration")


# --- over TLS ------------------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path: Path) -> Any:
    """The server's certificate and a CA for chargers' client certificates."""
    return make_certs(tmp_path), make_client_ca(tmp_path)


async def _tls_central(
    hass: HomeAssistant,
    port: int,
    files: Any,
    subentries: list[ConfigSubentryData],
    *,
    with_ca: bool,
) -> MockConfigEntry:
    server, chargers_ca = files
    data = {
        "host": "127.0.0.1",
        "port": port,
        CONF_SSL_CERTFILE: str(server.cert),
        CONF_SSL_KEYFILE: str(server.key),
    }
    if with_ca:
        data[CONF_SSL_CAFILE] = str(chargers_ca.path)
    entry = MockConfigEntry(domain=DOMAIN, data=data, options={}, subentries_data=subentries)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _wss(
    connections: Connections,
    port: int,
    files: Any,
    *,
    password: str | None = None,
    certificate: tuple[Path, Path] | None = None,
) -> ScriptedCharger:
    server, _ = files
    return await connections.open(
        ScriptedCharger,
        charger_url(port, "CP1", scheme="wss"),
        "CP1",
        ["ocpp1.6"],
        headers=basic_auth("CP1", password) if password else None,
        ssl_context=mutual_context(server, certificate),
    )


async def _reconnect_wss(
    entry: MockConfigEntry, cp: ScriptedCharger, *args: Any, **kwargs: Any
) -> ScriptedCharger:
    """Drop the connection; connect again over wss:// as told, and boot."""
    await cp._connection.close()
    await wait_for(lambda: not connected(entry, "CP1"))
    again = await _wss(*args, **kwargs)
    assert (await again.boot()).status == "Accepted"
    return again


async def test_upgrade_to_3_needs_a_ca(
    hass: HomeAssistant,
    port: int,
    tls_files: Any,
    subentries: list[ConfigSubentryData],
    connections: Connections,
) -> None:
    """Profile 2 over TLS, but no CA for client certificates: no step to 3."""
    entry = await _tls_central(hass, port, tls_files, subentries, with_ca=False)
    cp = await _wss(connections, port, tls_files, password=OLD)
    await cp.boot()
    cp.script.answers["GetConfiguration"] = _security_profile("2")
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "upgrade_security_profile", {"device_id": device_of(entry)})
    assert err.value.translation_key == "profile_needs_ca"
    assert not cp.received("ChangeConfiguration")


async def test_upgrade_to_3_then_the_certificate_admits(
    hass: HomeAssistant,
    port: int,
    tls_files: Any,
    subentries: list[ConfigSubentryData],
    connections: Connections,
    tmp_path: Path,
) -> None:
    """2 → 3 is sent and kept; the charger then gets in with its certificate, not its password."""
    entry = await _tls_central(hass, port, tls_files, subentries, with_ca=True)
    cp = await _wss(connections, port, tls_files, password=OLD)
    await cp.boot()
    cp.script.answers["GetConfiguration"] = _security_profile("2")
    response = await act(
        hass, "upgrade_security_profile", {"device_id": device_of(entry)}, response=True
    )
    assert response == {"status": "Accepted", "security_profile": 3}
    assert cp.received("ChangeConfiguration")[-1] == {"key": "SecurityProfile", "value": "3"}
    assert stored(entry, "CP1")[CONF_SECURITY_PROFILE] == "3"
    assert stored(entry, "CP1")[CONF_PREVIOUS_SECURITY_PROFILE] == "2"

    # Until it first shows its certificate, its password still admits it (applied at a reboot, say).
    cp = await _reconnect_wss(entry, cp, connections, port, tls_files, password=OLD)
    own = client_certificate(tls_files[1], "CP1", tmp_path)
    cp = await _reconnect_wss(entry, cp, connections, port, tls_files, certificate=own)
    await hass.async_block_till_done()
    assert CONF_PREVIOUS_SECURITY_PROFILE not in stored(entry, "CP1")

    # From then on only the certificate does.
    await cp._connection.close()
    await wait_for(lambda: not connected(entry, "CP1"))
    with pytest.raises(InvalidStatus) as err:
        await _wss(connections, port, tls_files, password=OLD)
    assert err.value.response.status_code == 401
    cp = await _wss(connections, port, tls_files, certificate=own)
    assert (await cp.boot()).status == "Accepted"

    cp.script.answers["GetConfiguration"] = _security_profile("3")
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "upgrade_security_profile", {"device_id": device_of(entry)})
    assert err.value.translation_key == "profile_highest"
