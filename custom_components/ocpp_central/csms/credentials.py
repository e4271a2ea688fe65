"""Charger passwords as OCPP wants them, and the configuration keys that carry them (no Home Assistant).

1.6 (Security Whitepaper): AuthorizationKey is written as the hex digits of the key's bytes (16-20
bytes, 32-40 digits); chargers log in with the digits or with the bytes they encode, and
password_matches (auth.py) takes both. 2.0.1: SecurityCtrlr.BasicAuthPassword, 16-40 characters.
"""

from __future__ import annotations

import secrets

from .auth import generate_password
from .server import OCPP16

# How chargers and the set_configuration action name the Basic-auth password, casefolded.
PASSWORD_KEYS = frozenset(
    {"authorizationkey", "securityctrlr/basicauthpassword", "securityctrlr.basicauthpassword"}
)
# The key every version understands here (2.0.1 reads it as SecurityCtrlr/BasicAuthPassword).
PASSWORD_KEY = "AuthorizationKey"
SECURITY_PROFILE_KEY = "SecurityProfile"
_KEY_BYTES = 20


def is_password_key(key: str) -> bool:
    """Whether a configuration key sets the charger's Basic-auth password."""
    return key.strip().casefold() in PASSWORD_KEYS


def new_password(protocol: str | None) -> str:
    """Return a fresh password: 40 hex digits for 1.6, the dialogs' generated one for 2.0.1 on."""
    if (protocol or OCPP16).lower() == OCPP16:
        return secrets.token_hex(_KEY_BYTES)
    return generate_password()
