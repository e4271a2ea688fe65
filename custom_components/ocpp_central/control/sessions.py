"""Session accounting in Home Assistant: the site controller's readings, handed to core/accounting.

SiteController.async_run calls `SessionRecorder.update` once per pass with the site's reading
(`site_reading`: the grid, missing when older than the input timeout, and the price entity's state
now, per kWh), which inputs are configured, and every connector it controls. The session sensors
(entities/session.py) read the accounts, restore them after a restart, and are told when their
connector's account changes.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from .inputs import Sources, number_of
from .listeners import KeyedListeners

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator


@dataclass(frozen=True, slots=True)
class AccountingInputs:
    """Which inputs the accounting has: the session sensors that exist depend on them."""

    grid: bool = False
    price: bool = False

    @classmethod
    def of(cls, sources: Sources) -> AccountingInputs:
        """Return which of the accounting's inputs the sources hold."""
        return cls(grid=sources.grid is not None, price=sources.price is not None)


@dataclass
class SessionRecorder:
    """The accounts of every connector, fed by the controller's passes, watched by the sensors."""

    accounting: SessionAccounting = field(default_factory=SessionAccounting)
    inputs: AccountingInputs = field(default_factory=AccountingInputs)
    _listeners: KeyedListeners = field(default_factory=KeyedListeners)
    _input_listeners: list[CALLBACK_TYPE] = field(default_factory=list)

    def account(self, key: str) -> SessionAccount | None:
        """Return the connector's running or last session's account."""
        return self.accounting.account(key)

    @callback
    def update(
        self,
        now: datetime,
        site: SiteReading,
        inputs: AccountingInputs,
        owners: Mapping[str, tuple[ChargerCoordinator, int]],
    ) -> None:
        """One pass: read every connector, account, tell the sensors that show something new."""
        if inputs != self.inputs:
            self.inputs = inputs
            for listener in list(self._input_listeners):
                listener()
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
        for key in self.accounting.update(now, site, readings):
            self._listeners.notify(key)

    @callback
    def restore(self, key: str, account: SessionAccount) -> None:
        """Take a connector's account from before the restart (the first sensor restored wins)."""
        if self.accounting.restore(key, account):
            self._listeners.notify(key)

    @callback
    def async_listen(self, key: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever the connector's account shows something new."""
        return self._listeners.listen(key, listener)

    @callback
    def async_listen_inputs(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener when the grid or price input is configured or dropped."""
        self._input_listeners.append(listener)
        return lambda: self._input_listeners.remove(listener)


def site_reading(
    hass: HomeAssistant, site: SiteInput, price_entity: str | None, input_timeout_s: float
) -> SiteReading:
    """Return the site as the accounting takes it: a grid reading older than the timeout is none."""
    grid = site.grid_power_w
    if (
        site.grid_measured_at is not None
        and (site.now - site.grid_measured_at).total_seconds() > input_timeout_s
    ):
        grid = None
    return SiteReading(grid_w=grid, price=_price(hass, price_entity))


def _price(hass: HomeAssistant, entity_id: str | None) -> float | None:
    """Return the price entity's state now, per kWh in the currency's main unit."""
    value, _ = number_of(hass, entity_id)
    state = hass.states.get(entity_id) if entity_id else None
    if value is None or state is None:
        return None
    return price_per_kwh(value, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
