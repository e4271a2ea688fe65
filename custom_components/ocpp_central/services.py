"""Service actions aimed at a charger device (or one of its connector devices).

Registered once in async_setup. The control actions (start, stop, pause, resume, limits, schedules,
clearing profiles) go through the charger's smart-charging engine, so that its limit bookkeeping stays
true; every other action is one OCPP command sent straight to the charger's live session. A command to
one charger never waits for another: each charger has its own session. replay_solar_day sends
nothing: it replays a past day from the recorder (replay_service.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
import itertools
import secrets
from typing import Any

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util

from .actions.certificates import (
    async_delete_certificate,
    async_get_installed_certificates,
    async_install_root_certificate,
    async_request_charger_certificate,
)
from .actions.history import async_setup_history_services
from .actions.id_tags import async_setup_id_tag_services
from .actions.local_list import async_get_local_list_version, async_send_local_list
from .actions.profiles import (
    async_clear_charging_profile,
    async_get_charging_profiles,
    async_set_charging_profile,
)
from .actions.replay import async_replay_solar_day
from .actions.schemas import SCHEMAS
from .actions.security import (
    async_rotate_password,
    async_set_password,
    async_upgrade_security_profile,
)
from .actions.target import (
    ChargerTarget,
    require,
    resolve_target,
    service_errors,
    validation_error,
)
from .actions.trace import async_start_trace
from .const import DOMAIN
from .csms.commands import CommandResult, RateUnit
from .csms.credentials import is_password_key

type Handler = Callable[[ChargerTarget, ServiceCall], Awaitable[ServiceResponse]]


def _utc(value: datetime) -> datetime:
    """Return a time from the call in UTC; one without a zone is Home Assistant's local time."""
    return dt_util.as_utc(value)


# --- control: through the smart-charging engine ------------------------------------------


def _engine_answer(
    result: CommandResult, target: ChargerTarget, action: str, *also_fine: str
) -> ServiceResponse:
    """Return the engine's status (Scheduled: waiting for the write interval) and limit state."""
    require(result, target, action, *also_fine)
    return {"status": result.status, **result.data}


async def _start(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    limit = call.data.get("limit")
    result = await target.coordinator.smart.async_start(
        target.connector(call),
        call.data.get("id_tag"),
        limit=limit,
        unit=RateUnit(call.data.get("unit", RateUnit.AMPERE.value)),
    )
    return _engine_answer(result, target, "RemoteStartTransaction")


async def _stop(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    connector_id = target.connector(call)
    connector = target.coordinator.charger.connectors.get(connector_id)
    if (transaction_id := call.data.get("transaction_id")) is not None:
        # A named session goes to the charger as named: it knows its sessions best.
        result = await target.coordinator.smart.async_stop(connector_id, transaction_id)
        return _engine_answer(result, target, "RemoteStopTransaction")
    if connector is None or connector.transaction is None:
        raise validation_error(
            "no_transaction",
            charger=target.name,
            action=target.action("RemoteStopTransaction"),
            detail="",
        )
    result = await target.coordinator.smart.async_stop(connector_id)
    return _engine_answer(result, target, "RemoteStopTransaction")


async def _pause(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.coordinator.smart.async_pause(target.connector(call))
    return _engine_answer(result, target, "SetChargingProfile")


async def _resume(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.coordinator.smart.async_resume(target.connector(call))
    return _engine_answer(result, target, "SetChargingProfile")


async def _set_current_limit(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.coordinator.smart.async_set_current_limit(
        target.connector(call),
        call.data["limit"],
        RateUnit(call.data["unit"]),
        call.data.get("duration"),
        immediate=True,
        phases=call.data.get("phases"),
    )
    return _engine_answer(result, target, "SetChargingProfile")


async def _set_charging_schedule(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    periods = sorted((_utc(p["start"]), float(p["limit"])) for p in call.data["periods"])
    for (start, _), (following, _) in itertools.pairwise(periods):
        if start == following:
            raise validation_error("schedule_duplicate_start", start=start.isoformat())
    valid_to = _utc(call.data["valid_to"]) if "valid_to" in call.data else None
    if valid_to is not None and valid_to <= periods[0][0]:
        raise validation_error(
            "schedule_valid_to", valid_to=valid_to.isoformat(), start=periods[0][0].isoformat()
        )
    result = await target.coordinator.smart.async_set_schedule(
        target.connector(call), periods, RateUnit(call.data["unit"]), valid_to
    )
    return _engine_answer(result, target, "SetChargingProfile")


# --- commands sent straight to the charger -----------------------------------------------


async def _composite_schedule(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    unit = call.data.get("unit")
    result = await target.session("GetCompositeSchedule").get_composite_schedule(
        target.connector(call, station=True),
        call.data["duration"],
        RateUnit(unit) if unit else None,
    )
    return dict(require(result, target, "GetCompositeSchedule").data)


async def _get_configuration(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    report = await target.session("GetConfiguration").get_configuration(call.data.get("keys"))
    return {
        "configuration": [
            {"key": entry.key, "value": entry.value, "readonly": entry.readonly}
            for entry in report.entries
        ],
        "unknown_keys": list(report.unknown_keys),
    }


async def _set_configuration(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    if is_password_key(call.data["key"]):
        # The same path as rotate_password: Home Assistant learns the password the charger took.
        result = await async_set_password(target, call.data["key"], call.data["value"])
        return {"status": result.status}
    result = await target.session("ChangeConfiguration").change_configuration(
        call.data["key"], call.data["value"]
    )
    return {"status": require(result, target, "ChangeConfiguration").status}


async def _trigger_message(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("TriggerMessage").trigger_message(
        call.data["message"], target.optional_connector(call)
    )
    require(result, target, "TriggerMessage")
    return None


async def _reset(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("Reset").reset(hard=call.data["type"] == "hard")
    require(result, target, "Reset")
    return None


async def _unlock(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("UnlockConnector").unlock_connector(target.connector(call))
    require(result, target, "UnlockConnector")
    return None


async def _change_availability(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    connector_id = target.optional_connector(call)
    result = await target.session("ChangeAvailability").change_availability(
        connector_id or 0, call.data["operative"]
    )
    return {"status": require(result, target, "ChangeAvailability").status}


async def _data_transfer(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("DataTransfer").data_transfer(
        call.data["vendor_id"], call.data.get("message_id"), call.data.get("data")
    )
    require(result, target, "DataTransfer")
    return {"status": result.status, "data": result.data.get("data")}


async def _clear_cache(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    require(await target.session("ClearCache").clear_cache(), target, "ClearCache")
    return None


async def _update_firmware(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    retrieve = call.data.get("retrieve_date")
    result = await target.session("UpdateFirmware").update_firmware(
        call.data["location"],
        _utc(retrieve) if retrieve is not None else dt_util.utcnow(),
        call.data.get("retries"),
        call.data.get("retry_interval"),
    )
    require(result, target, "UpdateFirmware")
    return None


async def _get_diagnostics(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("GetDiagnostics").get_diagnostics(call.data["location"])
    return {"file_name": require(result, target, "GetDiagnostics").data.get("file_name")}


async def _reserve_now(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    reservation_id: int = call.data.get("reservation_id", secrets.randbelow(2**31 - 2) + 1)
    result = await target.session("ReserveNow").reserve_now(
        target.connector(call, station=True),  # 0: any connector, where the charger allows it
        _utc(call.data["expiry"]),
        call.data["id_tag"],
        reservation_id,
    )
    require(result, target, "ReserveNow")
    return {"reservation_id": reservation_id}


async def _cancel_reservation(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    result = await target.session("CancelReservation").cancel_reservation(
        call.data["reservation_id"]
    )
    require(result, target, "CancelReservation")
    return None


_NONE, _OPTIONAL, _ONLY = SupportsResponse.NONE, SupportsResponse.OPTIONAL, SupportsResponse.ONLY
# name: (handler, what it returns, admin only)
SERVICES: dict[str, tuple[Handler, SupportsResponse, bool]] = {
    "start_charging": (_start, _OPTIONAL, False),
    "stop_charging": (_stop, _OPTIONAL, False),
    "pause_charging": (_pause, _OPTIONAL, False),
    "resume_charging": (_resume, _OPTIONAL, False),
    "set_current_limit": (_set_current_limit, _OPTIONAL, False),
    "set_charging_schedule": (_set_charging_schedule, _OPTIONAL, False),
    "clear_charging_profile": (async_clear_charging_profile, _OPTIONAL, False),
    "set_charging_profile": (async_set_charging_profile, _OPTIONAL, False),
    "get_charging_profiles": (async_get_charging_profiles, _ONLY, False),
    "get_composite_schedule": (_composite_schedule, _ONLY, False),
    "get_configuration": (_get_configuration, _ONLY, False),
    "set_configuration": (_set_configuration, _OPTIONAL, True),
    "trigger_message": (_trigger_message, _NONE, False),
    "reset": (_reset, _NONE, True),
    "unlock_connector": (_unlock, _NONE, False),
    "change_availability": (_change_availability, _OPTIONAL, False),
    "data_transfer": (_data_transfer, _OPTIONAL, False),
    "clear_cache": (_clear_cache, _NONE, False),
    "update_firmware": (_update_firmware, _NONE, True),
    "get_diagnostics": (_get_diagnostics, _OPTIONAL, False),
    # The local authorization list, Full or Differential (actions/local_list.py).
    "send_local_list": (async_send_local_list, _OPTIONAL, True),
    "get_local_list_version": (async_get_local_list_version, _ONLY, False),
    "reserve_now": (_reserve_now, _OPTIONAL, False),
    "cancel_reservation": (_cancel_reservation, _NONE, False),
    # How the charger logs in (actions/security.py).
    "rotate_password": (async_rotate_password, _OPTIONAL, True),
    "upgrade_security_profile": (async_upgrade_security_profile, _OPTIONAL, True),
    # Certificates (actions/certificates.py).
    "install_root_certificate": (async_install_root_certificate, _OPTIONAL, True),
    "get_installed_certificates": (async_get_installed_certificates, _ONLY, False),
    "delete_certificate": (async_delete_certificate, _OPTIONAL, True),
    "request_charger_certificate": (async_request_charger_certificate, _OPTIONAL, True),
    # A longer trace of the frames for the diagnostics (actions/trace.py): no charger command.
    "start_trace": (async_start_trace, _OPTIONAL, False),
    # What Solar mode would have done on a past day (replay_service.py): no charger command.
    "replay_solar_day": (async_replay_solar_day, _ONLY, False),
}


def _service(handler: Handler) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Resolve the target device, run the handler, turn failures into translated errors."""

    async def run(call: ServiceCall) -> ServiceResponse:
        target = resolve_target(call.hass, call)
        with service_errors(target):
            response = await handler(target, call)
        return response if call.return_response else None

    return run


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's service actions (once, in async_setup)."""
    async_setup_id_tag_services(hass)
    for name, (handler, supports_response, admin) in SERVICES.items():
        if admin:
            async_register_admin_service(
                hass,
                DOMAIN,
                name,
                _service(handler),
                schema=SCHEMAS[name],
                supports_response=supports_response,
            )
        else:
            hass.services.async_register(
                DOMAIN,
                name,
                _service(handler),
                schema=SCHEMAS[name],
                supports_response=supports_response,
            )
    # The session history (actions/history.py): aimed at no single charger.
    async_setup_history_services(hass)
