"""The central system as its own CA: SignCertificate → CertificateSigned, and the certificate services.

Real chargers (the ocpp package) over real wss:// connections; the certificate a charger gets back
then admits it on security profile 3.
"""

from __future__ import annotations

from pathlib import Path
import stat
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_SECURITY_PROFILE,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    CONF_SSL_KEYFILE,
    DOMAIN,
)
from custom_components.ocpp_central.csms.ca import LocalCa
from custom_components.ocpp_central.security.certificates import ca_files
from tests.helpers.certs import CertFiles, make_certs
from tests.helpers.charger_v201 import Charger201
from tests.helpers.client_certs import mutual_context
from tests.helpers.connections import Connections, basic_auth, charger_url
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for

PASSWORD = "correct horse battery"
CENTRAL_ID = "central-with-own-ca"
HASH = {
    "hash_algorithm": "SHA256",
    "issuer_name_hash": "aa11",
    "issuer_key_hash": "bb22",
    "serial_number": "0c",
}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 speaks 1.6, EV201 2.0.1; both with a password for now (profile 2)."""
    return [
        charger_subentry("CP1", password=PASSWORD),
        charger_subentry("EV201", password=PASSWORD),
    ]


def _entry(port: int, server: CertFiles, cafile: str | None, subentries: Any) -> MockConfigEntry:
    data = {
        "host": "127.0.0.1",
        "port": port,
        CONF_SSL_CERTFILE: str(server.cert),
        CONF_SSL_KEYFILE: str(server.key),
    }
    if cafile:
        data[CONF_SSL_CAFILE] = cafile
    return MockConfigEntry(
        domain=DOMAIN, entry_id=CENTRAL_ID, data=data, options={}, subentries_data=subentries
    )


@pytest.fixture
async def own_ca(
    hass: HomeAssistant, port: int, tmp_path: Path, subentries: list[ConfigSubentryData]
) -> tuple[MockConfigEntry, CertFiles]:
    """A central system on wss:// whose own CA (in .storage) is the client-certificate CA."""
    server = make_certs(tmp_path)
    files = ca_files(hass, CENTRAL_ID)
    await hass.async_add_executor_job(files.save, LocalCa.generate("Test central CA"))
    entry = _entry(port, server, str(files.certificate), subentries)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry, server


def signing_request(common_name: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """What a charger makes: a key and a PEM request for a certificate with this CN."""
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode(), key


async def wss(
    connections: Connections,
    port: int,
    server: CertFiles,
    charger_id: str,
    make: Any,
    subprotocol: str,
    *,
    password: str | None = PASSWORD,
    certificate: tuple[Path, Path] | None = None,
) -> Any:
    """Connect a scripted charger over wss:// with a password or a client certificate."""
    return await connections.open(
        make,
        charger_url(port, charger_id, scheme="wss"),
        charger_id,
        [subprotocol],
        headers=basic_auth(charger_id, password) if password else None,
        ssl_context=mutual_context(server, certificate),
    )


def save_chain(chain: str, key: ec.EllipticCurvePrivateKey, directory: Path) -> tuple[Path, Path]:
    """Write a signed chain and its key, as a charger would keep them."""
    cert_path, key_path = directory / "charger.pem", directory / "charger.key"
    cert_path.write_text(chain)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_the_ca_key_is_readable_by_its_owner_only(
    hass: HomeAssistant, own_ca: tuple[MockConfigEntry, CertFiles]
) -> None:
    """The private key is written 0600, beside its certificate in .storage."""
    entry, _ = own_ca
    files = ca_files(hass, entry.entry_id)
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert files.key.parent == Path(hass.config.path(".storage"))


async def test_signed_v16_certificate_admits_on_profile_3(
    hass: HomeAssistant,
    own_ca: tuple[MockConfigEntry, CertFiles],
    port: int,
    connections: Connections,
    tmp_path: Path,
) -> None:
    """SignCertificate → Accepted → CertificateSigned; the chain then admits without a password."""
    entry, server = own_ca
    cp = await wss(connections, port, server, "CP1", ScriptedCharger, "ocpp1.6")
    await cp.boot()
    csr, key = signing_request("CP1")
    assert (await cp.call(call16.SignCertificate(csr=csr))).status == "Accepted"
    chain = (await cp.wait_for_call("CertificateSigned"))["certificateChain"]
    charger_cert, ca_cert = x509.load_pem_x509_certificates(chain.encode())
    assert charger_cert.subject.rfc4514_string() == "CN=CP1"
    assert charger_cert.issuer == ca_cert.subject

    subentry = next(s for s in entry.subentries.values() if s.unique_id == "CP1")
    hass.config_entries.async_update_subentry(
        entry, subentry, data={**subentry.data, CONF_SECURITY_PROFILE: "3"}
    )
    await hass.async_block_till_done()
    await cp._connection.close()
    await wait_for(lambda: "CP1" not in entry.runtime_data.sessions)
    signed = save_chain(chain, key, tmp_path)
    cp = await wss(
        connections,
        port,
        server,
        "CP1",
        ScriptedCharger,
        "ocpp1.6",
        password=None,
        certificate=signed,
    )
    assert (await cp.boot()).status == "Accepted"


async def test_request_for_another_id_is_not_signed(
    hass: HomeAssistant,
    own_ca: tuple[MockConfigEntry, CertFiles],
    port: int,
    connections: Connections,
) -> None:
    """A charger cannot get a certificate for someone else's id."""
    _, server = own_ca
    cp = await wss(connections, port, server, "CP1", ScriptedCharger, "ocpp1.6")
    await cp.boot()
    csr, _ = signing_request("EV201")
    assert (await cp.call(call16.SignCertificate(csr=csr))).status == "Rejected"
    assert (await cp.call(call16.SignCertificate(csr="not a request"))).status == "Rejected"
    await cp.heartbeat()
    assert not cp.received("CertificateSigned")


async def test_signed_v201_certificate(
    hass: HomeAssistant,
    own_ca: tuple[MockConfigEntry, CertFiles],
    port: int,
    connections: Connections,
) -> None:
    """2.0.1: the chain comes back as a ChargingStationCertificate."""
    _, server = own_ca
    cp = await wss(connections, port, server, "EV201", Charger201, "ocpp2.0.1")
    await cp.boot()
    csr, _ = signing_request("EV201")
    answer = await cp.call(
        call201.SignCertificate(csr=csr, certificate_type="ChargingStationCertificate")
    )
    assert answer.status == "Accepted"
    signed = await cp.wait_for_call("CertificateSigned")
    assert signed["certificateType"] == "ChargingStationCertificate"
    (charger_cert, _) = x509.load_pem_x509_certificates(signed["certificateChain"].encode())
    assert charger_cert.subject.rfc4514_string() == "CN=EV201"


async def test_without_own_ca_nothing_is_signed(
    hass: HomeAssistant,
    port: int,
    tmp_path: Path,
    subentries: list[ConfigSubentryData],
    connections: Connections,
) -> None:
    """No CA of our own: requests are Rejected and request_charger_certificate is refused."""
    server = make_certs(tmp_path)
    entry = _entry(port, server, None, subentries)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    cp = await wss(connections, port, server, "CP1", ScriptedCharger, "ocpp1.6")
    await cp.boot()
    csr, _ = signing_request("CP1")
    assert (await cp.call(call16.SignCertificate(csr=csr))).status == "Rejected"
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "request_charger_certificate", {"device_id": device_of(entry)})
    assert err.value.translation_key == "no_certificate_authority"


@pytest.mark.parametrize(
    ("charger_id", "make", "subprotocol", "root_type", "trigger"),
    [
        (
            "CP1",
            ScriptedCharger,
            "ocpp1.6",
            "CentralSystemRootCertificate",
            ("ExtendedTriggerMessage", "SignChargePointCertificate"),
        ),
        (
            "EV201",
            Charger201,
            "ocpp2.0.1",
            "CSMSRootCertificate",
            ("TriggerMessage", "SignChargingStationCertificate"),
        ),
    ],
)
async def test_certificate_services(
    hass: HomeAssistant,
    own_ca: tuple[MockConfigEntry, CertFiles],
    port: int,
    connections: Connections,
    charger_id: str,
    make: Any,
    subprotocol: str,
    root_type: str,
    trigger: tuple[str, str],
) -> None:
    """Install, list and delete the central system's root; ask for a signing request."""
    entry, server = own_ca
    cp = await wss(connections, port, server, charger_id, make, subprotocol)
    await cp.boot()
    device = {"device_id": device_of(entry, charger_id)}

    answer = await act(hass, "install_root_certificate", device, response=True)
    assert answer == {"status": "Accepted"}
    installed = cp.received("InstallCertificate")[-1]
    assert installed == {"certificateType": root_type, "certificate": server.cert.read_text()}

    camel = {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": "aa11",
        "issuerKeyHash": "bb22",
        "serialNumber": "0c",
    }
    if subprotocol == "ocpp1.6":
        cp.script.answers["GetInstalledCertificateIds"] = {
            "status": "Accepted",
            "certificateHashData": [camel],
        }
    else:
        cp.script.answers["GetInstalledCertificateIds"] = {
            "status": "Accepted",
            "certificateHashDataChain": [
                {"certificateType": "CSMSRootCertificate", "certificateHashData": camel}
            ],
        }
    listed = await act(hass, "get_installed_certificates", device, response=True)
    assert listed == {"status": "Accepted", "certificates": [HASH]}

    deleted = await act(hass, "delete_certificate", {**device, **HASH}, response=True)
    assert deleted == {"status": "Accepted"}
    assert cp.received("DeleteCertificate")[-1] == {"certificateHashData": camel}

    requested = await act(hass, "request_charger_certificate", device, response=True)
    assert requested == {"status": "Accepted"}
    action, message = trigger
    assert cp.received(action)[-1]["requestedMessage"] == message
