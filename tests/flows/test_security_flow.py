"""The TLS client-certificate CA in the server's settings, the own CA, and a charger's security profile."""

from __future__ import annotations

from pathlib import Path
import stat

from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_MAX_CURRENT,
    CONF_SECURITY_PROFILE,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
)
from custom_components.ocpp_central.flows.charger import SECTION_ADVANCED
from custom_components.ocpp_central.security.certificates import ca_files
from tests.helpers.certs import make_certs


async def _reconfigure(
    hass: HomeAssistant, central: MockConfigEntry, **fields: object
) -> dict[str, object]:
    result = await central.start_reconfigure_flow(hass)
    answer = {CONF_HOST: "127.0.0.1", CONF_PORT: central.data[CONF_PORT], **fields}
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"], answer))


async def test_ca_file_is_checked(
    hass: HomeAssistant, central: MockConfigEntry, tmp_path: Path
) -> None:
    """A CA needs TLS and must be a PEM certificate; a good one is kept in the server settings."""
    certs = make_certs(tmp_path)
    result = await _reconfigure(hass, central, **{CONF_SSL_CAFILE: str(certs.ca_cert)})
    assert result["errors"] == {CONF_SSL_CAFILE: "ca_needs_certificate"}
    tls = {CONF_SSL_CERTFILE: str(certs.cert), CONF_SSL_KEYFILE: str(certs.key)}
    result = await _reconfigure(hass, central, **tls, **{CONF_SSL_CAFILE: str(certs.garbage)})
    assert result["errors"] == {CONF_SSL_CAFILE: "ca_invalid"}
    result = await _reconfigure(
        hass, central, **tls, **{CONF_SSL_CAFILE: str(tmp_path / "missing.pem")}
    )
    assert result["errors"] == {CONF_SSL_CAFILE: "certificate_unreadable"}
    result = await _reconfigure(hass, central, **tls, **{CONF_SSL_CAFILE: str(certs.ca_cert)})
    assert result["reason"] == "reconfigure_successful"
    assert central.data[CONF_SSL_CAFILE] == str(certs.ca_cert)


async def test_create_own_ca(hass: HomeAssistant, central: MockConfigEntry, tmp_path: Path) -> None:
    """Asked for, the central system makes its CA in .storage (key 0600) and trusts it."""
    result = await _reconfigure(hass, central, create_ca=True)
    assert result["errors"] == {"create_ca": "ca_needs_certificate"}
    certs = make_certs(tmp_path)
    tls = {CONF_SSL_CERTFILE: str(certs.cert), CONF_SSL_KEYFILE: str(certs.key)}
    result = await _reconfigure(hass, central, **tls, create_ca=True)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    files = ca_files(hass, central.entry_id)
    assert central.data[CONF_SSL_CAFILE] == str(files.certificate)
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert central.runtime_data.certificate_authority is not None


async def test_charger_profile_the_server_cannot_serve(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """Without TLS, profiles 2 and 3 are refused; profile 1 needs a password."""
    subentry_id = next(iter(central.subentries))
    base = {CONF_NAME: "Charger CP1", CONF_MAX_CURRENT: 16}
    for profile, error in (
        ("profile_2", "profile_needs_tls"),
        ("profile_3", "profile_needs_tls"),
        ("profile_1", "profile_needs_password"),
    ):
        result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**base, SECTION_ADVANCED: {CONF_SECURITY_PROFILE: profile}}
        )
        assert result["errors"] == {"base": error}, profile
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            **base,
            CONF_PASSWORD: "a-password-of-20-chars",
            SECTION_ADVANCED: {CONF_SECURITY_PROFILE: "profile_1"},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert central.subentries[subentry_id].data[CONF_SECURITY_PROFILE] == "1"
