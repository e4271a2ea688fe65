"""The central system: runs the chargers' sessions and keeps the model, store and entities in step.

Who may connect, and as what, is the gate's job (gate.py); the costly part of taking chargers in
(their entities) is paced (pacing.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import time
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .config_entry import OcppCentralConfigEntry
from .const import (
    CONF_AUTHORIZATION,
    CONF_CHARGER_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_MAX_CURRENT,
    DEFAULT_HEARTBEAT_INTERVAL,
    LOGGER,
    PENDING_BOOT_INTERVAL,
    SILENCE_HEARTBEATS,
    SUBENTRY_CHARGER,
    SUBENTRY_ID_TAG,
    AuthorizationMode,
    UnknownChargerPolicy,
)
from .control.controller import SiteController
from .control.history import SessionLog
from .coordinator import ChargerConfig, ChargerCoordinator
from .csms.admission import HourlyCap, PendingChargers
from .csms.ca import LocalCa
from .csms.commands import ChargerOfflineError
from .csms.events import ChargerEvent, ChargerEventType
from .csms.model import Charger
from .csms.protocol import adapter_class
from .csms.protocol.base import BootDecision, ProtocolAdapter
from .csms.server import OCPP16, OcppServer, remote_host
from .csms.tokens import ACCEPTED, INVALID, AuthorizationResult, Token, decide
from .gate import (
    CONF_BOUND_ADDRESS,
    ISSUE_AUTO_ADD_LIMIT,
    ISSUE_NEW_ADDRESS,
    ChargerGate,
    unique_id_for_charger,
)
from .pacing import Pacer
from .security.certificates import sign_for_charger
from .security.id_tags import token_of
from .security.login import async_certificate_login
from .storage.store import ChargerStore
from .upstreams import Upstreams

type EntityFactory = Callable[[ChargerCoordinator], None]

WATCHDOG_INTERVAL = timedelta(seconds=30)
# A new connection must boot (unknown charger) or send any frame (known one) within this.
FIRST_FRAME_TIMEOUT_S = 60
# Where they were defined before the gate had a module of its own (flows and tests import them).
__all__ = [
    "CONF_BOUND_ADDRESS",
    "FIRST_FRAME_TIMEOUT_S",
    "ISSUE_AUTO_ADD_LIMIT",
    "ISSUE_NEW_ADDRESS",
    "CentralSystem",
    "unique_id_for_charger",
]


@dataclass(slots=True)
class CentralSystem:
    """Runtime data of one central-system config entry."""

    hass: HomeAssistant
    entry: OcppCentralConfigEntry
    store: ChargerStore
    server: OcppServer | None = None
    coordinators: dict[str, ChargerCoordinator] = field(default_factory=dict)
    sessions: dict[str, ProtocolAdapter] = field(default_factory=dict)
    pending: dict[str, Charger] = field(default_factory=dict)
    entity_factories: list[EntityFactory] = field(default_factory=list)
    # Who may connect, and as what (gate.py).
    gate: ChargerGate = field(init=False)
    # Chargers' entities are added a loop slice at a time (pacing.py).
    pacer: Pacer = field(init=False)
    # Sessions that have not yet booted (unknown charger) or spoken (known one).
    _unproven: set[ProtocolAdapter] = field(default_factory=set)
    # The built-in solar and price control of these chargers (control/controller.py), started
    # after the server (async_setup_entry).
    control: SiteController = field(init=False)
    _unsub_watchdog: CALLBACK_TYPE | None = None
    _unsub_stop: CALLBACK_TYPE | None = None
    # The central system's own CA, when the server trusts it (certificates.py): signs chargers'
    # client certificates.
    certificate_authority: LocalCa | None = None
    # Every session, kept in the history database (control/history.py).
    history: SessionLog = field(init=False)

    # The chargers' upstream central systems (upstreams.py), if any.
    upstreams: Upstreams = field(init=False)
    # Each charger subentry's config as last read, with the title and data it was read from:
    # a car park's subentry updates (an address bound) re-read only the one that changed.
    _read_configs: dict[str, tuple[str, Any, ChargerConfig]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.gate = ChargerGate(
            self.hass,
            self.entry,
            self.coordinators,
            self.pending,
            self.async_add_charger,
            self._async_close_session,
        )
        self.pacer = Pacer(self.hass, self.entry)
        self.control = SiteController(self.hass, self.entry, self.coordinators)
        self.upstreams = Upstreams(
            self.hass, self.entry, self.coordinators, self.sessions.get, self._async_pace_entities
        )
        self.history = SessionLog(
            self.hass, self.entry.entry_id, self.coordinators, self.control.sessions, self.holder_of
        )

    # --- lifecycle -----------------------------------------------------------------

    async def async_start(self, host: str, port: int, ssl_context: Any) -> None:
        """Load the store, build coordinators and start listening."""
        await self.store.async_load()
        self.async_sync_chargers()
        await self.history.async_start()
        self.server = OcppServer(
            host,
            port,
            ssl_context,
            self.gate.admit,
            self.serve,
            pin=self.gate.version_pin,
            certificate_policy=self.gate.certificate_policy,
        )
        await self.server.async_start()
        self._unsub_watchdog = async_track_time_interval(
            self.hass, self._async_watchdog, WATCHDOG_INTERVAL
        )
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_close_on_stop
        )

    async def _async_close_on_stop(self, _event: Event) -> None:
        """Close the chargers' sockets with 1001 (going away) while Home Assistant still runs.

        Left to the end of the shutdown, their handlers are cancelled and close with 1011.
        """
        self._unsub_stop = None
        if self.server is not None:
            await self.server.async_stop()

    async def async_stop(self) -> None:
        """Stop listening, close every session and write the store."""
        self.pacer.async_stop()
        if self._unsub_watchdog is not None:
            self._unsub_watchdog()
            self._unsub_watchdog = None
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        if self.server is not None:
            await self.server.async_stop()
        await self.upstreams.async_stop()
        await self.store.async_save()
        await self.history.async_stop()

    # --- configuration -------------------------------------------------------------

    @property
    def heartbeat_interval(self) -> int:
        """Heartbeat interval we ask chargers for, in seconds."""
        return int(self.entry.options.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL))

    @property
    def unknown_charger_policy(self) -> UnknownChargerPolicy:
        """What to do with chargers that are not configured."""
        return self.gate.unknown_charger_policy

    @property
    def pending_visits(self) -> PendingChargers:
        """Where the pending chargers connect from (the gate's)."""
        return self.gate.pending_visits

    @property
    def auto_adds(self) -> HourlyCap:
        """Chargers added automatically this hour (the gate's cap)."""
        return self.gate.auto_adds

    @callback
    def async_sync_chargers(self) -> None:
        """Match coordinators to the charger subentries: add new, update changed, drop removed."""
        configured = {
            config.charger_id: config
            for subentry in self.entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_CHARGER
            for config in (self._config_of(subentry),)
        }
        for charger_id in list(self.coordinators):
            if charger_id not in configured:
                self._async_remove_charger(charger_id)
        for charger_id, config in configured.items():
            if (coordinator := self.coordinators.get(charger_id)) is not None:
                if coordinator.config != config:
                    coordinator.config = config
                    coordinator.smart.async_config_changed()
                    # Entity bounds (maximum current, whole amps) follow the new options at once.
                    coordinator.async_update_listeners()
                coordinator.async_update_device()
                continue
            if (pending := self.gate.async_adopt(charger_id)) is not None:
                self.store.adopt(pending)
            charger = self.store.charger(charger_id)
            coordinator = ChargerCoordinator(self.hass, self.entry, config, charger)
            coordinator.async_update_device()
            self.coordinators[charger_id] = coordinator
            self._async_pace_entities(coordinator)
            if (session := self.sessions.get(charger_id)) is not None and pending:
                self.entry.async_create_background_task(
                    self.hass, session.async_confirmed(), f"confirm charger {charger_id}"
                )
        self.upstreams.async_sync()

    def _config_of(self, subentry: ConfigSubentry) -> ChargerConfig:
        """Read a charger subentry, again only once its title or data changed (new data object)."""
        read = self._read_configs.get(subentry.subentry_id)
        if read is None or read[0] != subentry.title or read[1] is not subentry.data:
            read = (subentry.title, subentry.data, ChargerConfig.from_subentry(subentry))
            self._read_configs[subentry.subentry_id] = read
        return read[2]

    @callback
    def _async_remove_charger(self, charger_id: str) -> None:
        self.pacer.async_forget(charger_id)
        self.coordinators.pop(charger_id).smart.async_shutdown()
        self.store.forget(charger_id)
        LOGGER.info("Charger %s was removed", charger_id)
        self._async_close_session(charger_id)

    @callback
    def _async_close_session(self, charger_id: str) -> None:
        if (session := self.sessions.pop(charger_id, None)) is not None:
            self.entry.async_create_background_task(
                self.hass, session.connection.close(), f"close charger {charger_id}"
            )

    @callback
    def async_add_charger(
        self,
        charger_id: str,
        name: str,
        password: str,
        max_current: float,
        *,
        address: str | None = None,
    ) -> None:
        """Configure a charger (confirmed discovery or automatic acceptance).

        Without a password it is bound to the address it connects from (given, or where it waits).
        """
        if (
            address is None
            and (visit := self.gate.pending_visits.visits.get(charger_id)) is not None
        ):
            address = visit.address
        data: dict[str, Any] = {
            CONF_CHARGER_ID: charger_id,
            "password": password,
            CONF_MAX_CURRENT: max_current,
        }
        if address and not password:
            data[CONF_BOUND_ADDRESS] = address
        self.hass.config_entries.async_add_subentry(
            self.entry,
            ConfigSubentry(
                data=MappingProxyType(data),
                subentry_type=SUBENTRY_CHARGER,
                title=name,
                unique_id=charger_id,
            ),
        )
        self.async_sync_chargers()

    @callback
    def async_refuse_pending(self, charger_id: str) -> None:
        """Drop the connection of a discovered charger that the homeowner ignored."""
        self.gate.async_refuse_pending(charger_id)

    # --- entities ------------------------------------------------------------------

    @callback
    def async_register_entity_factory(self, factory: EntityFactory) -> None:
        """Let a platform add the entities a charger's current shape calls for, soon and later."""
        self.entity_factories.append(factory)
        for coordinator in self.coordinators.values():
            self._async_pace_entities(coordinator)

    @callback
    def _async_pace_entities(self, coordinator: ChargerCoordinator) -> None:
        """Queue the charger's entities (every platform's, one batch each) for a paced slice."""
        self.pacer.async_enqueue(
            coordinator.config.charger_id, partial(self._async_add_entities, coordinator)
        )

    @callback
    def _async_add_entities(self, coordinator: ChargerCoordinator) -> None:
        if self.coordinators.get(coordinator.config.charger_id) is not coordinator:
            return  # Removed (or replaced) while it waited.
        coordinator.shape = _shape(coordinator.charger)
        for factory in self.entity_factories:
            factory(coordinator)

    # --- admission and sessions ----------------------------------------------------

    async def serve(self, charger_id: str, connection: ServerConnection) -> None:
        """Run one charger's OCPP session until its connection closes."""
        address = remote_host(connection)
        charger = self.gate.async_charger_for_connection(charger_id, address)
        session = adapter_class(connection.subprotocol)(charger, connection, self)
        self._unproven.add(session)
        cancel_first_frame_timeout = async_call_later(
            self.hass, FIRST_FRAME_TIMEOUT_S, partial(self._async_first_frame_due, session)
        )
        previous = self.sessions.get(charger_id)
        # The new session takes over first, so the old one ending is no disconnect.
        self.sessions[charger_id] = session
        if previous is not None:
            LOGGER.info("Charger %s reconnected; closing its previous connection", charger_id)
            # Not awaited: a half-open old socket would hold the new session up for the close timeout.
            self.entry.async_create_background_task(
                self.hass,
                previous.connection.close(),
                f"close previous connection of charger {charger_id}",
            )
        charger.connected = True
        if (coordinator := self.coordinators.get(charger_id)) is not None:
            async_certificate_login(self.entry, coordinator.config, connection.transport)
        charger.silent = False
        charger.protocol = (connection.subprotocol or OCPP16).lower()
        charger.last_seen = time.monotonic()
        LOGGER.info("Charger %s connected from %s (%s)", charger_id, address, charger.protocol)
        self.upstreams.attach(charger_id, session)
        self.changed(charger)
        self.event(charger, ChargerEvent(ChargerEventType.CONNECTED))
        try:
            await session.start()
        except ConnectionClosed:
            pass
        finally:
            cancel_first_frame_timeout()
            self._unproven.discard(session)
            if self.sessions.get(charger_id) is session:
                del self.sessions[charger_id]
                self.gate.pending_visits.leave(charger_id)
                charger.connected = False
                LOGGER.info("Charger %s disconnected", charger_id)
                self.changed(charger)
                self.event(charger, ChargerEvent(ChargerEventType.DISCONNECTED))

    def session(self, charger_id: str) -> ProtocolAdapter:
        """Return the live session of a charger, to send it commands; raise when it is offline."""
        if (session := self.sessions.get(charger_id)) is None:
            raise ChargerOfflineError(charger_id, "connect", "not connected")
        return session

    @callback
    def _async_first_frame_due(self, session: ProtocolAdapter, _now: datetime) -> None:
        """Close a connection that neither booted (unknown charger) nor spoke (known one) in time."""
        if session not in self._unproven:
            return
        LOGGER.info(
            "Charger %r sent nothing usable within %d s of connecting; closing the connection",
            session.charger.charger_id,
            FIRST_FRAME_TIMEOUT_S,
        )
        self._unproven.discard(session)
        self.entry.async_create_background_task(
            self.hass,
            session.connection.close(),
            f"close silent charger {session.charger.charger_id!r}",
        )

    # --- ChargerHost: what protocol adapters report --------------------------------

    def boot(self, charger: Charger) -> BootDecision:
        """Accept configured chargers; keep unconfirmed ones pending and ask the homeowner."""
        self._unproven.discard(self.sessions.get(charger.charger_id))
        if charger.charger_id in self.coordinators:
            return BootDecision(accepted=True, interval=self.heartbeat_interval)
        if self.pending.get(charger.charger_id) is not charger:
            # Dropped (pushed out, refused) while its boot was under way: no notification.
            return BootDecision(accepted=False, interval=PENDING_BOOT_INTERVAL)
        self.gate.async_ask_about(charger)
        return BootDecision(accepted=False, interval=PENDING_BOOT_INTERVAL)

    def sign_certificate(self, charger: Charger, csr: str) -> str | None:
        """Sign a configured charger's request for a client certificate with our CA."""
        if charger.charger_id not in self.coordinators:
            LOGGER.warning(
                "Refused to sign a certificate for unconfirmed charger %s", charger.charger_id
            )
            return None
        return sign_for_charger(self.certificate_authority, charger.charger_id, csr)

    def confirmed(self, charger: Charger) -> bool:
        """Return whether this charger is one the homeowner configured (not a pending one)."""
        coordinator = self.coordinators.get(charger.charger_id)
        return coordinator is not None and coordinator.charger is charger

    def authorize(self, charger: Charger, id_tag: str) -> AuthorizationResult:
        """Judge a tag by the tokens managed in the UI (csms/tokens.py: status, expiry, group).

        Unknown tags are accepted unless only the allow list may charge (then Invalid). A pending
        (unconfirmed) charger gets Invalid for every tag: it may not start charging.
        """
        if not self.confirmed(charger):
            return INVALID
        if (verdict := self.upstreams.verdict(charger.charger_id, id_tag)) is not None:
            return ACCEPTED if verdict else INVALID
        return decide(
            self.id_tags(),
            id_tag,
            now=dt_util.utcnow(),
            allow_unknown=(
                self.entry.options.get(CONF_AUTHORIZATION) != AuthorizationMode.ALLOW_LIST
            ),
        )

    def id_tags(self) -> list[Token]:
        """Return the tokens managed in the UI (id tag subentries), with their holders' names."""
        return [
            token_of(subentry)
            for subentry in self.entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_ID_TAG
        ]

    def holder_of(self, id_tag: str) -> str | None:
        """Return the name of the id tag's holder, when the tag is managed in the UI."""
        wanted = id_tag.casefold()
        return next((tag.name for tag in self.id_tags() if tag.id_tag.casefold() == wanted), None)

    def next_transaction_id(self) -> int:
        """Return a transaction id never used before, not even before a restart."""
        return self.store.next_transaction_id()

    def durable_mark(self, charger: Charger) -> int:
        """Return how far the charger's durable changes reach in the journal so far."""
        return self.store.durable_mark(charger.charger_id)

    async def persisted(self, charger: Charger, through: int | None = None) -> None:
        """Return once the charger's durable changes (up to `through`) are on disk."""
        await self.store.async_on_disk(charger.charger_id, through)

    def event(self, charger: Charger, event: ChargerEvent) -> None:
        """Pass a charger event to whoever listens (engine, event entities)."""
        coordinator = self.coordinators.get(charger.charger_id)
        if coordinator is not None and coordinator.charger is charger:
            self.history.async_event(coordinator, event)
            coordinator.async_dispatch_event(event)

    def heard_from(self, charger: Charger) -> None:
        """Any frame proves the charger is alive (a known one: it has spoken in time)."""
        if charger.charger_id in self.coordinators:
            self._unproven.discard(self.sessions.get(charger.charger_id))
        charger.last_seen = time.monotonic()
        if charger.silent:
            charger.silent = False
            LOGGER.info("Charger %s is responding again", charger.charger_id)
            self.changed(charger)

    def changed(self, charger: Charger, *, durable: bool = False) -> None:
        """Push the change to entities; persist durable changes."""
        coordinator = self.coordinators.get(charger.charger_id)
        if coordinator is None or coordinator.charger is not charger:
            return
        if durable:
            self.store.write_ahead(charger)
            self.store.schedule_save()
            coordinator.async_update_device()
        if _shape(charger) != coordinator.shape:
            self._async_pace_entities(coordinator)
        self.history.async_changed(coordinator)
        coordinator.async_update_listeners()

    @callback
    def _async_watchdog(self, _now: Any) -> None:
        """Mark chargers that stopped talking as unavailable (once); forget long-gone pending ones."""
        self.gate.async_expire_pending()
        limit = SILENCE_HEARTBEATS * self.heartbeat_interval
        now = time.monotonic()
        for coordinator in self.coordinators.values():
            charger = coordinator.charger
            if (
                charger.connected
                and not charger.silent
                and charger.last_seen is not None
                and now - charger.last_seen > limit
            ):
                charger.silent = True
                LOGGER.info(
                    "Charger %s is unavailable: nothing heard for %d s",
                    charger.charger_id,
                    int(now - charger.last_seen),
                )
                coordinator.async_update_listeners()


def _shape(charger: Charger) -> tuple[int, ...]:
    """Return what changes whenever a connector or a measurand appears (new entities may be due)."""
    return (
        len(charger.connectors),
        *(len(connector.seen_measurands) for connector in charger.connectors.values()),
    )
