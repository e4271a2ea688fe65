"""Service actions that change how a charger logs in: its password and its security profile.

Both are changed on the charger first; Home Assistant keeps the change only once the charger said
yes, and keeps accepting the old password until the charger logs in with the new one (security.py),
so the homeowner is never locked out. A security profile goes up one step at a time and only to a
profile the central system can serve (TLS for 2, a client-certificate CA for 3).
"""

from __future__ import annotations

from homeassistant.core import ServiceCall, ServiceResponse

from ..csms.auth import password_problem
from ..csms.commands import CommandResult
from ..csms.credentials import PASSWORD_KEY, SECURITY_PROFILE_KEY, new_password
from ..csms.tls import SecurityProfile
from ..security.login import (
    async_store_password,
    async_store_security_profile,
    unservable_reason,
)
from .target import ChargerTarget, require, validation_error


async def async_set_password(target: ChargerTarget, key: str, password: str) -> CommandResult:
    """Send a new password; keep it (and the old one, until the reconnect) once accepted.

    A password OCPP does not allow is refused before it is sent: the charger might take it.
    """
    if password_problem(password) is not None:
        raise validation_error(
            "invalid_input",
            charger=target.name,
            error="a charger password is 16 to 40 printable ASCII characters",
        )
    result = await target.session("ChangeConfiguration").change_configuration(key, password)
    require(result, target, "ChangeConfiguration")
    async_store_password(target.central.entry, target.coordinator.config, password)
    return result


async def async_rotate_password(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Give the charger a new random password (AuthorizationKey / BasicAuthPassword)."""
    password = new_password(target.coordinator.charger.protocol)
    result = await async_set_password(target, PASSWORD_KEY, password)
    return {"status": result.status}


async def _current_profile(target: ChargerTarget) -> int:
    """Return the profile the charger reports, or else the one Home Assistant serves it."""
    report = await target.session("GetConfiguration").get_configuration([SECURITY_PROFILE_KEY])
    for entry in report.entries:
        # 2.0.1 may name it by its variable (SecurityCtrlr/SecurityProfile).
        named = entry.key.casefold().endswith(SECURITY_PROFILE_KEY.casefold())
        if named and entry.value is not None and entry.value.strip().isdigit():
            return int(entry.value)
    if (configured := target.coordinator.config.security_profile) is not None:
        return int(configured)
    tls = unservable_reason(target.central.entry, SecurityProfile.TLS_BASIC_AUTH) is None
    return int(SecurityProfile.TLS_BASIC_AUTH if tls else SecurityProfile.BASIC_AUTH)


async def async_upgrade_security_profile(
    target: ChargerTarget, call: ServiceCall
) -> ServiceResponse:
    """Raise the charger's security profile by one step, if the central system can serve it."""
    current = await _current_profile(target)
    if current >= max(SecurityProfile):
        raise validation_error("profile_highest", charger=target.name, profile=str(current))
    step = SecurityProfile(max(current + 1, SecurityProfile.BASIC_AUTH))
    reason = unservable_reason(target.central.entry, step)
    if reason is None and step is not SecurityProfile.TLS_CLIENT_CERTIFICATE:
        reason = None if target.coordinator.config.password else "profile_needs_password"
    if reason is not None:
        raise validation_error(reason, charger=target.name, profile=str(int(step)))
    result = await target.session("ChangeConfiguration").change_configuration(
        SECURITY_PROFILE_KEY, str(int(step))
    )
    require(result, target, "ChangeConfiguration")
    async_store_security_profile(target.central.entry, target.coordinator.config, step, current)
    return {"status": result.status, "security_profile": int(step)}
