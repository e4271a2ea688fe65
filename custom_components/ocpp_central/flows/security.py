"""A charger's security profile in its options: only a profile the central system can serve."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry

from ..csms.tls import SecurityProfile
from ..security.login import unservable_reason

# Selector option (translatable, dot-free) → the value stored in the charger's data.
SECURITY_CHOICES: dict[str, str] = {
    "auto": "auto",
    "profile_1": str(int(SecurityProfile.BASIC_AUTH)),
    "profile_2": str(int(SecurityProfile.TLS_BASIC_AUTH)),
    "profile_3": str(int(SecurityProfile.TLS_CLIENT_CERTIFICATE)),
}


def security_profile_errors(entry: ConfigEntry, stored: str, password: str) -> dict[str, str]:
    """Errors (for the whole form: the field sits in a collapsed section) when a profile cannot work."""
    if stored == "auto":
        return {}
    profile = SecurityProfile(int(stored))
    if (reason := unservable_reason(entry, profile)) is not None:
        return {"base": reason}
    if profile is not SecurityProfile.TLS_CLIENT_CERTIFICATE and not password:
        return {"base": "profile_needs_password"}
    return {}
