"""Service actions for certificates: the central system's root on the charger, and its client certificate.

The root (CentralSystemRootCertificate, 2.0.1 CSMSRootCertificate) is what the charger checks our
wss:// server against: by default the top of the configured certificate chain. A client certificate
is signed by the central system's own CA when the charger sends a signing request; this action asks
it to send one now.
"""

from __future__ import annotations

from homeassistant.core import ServiceCall, ServiceResponse

from ..csms.protocol.certificates import CertificateExchange
from ..security.certificates import root_certificate
from .target import ChargerTarget, require, validation_error

HASH_FIELDS = ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number")


def _session(target: ChargerTarget, action: str) -> CertificateExchange:
    session = target.session(action)
    if not isinstance(session, CertificateExchange):
        raise validation_error("invalid_input", charger=target.name, error=f"{action} unsupported")
    return session


async def async_install_root_certificate(
    target: ChargerTarget, call: ServiceCall
) -> ServiceResponse:
    """Install the central system's root certificate (or the one given) on the charger."""
    session = _session(target, "InstallCertificate")
    pem: str | None = call.data.get("certificate")
    if pem is None:
        pem = await call.hass.async_add_executor_job(root_certificate, target.central.entry)
    if pem is None:
        raise validation_error("no_server_certificate", charger=target.name)
    result = await session.install_root_certificate(pem)
    return {"status": require(result, target, "InstallCertificate").status}


async def async_get_installed_certificates(
    target: ChargerTarget, call: ServiceCall
) -> ServiceResponse:
    """List the central system root certificates the charger holds."""
    result = await _session(target, "GetInstalledCertificateIds").get_root_certificate_ids()
    require(result, target, "GetInstalledCertificateIds", "NotFound")
    return {"status": result.status, "certificates": result.data.get("certificates", [])}


async def async_delete_certificate(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Delete one certificate from the charger, named by its hash data."""
    certificate = {field: str(call.data[field]) for field in HASH_FIELDS}
    result = await _session(target, "DeleteCertificate").delete_certificate(certificate)
    return {"status": require(result, target, "DeleteCertificate").status}


async def async_request_charger_certificate(
    target: ChargerTarget, call: ServiceCall
) -> ServiceResponse:
    """Ask the charger for a signing request now; the central system's CA answers it."""
    session = _session(target, "ExtendedTriggerMessage")
    if target.central.certificate_authority is None:
        raise validation_error("no_certificate_authority", charger=target.name)
    result = await session.trigger_sign_certificate()
    return {"status": require(result, target, "ExtendedTriggerMessage").status}
