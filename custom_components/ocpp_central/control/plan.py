"""Cheapest mode: a price plan per connector, pushed to the charger as one charging schedule.

The plan covers the energy still needed (target kWh, or target SoC with the car's capacity) before
departure, less the solar energy a PV forecast promises, in the cheapest slots of the price
entity's forecast; a connector's own departure time and target energy (its entities), where set,
replace the site-wide ones, and where not, the car's own word does (its departure and the energy
it asks for, ISO 15118 via NotifyEVChargingNeeds). It goes to the charger as one multi-period
profile (valid until departure), so the charger follows it while Home Assistant is down, and is
recomputed when prices, departure, target, forecast or the car's word change, and at least every
PLAN_INTERVAL_S.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from ..const import LOGGER
from ..csms.commands import CommandError
from .config import (
    CONF_CAR_SOC,
    CONF_DEPARTURE_ENTITY,
    CONF_PRICE_LIMIT,
    CONF_PV_FORECAST,
    PLAN_INTERVAL_S,
)
from .connector import CarWord, ConnectorPreferences
from .core.modes import Explanation, Reason
from .core.price import PricePlan, expected_solar_wh, plan_cheapest
from .inputs import (
    connector_departure,
    energy_needed_wh,
    number_of,
    price_slots,
    pv_forecast,
)

if TYPE_CHECKING:
    from ..coordinator import ChargerCoordinator

VOLTS = 230.0
# A new plan replaces the one on the charger only if they differ for more than this many minutes.
REPLAN_TOLERANCE_MIN = 5
# House load assumed beside the car when crediting a PV forecast.
HOUSE_BASE_W = 500.0

# Run a job (a write to a charger) in the background, named after the connector's key.
type Spawn = Callable[[str, Coroutine[Any, Any, None]], None]
# Call the given forget after the write interval, then run a pass (a write that failed).
type RetryLater = Callable[[Callable[[], None]], None]


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """What a connector's plan is made from besides its charger, as the pass reads them."""

    options: Mapping[str, Any]
    price_entity: str | None
    # The connector's own departure and target, where set.
    preferences: ConnectorPreferences


@dataclass(slots=True)
class _Pushed:
    plan: PricePlan
    at: datetime
    # What the charger was sent: until when the plan holds, and its periods.
    sent: tuple[datetime, tuple[tuple[datetime, float], ...]] | None = None
    started_for: datetime | None = None
    # An input changed: recompute on the next pass.
    stale: bool = False
    # What the car had said when the plan was made (CarWord.mark).
    told: tuple[Any, ...] = ()


class CheapestPlanner:
    """Plans, pushed schedules and their explanations for connectors in Cheapest mode."""

    def __init__(self, hass: HomeAssistant, spawn: Spawn, retry_later: RetryLater) -> None:
        """Plan with the site controller's means of writing to chargers and retrying."""
        self.hass = hass
        self._spawn = spawn
        self._retry_later = retry_later
        self._plans: dict[str, _Pushed] = {}

    @staticmethod
    def watched(options: Mapping[str, Any], price_entity: str | None) -> list[str]:
        """Entities whose change calls for a new plan (the price entity is watched as an input)."""
        keys = (CONF_PV_FORECAST, CONF_DEPARTURE_ENTITY, CONF_CAR_SOC)
        entities = [options[key] for key in keys if options.get(key)]
        if price_entity:
            entities.append(price_entity)
        return entities

    def invalidate(self, key: str | None = None) -> None:
        """Recompute a connector's plan (None: every plan) on the next pass."""
        for plan_key, pushed in self._plans.items():
            if key is None or plan_key == key:
                pushed.stale = True

    def forget(self, key: str) -> None:
        """Drop a connector's plan (it left Cheapest mode, or its car left)."""
        self._plans.pop(key, None)

    def plan(self, key: str) -> PricePlan | None:
        """Return the current plan of a connector, if any."""
        pushed = self._plans.get(key)
        return pushed.plan if pushed is not None else None

    def run(
        self,
        key: str,
        coordinator: ChargerCoordinator,
        connector_id: int,
        now: datetime,
        inputs: PlanInputs,
    ) -> Explanation:
        """Keep the connector's plan current and on the charger; explain where it stands."""
        connector = coordinator.charger.connector(connector_id)
        if not connector.plugged_in:
            self.forget(key)
            return Explanation(Reason.NO_CAR)
        pushed = self._plans.get(key)
        told = CarWord.mark(connector)
        due = (
            pushed is None
            or pushed.stale
            or pushed.told != told
            or (now - pushed.at).total_seconds() >= PLAN_INTERVAL_S
            or now >= pushed.plan.valid_to
        )
        if due:
            fresh = self._make(coordinator, connector_id, now, inputs)
            if isinstance(fresh, Explanation):
                return fresh
            if pushed is not None and _same_future(pushed.plan, fresh, now):
                pushed.at, pushed.stale, pushed.told = now, False, told
            else:
                pushed = self._plans[key] = _Pushed(
                    fresh,
                    now,
                    pushed.sent if pushed else None,
                    pushed.started_for if pushed else None,
                    told=told,
                )
        assert pushed is not None
        plan = pushed.plan
        # A plan made in the same second with the same periods may still end later.
        shipped = (plan.valid_to, tuple(plan.periods))
        if shipped != pushed.sent:
            pushed.sent = shipped
            self._spawn(key, self._async_push(key, coordinator, connector_id, plan))
        if plan.energy_wh <= 0:
            return Explanation(Reason.TARGET_REACHED)
        if plan.limit_at(now) > 0:
            if connector.transaction is None and pushed.started_for != plan.next_start(now):
                pushed.started_for = plan.next_start(now)
                self._spawn(key, self._async_start(coordinator, connector_id))
            return Explanation(Reason.PLAN_CHARGING, None if plan.complete else "incomplete")
        next_start = plan.next_start(now)
        timer = (next_start - now).total_seconds() if next_start else None
        return Explanation(Reason.PLAN_WAITING, None if plan.complete else "incomplete", timer)

    def _make(
        self, coordinator: ChargerCoordinator, connector_id: int, now: datetime, inputs: PlanInputs
    ) -> PricePlan | Explanation:
        options = inputs.options
        own = inputs.preferences
        hass = self.hass
        slots = [slot for slot in price_slots(hass, inputs.price_entity) if slot.end > now]
        if not slots:
            return Explanation(Reason.PRICE_UNAVAILABLE)
        connector = coordinator.charger.connector(connector_id)
        car = CarWord.of(connector)
        soc, _ = number_of(hass, options.get(CONF_CAR_SOC))
        needed = energy_needed_wh(
            options,
            soc if soc is not None else connector.soc_percent,
            connector.session_energy_wh,
            own.target_energy_kwh,
            car.energy_wh,
        )
        leaving = connector_departure(hass, options, now, own.departure, car.departure) or max(
            slot.end for slot in slots
        )
        if needed is None:
            return Explanation(Reason.PLAN_WAITING, "no_target")
        config = coordinator.config
        if forecast := pv_forecast(hass, options.get(CONF_PV_FORECAST)):
            needed -= expected_solar_wh(
                forecast,
                now,
                leaving,
                house_w=HOUSE_BASE_W,
                min_power_w=config.min_current * VOLTS * 3,
                max_power_w=config.max_current * VOLTS * 3,
            )
        limit = options.get(CONF_PRICE_LIMIT)
        return plan_cheapest(
            slots,
            now=dt_util.as_utc(now).replace(microsecond=0),
            departure=leaving,
            energy_wh=max(0.0, needed),
            max_current_a=config.max_current,
            phases=3,
            price_limit=float(limit) if limit is not None else None,
            max_periods=coordinator.smart.quirks.max_periods,
        )

    async def _async_push(
        self, key: str, coordinator: ChargerCoordinator, connector_id: int, plan: PricePlan
    ) -> None:
        smart = coordinator.smart
        try:
            periods = [
                (max(at, dt_util.utcnow() - timedelta(seconds=1)) if i == 0 else at, limit)
                for i, (at, limit) in enumerate(plan.periods)
            ]
            await smart.async_set_schedule(connector_id, periods, valid_to=plan.valid_to)
            if smart.state(connector_id).paused:
                await smart.async_resume(connector_id)
        except (CommandError, ValueError) as err:
            LOGGER.info("Charge plan of %s not applied: %s", key, err)
            if (pushed := self._plans.get(key)) is not None:
                self._retry_later(lambda: setattr(pushed, "sent", None))

    async def _async_start(self, coordinator: ChargerCoordinator, connector_id: int) -> None:
        try:
            await coordinator.smart.async_start(connector_id)
        except CommandError as err:
            LOGGER.info(
                "Charge plan: no session started on %s: %s", coordinator.config.charger_id, err
            )


def _same_future(old: PricePlan, new: PricePlan, now: datetime) -> bool:
    """Whether two plans agree from now on, but for a few minutes (the last slot's length)."""
    if old.valid_to != new.valid_to:
        return False
    minutes = int((old.valid_to - now).total_seconds() // 60)
    differing = sum(
        1
        for minute in range(max(0, minutes))
        if old.limit_at(now + timedelta(minutes=minute))
        != new.limit_at(now + timedelta(minutes=minute))
    )
    return differing <= REPLAN_TOLERANCE_MIN
