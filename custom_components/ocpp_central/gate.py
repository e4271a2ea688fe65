"""The gate: decides on each connecting charger and hands its session the model it talks to.

Before the WebSocket upgrade it answers who may come in (a configured charger with its password
or from its bound address, an unknown one as pending or not at all) and which protocol and
credential it is held to; after it, a configured charger gets its coordinator's model and an
unknown one a pending model, or is added automatically within the hourly cap. The central
system (central.py) runs the sessions; the pure rules live in csms/admission.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow, issue_registry as ir

from .charging.quirks import CONF_OCPP_VERSION
from .config_entry import OcppCentralConfigEntry
from .const import (
    CONF_CHARGER_ID,
    CONF_UNKNOWN_CHARGERS,
    DEFAULT_MAX_CURRENT,
    DOMAIN,
    LOGGER,
    UnknownChargerPolicy,
)
from .coordinator import ChargerCoordinator
from .csms.admission import HourlyCap, PendingChargers, fits_new_identity
from .csms.model import Charger
from .csms.protocol import VERSION_PINS
from .csms.server import Admission
from .csms.tls import CertificatePolicy
from .security.login import async_password_admits, certificate_policy

# Subentry data: the address a charger without a password is bound to (where it was confirmed).
CONF_BOUND_ADDRESS = "address"
ISSUE_NEW_ADDRESS = "charger_new_address"
ISSUE_AUTO_ADD_LIMIT = "auto_add_limit"

# Adds a charger as configured: (charger id, name, password, max current, address=...).
type AddCharger = Callable[..., None]


def unique_id_for_charger(charger_id: str) -> str:
    """Return the unique id of a charger's discovery flow (and of an ignored entry)."""
    return f"charger:{charger_id}"


@dataclass(slots=True)
class ChargerGate:
    """Who may connect, and as what: configured, pending (asked about) or added automatically."""

    hass: HomeAssistant
    entry: OcppCentralConfigEntry
    # The central system's own maps, shared: configured chargers and pending ones.
    coordinators: dict[str, ChargerCoordinator]
    pending: dict[str, Charger]
    add_charger: AddCharger
    close_session: Callable[[str], None]
    # Where the pending chargers connect from, at most PENDING_CAP of them, oldest first.
    pending_visits: PendingChargers = field(default_factory=PendingChargers)
    auto_adds: HourlyCap = field(default_factory=HourlyCap)

    @property
    def unknown_charger_policy(self) -> UnknownChargerPolicy:
        """What to do with chargers that are not configured."""
        return UnknownChargerPolicy(
            self.entry.options.get(CONF_UNKNOWN_CHARGERS, UnknownChargerPolicy.ASK)
        )

    # --- before the upgrade -----------------------------------------------------------

    def admit(
        self, charger_id: str, password: bytes | None, username: str | None, address: str
    ) -> Admission:
        """Decide on a connecting charger before the WebSocket upgrade; no state is created here."""
        if (coordinator := self.coordinators.get(charger_id)) is not None:
            if not async_password_admits(self.entry, coordinator.config, password):
                return Admission.UNAUTHORIZED
            if not coordinator.config.password and not self._address_admits(
                coordinator.config.subentry_id, address
            ):
                return Admission.WRONG_ADDRESS
            return Admission.ADMIT
        if (
            self._is_ignored(charger_id)
            or self.unknown_charger_policy is UnknownChargerPolicy.REJECT
            or not fits_new_identity(charger_id)
        ):
            return Admission.UNKNOWN
        visit = self.pending_visits.visits.get(charger_id)
        if visit is not None and visit.connected and visit.address != address:
            # A live pending charger is not pushed off by its id from elsewhere.
            return Admission.WRONG_ADDRESS
        return Admission.PENDING

    def certificate_policy(self, charger_id: str) -> CertificatePolicy:
        """Return what a connecting charger must show: password, client certificate, or either."""
        if (coordinator := self.coordinators.get(charger_id)) is None:
            return CertificatePolicy.PASSWORD
        return certificate_policy(coordinator.config)

    def version_pin(self, charger_id: str) -> str | None:
        """Return the subprotocol a charger's options hold it to (None: any)."""
        if (coordinator := self.coordinators.get(charger_id)) is None:
            return None
        pin = getattr(coordinator.config, CONF_OCPP_VERSION, None)
        if pin is None and (subentry := self.entry.subentries.get(coordinator.config.subentry_id)):
            pin = subentry.data.get(CONF_OCPP_VERSION)
        return VERSION_PINS.get(str(pin))

    def _address_admits(self, subentry_id: str, address: str) -> bool:
        """Whether a password-less charger may connect from here; raise a repair issue if not."""
        subentry = self.entry.subentries.get(subentry_id)
        bound = subentry.data.get(CONF_BOUND_ADDRESS) if subentry is not None else None
        if subentry is None or not bound or bound == address:
            return True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_NEW_ADDRESS}_{subentry_id}",
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_NEW_ADDRESS,
            translation_placeholders={
                "charger": subentry.title,
                "charger_id": str(subentry.data[CONF_CHARGER_ID]),
                "address": address,
                "bound": str(bound),
            },
            data={
                "entry_id": self.entry.entry_id,
                "subentry_id": subentry_id,
                "address": address,
            },
        )
        return False

    def _is_ignored(self, charger_id: str) -> bool:
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, unique_id_for_charger(charger_id)
        )
        return entry is not None and entry.source == SOURCE_IGNORE

    # --- after the upgrade ------------------------------------------------------------

    @callback
    def async_charger_for_connection(self, charger_id: str, address: str) -> Charger:
        """Return the model a new session talks to: the configured charger's, or a pending one."""
        if charger_id in self.coordinators:
            self._async_bind_address(charger_id, address)
            return self.coordinators[charger_id].charger
        if self.unknown_charger_policy is UnknownChargerPolicy.ACCEPT:
            if self.auto_adds.take():
                LOGGER.info("Adding new charger %s automatically", charger_id)
                self.add_charger(charger_id, charger_id, "", DEFAULT_MAX_CURRENT, address=address)
                return self.coordinators[charger_id].charger
            self._async_auto_add_limit_reached(charger_id)
        for gone in self.pending_visits.arrive(charger_id, address):
            self.async_drop_pending(gone, f"more than {self.pending_visits.cap} chargers waiting")
        if (charger := self.pending.get(charger_id)) is None:
            charger = self.pending[charger_id] = Charger(charger_id)
        return charger

    @callback
    def _async_bind_address(self, charger_id: str, address: str) -> None:
        """Bind a password-less charger to the address of its first connection (if unbound)."""
        if (
            coordinator := self.coordinators.get(charger_id)
        ) is None or coordinator.config.password:
            return
        subentry = self.entry.subentries.get(coordinator.config.subentry_id)
        if subentry is None or subentry.data.get(CONF_BOUND_ADDRESS) or address == "?":
            return
        self.hass.config_entries.async_update_subentry(
            self.entry, subentry, data={**subentry.data, CONF_BOUND_ADDRESS: address}
        )

    @callback
    def _async_auto_add_limit_reached(self, charger_id: str) -> None:
        """Keep further new chargers pending this hour, and tell the homeowner why."""
        LOGGER.warning(
            "Charger %s waits for confirmation: %d chargers were added automatically this hour",
            charger_id,
            self.auto_adds.limit,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_AUTO_ADD_LIMIT,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_AUTO_ADD_LIMIT,
            translation_placeholders={"limit": str(self.auto_adds.limit)},
        )

    @callback
    def async_ask_about(self, charger: Charger) -> None:
        """Ask the homeowner about a pending charger that booted (a discovery flow)."""
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                "entry_id": self.entry.entry_id,
                CONF_CHARGER_ID: charger.charger_id,
                "vendor": charger.info.vendor or "",
                "model": charger.info.model or "",
            },
        )

    # --- pending chargers -------------------------------------------------------------

    @callback
    def async_refuse_pending(self, charger_id: str) -> None:
        """Drop the connection of a discovered charger that the homeowner ignored."""
        self.pending_visits.forget(charger_id)
        if self.pending.pop(charger_id, None) is not None:
            self.close_session(charger_id)

    @callback
    def async_drop_pending(self, charger_id: str, why: str) -> None:
        """Forget a pending charger: its connection and its notification go."""
        LOGGER.info("Pending charger %r dropped: %s", charger_id, why)
        self.async_refuse_pending(charger_id)
        for flow in self.hass.config_entries.flow.async_progress_by_handler(
            DOMAIN, match_context={"unique_id": unique_id_for_charger(charger_id)}
        ):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    @callback
    def async_expire_pending(self) -> None:
        """Forget pending chargers away for longer than the expiry."""
        for charger_id in self.pending_visits.expired():
            self.async_drop_pending(charger_id, "not connected for 10 minutes")

    @callback
    def async_adopt(self, charger_id: str) -> Charger | None:
        """Stop keeping a now configured charger pending; return its pending model, if any."""
        self.pending_visits.forget(charger_id)
        return self.pending.pop(charger_id, None)
