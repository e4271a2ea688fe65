"""Session accounting in Home Assistant: the site controller's readings, handed to control_accounting.

SiteController.async_run calls `SessionRecorder.update` once per pass with the site's grid reading
(missing when older than the controller's input timeout) and every connector it controls; the price
is the price entity's state now, per kWh. The session sensors (control_session_sensors.py) read the
accounts, restore them after a restart, and are told when their connector's account changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .core.accounting import (
    ConnectorReading,
    SessionAccount,
    SessionAccounting,
    SiteReading,
    price_per_kwh,
)
from .core.modes import SiteInput
from .inputs import number_of

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator
    from .controller import SiteController


@dataclass(frozen=True, slots=True)
class AccountingInputs:
    """Which inputs the accounting has: the session sensors that exist depend on them."""

    grid: bool = False
    price: bool = False


@dataclass
class SessionRecorder:
    """The accounts of every connector, fed by the controller's passes, watched by the sensors."""

    accounting: SessionAccounting = field(default_factory=SessionAccounting)
    inputs: AccountingInputs = field(default_factory=AccountingInputs)
    _listeners: dict[str, list[CALLBACK_TYPE]] = field(default_factory=dict)
    _input_listeners: list[CALLBACK_TYPE] = field(default_factory=list)

    def account(self, key: str) -> SessionAccount | None:
        """Return the connector's running or last session's account."""
        return self.accounting.account(key)

    @callback
    def update(
        self,
        control: SiteController,
        now: datetime,
        site: SiteInput,
        owners: dict[str, tuple[ChargerCoordinator, int]],
    ) -> None:
        """One pass: read every connector, account, tell the sensors that show something new."""
        sources = control.sources
        inputs = AccountingInputs(grid=sources.grid is not None, price=sources.price is not None)
        if inputs != self.inputs:
            self.inputs = inputs
            for listener in list(self._input_listeners):
                listener()
        grid = site.grid_power_w
        if (
            site.grid_measured_at is not None
            and (site.now - site.grid_measured_at).total_seconds()
            > control.core.settings.input_timeout_s
        ):
            grid = None
        readings: dict[str, ConnectorReading] = {}
        for key, (coordinator, connector_id) in owners.items():
            connector = coordinator.charger.connector(connector_id)
            transaction = connector.transaction
            readings[key] = ConnectorReading(
                session=str(transaction.transaction_id) if transaction is not None else None,
                energy_wh=connector.session_energy_wh if coordinator.available else None,
                # A reading held from before the car paused is not power to it.
                power_w=(connector.power_w or 0.0) if connector.charging is not False else 0.0,
            )
        site_reading = SiteReading(grid_w=grid, price=_price(control.hass, sources.price))
        for key in self.accounting.update(now, site_reading, readings):
            self._notify(key)

    @callback
    def restore(self, key: str, account: SessionAccount) -> None:
        """Take a connector's account from before the restart (the first sensor restored wins)."""
        if self.accounting.restore(key, account):
            self._notify(key)

    @callback
    def async_listen(self, key: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever the connector's account shows something new."""
        listeners = self._listeners.setdefault(key, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def async_listen_inputs(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener when the grid or price input is configured or dropped."""
        self._input_listeners.append(listener)
        return lambda: self._input_listeners.remove(listener)

    def _notify(self, key: str) -> None:
        for listener in list(self._listeners.get(key, ())):
            listener()


def _price(hass: HomeAssistant, entity_id: str | None) -> float | None:
    """Return the price entity's state now, per kWh in the currency's main unit."""
    value, _ = number_of(hass, entity_id)
    state = hass.states.get(entity_id) if entity_id else None
    if value is None or state is None:
        return None
    return price_per_kwh(value, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
