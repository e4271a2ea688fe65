"""Upstream central systems of the configured chargers: links made, kept in step and shown.

Each charger subentry may name an upstream (flows/charger.py). The links (csms/upstream/) are made
and restarted as the subentries change; each charger's session passes its CALLs to its link; the
link's state reaches the status sensor (entities/upstream.py) and repair issues: our credentials
refused, the queue full. Each link's queue lives in .storage/ocpp_central_upstream/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import CONF_CHARGER_ID, DOMAIN, LOGGER, SUBENTRY_CHARGER
from .csms.upstream import (
    AuthorizeMode,
    Policy,
    ProfilePolicy,
    UpstreamConfig,
    UpstreamLink,
)
from .csms.upstream.config import (
    CREDENTIAL_REFUSALS,
    DEFAULT_QUEUE_LIMIT,
    OCPP16,
    UPSTREAM_VERSIONS,
    LinkState,
    RefusalReason,
    group_policies,
)
from .csms.upstream.gateway import raw_call
from .csms.upstream.queue import JsonLinesFile

if TYPE_CHECKING:
    from .config_entry import OcppCentralConfigEntry
    from .coordinator import ChargerCoordinator

CONF_UPSTREAM_URL = "upstream_url"
CONF_UPSTREAM_IDENTITY = "upstream_identity"
CONF_UPSTREAM_PASSWORD = "upstream_password"
CONF_UPSTREAM_VERSION = "upstream_version"
CONF_UPSTREAM_AUTHORIZE = "upstream_authorize"
CONF_UPSTREAM_COMMANDS = "upstream_commands"
CONF_UPSTREAM_PROFILES = "upstream_profiles"
CONF_UPSTREAM_CERTIFICATE = "upstream_certificate"
CONF_UPSTREAM_LOCAL = "upstream_local_actions"
CONF_UPSTREAM_REFUSED = "upstream_refused_actions"
UPSTREAM_KEYS = (
    CONF_UPSTREAM_URL,
    CONF_UPSTREAM_IDENTITY,
    CONF_UPSTREAM_PASSWORD,
    CONF_UPSTREAM_VERSION,
    CONF_UPSTREAM_AUTHORIZE,
    CONF_UPSTREAM_COMMANDS,
    CONF_UPSTREAM_PROFILES,
    CONF_UPSTREAM_CERTIFICATE,
    CONF_UPSTREAM_LOCAL,
    CONF_UPSTREAM_REFUSED,
)
AUTO = "auto"
ISSUE_UPSTREAM_REFUSED = "upstream_refused"
ISSUE_UPSTREAM_QUEUE_FULL = "upstream_queue_full"
QUEUE_FOLDER = "ocpp_central_upstream"
# Messages kept per charger while its upstream is away; more are dropped (a repair issue says so).
QUEUE_LIMIT = DEFAULT_QUEUE_LIMIT
# How long a charger's CALL waits for its link's queue to be read back after a start.
READY_TIMEOUT_S = 5.0


def upstream_config(data: Mapping[str, Any], charger_version: str | None) -> UpstreamConfig | None:
    """Read a charger subentry's upstream; None when it has none."""
    url = str(data.get(CONF_UPSTREAM_URL) or "").strip()
    if not url:
        return None
    version = str(data.get(CONF_UPSTREAM_VERSION) or AUTO)
    if version not in UPSTREAM_VERSIONS:
        version = charger_version if charger_version in UPSTREAM_VERSIONS else OCPP16
    try:
        authorize = AuthorizeMode(data.get(CONF_UPSTREAM_AUTHORIZE, AuthorizeMode.LOCAL))
        commands = Policy(data.get(CONF_UPSTREAM_COMMANDS, Policy.ALLOW))
        profiles = ProfilePolicy(data.get(CONF_UPSTREAM_PROFILES, ProfilePolicy.COMBINE))
    except ValueError:
        authorize, commands, profiles = AuthorizeMode.LOCAL, Policy.ALLOW, ProfilePolicy.COMBINE
    return UpstreamConfig(
        url=url,
        identity=str(data.get(CONF_UPSTREAM_IDENTITY) or "").strip() or str(data[CONF_CHARGER_ID]),
        password=str(data.get(CONF_UPSTREAM_PASSWORD) or ""),
        version=version,
        authorize=authorize,
        commands=commands,
        profiles=profiles,
        client_certificate=str(data.get(CONF_UPSTREAM_CERTIFICATE) or "").strip(),
        queue_limit=QUEUE_LIMIT,
        actions=group_policies(
            list(data.get(CONF_UPSTREAM_LOCAL) or []), list(data.get(CONF_UPSTREAM_REFUSED) or [])
        ),
    )


def _ssl_context(certificate: str) -> ssl.SSLContext:
    """Build the TLS context for wss:// (blocking: reads files), with our client certificate."""
    context = ssl.create_default_context()
    if certificate:
        context.load_cert_chain(certificate)
    return context


class _Guarded:
    """A link as a session's forwarder: waits for its queue to load, never fails the charger."""

    def __init__(self, link: UpstreamLink, ready: asyncio.Event) -> None:
        self.link = link
        self._ready = ready

    async def _loaded(self) -> bool:
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                await self._ready.wait()
        except TimeoutError:
            return False
        return True

    async def before(self, action: str, payload: dict[str, Any]) -> None:
        try:
            if await self._loaded():
                await self.link.before(action, payload)
        except Exception:  # noqa: BLE001 - the charger is answered whatever the upstream does
            LOGGER.exception("Upstream of %s failed before %s", self.link.config.identity, action)

    async def forward(self, action: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        try:
            if await self._loaded():
                await self.link.forward(action, payload, answer)
            else:
                self.link.dropped += 1
        except Exception:  # noqa: BLE001 - a full disk must not cost the charger its answer
            LOGGER.exception("Upstream of %s lost %s", self.link.config.identity, action)
            self.link.dropped += 1


class Upstreams:
    """The links of one central system's chargers."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OcppCentralConfigEntry,
        coordinators: dict[str, ChargerCoordinator],
        session: Callable[[str], Any],
        on_new_link: Callable[[ChargerCoordinator], None],
    ) -> None:
        """Make links for the coordinators' chargers; session(id) is the live session or None."""
        self.hass = hass
        self.entry = entry
        self._coordinators = coordinators
        self._session = session
        self._on_new_link = on_new_link
        self.links: dict[str, UpstreamLink] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._previous: dict[str, asyncio.Task[None]] = {}

    def queue_path(self, charger_id: str) -> Path:
        """Where a charger's queue for its upstream lives."""
        name = f"{self.entry.entry_id}_{quote(charger_id, safe='')}.jsonl"
        return Path(self.hass.config.path(".storage", QUEUE_FOLDER, name))

    def link(self, charger_id: str) -> UpstreamLink | None:
        """Return a charger's link, if it has an upstream."""
        return self.links.get(charger_id)

    def _charger_version(self, charger_id: str) -> str | None:
        coordinator = self._coordinators.get(charger_id)
        if coordinator is None or not coordinator.charger.protocol:
            return None
        return coordinator.charger.protocol

    @callback
    def async_sync(self) -> None:
        """Start, restart or stop links as the charger subentries now say."""
        wanted: dict[str, UpstreamConfig] = {}
        for subentry in self.entry.subentries.values():
            if subentry.subentry_type != SUBENTRY_CHARGER:
                continue
            charger_id = str(subentry.data[CONF_CHARGER_ID])
            if charger_id not in self._coordinators:
                continue
            if config := upstream_config(subentry.data, self._charger_version(charger_id)):
                wanted[charger_id] = config
        for charger_id in list(self.links):
            if wanted.get(charger_id) != self.links[charger_id].config:
                self._async_drop(charger_id)
        for charger_id, config in wanted.items():
            if charger_id not in self.links:
                self._async_add(charger_id, config)

    @callback
    def _async_add(self, charger_id: str, config: UpstreamConfig) -> None:
        coordinator = self._coordinators[charger_id]
        link = UpstreamLink(
            config,
            writer=JsonLinesFile(self.queue_path(charger_id), self.hass.async_add_executor_job),
            gateway=lambda action, payload: raw_call(self._live(charger_id), action, payload),
            on_state=lambda: self._async_state_changed(charger_id),
            on_cap=coordinator.smart.set_external_cap,
            on_full=lambda: self._async_queue_full(charger_id),
            charger_version=lambda: self._charger_version(charger_id),
        )
        self.links[charger_id] = link
        ready = self._ready[charger_id] = asyncio.Event()
        previous = self._previous.pop(charger_id, None)
        self.entry.async_create_background_task(
            self.hass, self._async_start(link, ready, previous), f"upstream of charger {charger_id}"
        )
        if (session := self._session(charger_id)) is not None:
            session.forwarder = _Guarded(link, ready)
        self._on_new_link(coordinator)

    def _live(self, charger_id: str) -> Any:
        if (session := self._session(charger_id)) is None:
            raise ConnectionError("The charger is not connected")
        return session

    async def _async_stop_link(self, link: UpstreamLink, forget: Path | None) -> None:
        """Stop a link; forget its queue when its charger is gone (forget: the file)."""
        await link.async_stop()
        if forget is not None:
            await self.hass.async_add_executor_job(partial(forget.unlink, missing_ok=True))

    async def _async_start(
        self, link: UpstreamLink, ready: asyncio.Event, previous: asyncio.Task[None] | None
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            if link.config.url.startswith("wss:"):
                try:
                    link.set_ssl_context(
                        await self.hass.async_add_executor_job(
                            _ssl_context, link.config.client_certificate
                        )
                    )
                except (OSError, ValueError) as err:
                    LOGGER.warning(
                        "Upstream of %s: client certificate %s unusable: %s",
                        link.config.identity,
                        link.config.client_certificate,
                        err,
                    )
                    # Not connected; the queue is read so that what waits is kept in order.
                    await link.queue.async_load()
                    link.refuse(RefusalReason.TLS)
                    return
            await link.async_start()
        finally:
            ready.set()

    @callback
    def _async_drop(self, charger_id: str) -> None:
        link = self.links.pop(charger_id)
        self._ready.pop(charger_id, None)
        if (session := self._session(charger_id)) is not None:
            session.forwarder = None
        configured = charger_id in self._coordinators
        for cap_key in list(link.caps):
            link.caps.pop(cap_key)
            if configured:
                link.on_cap(cap_key[0], None)
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_UPSTREAM_REFUSED, charger_id))
        task = self.entry.async_create_background_task(
            self.hass,
            self._async_stop_link(link, None if configured else self.queue_path(charger_id)),
            f"stop upstream of charger {charger_id}",
        )
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        # A link made anew for this charger reads the queue only once this one let go of it.
        self._previous[charger_id] = task
        task.add_done_callback(
            lambda done: (
                self._previous.pop(charger_id, None)
                if self._previous.get(charger_id) is done
                else None
            )
        )
        if (coordinator := self._coordinators.get(charger_id)) is not None:
            coordinator.async_update_listeners()

    @callback
    def attach(self, charger_id: str, session: Any) -> None:
        """Give a charger's new session its link (a version of its own: the link follows)."""
        link = self.links.get(charger_id)
        if link is not None and self._charger_version(charger_id) != link.config.version:
            self.async_sync()
            link = self.links.get(charger_id)
        if link is not None:
            session.forwarder = _Guarded(link, self._ready[charger_id])

    def verdict(self, charger_id: str, id_tag: str) -> bool | None:
        """Return the upstream's verdict on a tag where it decides; None: our own tags decide."""
        if (link := self.links.get(charger_id)) is None:
            return None
        return link.verdict(id_tag)

    async def async_stop(self) -> None:
        """Stop every link; what is queued stays on disk for the next start."""
        links = list(self.links.values())
        self.links.clear()
        for link in links:
            await link.async_stop()
        if self._stopping:
            await asyncio.gather(*self._stopping, return_exceptions=True)

    def _issue_id(self, kind: str, charger_id: str) -> str:
        return f"{kind}_{self.entry.entry_id}_{charger_id}"

    @callback
    def _async_state_changed(self, charger_id: str) -> None:
        link = self.links.get(charger_id)
        coordinator = self._coordinators.get(charger_id)
        if link is None or coordinator is None:
            return
        issue_id = self._issue_id(ISSUE_UPSTREAM_REFUSED, charger_id)
        if link.state is LinkState.REFUSED and link.reason in CREDENTIAL_REFUSALS:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_UPSTREAM_REFUSED,
                translation_placeholders={
                    "charger": coordinator.config.name,
                    "url": link.config.url,
                    "identity": link.config.identity,
                    "status": str(link.http_status or ""),
                },
            )
        elif link.state is LinkState.CONNECTED:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        if not link.queue.full():
            ir.async_delete_issue(
                self.hass, DOMAIN, self._issue_id(ISSUE_UPSTREAM_QUEUE_FULL, charger_id)
            )
        coordinator.async_update_listeners()

    @callback
    def _async_queue_full(self, charger_id: str) -> None:
        link = self.links.get(charger_id)
        coordinator = self._coordinators.get(charger_id)
        if link is None or coordinator is None:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(ISSUE_UPSTREAM_QUEUE_FULL, charger_id),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_UPSTREAM_QUEUE_FULL,
            translation_placeholders={
                "charger": coordinator.config.name,
                "url": link.config.url,
                "limit": str(link.queue.limit),
            },
        )


async def async_remove_upstream_queues(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the queues of a removed central system's upstreams (entry removed)."""

    def remove() -> None:
        for path in Path(hass.config.path(".storage", QUEUE_FOLDER)).glob(f"{entry_id}_*"):
            path.unlink(missing_ok=True)

    await hass.async_add_executor_job(remove)
