"""OCPP security profiles and the client certificates of profile 3 (mutual TLS).

Profile 1: HTTP Basic auth over plain ws://. Profile 2: Basic auth over wss:// (the server proves who
it is). Profile 3: wss:// where the charger proves who it is with a certificate signed by a CA we
trust, whose subject common name is its charger id (OCPP Security Whitepaper A00.FR.402, 2.0.1
A02.FR.20); no password then.
"""

from __future__ import annotations

from enum import Enum, IntEnum
import ssl
from typing import Any, Protocol


class SecurityProfile(IntEnum):
    """The OCPP security profiles a home central system can serve."""

    BASIC_AUTH = 1
    TLS_BASIC_AUTH = 2
    TLS_CLIENT_CERTIFICATE = 3


class CertificatePolicy(Enum):
    """What a connecting charger must show."""

    # Its password, if it has one (profiles 1 and 2).
    PASSWORD = "password"
    # A verified client certificate for its id (profile 3).
    CERTIFICATE = "certificate"
    # Just moved to profile 3: its certificate admits it; until it first shows one, so does its
    # password (it may apply the new profile only at its next reboot).
    CERTIFICATE_OR_PASSWORD = "certificate_or_password"


class TransportLike(Protocol):
    """What a WebSocket connection's transport tells about TLS (asyncio.BaseTransport)."""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Return a property of the transport ("ssl_object" for TLS)."""


def request_client_certificates(context: ssl.SSLContext, cafile: str) -> None:
    """Ask every charger for a certificate, verified against cafile; reads it, so use an executor.

    CERT_OPTIONAL: a charger without one (profile 1 or 2) still connects, a certificate that does not
    verify ends the handshake. Whether a charger must show one is decided per charger at admission.
    """
    context.load_verify_locations(cafile=cafile)
    context.verify_mode = ssl.CERT_OPTIONAL


def peer_common_name(transport: TransportLike | None) -> str | None:
    """Return the subject CN of the verified client certificate; None without TLS or a certificate."""
    if transport is None:
        return None
    tls = transport.get_extra_info("ssl_object")
    if not isinstance(tls, ssl.SSLObject | ssl.SSLSocket):
        return None
    # getpeercert() is empty unless the certificate was verified against our CAs.
    certificate = tls.getpeercert()
    if not certificate:
        return None
    subject: tuple[tuple[tuple[str, str], ...], ...] = certificate.get("subject", ())  # type: ignore[assignment]
    for rdn in subject:
        for name, value in rdn:
            if name == "commonName":
                return value
    return None


def certificate_refusal(transport: TransportLike | None, charger_id: str) -> str | None:
    """Why a profile-3 charger may not connect (for the log), or None when its certificate is right."""
    if transport is None or transport.get_extra_info("ssl_object") is None:
        return "security profile 3 needs wss://, it connected without TLS"
    common_name = peer_common_name(transport)
    if common_name is None:
        return "security profile 3 needs a client certificate signed by the configured CA; none was sent"
    if common_name != charger_id:
        return f"its client certificate is for {common_name!r}, not for this charger id"
    return None
