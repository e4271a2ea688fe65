"""Faults a charger reports, and chargers gone too long: repair issues and bus events while they last.

A station or connector is faulted while it reports an error code other than NoError (1.6
StatusNotification, 2.0.1 NotifyEvent Problem) or the status Faulted (2.0.1 StatusNotification
knows no error code). Each fault raises one repair issue, named by charger and connector, with
the charger's own words (vendorErrorCode and info, or techInfo), and fires EVENT_FAULT; both
clear when the charger reports that it recovered. A charger unavailable for longer than the
central system's offline_issue_minutes option raises an issue of its own until it is back.

The bus event, not the tag event entity: that entity's event types are a tag's acceptance, and a
fault starts and ends per connector, which an automation's event trigger filters on directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from ..config_entry import OcppCentralConfigEntry
from ..const import DOMAIN
from ..coordinator import ChargerCoordinator
from ..csms.model import Charger, ConnectorStatus

EVENT_FAULT = f"{DOMAIN}_fault"
ISSUE_FAULT = "charger_fault"
ISSUE_STATION_FAULT = "station_fault"
ISSUE_OFFLINE = "charger_offline_long"
CONF_OFFLINE_ISSUE_MINUTES = "offline_issue_minutes"
DEFAULT_OFFLINE_ISSUE_MINUTES = 30
# Where a fault comes without the charger's own words.
NO_DETAIL = "-"


@dataclass(frozen=True, slots=True)
class Fault:
    """What a station (connector 0) or connector reports as wrong."""

    code: str
    detail: str


def faults(charger: Charger) -> dict[int, Fault]:
    """Return the faults in force, by connector (0: the station itself)."""
    found: dict[int, Fault] = {}
    for number, status, code, detail in (
        (0, charger.status, charger.error_code, charger.vendor_error),
        *(
            (c.connector_id, c.status, c.error_code, c.vendor_error)
            for c in charger.connectors.values()
            if c.connector_id != 0
        ),
    ):
        if code is not None or status is ConnectorStatus.FAULTED:
            found[number] = Fault(code or "Faulted", detail or NO_DETAIL)
    return found


# A fault whose issue a previous run left: announced then, not again (its issue is refreshed).
LEFT_FROM_BEFORE = Fault("", "")


class FaultWatch:
    """Keeps one charger's repair issues and fault events in step with what it reports."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: ChargerCoordinator,
        offline_after: Callable[[], timedelta],
    ) -> None:
        """Watch the coordinator's charger; an outage past offline_after() raises its issue."""
        self._hass = hass
        self._coordinator = coordinator
        self._offline_after = offline_after
        self._raised = self._left_from_before()
        self._offline_timer: CALLBACK_TYPE | None = None
        # An outage issue may be left from before a restart: the first sign of life clears it.
        self._offline_raised = True

    @property
    def _charger_id(self) -> str:
        return self._coordinator.config.charger_id

    def _issue_id(self, number: int) -> str:
        return f"{ISSUE_FAULT}_{self._charger_id}_{number}"

    def _left_from_before(self) -> dict[int, Fault]:
        """Return the fault issues a previous run left (the registry keeps them across restarts).

        They count as raised, with an unknown fault: one still in force is raised again
        (with what the model says), one gone is cleared.
        """
        prefix = f"{ISSUE_FAULT}_{self._charger_id}_"
        return {
            int(number): LEFT_FROM_BEFORE
            for domain, issue_id in ir.async_get(self._hass).issues
            if domain == DOMAIN
            and (number := issue_id.removeprefix(prefix)) != issue_id
            and number.isdigit()
        }

    @callback
    def async_update(self) -> None:
        """Raise what started, clear what ended (called on every change of the charger)."""
        now = faults(self._coordinator.charger)
        for number, fault in now.items():
            if (before := self._raised.get(number)) != fault:
                self._raise(number, fault, announce=before is not LEFT_FROM_BEFORE)
        for number in set(self._raised) - set(now):
            self._clear(number)
        self._raised = now
        self._watch_connection()

    def _raise(self, number: int, fault: Fault, *, announce: bool) -> None:
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id(number),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_STATION_FAULT if number == 0 else ISSUE_FAULT,
            translation_placeholders={
                "charger": self._coordinator.config.name,
                "connector": str(number),
                "code": fault.code,
                "detail": fault.detail,
            },
        )
        if announce:
            self._fire(number, fault)

    def _clear(self, number: int) -> None:
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(number))
        self._fire(number, None)

    def _fire(self, number: int, fault: Fault | None) -> None:
        self._hass.bus.async_fire(
            EVENT_FAULT,
            {
                "charger_id": self._charger_id,
                "device_id": self._coordinator.device_id,
                "connector_id": number,
                "active": fault is not None,
                "error_code": None if fault is None else fault.code,
                "detail": None if fault is None else fault.detail,
            },
        )

    def _watch_connection(self) -> None:
        if self._coordinator.available:
            self._cancel_timer()
            if self._offline_raised:
                self._offline_raised = False
                ir.async_delete_issue(self._hass, DOMAIN, f"{ISSUE_OFFLINE}_{self._charger_id}")
        elif self._offline_timer is None and not self._offline_raised:
            self._offline_timer = async_call_later(
                self._hass, self._offline_after(), self._raise_offline
            )

    @callback
    def _raise_offline(self, _now: datetime) -> None:
        self._offline_timer = None
        self._offline_raised = True
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            f"{ISSUE_OFFLINE}_{self._charger_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_OFFLINE,
            translation_placeholders={
                "charger": self._coordinator.config.name,
                "minutes": str(int(self._offline_after().total_seconds() // 60)),
            },
        )

    def _cancel_timer(self) -> None:
        if self._offline_timer is not None:
            self._offline_timer()
            self._offline_timer = None

    @callback
    def async_stop(self) -> None:
        """Stop watching (the entry unloads); issues stay for the next start to judge."""
        self._cancel_timer()


@callback
def async_watch_faults(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Watch every charger's faults and outages, now and as chargers are added."""

    def offline_after() -> timedelta:
        # Read when an outage starts: options apply without a reload.
        minutes = entry.options.get(CONF_OFFLINE_ISSUE_MINUTES, DEFAULT_OFFLINE_ISSUE_MINUTES)
        return timedelta(minutes=float(minutes))

    watched: dict[str, ChargerCoordinator] = {}

    @callback
    def watch(coordinator: ChargerCoordinator) -> None:
        # Called again whenever the charger's shape changes: one watch per coordinator.
        if watched.get(coordinator.config.charger_id) is coordinator:
            return
        watched[coordinator.config.charger_id] = coordinator
        fault_watch = FaultWatch(hass, coordinator, offline_after)
        entry.async_on_unload(coordinator.async_add_listener(fault_watch.async_update))
        entry.async_on_unload(fault_watch.async_stop)
        fault_watch.async_update()

    entry.runtime_data.async_register_entity_factory(watch)
