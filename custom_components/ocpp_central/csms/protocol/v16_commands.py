"""OCPP 1.6J commands: the version-neutral `ChargerCommands` as `ocpp.v16.call` messages.

Each is bounded by RESPONSE_TIMEOUT (read at call time: tests shorten it) and ends early when the
connection closes. Any valid answer, refusals included, is a `CommandResult` (callers judge its status);
no answer, a CALLERROR or a lost connection raise `CommandError`s with the charger's own words.
Payloads are schema-valid by construction (v16_profiles.py). Commands whose request and answer are
alike in every version (ClearCache, CancelReservation, DataTransfer) are in the adapter base.
Never await these inside an @on handler: the answer would queue behind the handler (deadlock).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OCPPError, UnknownCallErrorCodeError
from ocpp.messages import Call
from ocpp.v16 import call
from ocpp.v16.enums import (
    AvailabilityType,
    MessageTrigger,
    ResetType,
    UpdateType,
)
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from ...const import RESPONSE_TIMEOUT
from ..commands import (
    ChargerCallError,
    ChargerDisconnectedError,
    ChargerOfflineError,
    ChargerTimeoutError,
    ChargingProfile,
    CommandResult,
    ConfigurationEntry,
    ConfigurationReport,
    LocalListEntry,
    ProfilePurpose,
    RateUnit,
)
from .profiles import ocpp_time
from .token_info import ID_TAG_LENGTH_16, id_tag_info
from .v16_profiles import PURPOSE, UNIT, charging_profile_16, schedule_data, tx_id

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

# What a 1.6 TriggerMessage may ask for (the security extension's messages need another call).
_TRIGGERS = frozenset(
    trigger.value
    for trigger in MessageTrigger
    if trigger
    not in {MessageTrigger.log_status_notification, MessageTrigger.sign_charge_point_certificate}
)


class Ocpp16Commands:
    """Mixin for `Ocpp16Adapter`: every `ChargerCommands` method, sent as an OCPP 1.6 CALL."""

    id: str
    connection: ServerConnection

    if TYPE_CHECKING:

        async def call(
            self,
            payload: Any,
            suppress: bool = True,
            unique_id: str | None = None,
            skip_schema_validation: bool = False,
        ) -> Any:
            """Send a CALL (ocpp.charge_point.ChargePoint)."""

    async def _request(self, request: Any) -> Any:
        """Send one CALL; return the answer or raise a CommandError (never hangs)."""
        action = type(request).__name__
        if self.connection.state is not State.OPEN:
            raise ChargerOfflineError(self.id, action, "not connected")
        # Started eagerly: the frame is on the wire before anything queued in the loop runs.
        answer = asyncio.Task(self.call(request, suppress=False), eager_start=True)
        closed = asyncio.ensure_future(self.connection.wait_closed())
        try:
            await asyncio.wait(
                (answer, closed), timeout=RESPONSE_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closed.cancel()
            answer.cancel()  # a no-op once it is done
        if not answer.done() or answer.cancelled():
            if closed.done() and not closed.cancelled():
                # Sent on an open connection: delivered, perhaps applied, never answered.
                raise ChargerDisconnectedError(self.id, action, "disconnected before answering")
            raise ChargerTimeoutError(self.id, action, f"no answer within {RESPONSE_TIMEOUT} s")
        try:
            return answer.result()
        except TimeoutError as err:
            raise ChargerTimeoutError(self.id, action, str(err)) from err
        except ConnectionClosed as err:
            raise ChargerOfflineError(self.id, action, "connection closed") from err
        except UnknownCallErrorCodeError as err:
            raise ChargerCallError(self.id, action, str(err)) from err
        except OCPPError as err:
            details = err.details if isinstance(err.details, dict) else {}
            ours = isinstance(details.get("ocpp_message"), Call)
            # jsonschema's causes run to many lines: the first says what is wrong.
            cause = str(details["cause"]).strip().split("\n", 1)[0] if details.get("cause") else ""
            if ours:
                # Our own request failed the schema: a bug or unchecked input, not the charger.
                raise ValueError(f"Invalid {action} request: {cause}") from err
            description = f"{err.description} ({cause})" if cause else err.description
            raise ChargerCallError(self.id, action, f"{err.code}: {description}") from err

    async def _status(self, request: Any) -> CommandResult:
        """Send a CALL whose answer is a status word."""
        answer = await self._request(request)
        return CommandResult(str(answer.status))

    # --- smart charging ----------------------------------------------------------

    async def set_charging_profile(self, profile: ChargingProfile) -> CommandResult:
        """Install or replace a charging profile."""
        return await self._status(
            call.SetChargingProfile(
                connector_id=profile.connector_id,
                cs_charging_profiles=charging_profile_16(profile),
            )
        )

    async def clear_charging_profile(
        self,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
    ) -> CommandResult:
        """Remove profiles matching every given criterion (Unknown: none matched)."""
        return await self._status(
            call.ClearChargingProfile(
                id=profile_id,
                connector_id=connector_id,
                charging_profile_purpose=PURPOSE[purpose].value if purpose else None,
                stack_level=stack_level,
            )
        )

    async def get_composite_schedule(
        self, connector_id: int, duration_s: int, rate_unit: RateUnit | None = None
    ) -> CommandResult:
        """Return the schedule the charger will follow (data: start, unit, periods)."""
        answer = await self._request(
            call.GetCompositeSchedule(
                connector_id=connector_id,
                duration=int(duration_s),
                charging_rate_unit=UNIT[rate_unit].value if rate_unit else None,
            )
        )
        status = str(answer.status)
        if status != "Accepted":
            return CommandResult(status)
        return CommandResult(status, schedule_data(answer))

    # --- sessions and connectors -------------------------------------------------

    async def remote_start(
        self, connector_id: int | None, id_tag: str, profile: ChargingProfile | None = None
    ) -> CommandResult:
        """Start a session (an embedded profile must be a TxProfile, without transaction id)."""
        return await self._status(
            call.RemoteStartTransaction(
                id_tag=id_tag,
                connector_id=connector_id,
                charging_profile=(
                    charging_profile_16(profile, with_transaction=False) if profile else None
                ),
            )
        )

    async def remote_stop(self, transaction_id: int | str) -> CommandResult:
        """End a session."""
        return await self._status(call.RemoteStopTransaction(transaction_id=tx_id(transaction_id)))

    async def change_availability(self, connector_id: int, operative: bool) -> CommandResult:
        """Make a connector (0: the station) operative or inoperative (Scheduled: after the session)."""
        kind = AvailabilityType.operative if operative else AvailabilityType.inoperative
        return await self._status(
            call.ChangeAvailability(connector_id=connector_id, type=kind.value)
        )

    async def reset(self, hard: bool) -> CommandResult:
        """Restart the charger."""
        kind = ResetType.hard if hard else ResetType.soft
        return await self._status(call.Reset(type=kind.value))

    async def unlock_connector(self, connector_id: int) -> CommandResult:
        """Release the cable (Unlocked, UnlockFailed or NotSupported)."""
        return await self._status(call.UnlockConnector(connector_id=connector_id))

    async def trigger_message(self, message: str, connector_id: int | None = None) -> CommandResult:
        """Ask the charger to send a message now; ValueError for a message 1.6 cannot trigger."""
        if message not in _TRIGGERS:
            raise ValueError(f"TriggerMessage cannot ask an OCPP 1.6 charger for {message}")
        return await self._status(
            call.TriggerMessage(requested_message=message, connector_id=connector_id)
        )

    # --- configuration and maintenance -------------------------------------------

    async def get_configuration(self, keys: list[str] | None = None) -> ConfigurationReport:
        """Read configuration keys (all when None or empty)."""
        answer = await self._request(call.GetConfiguration(key=list(keys) if keys else None))
        entries = tuple(
            ConfigurationEntry(
                key=str(raw["key"]),
                value=raw.get("value") if isinstance(raw.get("value"), str) else None,
                readonly=bool(raw.get("readonly")),
            )
            for raw in answer.configuration_key or []
            if isinstance(raw, dict) and isinstance(raw.get("key"), str)
        )
        unknown = tuple(str(key) for key in answer.unknown_key or [])
        return ConfigurationReport(entries=entries, unknown_keys=unknown)

    async def change_configuration(self, key: str, value: str) -> CommandResult:
        """Write one key (Accepted, RebootRequired, Rejected or NotSupported)."""
        return await self._status(call.ChangeConfiguration(key=key, value=value))

    async def update_firmware(
        self,
        location: str,
        retrieve_date: datetime,
        retries: int | None,
        retry_interval_s: int | None,
    ) -> CommandResult:
        """Download and install firmware (1.6 answers nothing but receipt: Accepted)."""
        await self._request(
            call.UpdateFirmware(
                location=location,
                retrieve_date=ocpp_time(retrieve_date),
                retries=retries,
                retry_interval=retry_interval_s,
            )
        )
        return CommandResult("Accepted")

    async def get_diagnostics(self, location: str) -> CommandResult:
        """Upload diagnostics to a URL (data: file_name, None when there is nothing to upload)."""
        answer = await self._request(call.GetDiagnostics(location=location))
        return CommandResult("Accepted", {"file_name": answer.file_name})

    # --- local authorization list and reservations -------------------------------

    async def send_local_list(
        self, version: int, entries: list[LocalListEntry], full: bool = True
    ) -> CommandResult:
        """Replace (full) or update (differential) the local list."""
        return await self._status(
            call.SendLocalList(
                list_version=version,
                update_type=(UpdateType.full if full else UpdateType.differential).value,
                local_authorization_list=[
                    _list_entry_16(entry)
                    for entry in entries
                    if len(entry.id_tag) <= ID_TAG_LENGTH_16  # no 1.6 charger can present it
                ],
            )
        )

    async def get_local_list_version(self) -> int:
        """Version of the local list (0: empty, -1: not supported)."""
        answer = await self._request(call.GetLocalListVersion())
        return int(answer.list_version)

    async def reserve_now(
        self, connector_id: int, expiry: datetime, id_tag: str, reservation_id: int
    ) -> CommandResult:
        """Reserve a connector for an id tag (Accepted, Faulted, Occupied, Rejected, Unavailable)."""
        return await self._status(
            call.ReserveNow(
                connector_id=connector_id,
                expiry_date=ocpp_time(expiry),
                id_tag=id_tag,
                reservation_id=reservation_id,
            )
        )


def _list_entry_16(entry: LocalListEntry) -> dict[str, Any]:
    """AuthorizationData: an entry without status is one to remove (no idTagInfo)."""
    if entry.status is None:
        return {"id_tag": entry.id_tag}
    return {
        "id_tag": entry.id_tag,
        "id_tag_info": id_tag_info(entry.status, entry.expiry, entry.group),
    }
