"""One push coordinator per configured charger: entities listen to it, the central system notifies it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .charging.engine import SmartCharging
from .charging.link import TimerAction
from .charging.quirks import (
    CONF_MIN_CURRENT,
    CONF_MIN_WRITE_INTERVAL,
    CONF_OCPP_VERSION,
    CONF_REMOTE_ID_TAG,
    DEFAULT_MIN_CURRENT,
    DEFAULT_MIN_WRITE_INTERVAL,
    DEFAULT_REMOTE_ID_TAG,
    OcppVersionPin,
    QuirkOverrides,
)
from .const import (
    CONF_CHARGER_ID,
    CONF_MAX_CURRENT,
    CONF_PREVIOUS_PASSWORD,
    CONF_PREVIOUS_SECURITY_PROFILE,
    CONF_SECURITY_PROFILE,
    DEFAULT_MAX_CURRENT,
    DOMAIN,
    LOGGER,
)
from .csms.commands import ChargerCommands
from .csms.events import ChargerEvent
from .csms.model import Charger
from .csms.tls import SecurityProfile

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigSubentry

    from .config_entry import OcppCentralConfigEntry


@dataclass(slots=True, frozen=True)
class ChargerConfig:
    """A charger as the homeowner configured it (one config subentry)."""

    subentry_id: str
    charger_id: str
    name: str
    password: str
    max_current: float
    # Charger options (subentry data holds only those changed from these defaults).
    min_current: float = DEFAULT_MIN_CURRENT
    remote_id_tag: str = DEFAULT_REMOTE_ID_TAG
    min_write_interval: int = DEFAULT_MIN_WRITE_INTERVAL
    ocpp_version: OcppVersionPin = OcppVersionPin.AUTO
    overrides: QuirkOverrides = field(default_factory=QuirkOverrides)
    # The OCPP security profile set for it; None: a password when one is set (profile 1 or 2).
    security_profile: SecurityProfile | None = None
    # While a changed password waits for the charger to reconnect with it: the one it replaced.
    previous_password: str | None = None
    # Just moved to profile 3, until it first shows its certificate: the profile it had.
    previous_security_profile: SecurityProfile | None = None

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChargerConfig:
        """Read a charger subentry."""
        data = subentry.data
        try:
            version = OcppVersionPin(data.get(CONF_OCPP_VERSION, OcppVersionPin.AUTO))
        except ValueError:
            version = OcppVersionPin.AUTO
        return cls(
            subentry_id=subentry.subentry_id,
            charger_id=data[CONF_CHARGER_ID],
            name=subentry.title,
            password=data.get("password") or "",
            max_current=float(data.get(CONF_MAX_CURRENT, DEFAULT_MAX_CURRENT)),
            min_current=float(data.get(CONF_MIN_CURRENT, DEFAULT_MIN_CURRENT)),
            remote_id_tag=str(data.get(CONF_REMOTE_ID_TAG) or DEFAULT_REMOTE_ID_TAG),
            min_write_interval=int(data.get(CONF_MIN_WRITE_INTERVAL, DEFAULT_MIN_WRITE_INTERVAL)),
            ocpp_version=version,
            overrides=QuirkOverrides.from_data(data),
            security_profile=_security_profile(data.get(CONF_SECURITY_PROFILE)),
            previous_password=data.get(CONF_PREVIOUS_PASSWORD),
            previous_security_profile=_security_profile(data.get(CONF_PREVIOUS_SECURITY_PROFILE)),
        )


def _security_profile(stored: Any) -> SecurityProfile | None:
    """Read a stored security profile ("1".."3"); anything else is automatic."""
    try:
        return SecurityProfile(int(stored))
    except TypeError, ValueError:
        return None


class ChargerCoordinator(DataUpdateCoordinator[None]):
    """Push-only: no polling; the model is the data and listeners are told when it changes."""

    config_entry: OcppCentralConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OcppCentralConfigEntry,
        config: ChargerConfig,
        charger: Charger,
    ) -> None:
        """Create the coordinator of one charger."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"OCPP charger {config.charger_id}",
            update_interval=None,
        )
        self.charger = charger
        self.config = config
        self.known_entities: dict[str, set[str]] = {}
        self.shape: tuple[int, ...] = ()
        self.device_id: str = ""
        self._device_snapshot: tuple[str | None, ...] = ()
        self._event_listeners: list[Callable[[ChargerEvent], None]] = []
        # The smart-charging engine: limits, schedules, pause and resume (listens to events).
        self.smart = SmartCharging(SmartChargingLink(self))
        entry.async_on_unload(self.smart.async_shutdown)

    @property
    def config(self) -> ChargerConfig:
        """The charger's options; they also bound what the charger may report (its rating)."""
        return self._config

    @config.setter
    def config(self, config: ChargerConfig) -> None:
        self._config = config
        self.charger.rating.max_current_a = config.max_current

    @callback
    def async_add_event_listener(self, listener: Callable[[ChargerEvent], None]) -> CALLBACK_TYPE:
        """Call listener on every charger event; returns the function that stops it."""
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    @callback
    def async_dispatch_event(self, event: ChargerEvent) -> None:
        """Hand an event to every listener (synchronously: listeners schedule their own work)."""
        for listener in list(self._event_listeners):
            listener(event)

    @callback
    def async_update_device(self) -> None:
        """Create the charger's device, or refresh it after the charger told us more about itself."""
        info = self.charger.info
        snapshot = (
            self.config.name,
            info.vendor,
            info.model,
            info.serial_number,
            info.firmware_version,
        )
        if snapshot == self._device_snapshot:
            return
        self._device_snapshot = snapshot
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.config_entry.entry_id,
            config_subentry_id=self.config.subentry_id,
            identifiers={(DOMAIN, self.config.charger_id)},
            name=self.config.name,
            manufacturer=info.vendor,
            model=info.model,
            serial_number=info.serial_number,
            sw_version=info.firmware_version,
        )
        self.device_id = device.id

    @property
    def available(self) -> bool:
        """Connected and not silent."""
        return self.charger.connected and not self.charger.silent


@dataclass(slots=True, frozen=True)
class SmartChargingLink:
    """The smart-charging engine's link (charging.link.ChargerLink) to its coordinator and central system."""

    coordinator: ChargerCoordinator

    @property
    def charger(self) -> Charger:
        """The charger model."""
        return self.coordinator.charger

    @property
    def settings(self) -> ChargerConfig:
        """The charger's options (current: they change on reconfigure)."""
        return self.coordinator.config

    def commands(self) -> ChargerCommands:
        """Return the live session (raise ChargerOfflineError when offline)."""
        central = self.coordinator.config_entry.runtime_data
        return cast("ChargerCommands", central.session(self.settings.charger_id))

    def load(self) -> dict[str, Any]:
        """Return what the engine persisted for this charger."""
        return self.coordinator.config_entry.runtime_data.store.smart_charging(
            self.settings.charger_id
        )

    def save(self, data: dict[str, Any]) -> None:
        """Persist the engine's state (the store writes it later)."""
        store = self.coordinator.config_entry.runtime_data.store
        store.set_smart_charging(self.settings.charger_id, data)

    def notify(self) -> None:
        """Let the entities refresh."""
        self.coordinator.async_update_listeners()

    def subscribe(self, listener: Callable[[ChargerEvent], None]) -> CALLBACK_TYPE:
        """Listen to the charger's events."""
        return self.coordinator.async_add_event_listener(listener)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """Run a background task of the config entry, named after the charger."""
        self.coordinator.config_entry.async_create_background_task(
            self.coordinator.hass, coro, f"{self.settings.charger_id}: {name}"
        )

    def call_later(self, delay: float, action: TimerAction) -> CALLBACK_TYPE:
        """Start a Home Assistant timer."""
        return async_call_later(self.coordinator.hass, delay, action)
