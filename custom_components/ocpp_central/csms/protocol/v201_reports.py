"""OCPP 2.0.1 reports: answers that come as paged charger-initiated messages.

GetBaseReport is answered by NotifyReport pages (requestId, seqNo, tbc) and GetChargingProfiles by
ReportChargingProfiles pages (requestId, tbc; numbered by arrival). A request registers its pages
before it is sent, so that no page can arrive unexpected; the command returns once the last page
(tbc false) and every page before it arrived. Pages of requests nobody waits for are acknowledged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action

from ...const import LOGGER, RESPONSE_TIMEOUT
from ..commands import (
    ChargerDisconnectedError,
    ChargerTimeoutError,
    CommandRejectedError,
    CommandResult,
    ConfigurationReport,
    ProfilePurpose,
)
from .base import on
from .v16_commands import Ocpp16Commands
from .v201_variables import report_entries

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

    from .base import ChargerHost

PURPOSE = {
    ProfilePurpose.STATION_MAX: "ChargingStationMaxProfile",
    ProfilePurpose.TX_DEFAULT: "TxDefaultProfile",
    ProfilePurpose.TX: "TxProfile",
}


def periods_data(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """Version-neutral schedule periods."""
    periods = []
    for raw in schedule.get("charging_schedule_period") or []:
        period = {"start_s": raw.get("start_period"), "limit": raw.get("limit")}
        if raw.get("number_phases") is not None:
            period["number_phases"] = raw["number_phases"]
        periods.append(period)
    return periods


def _profile_data(evse_id: int, source: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Return a reported charging profile, JSON-ready, shaped like the composite schedule data."""
    return {
        "connector_id": evse_id,
        "source": source,
        "profile_id": profile.get("id"),
        "stack_level": profile.get("stack_level"),
        "purpose": profile.get("charging_profile_purpose"),
        "kind": profile.get("charging_profile_kind"),
        "transaction_id": profile.get("transaction_id"),
        "schedules": [
            {
                "schedule_id": schedule.get("id"),
                "schedule_start": schedule.get("start_schedule"),
                "duration_s": schedule.get("duration"),
                "rate_unit": schedule.get("charging_rate_unit"),
                "min_rate": schedule.get("min_charging_rate"),
                "periods": periods_data(schedule),
            }
            for schedule in profile.get("charging_schedule") or []
            if isinstance(schedule, dict)
        ],
    }


@dataclass(slots=True)
class _Pages:
    """A report in pages: complete once the page without tbc and every page before it arrived."""

    done: asyncio.Future[list[Any]]
    pages: dict[int, list[Any]] = field(default_factory=dict)
    last: int | None = None

    def add(self, seq_no: int, items: list[Any], tbc: bool) -> None:
        self.pages.setdefault(seq_no, items)  # a repeated page counts once
        if not tbc:
            self.last = seq_no
        if self.last is None or self.done.done():
            return
        if all(n in self.pages for n in range(self.last + 1)):
            self.done.set_result([item for n in range(self.last + 1) for item in self.pages[n]])


class Ocpp201Reports:
    """Mixin: the request plumbing and the paged reports of the 2.0.1 adapter."""

    id: str
    connection: ServerConnection
    host: ChargerHost

    async def _request(self, request: Any) -> Any:
        """Send one CALL; return the answer or raise a CommandError (never hangs).

        The plumbing is version-neutral and lives with the 1.6 commands: reused, not copied.
        """
        return await Ocpp16Commands._request(cast("Ocpp16Commands", self), request)

    async def _status(self, request: Any) -> CommandResult:
        """Send a CALL whose answer is a status word."""
        return CommandResult(str((await self._request(request)).status))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reports: dict[int, _Pages] = {}

    async def _report(self, request: Any, accepted: str = "Accepted") -> tuple[str, list[Any]]:
        """Send a report request; return its status and, when accepted, every reported item."""
        action = type(request).__name__
        pages = _Pages(asyncio.get_running_loop().create_future())
        self._reports[request.request_id] = pages
        closed = asyncio.ensure_future(self.connection.wait_closed())
        try:
            status = str((await self._request(request)).status)
            if status != accepted:
                return status, []
            await asyncio.wait(
                (pages.done, closed), timeout=RESPONSE_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            if pages.done.done():
                return status, pages.done.result()
            if closed.done():
                raise ChargerDisconnectedError(self.id, action, "disconnected before reporting")
            raise ChargerTimeoutError(
                self.id, action, f"report incomplete after {RESPONSE_TIMEOUT} s"
            )
        finally:
            closed.cancel()
            del self._reports[request.request_id]

    def _page(self, request_id: int, seq_no: int, items: list[Any], tbc: bool) -> None:
        if (pages := self._reports.get(request_id)) is None:
            LOGGER.debug("Charger %s sent a report nobody asked for (%s)", self.id, request_id)
            return
        pages.add(seq_no, items, tbc)

    @on(Action.notify_report)
    def on_notify_report(
        self, request_id: int, seq_no: int, tbc: bool = False, **kwargs: Any
    ) -> call_result.NotifyReport:
        """One page of a GetBaseReport result."""
        self._page(request_id, seq_no, kwargs.get("report_data") or [], tbc)
        return call_result.NotifyReport()

    @on(Action.report_charging_profiles)
    def on_report_charging_profiles(
        self,
        request_id: int,
        charging_limit_source: str,
        charging_profile: list[dict[str, Any]],
        evse_id: int,
        tbc: bool = False,
        **kwargs: Any,
    ) -> call_result.ReportChargingProfiles:
        """One page of a GetChargingProfiles result."""
        items = [_profile_data(evse_id, charging_limit_source, p) for p in charging_profile]
        # These pages carry no seqNo: they are numbered in order of arrival.
        pages = self._reports.get(request_id)
        self._page(request_id, len(pages.pages) if pages else 0, items, tbc)
        return call_result.ReportChargingProfiles()

    async def get_base_report(self, report_base: str = "FullInventory") -> ConfigurationReport:
        """Every variable of a base report (ConfigurationInventory, FullInventory, SummaryInventory)."""
        status, items = await self._report(
            call.GetBaseReport(request_id=self.host.next_transaction_id(), report_base=report_base)
        )
        if status not in ("Accepted", "EmptyResultSet"):
            raise CommandRejectedError(self.id, "GetBaseReport", status)
        return ConfigurationReport(entries=tuple(report_entries(items)))

    async def get_charging_profiles(
        self,
        connector_id: int | None = None,
        purpose: ProfilePurpose | None = None,
        stack_level: int | None = None,
        profile_ids: list[int] | None = None,
    ) -> CommandResult:
        """Return the installed profiles matching every criterion (data: profiles)."""
        criterion: dict[str, Any] = {}
        if profile_ids:
            criterion["charging_profile_id"] = list(profile_ids)
        if purpose is not None:
            criterion["charging_profile_purpose"] = PURPOSE[purpose]
        if stack_level is not None:
            criterion["stack_level"] = stack_level
        status, items = await self._report(
            call.GetChargingProfiles(
                request_id=self.host.next_transaction_id(),
                charging_profile=criterion,
                evse_id=connector_id,
            )
        )
        return CommandResult(status, {"profiles": items})
