"""The site controller: Home Assistant glue around the pure control core (core/).

It listens to the grid meter's state changes and to every charger's news (each reading starts a
pass) and runs at least every FLOOR_INTERVAL_S; each pass reads the inputs, lets the solar
controller decide every connector in one go and hands the decisions to each charger's
smart-charging engine (`coordinator.smart`). Connectors in Cheapest mode get a price plan, pushed
as one charging schedule (plan.py). Each connector's own priority, departure and target come from
its entities (connector.py). Every pass also feeds the session accounting (solar share and cost,
sessions.py). A missing input raises a repair issue; the core's safe behaviour covers the meantime.

The central system (the entry's runtime data) holds the controller and hands it its chargers; the
controller never reaches back. What a pass explains goes to the reason sensors through the
controller's own listeners, not through the chargers' coordinators: those wake the controller, and
its own news must not start another pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_state_report_event,
    async_track_time_interval,
)
from homeassistant.util import dt as dt_util

from ..charging.quirks import DEFAULT_MIN_WRITE_INTERVAL
from ..const import DOMAIN, LOGGER
from ..csms.commands import CommandError
from .config import (
    CONF_GRID_SOURCE,
    FLOOR_INTERVAL_S,
    REPAIR_GRACE_S,
    GridSource,
    solar_settings,
)
from .connector import ConnectorPreferences, ConnectorReader
from .core.modes import ChargeMode, ConnectorInput, Decision, Explanation, SiteInput
from .core.solar import SolarController
from .inputs import (
    ROLE_OPTIONS,
    SETUP_ROLES,
    Sources,
    missing_inputs,
    number_of,
    read_power,
    sources_from_energy,
    sources_from_options,
)
from .listeners import KeyedListeners
from .plan import CheapestPlanner, PlanInputs
from .sessions import AccountingInputs, SessionRecorder, site_reading

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator
    from ..csms.model import Connector


# Repair issue: a mode is chosen whose input is not set up ({ISSUE_CONTROL_SETUP}_{entry}_{role}).
ISSUE_CONTROL_SETUP = "control_setup"
# A pass reads every connector, and every charger's news asks for one: in a car park (more
# chargers than this) passes are at most PASS_SPACING_S apart, so their cost per second does not
# grow with the number of chargers times their messages. A home's few chargers get one at once.
CAR_PARK_CHARGERS = 20
PASS_SPACING_S = 1.0


def connector_key(charger_id: str, connector_id: int) -> str:
    """Key of a connector in the controller."""
    return f"{charger_id}/{connector_id}"


@dataclass
class SiteController:
    """Charge modes of every connector, the inputs, and the passes that act on them."""

    hass: HomeAssistant
    # The config entry: its options, its id (repair issues) and its background tasks.
    entry: ConfigEntry
    # The central system's chargers, live: one added or removed later is in the next pass.
    coordinators: Mapping[str, ChargerCoordinator]
    modes: dict[str, ChargeMode] = field(default_factory=dict)
    # Per-connector priority, departure and target (the connector's setting entities).
    connector_preferences: dict[str, ConnectorPreferences] = field(default_factory=dict)
    explanations: dict[str, Explanation] = field(default_factory=dict)
    sources: Sources = field(default_factory=Sources)
    core: SolarController = field(default_factory=SolarController)
    planner: CheapestPlanner = field(init=False)
    reader: ConnectorReader = field(default_factory=ConnectorReader)
    # Where each session's energy came from (solar, grid) and its cost: the session sensors.
    sessions: SessionRecorder = field(default_factory=SessionRecorder)
    _unsubs: list[CALLBACK_TYPE] = field(default_factory=list)
    _missing_since: dict[str, datetime] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _input_unsubs: list[CALLBACK_TYPE] = field(default_factory=list)
    _watched: dict[str, CALLBACK_TYPE] = field(default_factory=dict)
    # The session last seen on each connector (its transaction id).
    _sessions: dict[str, int | str | None] = field(default_factory=dict)
    _queued: asyncio.Handle | None = None
    # When the last pass ran (loop time): a car park's next one waits out PASS_SPACING_S.
    _last_pass: float = float("-inf")
    _explanation_listeners: KeyedListeners = field(default_factory=KeyedListeners)

    def __post_init__(self) -> None:
        self.planner = CheapestPlanner(self.hass, self._spawn, self.retry_later)

    # --- lifecycle ---------------------------------------------------------------

    async def async_start(self) -> None:
        """Read the options, subscribe to the inputs and start the floor cadence."""
        await self.async_reload_options()
        self._unsubs.append(
            async_track_time_interval(
                self.hass, self._async_floor, timedelta(seconds=FLOOR_INTERVAL_S)
            )
        )

    async def async_stop(self) -> None:
        """Stop listening; the chargers keep what they were last told."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self._unsubscribe_inputs()
        for unsub in self._watched.values():
            unsub()
        self._watched.clear()
        if self._queued is not None:
            self._queued.cancel()
            self._queued = None
        for task in list(self._tasks):
            task.cancel()

    async def async_reload_options(self) -> None:
        """Apply new options: settings, input entities, subscriptions."""
        options = self.entry.options
        self.core.settings = solar_settings(options, self._write_interval())
        if options.get(CONF_GRID_SOURCE) == GridSource.ENERGY_DASHBOARD:
            from homeassistant.components.energy.data import async_get_manager

            manager = await async_get_manager(self.hass)
            self.sources = sources_from_energy(manager.data, options)
        else:
            self.sources = sources_from_options(options)
        self._unsubscribe_inputs()
        watched = [entity for ids in self.sources.entity_ids().values() for entity in ids]
        watched += self._plan_watched()
        self.planner.invalidate()
        if watched:
            self._input_unsubs.append(
                async_track_state_change_event(
                    self.hass, sorted(set(watched)), self._async_input_changed
                )
            )
        if meters := self.sources.power_entity_ids():
            # A meter that reports the same power again took a reading all the same: Home
            # Assistant tells it as a report, not a change, and the pass that reading is due.
            self._input_unsubs.append(
                async_track_state_report_event(self.hass, meters, self._async_input_reported)
            )
        self._async_run_or_request()

    def _unsubscribe_inputs(self) -> None:
        for unsub in self._input_unsubs:
            unsub()
        self._input_unsubs.clear()

    def _write_interval(self) -> float:
        coordinators = self._coordinators()
        return float(
            max(
                (c.config.min_write_interval for c in coordinators),
                default=DEFAULT_MIN_WRITE_INTERVAL,
            )
        )

    def _coordinators(self) -> list[ChargerCoordinator]:
        return list(self.coordinators.values())

    def _plan_watched(self) -> list[str]:
        return self.planner.watched(self.entry.options, self.sources.price)

    # --- modes -------------------------------------------------------------------

    def mode(self, key: str) -> ChargeMode:
        """Return a connector's mode; External (we do nothing) until one is chosen."""
        return self.modes.get(key, ChargeMode.EXTERNAL)

    @callback
    def async_set_mode(self, key: str, mode: ChargeMode) -> None:
        """Set a connector's mode (select entity, restored state) and act on it at once.

        In a car park, in the next pass: its restored modes at startup make one pass, not one each.
        """
        if self.modes.get(key) is mode:
            return
        self.modes[key] = mode
        self.planner.forget(key)
        self._async_run_or_request()

    def preferences(self, key: str) -> ConnectorPreferences:
        """Return a connector's own settings (defaults: the site-wide options apply)."""
        return self.connector_preferences.get(key, ConnectorPreferences())

    @callback
    def async_set_preferences(self, key: str, preferences: ConnectorPreferences) -> None:
        """Set a connector's own settings (its entities, restored state) and act on them at once.

        A new departure or target calls for a new plan in Cheapest mode.
        """
        old = self.preferences(key)
        if preferences == old:
            return
        self.connector_preferences[key] = preferences
        if preferences.plan_inputs != old.plan_inputs:
            self.planner.invalidate(key)
        self._async_run_or_request()

    @callback
    def _async_run_or_request(self) -> None:
        """Run a home's pass at once; request a car park's (passes PASS_SPACING_S apart)."""
        if len(self.coordinators) > CAR_PARK_CHARGERS:
            self.async_request_run()
        else:
            self.async_run()

    def needs_setup(self, key: str) -> bool:
        """Whether the connector's mode needs an input (grid meter, price) the options lack."""
        return bool(missing_inputs((self.mode(key),), self.sources))

    def explanation(self, key: str) -> Explanation | None:
        """Why a connector gets what it gets."""
        return self.explanations.get(key)

    @callback
    def async_listen_explanation(self, key: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call listener whenever a pass explains the connector anew; return the unsubscribe."""
        return self._explanation_listeners.listen(key, listener)

    # --- passes ------------------------------------------------------------------

    @callback
    def _async_input_changed(self, event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] in self._plan_watched():
            self.planner.invalidate()
        self.async_request_run()

    @callback
    def _async_input_reported(self, _event: Event[EventStateReportedData]) -> None:
        self.async_request_run()

    @callback
    def _async_floor(self, _now: datetime) -> None:
        self.async_request_run()

    @callback
    def async_request_run(self) -> None:
        """Run a pass soon; requests until then make one pass."""
        if self._queued is not None:
            return
        loop = self.hass.loop
        wait = 0.0
        if len(self.coordinators) > CAR_PARK_CHARGERS:
            wait = self._last_pass + PASS_SPACING_S - loop.time()
        if wait > 0:
            self._queued = loop.call_later(wait, self._async_queued_run)
        else:
            self._queued = loop.call_soon(self._async_queued_run)

    @callback
    def _async_queued_run(self) -> None:
        self._queued = None
        self.async_run()

    @callback
    def _watch_chargers(self) -> None:
        """React to every charger's news (plug-in, session, readings), new chargers included."""
        coordinators = self.coordinators
        for charger_id in set(self._watched) - set(coordinators):
            self._watched.pop(charger_id)()
        for charger_id, coordinator in coordinators.items():
            if charger_id not in self._watched:
                self._watched[charger_id] = coordinator.async_add_listener(self.async_request_run)

    @callback
    def async_run(self) -> None:
        """One pass: read, decide every connector, act."""
        self._last_pass = self.hass.loop.time()
        now = dt_util.utcnow()
        self._watch_chargers()
        self._check_inputs(now)
        site = self._site_input(now)
        connectors: list[ConnectorInput] = []
        owners: dict[str, tuple[ChargerCoordinator, int]] = {}
        for coordinator in self._coordinators():
            for connector_id, connector in sorted(coordinator.charger.connectors.items()):
                if connector_id == 0:
                    continue
                key = connector_key(coordinator.config.charger_id, connector_id)
                owners[key] = (coordinator, connector_id)
                self._note_session(key, connector)
                connectors.append(
                    self.reader.read(
                        key,
                        coordinator,
                        connector,
                        now,
                        mode=self.mode(key),
                        preferences=self.preferences(key),
                    )
                )
        self.sessions.update(
            now,
            site_reading(self.hass, site, self.sources.price, self.core.settings.input_timeout_s),
            AccountingInputs.of(self.sources),
            owners,
        )
        decisions = self.core.update(site, connectors)
        explained: list[str] = []
        for decision in decisions:
            coordinator, connector_id = owners[decision.key]
            explanation = decision.explanation
            if self.mode(decision.key) is ChargeMode.CHEAPEST:
                explanation = self.planner.run(
                    decision.key, coordinator, connector_id, now, self._plan_inputs(decision.key)
                )
            if self.explanations.get(decision.key) != explanation:
                self.explanations[decision.key] = explanation
                explained.append(decision.key)
            if decision.send and decision.limit_a is not None:
                self._spawn(decision.key, self._async_apply(coordinator, connector_id, decision))
        for key in explained:
            self._explanation_listeners.notify(key)

    def _note_session(self, key: str, connector: Connector) -> None:
        """Forget what was written for a connector when a new session runs on it: decide anew.

        The engine ends a pause with its session, so a pause the mode wrote is gone by then.
        """
        session = connector.transaction.transaction_id if connector.transaction else None
        if session != self._sessions.get(key) and session is not None:
            self.core.reset(key)
        self._sessions[key] = session

    def _plan_inputs(self, key: str) -> PlanInputs:
        return PlanInputs(self.entry.options, self.sources.price, self.preferences(key))

    def _site_input(self, now: datetime) -> SiteInput:
        grid, grid_at = read_power(self.hass, self.sources.grid)
        battery, _ = read_power(self.hass, self.sources.battery)
        soc, _ = number_of(self.hass, self.sources.battery_soc)
        return SiteInput(
            now=dt_util.as_local(now),
            grid_power_w=grid,
            grid_measured_at=dt_util.as_local(grid_at) if grid_at else None,
            battery_power_w=battery,
            battery_soc=soc,
        )

    # --- acting ------------------------------------------------------------------

    def _spawn(self, key: str, job: Coroutine[Any, Any, None]) -> None:
        task = self.entry.async_create_background_task(self.hass, job, f"charge control {key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _async_apply(
        self, coordinator: ChargerCoordinator, connector_id: int, decision: Decision
    ) -> None:
        """Hand one decision to the charger's engine; on failure, write it again next time."""
        smart = coordinator.smart
        limit = decision.limit_a or 0.0
        # Only a charger that can switch is told the phases; the others draw what the car takes.
        phases = decision.phases if smart.can_switch_phases else None
        try:
            if limit <= 0:
                await smart.async_pause(connector_id)
            elif smart.state(connector_id).paused:
                # Set while paused (nothing is written), then resume: one write, at once.
                await smart.async_set_current_limit(connector_id, limit, phases=phases)
                await smart.async_resume(connector_id)
            else:
                await smart.async_set_current_limit(
                    connector_id, limit, immediate=decision.immediate, phases=phases
                )
            if (
                decision.start_session
                and coordinator.charger.connector(connector_id).transaction is None
            ):
                await smart.async_start(connector_id)
        except (CommandError, ValueError) as err:
            LOGGER.info("Charge control of %s: %s", decision.key, err)
            self.retry_later(lambda: self.core.reset(decision.key))

    @callback
    def retry_later(self, forget: Callable[[], None]) -> None:
        """Forget a failed write after the write interval, so that it is tried again then.

        Not at once: a charger that refuses would otherwise be asked again on every pass.
        """

        @callback
        def fire(_now: datetime) -> None:
            self._unsubs.remove(cancel)
            forget()
            self.async_request_run()

        cancel = async_call_later(self.hass, self.core.settings.write_interval_s, fire)
        self._unsubs.append(cancel)

    # --- repairs -----------------------------------------------------------------

    def _check_setup(self) -> None:
        """Raise a fixable issue per input a chosen mode needs and the options lack (not set up)."""
        missing = missing_inputs(self.modes.values(), self.sources)
        for role in SETUP_ROLES:
            issue_id = f"{ISSUE_CONTROL_SETUP}_{self.entry.entry_id}_{role}"
            if role not in missing:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key=f"control_setup_{role}",
                data={"entry_id": self.entry.entry_id, "role": role},
            )

    def _check_inputs(self, now: datetime) -> None:
        """Raise a repair issue per input that stays missing or unavailable; drop it when it is back."""
        self._check_setup()
        for role, entity_ids in self.sources.entity_ids().items():
            issue_id = f"control_input_{self.entry.entry_id}_{role}"
            missing = [
                e for e in entity_ids if number_of(self.hass, e)[0] is None and role != "price"
            ]
            if role == "price":
                state = self.hass.states.get(entity_ids[0])
                missing = (
                    [entity_ids[0]] if state is None or state.state in ("unavailable",) else []
                )
            if not missing:
                self._missing_since.pop(role, None)
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            since = self._missing_since.setdefault(role, now)
            if (now - since).total_seconds() >= REPAIR_GRACE_S:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="control_input_unavailable",
                    translation_placeholders={
                        "entity": ", ".join(missing),
                        "input": ROLE_OPTIONS[role],
                    },
                )


def remove_control_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Forget an entry's repair issues about control inputs (the entry was removed)."""
    for role in ROLE_OPTIONS:
        ir.async_delete_issue(hass, DOMAIN, f"control_input_{entry_id}_{role}")
    for role in SETUP_ROLES:
        ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_CONTROL_SETUP}_{entry_id}_{role}")
