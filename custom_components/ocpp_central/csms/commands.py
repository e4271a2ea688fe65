"""Version-neutral commands to a charger: what the smart-charging engine, entities and services ask for.

Each protocol adapter implements `ChargerCommands` by translating these requests into its OCPP version's
messages. Failures are raised as `CommandError` subclasses carrying the charger's own answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class ProfilePurpose(StrEnum):
    """Why a charging profile exists (OCPP purposes, version-neutral names)."""

    STATION_MAX = "station_max"
    TX_DEFAULT = "tx_default"
    TX = "tx"


class ProfileKind(StrEnum):
    """How a schedule's start is anchored."""

    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    RECURRING = "recurring"


class RateUnit(StrEnum):
    """Unit of a charging limit."""

    AMPERE = "A"
    WATT = "W"


@dataclass(slots=True, frozen=True)
class SchedulePeriod:
    """One period of a charging schedule: from start_s seconds after the schedule's start."""

    start_s: int
    limit: float
    number_phases: int | None = None


@dataclass(slots=True, frozen=True)
class ChargingProfile:
    """A charging profile as we want the charger to hold it."""

    connector_id: int
    profile_id: int
    stack_level: int
    purpose: ProfilePurpose
    kind: ProfileKind
    rate_unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    start: datetime | None = None
    duration_s: int | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: int | str | None = None
    # A Recurring profile's period: "Daily" or "Weekly".
    recurrency: str | None = None


@dataclass(slots=True, frozen=True)
class ConfigurationEntry:
    """One configuration key (1.6) or variable (2.0.1) as the charger reported it."""

    key: str
    value: str | None
    readonly: bool


@dataclass(slots=True, frozen=True)
class ConfigurationReport:
    """Answer to a configuration read."""

    entries: tuple[ConfigurationEntry, ...]
    unknown_keys: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class LocalListEntry:
    """An id tag for the charger's local authorization list.

    Status None: the entry is removed (Differential update: sent without idTagInfo/idTokenInfo).
    Group: 1.6 parentIdTag, 2.0.1 groupIdToken.
    """

    id_tag: str
    status: str | None = "Accepted"
    expiry: datetime | None = None
    group: str | None = None


@dataclass(slots=True, frozen=True)
class CommandResult:
    """The charger's answer: its status word and any data it returned."""

    status: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """Whether the charger said yes (Accepted, Scheduled, Unlocked, RebootRequired)."""
        return self.status in {"Accepted", "Scheduled", "Unlocked", "RebootRequired"}


class CommandError(Exception):
    """A command did not get a usable answer."""

    translation_key = "command_failed"

    def __init__(self, charger_id: str, action: str, detail: str = "") -> None:
        """Describe the failure; detail is the charger's own words where there are any."""
        super().__init__(f"{charger_id}: {action} failed: {detail}")
        self.charger_id = charger_id
        self.action = action
        self.detail = detail


class ChargerOfflineError(CommandError):
    """The charger is not connected."""

    translation_key = "charger_offline"


class ChargerDisconnectedError(ChargerOfflineError):
    """The command went out, then the connection closed before the charger answered.

    The charger may have applied it: unlike "not connected", the command was delivered.
    """

    translation_key = "charger_disconnected"


class ChargerTimeoutError(CommandError):
    """The charger did not answer in time."""

    translation_key = "charger_timeout"


class ChargerCallError(CommandError):
    """The charger answered with a CALLERROR (detail holds its error code and description)."""

    translation_key = "charger_call_error"


class CommandRejectedError(CommandError):
    """The charger answered with a refusal (Rejected, NotSupported, ...); detail holds its status."""

    translation_key = "command_rejected"


class ChargerCommands(Protocol):
    """What a protocol adapter can ask its charger to do. Every method is bounded in time."""

    async def set_charging_profile(self, profile: ChargingProfile) -> CommandResult:
        """Install or replace a charging profile."""

    async def clear_charging_profile(
        self,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
    ) -> CommandResult:
        """Remove profiles matching every given criterion."""

    async def get_composite_schedule(
        self, connector_id: int, duration_s: int, rate_unit: RateUnit | None = None
    ) -> CommandResult:
        """Return the schedule the charger will follow (data: the schedule, version-neutral)."""

    async def remote_start(
        self, connector_id: int | None, id_tag: str, profile: ChargingProfile | None = None
    ) -> CommandResult:
        """Start a session."""

    async def remote_stop(self, transaction_id: int | str) -> CommandResult:
        """End a session."""

    async def change_availability(self, connector_id: int, operative: bool) -> CommandResult:
        """Make a connector (0: the station) operative or inoperative."""

    async def reset(self, hard: bool) -> CommandResult:
        """Restart the charger."""

    async def unlock_connector(self, connector_id: int) -> CommandResult:
        """Release the cable."""

    async def trigger_message(self, message: str, connector_id: int | None = None) -> CommandResult:
        """Ask the charger to send a message now (BootNotification, StatusNotification, MeterValues, ...)."""

    async def get_configuration(self, keys: list[str] | None = None) -> ConfigurationReport:
        """Read configuration keys (all when None)."""

    async def change_configuration(self, key: str, value: str) -> CommandResult:
        """Write one configuration key."""

    async def data_transfer(
        self, vendor_id: str, message_id: str | None, data: str | None
    ) -> CommandResult:
        """Vendor-specific exchange."""

    async def clear_cache(self) -> CommandResult:
        """Clear the charger's authorization cache."""

    async def update_firmware(
        self,
        location: str,
        retrieve_date: datetime,
        retries: int | None,
        retry_interval_s: int | None,
    ) -> CommandResult:
        """Download and install firmware."""

    async def get_diagnostics(self, location: str) -> CommandResult:
        """Upload diagnostics to a URL (data: file name)."""

    async def send_local_list(
        self, version: int, entries: list[LocalListEntry], full: bool = True
    ) -> CommandResult:
        """Replace (or update) the charger's local authorization list."""

    async def get_local_list_version(self) -> int:
        """Version of the charger's local list."""

    async def reserve_now(
        self, connector_id: int, expiry: datetime, id_tag: str, reservation_id: int
    ) -> CommandResult:
        """Reserve a connector for an id tag."""

    async def cancel_reservation(self, reservation_id: int) -> CommandResult:
        """Cancel a reservation."""


@runtime_checkable
class ProfileReports(Protocol):
    """A charger that reports its installed profiles (2.0.1 GetChargingProfiles; 1.6 cannot)."""

    async def get_charging_profiles(
        self,
        connector_id: int | None = None,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
        profile_ids: list[int] | None = None,
    ) -> CommandResult:
        """Return the installed profiles matching every criterion (data: profiles)."""


@runtime_checkable
class TransactionStatus(Protocol):
    """A charger that tells whether a session still runs (2.0.1 GetTransactionStatus)."""

    async def get_transaction_status(self, transaction_id: int | str) -> CommandResult:
        """Ask about a session; one the charger ended is closed as stale (data: ongoing)."""
