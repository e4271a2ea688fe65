"""The central system's own small CA (kept in Home Assistant's .storage) and the root it shows chargers.

The CA exists only when the homeowner asked for it (the server's Reconfigure step); it then is the
client-certificate CA the server trusts (CONF_SSL_CAFILE points at its certificate), so what it signs
admits a profile-3 charger. Its private key is written by csms/ca.py, readable by the owner only.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import STORAGE_DIR

from ..config_entry import OcppCentralConfigEntry
from ..const import CONF_SSL_CAFILE, CONF_SSL_CERTFILE, DOMAIN, LOGGER
from ..csms.ca import CaFiles, LocalCa, SigningRefusedError


def ca_files(hass: HomeAssistant, entry_id: str) -> CaFiles:
    """Where the CA of one central system lives."""
    return CaFiles.in_directory(Path(hass.config.path(STORAGE_DIR)), f"{DOMAIN}.{entry_id}")


async def async_create_ca(hass: HomeAssistant, entry_id: str) -> Path:
    """Make the central system's CA (if it has none yet); return its certificate's path."""
    files = ca_files(hass, entry_id)

    def create() -> None:
        if files.load() is None:
            files.save(LocalCa.generate(f"OCPP Central System {entry_id[:8]} CA"))

    await hass.async_add_executor_job(create)
    return files.certificate


async def async_load_ca(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> LocalCa | None:
    """Read the central system's CA when the server trusts it; None otherwise."""
    files = ca_files(hass, entry.entry_id)
    if entry.data.get(CONF_SSL_CAFILE) != str(files.certificate):
        return None
    try:
        return await hass.async_add_executor_job(files.load)
    except (OSError, ValueError, TypeError) as err:
        LOGGER.warning("The central system's CA cannot be read (%s); it signs nothing", err)
        return None


async def async_remove_ca(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the CA of a removed central system."""
    files = ca_files(hass, entry_id)

    def remove() -> None:
        files.key.unlink(missing_ok=True)
        files.certificate.unlink(missing_ok=True)

    await hass.async_add_executor_job(remove)


def sign_for_charger(ca: LocalCa | None, charger_id: str, csr: str) -> str | None:
    """Sign a configured charger's request with the CA; None (logged) when it is not signed."""
    if ca is None:
        LOGGER.info(
            "Charger %s asked for a certificate; the central system runs no CA of its own",
            charger_id,
        )
        return None
    try:
        chain = ca.sign_request(csr, charger_id)
    except SigningRefusedError as err:
        LOGGER.warning("Refused to sign a certificate for charger %s: %s", charger_id, err)
        return None
    LOGGER.info("Signed a client certificate for charger %s", charger_id)
    return chain


def root_certificate(entry: OcppCentralConfigEntry) -> str | None:
    """Return the top certificate of the server's chain, PEM: what chargers check wss:// against.

    Reads a file: call it in an executor. None without TLS.
    """
    if not (certfile := entry.data.get(CONF_SSL_CERTFILE)):
        return None
    chain = x509.load_pem_x509_certificates(Path(certfile).read_bytes())
    return chain[-1].public_bytes(serialization.Encoding.PEM).decode()
