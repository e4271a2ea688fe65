"""OCPP 2.0.1 commands: the version-neutral `ChargerCommands` as `ocpp.v201.call` messages.

Same contract as the 1.6 commands (and the same request plumbing, shared with them): a valid answer
is returned as a `CommandResult` whatever its status word; failing to get one raises a `CommandError`.
What differs is translated here: connectors are EVSEs, schedules are lists with ids, configuration
keys are device-model variables (see v201_variables), transaction ids are the charger's strings, and
reports (GetBaseReport, GetChargingProfiles) arrive as paged charger-initiated messages that are
assembled by requestId, seqNo and tbc before the command returns. Commands whose request and answer
are alike in every version (ClearCache, CancelReservation, DataTransfer) are in the adapter base.

Never await these from inside an @on handler: the answer would queue behind the handler (deadlock).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ocpp.v201 import call
from ocpp.v201.enums import MessageTriggerEnumType

from ..commands import (
    ChargingProfile,
    CommandResult,
    ConfigurationEntry,
    ConfigurationReport,
    LocalListEntry,
    ProfilePurpose,
    RateUnit,
)
from .profiles import ocpp_time, profile_fields, schedule_fields
from .token_info import id_token_info
from .v201_reports import PURPOSE, Ocpp201Reports, periods_data
from .v201_variables import ALIAS_VALUES, BASIC_AUTH_PASSWORD, VariableAddress, parse_key

if TYPE_CHECKING:
    from ..model import Charger, Connector
    from .v201_state import Ledger

# 1.6 trigger names that 2.0.1 renamed.
_TRIGGER = {"DiagnosticsStatusNotification": "LogStatusNotification"}
# The token type of an id tag the charger never showed us: an id of the central system's own.
_CENTRAL = "Central"
# Commands named by their 1.6 action → the 2.0.1 action they are sent as (for error messages).
ACTION_NAMES_201: Mapping[str, str] = {
    "RemoteStartTransaction": "RequestStartTransaction",
    "RemoteStopTransaction": "RequestStopTransaction",
    "GetConfiguration": "GetVariables",
    "ChangeConfiguration": "SetVariables",
    "GetDiagnostics": "GetLog",
}


def charging_profile_201(
    profile: ChargingProfile, *, with_transaction: bool = True
) -> dict[str, Any]:
    """Map a version-neutral profile to a 2.0.1 ChargingProfileType: one schedule, id = profile id."""
    schedule = {"id": int(profile.profile_id), **schedule_fields(profile)}
    fields = profile_fields(
        profile,
        purpose=PURPOSE[profile.purpose],
        transaction_id=str,
        with_transaction=with_transaction,
    )
    return {"id": int(profile.profile_id), **fields, "charging_schedule": [schedule]}


FEATURE_PROFILES_KEY = "SupportedFeatureProfiles"
# 1.6 feature profile per 2.0.1 controller whose Available variable tells whether it is there.
_PROFILE_CONTROLLERS = {
    "SmartChargingCtrlr/Available": "SmartCharging",
    "ReservationCtrlr/Available": "Reservation",
    "LocalAuthListCtrlr/Available": "LocalAuthListManagement",
}


class Ocpp201Commands(Ocpp201Reports):
    """Mixin for the 2.0.1 (and 2.1) adapter: every `ChargerCommands` method, and 2.0.1 extras."""

    ACTION_NAMES: ClassVar[Mapping[str, str]] = ACTION_NAMES_201

    if TYPE_CHECKING:

        @property
        def ledger(self) -> Ledger:
            """The charger's 2.0.1 bookkeeping (the adapter's)."""

        charger: Charger

        def close_stale(self, connector: Connector, why: str) -> None:
            """Close a session the charger no longer runs (the adapter base's)."""

    # --- smart charging ----------------------------------------------------------

    async def set_charging_profile(self, profile: ChargingProfile) -> CommandResult:
        """Install or replace a charging profile (ChargingStationMaxProfile: EVSE 0)."""
        return await self._status(
            call.SetChargingProfile(
                evse_id=profile.connector_id, charging_profile=charging_profile_201(profile)
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
        criteria: dict[str, Any] = {}
        if connector_id is not None:
            criteria["evse_id"] = connector_id
        if purpose is not None:
            criteria["charging_profile_purpose"] = PURPOSE[purpose]
        if stack_level is not None:
            criteria["stack_level"] = stack_level
        return await self._status(
            call.ClearChargingProfile(
                charging_profile_id=profile_id, charging_profile_criteria=criteria or None
            )
        )

    async def get_composite_schedule(
        self, connector_id: int, duration_s: int, rate_unit: RateUnit | None = None
    ) -> CommandResult:
        """Return the schedule the charger will follow (data: start, unit, periods)."""
        answer = await self._request(
            call.GetCompositeSchedule(
                duration=int(duration_s),
                evse_id=connector_id,
                charging_rate_unit=rate_unit.value if rate_unit else None,
            )
        )
        status = str(answer.status)
        schedule = answer.schedule if isinstance(answer.schedule, dict) else None
        if status != "Accepted" or schedule is None:
            return CommandResult(status)
        return CommandResult(
            status,
            {
                "connector_id": schedule.get("evse_id"),
                "schedule_start": schedule.get("schedule_start"),
                "duration_s": schedule.get("duration"),
                "rate_unit": schedule.get("charging_rate_unit"),
                "min_rate": None,
                "periods": periods_data(schedule),
            },
        )

    # --- sessions and connectors -------------------------------------------------

    def _id_token(self, id_tag: str) -> dict[str, str]:
        """Return an id token of the type the charger showed the tag with (RFID), else Central."""
        return {"id_token": id_tag, "type": self.ledger.token_types.get(id_tag, _CENTRAL)}

    async def remote_start(
        self, connector_id: int | None, id_tag: str, profile: ChargingProfile | None = None
    ) -> CommandResult:
        """Start a session (data: remote_start_id, and transaction_id when one already runs)."""
        remote_start_id = self.host.next_transaction_id()
        self.ledger.remember(self.ledger.remote_starts, remote_start_id, id_tag)
        answer = await self._request(
            call.RequestStartTransaction(
                id_token=self._id_token(id_tag),
                remote_start_id=remote_start_id,
                evse_id=connector_id or None,
                charging_profile=(
                    charging_profile_201(profile, with_transaction=False) if profile else None
                ),
            )
        )
        data: dict[str, Any] = {"remote_start_id": remote_start_id}
        if answer.transaction_id is not None:
            data["transaction_id"] = answer.transaction_id
        return CommandResult(str(answer.status), data)

    async def remote_stop(self, transaction_id: int | str) -> CommandResult:
        """End a session."""
        return await self._status(call.RequestStopTransaction(transaction_id=str(transaction_id)))

    async def get_transaction_status(self, transaction_id: int | str) -> CommandResult:
        """Ask whether a session still runs (E14; data: ongoing, messages_in_queue).

        One the charger ended, with nothing of it queued, is closed here as stale.
        """
        answer = await self._request(call.GetTransactionStatus(transaction_id=str(transaction_id)))
        ongoing = answer.ongoing_indicator
        queued = bool(answer.messages_in_queue)
        if ongoing is False and not queued:
            connector = self.charger.find_transaction(transaction_id)
            if connector is not None:
                self.close_stale(connector, "GetTransactionStatus: not ongoing")
        return CommandResult("Accepted", {"ongoing": ongoing, "messages_in_queue": queued})

    async def change_availability(self, connector_id: int, operative: bool) -> CommandResult:
        """Make an EVSE (0: the station) operative or inoperative (Scheduled: after the session)."""
        return await self._status(
            call.ChangeAvailability(
                operational_status="Operative" if operative else "Inoperative",
                evse={"id": connector_id} if connector_id else None,
            )
        )

    async def reset(self, hard: bool) -> CommandResult:
        """Restart the charger: hard is Immediate, soft is OnIdle (after running sessions)."""
        return await self._status(call.Reset(type="Immediate" if hard else "OnIdle"))

    async def unlock_connector(self, connector_id: int) -> CommandResult:
        """Release the cable of an EVSE's (first) connector."""
        return await self._status(call.UnlockConnector(evse_id=connector_id, connector_id=1))

    async def trigger_message(self, message: str, connector_id: int | None = None) -> CommandResult:
        """Ask the charger to send a message now; ValueError for a message 2.0.1 cannot trigger."""
        requested = MessageTriggerEnumType(_TRIGGER.get(message, message)).value
        evse: dict[str, int] | None = None
        if connector_id:
            evse = {"id": connector_id}
            if requested == "StatusNotification":
                evse["connector_id"] = 1
        return await self._status(call.TriggerMessage(requested_message=requested, evse=evse))

    # --- configuration (device model) and maintenance ----------------------------

    async def get_base_report(self, report_base: str = "FullInventory") -> ConfigurationReport:
        """Every variable of a base report; their mutability is remembered for GetVariables."""
        report = await super().get_base_report(report_base)
        self.ledger.read_only.update((entry.key, entry.readonly) for entry in report.entries)
        return report

    async def get_configuration(self, keys: list[str] | None = None) -> ConfigurationReport:
        """Read variables by key (see v201_variables); all configuration variables when None."""
        if not keys:
            return await self.get_base_report("ConfigurationInventory")
        if FEATURE_PROFILES_KEY in keys:
            return await self._with_feature_profiles(keys)
        return await self._get_variables(keys)

    async def _with_feature_profiles(self, keys: list[str]) -> ConfigurationReport:
        """Answer 1.6's SupportedFeatureProfiles from the 2.0.1 controllers' Available variables."""
        others = [key for key in keys if key != FEATURE_PROFILES_KEY]
        report = await self._get_variables(others + list(_PROFILE_CONTROLLERS))
        available = {
            entry.key: (entry.value or "").lower() == "true"
            for entry in report.entries
            if entry.key in _PROFILE_CONTROLLERS
        }
        entries = [entry for entry in report.entries if entry.key not in _PROFILE_CONTROLLERS]
        unknown = [key for key in report.unknown_keys if key not in _PROFILE_CONTROLLERS]
        if available:
            profiles = ["Core", "FirmwareManagement", "RemoteTrigger"] + [
                _PROFILE_CONTROLLERS[key] for key, on in available.items() if on
            ]
            entries.append(ConfigurationEntry(FEATURE_PROFILES_KEY, ",".join(profiles), True))
        else:
            unknown.append(FEATURE_PROFILES_KEY)
        return ConfigurationReport(entries=tuple(entries), unknown_keys=tuple(unknown))

    async def _get_variables(self, keys: list[str]) -> ConfigurationReport:
        """Read the variables these keys address.

        A GetVariables answer does not tell whether a variable is read-only: readonly is what the
        charger's last base report said (its variableAttribute mutability, see get_base_report),
        and False when no report told (not known; writing it may still be rejected).
        """
        wanted: dict[str, list[str]] = {}
        requests: list[dict[str, Any]] = []
        unknown: list[str] = []
        for key in keys:
            if (address := parse_key(key)) is None:
                unknown.append(key)
                continue
            if address.key not in wanted:
                requests.append(address.as_request())
            wanted.setdefault(address.key, []).append(key)
        entries: list[ConfigurationEntry] = []
        if requests:
            answer = await self._request(call.GetVariables(get_variable_data=requests))
            for result in answer.get_variable_result:
                found = VariableAddress.from_message(
                    result.get("component"), result.get("variable")
                )
                if found is None:
                    continue
                read_only = self.ledger.read_only.get(found.key, False)
                for key in wanted.pop(found.key, []):
                    if result.get("attribute_status") != "Accepted":
                        unknown.append(key)
                        continue
                    value = result.get("attribute_value")
                    if isinstance(value, str) and key in ALIAS_VALUES:
                        value = ALIAS_VALUES[key](value)
                    entries.append(ConfigurationEntry(key, value, readonly=read_only))
        unknown.extend(key for keys_left in wanted.values() for key in keys_left)
        return ConfigurationReport(entries=tuple(entries), unknown_keys=tuple(unknown))

    async def change_configuration(self, key: str, value: str) -> CommandResult:
        """Write one variable (Accepted, RebootRequired, Rejected, UnknownComponent, ...)."""
        if (address := parse_key(key)) is None:
            return CommandResult("NotSupported")
        answer = await self._request(
            call.SetVariables(
                set_variable_data=[{**address.as_request(), "attribute_value": value}]
            )
        )
        results = answer.set_variable_result
        return CommandResult(str(results[0].get("attribute_status")) if results else "Rejected")

    async def set_basic_auth_password(self, password: str) -> CommandResult:
        """Rotate the Basic-auth password (16-40 characters); the charger reconnects with it."""
        return await self.change_configuration(BASIC_AUTH_PASSWORD.key, password)

    async def update_firmware(
        self,
        location: str,
        retrieve_date: datetime,
        retries: int | None,
        retry_interval_s: int | None,
    ) -> CommandResult:
        """Download and install firmware (unsigned; Accepted, Rejected, AcceptedCanceled, ...)."""
        return await self._status(
            call.UpdateFirmware(
                request_id=self.host.next_transaction_id(),
                firmware={"location": location, "retrieve_date_time": ocpp_time(retrieve_date)},
                retries=retries,
                retry_interval=retry_interval_s,
            )
        )

    async def get_diagnostics(self, location: str) -> CommandResult:
        """Upload the diagnostics log to a URL (GetLog; data: file_name, when the charger names it)."""
        answer = await self._request(
            call.GetLog(
                log={"remote_location": location},
                log_type="DiagnosticsLog",
                request_id=self.host.next_transaction_id(),
            )
        )
        return CommandResult(str(answer.status), {"file_name": answer.filename})

    # --- local authorization list and reservations -------------------------------

    async def send_local_list(
        self, version: int, entries: list[LocalListEntry], full: bool = True
    ) -> CommandResult:
        """Replace (full) or update (differential) the local list (Accepted, Failed, VersionMismatch)."""
        return await self._status(
            call.SendLocalList(
                version_number=version,
                update_type="Full" if full else "Differential",
                local_authorization_list=[self._list_entry(entry) for entry in entries] or None,
            )
        )

    def _list_entry(self, entry: LocalListEntry) -> dict[str, Any]:
        """AuthorizationData: an entry without status is one to remove (no idTokenInfo)."""
        if entry.status is None:
            return {"id_token": self._id_token(entry.id_tag)}
        return {
            "id_token": self._id_token(entry.id_tag),
            "id_token_info": id_token_info(
                entry.status,
                entry.expiry,
                entry.group,
                lambda group: self.ledger.token_types.get(group, _CENTRAL),
            ),
        }

    async def get_local_list_version(self) -> int:
        """Version of the local list (0: none)."""
        return int((await self._request(call.GetLocalListVersion())).version_number)

    async def reserve_now(
        self, connector_id: int, expiry: datetime, id_tag: str, reservation_id: int
    ) -> CommandResult:
        """Reserve an EVSE (0: any) for an id tag."""
        return await self._status(
            call.ReserveNow(
                id=reservation_id,
                expiry_date_time=ocpp_time(expiry),
                id_token=self._id_token(id_tag),
                evse_id=connector_id or None,
            )
        )
