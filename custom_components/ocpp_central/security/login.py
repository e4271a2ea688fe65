"""How a charger logs in, changed without locking it out: its password and its security profile.

A new password is stored only once the charger accepted it; the one it replaced is kept beside it
(CONF_PREVIOUS_PASSWORD in the charger's subentry) and accepted too, until the charger logs in with
the new one. A charger that applies the new password only at its next reboot, or a restart of Home
Assistant in between, therefore never meets a refusal. Likewise a charger just moved to security
profile 3 is still admitted by its password (CONF_PREVIOUS_SECURITY_PROFILE) until it first shows
a verified certificate for its id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import callback

from ..const import (
    CONF_PREVIOUS_PASSWORD,
    CONF_PREVIOUS_SECURITY_PROFILE,
    CONF_SECURITY_PROFILE,
    CONF_SSL_CAFILE,
    CONF_SSL_CERTFILE,
    LOGGER,
)
from ..csms.auth import password_matches
from ..csms.tls import (
    CertificatePolicy,
    SecurityProfile,
    TransportLike,
    peer_common_name,
)

if TYPE_CHECKING:
    from ..config_entry import OcppCentralConfigEntry
    from ..coordinator import ChargerConfig


def unservable_reason(entry: ConfigEntry, profile: SecurityProfile) -> str | None:
    """Why the central system cannot serve a profile (a translation key), or None.

    Profile 2 needs TLS, 3 a CA for client certificates: a charger moved to a profile the server
    cannot serve could not connect again.
    """
    if profile >= SecurityProfile.TLS_BASIC_AUTH and not entry.data.get(CONF_SSL_CERTFILE):
        return "profile_needs_tls"
    if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE and not entry.data.get(CONF_SSL_CAFILE):
        return "profile_needs_ca"
    return None


def _matches(configured: str, offered: bytes | None) -> bool:
    """Check a password against one configured; an empty one asks for none."""
    if not configured:
        return True
    return offered is not None and password_matches(configured, offered)


@callback
def async_password_admits(
    entry: OcppCentralConfigEntry, config: ChargerConfig, offered: bytes | None
) -> bool:
    """Check a connecting charger's password; forget the replaced one once the new one is used."""
    if config.previous_password is None:
        return _matches(config.password, offered)
    # Both are always checked, so timing does not tell which one matched.
    new, old = _matches(config.password, offered), _matches(config.previous_password, offered)
    if new and offered is not None:
        _async_forget_previous(entry, config)
    return new or old


@callback
def _async_update(
    entry: OcppCentralConfigEntry,
    config: ChargerConfig,
    changes: dict[str, str],
    dropped: str | None = None,
) -> None:
    """Write changes into the charger's subentry and apply them at once (not at the listener)."""
    if (subentry := entry.subentries.get(config.subentry_id)) is None:
        return
    data = {k: v for k, v in subentry.data.items() if k != dropped} | changes
    entry.runtime_data.hass.config_entries.async_update_subentry(entry, subentry, data=data)
    entry.runtime_data.async_sync_chargers()


@callback
def _async_forget_previous(entry: OcppCentralConfigEntry, config: ChargerConfig) -> None:
    _async_update(entry, config, {}, dropped=CONF_PREVIOUS_PASSWORD)
    LOGGER.info(
        "Charger %s logged in with its new password; the old one is forgotten", config.charger_id
    )


@callback
def async_store_password(
    entry: OcppCentralConfigEntry, config: ChargerConfig, password: str
) -> None:
    """Keep a password the charger accepted, and the one it still uses until it reconnects."""
    # A second change before the charger reconnected: it still logs in with the older one.
    previous = config.previous_password if config.previous_password is not None else config.password
    _async_update(entry, config, {CONF_PASSWORD: password, CONF_PREVIOUS_PASSWORD: previous})
    LOGGER.info(
        "Charger %s accepted a new password; the old one is accepted until it logs in with it",
        config.charger_id,
    )


def certificate_policy(config: ChargerConfig) -> CertificatePolicy:
    """Return what a configured charger must show when it connects."""
    if config.security_profile is not SecurityProfile.TLS_CLIENT_CERTIFICATE:
        return CertificatePolicy.PASSWORD
    if config.previous_security_profile is not None:
        return CertificatePolicy.CERTIFICATE_OR_PASSWORD
    return CertificatePolicy.CERTIFICATE


@callback
def async_certificate_login(
    entry: OcppCentralConfigEntry, config: ChargerConfig, transport: TransportLike | None
) -> None:
    """Note a certificate login after a move to profile 3: from then on only that admits."""
    if config.previous_security_profile is None or peer_common_name(transport) != config.charger_id:
        return
    _async_update(entry, config, {}, dropped=CONF_PREVIOUS_SECURITY_PROFILE)
    LOGGER.info(
        "Charger %s logged in with its certificate; its password no longer admits it",
        config.charger_id,
    )


@callback
def async_store_security_profile(
    entry: OcppCentralConfigEntry, config: ChargerConfig, profile: SecurityProfile, previous: int
) -> None:
    """Keep the security profile the charger accepted; 3 admits the password until a certificate."""
    changes = {CONF_SECURITY_PROFILE: str(int(profile))}
    if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
        changes[CONF_PREVIOUS_SECURITY_PROFILE] = str(previous)
    _async_update(entry, config, changes)
    LOGGER.info("Charger %s now uses security profile %d", config.charger_id, profile)
