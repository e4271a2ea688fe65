"""Charger authentication (OCPP security profiles 1 and 2) and the TLS context."""

from __future__ import annotations

import binascii
import hmac
import re
import secrets
import ssl

from .tls import request_client_certificates

# An even number of hex digits: an odd count cannot be the hex form of a key, only plain text.
_HEX_KEY = re.compile(r"(?:[0-9a-fA-F]{2}){16,20}")
# OCPP 1.6 security whitepaper / 2.0.1 BasicAuthPassword: passwordString, 16-40 printable ASCII.
MIN_PASSWORD_LENGTH = 16
MAX_PASSWORD_LENGTH = 40
_PASSWORD_STRING = re.compile(r"[\x20-\x7e]+")
# Security Whitepaper A00.FR.317: ECDHE-ECDSA and plain RSA AES-GCM suites, TLS 1.2 or newer.
_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:AES128-GCM-SHA256:AES256-GCM-SHA384"


def password_matches(configured: str, offered: bytes) -> bool:
    """Check a Basic-auth password against the configured one, in constant time.

    The password is accepted as typed, or, when configured as 32-40 hex digits (an even count), as
    the bytes those digits encode (OCTT TC_085 sends the decoded form of a hex AuthorizationKey).
    """
    candidates = [configured.encode()]
    if _HEX_KEY.fullmatch(configured):
        candidates.append(binascii.unhexlify(configured))
    # Evaluate every candidate so timing does not reveal which form matched.
    results = [hmac.compare_digest(candidate, offered) for candidate in candidates]
    return any(results)


def password_problem(password: str) -> str | None:
    """Return the error key of an unusable charger password; None when fine (or empty)."""
    if not password:
        return None
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return "password_length"
    if _PASSWORD_STRING.fullmatch(password) is None:
        return "password_characters"
    return None


def generate_password() -> str:
    """Return a fresh 24-character password of letters, digits, "-" and "_" (passwordString)."""
    return secrets.token_urlsafe(18)


def build_ssl_context(certfile: str, keyfile: str, cafile: str = "") -> ssl.SSLContext:
    """Build a server TLS context; reads files, so call it in an executor.

    With a CA file, chargers are asked for client certificates (security profile 3).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(_CIPHERS)
    context.load_cert_chain(certfile, keyfile or None)
    if cafile:
        request_client_certificates(context, cafile)
    return context
