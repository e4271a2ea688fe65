"""How the engine follows its charger's events: re-apply after a (re)connect or boot, end pauses.

After a (re)connect without a BootNotification, limits are re-applied after a grace period; a
boot within it re-applies at once, after detecting the charger's quirks again. What the charger
reports it still has, unchanged, is not written again. A new session gets its TxProfile; a
session's end ends the connector's pause. Commands go out from tasks, never from the message
handler, and only after the charger has our answer to the message that caused them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from homeassistant.core import callback

from ..csms.commands import ChargerOfflineError, ProfilePurpose
from ..csms.events import ChargerEvent, ChargerEventType
from .connectors import Connectors
from .detect import KnownQuirks, detect_quirks
from .link import Cancel, ChargerLink
from .quirks import PauseMethod
from .station import StationMaximum
from .verify import expected_profiles, still_installed
from .writer import ProfileWriter


class Recovery:
    """Reacts to one charger's events on behalf of its connectors."""

    def __init__(
        self,
        link: ChargerLink,
        connectors: Connectors,
        writer: ProfileWriter,
        station: StationMaximum,
        known: KnownQuirks,
        *,
        changed: Callable[[], None],
        delays: Callable[[], tuple[float, float]],
    ) -> None:
        """Follow link's events; delays gives (settle_s, connect_grace_s) when they are needed."""
        self._link = link
        self._connectors = connectors
        self._writer = writer
        self._station = station
        self._known = known
        self._changed = changed
        self._delays = delays
        self._connect_timer: Cancel | None = None

    @property
    def _settle_s(self) -> float:
        return self._delays()[0]

    @callback
    def on_event(self, event: ChargerEvent) -> None:
        """React to the charger; commands go out from tasks, never from the message handler."""
        controls = self._connectors.controls
        if event.type is ChargerEventType.CONNECTED:
            self.cancel()
            self._connect_timer = self._link.call_later(self._delays()[1], self._reapply_all)
        elif event.type is ChargerEventType.BOOTED:
            self.cancel()
            self._link.spawn(self._after_boot(), "detect quirks and re-apply limits")
        elif event.type is ChargerEventType.DISCONNECTED:
            self.cancel()
        elif event.connector_id is not None and event.connector_id in controls:
            ctl = controls[event.connector_id]
            ctl.sent.pop(ProfilePurpose.TX, None)
            ctl.last_write.pop(ProfilePurpose.TX, None)
            if event.type is ChargerEventType.TRANSACTION_STARTED:
                # A new session gets its TxProfile; without one, the TxDefaultProfile goes again
                # (some chargers drop their profiles at a session's start).
                if not self._known.effective.tx_profile:
                    ctl.sent.pop(ProfilePurpose.TX_DEFAULT, None)
                self._link.spawn(
                    self._settled_run(event.connector_id), "apply limit to new session"
                )
            elif event.type is ChargerEventType.TRANSACTION_ENDED and (
                ctl.intent.paused or ctl.intent.held is not None
            ):
                self._link.spawn(
                    self._end_pause(event.connector_id), "end a pause with its session"
                )

    def cancel(self) -> None:
        """Drop a pending re-apply after a connect (shutdown, or the charger moved on)."""
        if self._connect_timer is not None:
            self._connect_timer()
            self._connect_timer = None

    async def _end_pause(self, connector_id: int) -> None:
        """End a pause with its session: the next one starts unpaused, at the connector's limit.

        Left on, a pause would hold the next car at 0 A (overnight, perhaps); the limit and the
        charge mode stay. A pause by RemoteStop ended the session itself: nothing to restart. At
        once, but after the charger has our answer to the stop.
        """
        await asyncio.sleep(self._settle_s)
        async with self._connectors.lock:  # not while the pause is still being written
            intent = self._connectors.control(connector_id).intent
            if intent.held is PauseMethod.REMOTE_STOP:
                intent.held = None
            intent.paused = False
        await self._connectors.quiet_run(connector_id, immediate=True)

    async def _settled_run(self, connector_id: int) -> None:
        await asyncio.sleep(self._settle_s)
        await self._connectors.quiet_run(connector_id)

    async def _after_boot(self) -> None:
        await asyncio.sleep(self._settle_s)
        async with self._connectors.lock:
            await self._detect()
        await self._reapply_all()

    async def _detect(self) -> None:
        """Find out the charger's quirks (after each boot: its firmware may have changed)."""
        try:
            commands = self._link.commands()
        except ChargerOfflineError:
            return
        await detect_quirks(self._known, commands, self._link.charger.info.firmware_version)
        self._changed()

    async def _reapply_all(self, _now: datetime | None = None) -> None:
        """After a (re)connect or boot: the charger may have lost our profiles.

        What it reports it still has, unchanged, is not written again.
        """
        self._connect_timer = None
        self._station.lost()
        connectors = self._connectors
        async with connectors.lock:
            kept = await self._still_installed()
            if (0, ProfilePurpose.STATION_MAX) in kept:
                self._station.kept()
            await self._station.put_back(connectors.station_phases())
            for connector_id, ctl in connectors.controls.items():
                ctl.sent.clear()
                plan, _ = connectors.plan(connector_id, ctl)
                tx = self._writer.transaction(connector_id)
                for number, purpose in kept:
                    if number == connector_id and plan is not None:
                        tx_id = tx.transaction_id if purpose is ProfilePurpose.TX and tx else None
                        ctl.sent[purpose] = plan.key(tx_id)
        await connectors.run_all()

    async def _still_installed(self) -> set[tuple[int, ProfilePurpose]]:
        """Our profiles the charger still has, as we would write them now (written before)."""
        try:
            commands = self._link.commands()
        except ChargerOfflineError:
            return set()
        plan = self._connectors.plan
        connectors = {
            number: (ctl, plan(number, ctl)[0]) for number, ctl in self._connectors.controls.items()
        }
        expected = expected_profiles(
            self._writer,
            connectors,
            station=(self._station.value, self._connectors.station_phases()),
            tx_profile=self._known.effective.tx_profile,
        )
        return await still_installed(self._link.settings.charger_id, commands, expected)
