"""The smart-charging engine's groundwork: its persisted state, quirk detection, timers and tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import ChargerOfflineError, ChargerTimeoutError, CommandError
from .limits import Control, Intent, LimitReason
from .link import Cancel, ChargerLink, ChargerSettings, bounded
from .quirks import (
    DETECTION_KEYS,
    DetectedQuirks,
    apply_reported,
    effective_quirks,
    quirk_sources,
    reported_values,
)

if TYPE_CHECKING:
    from datetime import datetime

    from ..csms.model import Charger

# After a (re)connect without a BootNotification, limits are re-applied after this long; a boot
# within it re-applies at once (some chargers drop the connection when called before they boot).
CONNECT_GRACE_S = 10.0
# Event-driven commands wait this long, so the charger has our answer to the message that caused
# them (a TxProfile needs the transaction id the charger learns from our StartTransaction answer).
SETTLE_S = 1.0


class SmartChargingBase(ABC):
    """State, persistence, detection and timers; the engine builds on this."""

    connect_grace_s = CONNECT_GRACE_S
    settle_s = SETTLE_S

    def __init__(self, link: ChargerLink) -> None:
        """Restore what was persisted for this charger."""
        self._link = link
        self._lock = asyncio.Lock()
        self._controls: dict[int, Control] = {}
        self._timers: dict[int, Cancel] = {}
        self._expiry: dict[int, Cancel] = {}
        self._connect_timer: Cancel | None = None
        self._unsub_events: Cancel = lambda: None
        self.detected = DetectedQuirks()
        self.station_max: float | None = None
        # The station maximum the charger accepted since it last (re)connected.
        self._station_sent: float | None = None
        self._restore(link.load())

    # --- what the engine works on ----------------------------------------------------------

    @property
    def charger_id(self) -> str:
        """The charger's id."""
        return self._link.settings.charger_id

    @property
    def config(self) -> ChargerSettings:
        """The charger's options (current: they change on reconfigure)."""
        return self._link.settings

    @property
    def _charger(self) -> Charger:
        return self._link.charger

    def _control(self, connector_id: int) -> Control:
        if (ctl := self._controls.get(connector_id)) is None:
            ctl = self._controls[connector_id] = Control()
        return ctl

    # --- persistence -----------------------------------------------------------------------

    def _restore(self, data: dict[str, Any]) -> None:
        self.detected = DetectedQuirks.from_dict(data.get("detected") or {})
        station_max = data.get("station_max")
        self.station_max = float(station_max) if isinstance(station_max, int | float) else None
        for key, stored in (data.get("connectors") or {}).items():
            try:
                self._controls[int(key)] = Control(intent=Intent.from_dict(stored))
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                LOGGER.warning(
                    "Dropped unreadable stored limit of %s connector %s: %s",
                    self.charger_id,
                    key,
                    err,
                )
        for connector_id in self._controls:
            self._arm_expiry(connector_id)

    def as_dict(self) -> dict[str, Any]:
        """Return what survives a restart (also shown in diagnostics)."""
        return {
            "detected": self.detected.as_dict(),
            "station_max": self.station_max,
            "connectors": {
                str(number): ctl.intent.as_dict() for number, ctl in self._controls.items()
            },
        }

    def diagnostics(self) -> dict[str, Any]:
        """Return the stored state, the effective quirks and where each quirk came from."""
        quirks = effective_quirks(self.detected, self.config.overrides)
        return {
            **self.as_dict(),
            "quirks": {
                "stack_level": quirks.stack_level,
                "profile_kind": quirks.profile_kind.value,
                "rate_unit": quirks.rate_unit.value,
                "tx_profile": quirks.tx_profile,
                "pause_method": quirks.pause_method.value,
                "whole_amps": quirks.whole_amps,
                "max_periods": quirks.max_periods,
                "phase_switching": quirks.phase_switching,
            },
            "quirk_sources": quirk_sources(self.detected, self.config.overrides),
        }

    @callback
    def _changed(self) -> None:
        """Persist and let the entities refresh."""
        self._link.save(self.as_dict())
        self._link.notify()

    def _set_detected(self, detected: DetectedQuirks) -> None:
        if detected != self.detected:
            LOGGER.info("Charger %s quirks: %s", self.charger_id, detected)
            self.detected = detected

    def _learn(self, **learned: Any) -> None:
        """Remember what a refusal taught, unless the homeowner configured that quirk."""
        overrides = self.config.overrides
        defaults = type(overrides)()
        kept = {
            name: value
            for name, value in learned.items()
            if getattr(overrides, name) == getattr(defaults, name)
        }
        if kept:
            self._set_detected(replace(self.detected, **kept))

    # --- detection -------------------------------------------------------------------------

    async def _detect(self) -> None:
        """One GetConfiguration for the smart-charging keys; one key per call if that fails."""
        try:
            commands = self._link.commands()
        except ChargerOfflineError:
            return
        firmware = self._charger.info.firmware_version
        if self.detected.firmware != firmware:
            self._set_detected(self.detected.without_learned(firmware))
        keys = list(DETECTION_KEYS)
        values: dict[str, str] = {}
        try:
            try:
                values = reported_values(await self._bounded(commands.get_configuration(keys)))
            except ChargerOfflineError, ChargerTimeoutError:
                raise
            except CommandError as err:
                LOGGER.debug("Charger %s refused GetConfiguration: %s", self.charger_id, err)
            missing = [key for key in keys if key not in values]
            max_keys = values.get("GetConfigurationMaxKeys", "")
            if missing and not (max_keys.isdigit() and int(max_keys) >= len(keys)):
                for key in missing:
                    try:
                        values |= reported_values(
                            await self._bounded(commands.get_configuration([key]))
                        )
                    except ChargerOfflineError, ChargerTimeoutError:
                        raise
                    except CommandError:
                        continue
                found_alone = [key for key in missing if key in values]
                if found_alone:
                    self._set_detected(replace(self.detected, one_key_per_call=True))
        except CommandError as err:
            LOGGER.info("Charger %s: quirk detection stopped: %s", self.charger_id, err)
        self._set_detected(apply_reported(self.detected, values))
        self._changed()

    async def _bounded[T](self, call: Coroutine[Any, Any, T]) -> T:
        """Await a command, bounded in time; a dropped connection counts as offline."""
        return await bounded(self.charger_id, call)

    # --- timers and tasks ------------------------------------------------------------------

    def _arm_expiry(self, connector_id: int) -> None:
        """Forget a limit with a duration, or a schedule, when it ends (the charger drops it too)."""
        if (cancel := self._expiry.pop(connector_id, None)) is not None:
            cancel()
        intent = self._control(connector_id).intent
        end = intent.schedule_valid_to if intent.schedule else intent.expires_at
        if end is None:
            return
        delay = max(0.0, (end - dt_util.utcnow()).total_seconds())

        @callback
        def _expired(_now: datetime) -> None:
            self._expiry.pop(connector_id, None)
            ctl = self._control(connector_id)
            ctl.intent.requested = ctl.intent.expires_at = ctl.intent.phases = None
            ctl.intent.schedule = ctl.intent.schedule_valid_to = None
            self._forget_limit(ctl, keep_intent=True)
            ctl.reason = LimitReason.PAUSED if ctl.intent.paused else LimitReason.NO_LIMIT
            self._changed()

        self._expiry[connector_id] = self._link.call_later(delay, _expired)

    @staticmethod
    def _forget_limit(ctl: Control, *, keep_intent: bool = False) -> None:
        """Our profiles are gone from the charger (cleared or expired)."""
        if not keep_intent:
            intent = ctl.intent
            intent.requested = intent.expires_at = intent.phases = None
            intent.schedule = intent.schedule_valid_to = None
            if intent.held is None:
                intent.paused = False
            ctl.reason = LimitReason.PAUSED if intent.paused else LimitReason.NO_LIMIT
        ctl.intent.installed = False
        ctl.sent.clear()
        ctl.applied = ctl.applied_unit = None

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._link.spawn(coro, name)

    def _cancel_connect_timer(self) -> None:
        if self._connect_timer is not None:
            self._connect_timer()
            self._connect_timer = None

    @callback
    def async_config_changed(self) -> None:
        """Re-apply after the homeowner changed the charger's options (limits may clamp differently)."""
        if self._charger.connected and self._controls:
            self._spawn(self._reapply_changed(), "re-apply limits after reconfigure")

    async def _reapply_changed(self) -> None:
        for connector_id in list(self._controls):
            await self._quiet_run(connector_id)

    @abstractmethod
    async def _quiet_run(self, connector_id: int) -> None:
        """Bring one connector to its intended limit, recording failures instead of raising."""

    @callback
    def async_shutdown(self) -> None:
        """Stop timers and listening (unload, or the charger was removed); safe to repeat."""
        self._cancel_connect_timer()
        for cancel in [*self._timers.values(), *self._expiry.values()]:
            cancel()
        self._timers.clear()
        self._expiry.clear()
        self._unsub_events()
        self._unsub_events = lambda: None
