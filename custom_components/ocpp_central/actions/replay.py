"""The replay_solar_day action: what Solar mode would have done on a past day, from the recorder.

The day's history of the grid power input (the controller's own source, its sign and unit) and of
the connector's Charging power sensor are read from the recorder, in the recorder's executor.
Held from one state change to the next, they make a surplus per second: minus the grid plus the
car's own draw. A second without a grid reading (unavailable, unknown, not yet recorded) counts as
no surplus and as missing; without a charging power reading the car drew nothing.

The surplus is replayed twice through the pure control core with its model car and charger
(controllers/replay.py, which states the model's assumptions): with the controller's current
settings, and with them changed by the call's fields, which are the tuning options' keys and mean
what the options mean (control_config.solar_settings converts them).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, datetime, timedelta
import math
from typing import TYPE_CHECKING, Any, cast

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..control.config import TUNING, solar_settings
from ..control.controller import connector_key
from ..control.core.modes import ChargeMode, ConnectorSettings, SolarSettings
from ..control.core.replay import ReplayResult, day_surplus, replay, step_hold
from ..control.inputs import POWER_SCALE, PowerSource
from .target import ChargerTarget, validation_error

if TYPE_CHECKING:
    from ..control.controller import SiteController

ATTR_DATE = "date"
# The connector's Charging power sensor (sensor.py), by its unique id's last part.
POWER_SENSOR_KEY = "power"


def power_value(state: State, factor: float = 1.0) -> float | None:
    """Return a power state in W with the source's sign, as control_inputs reads it; None if none."""
    if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    scale = POWER_SCALE.get(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or "W", 1.0)
    return value * scale * factor


def _series(
    states: list[State], start: datetime, seconds: int, factor: float
) -> list[float | None]:
    """Return one sensor's history as a value per second of the day (W), held between changes."""
    changes = [
        ((state.last_changed - start).total_seconds(), power_value(state, factor))
        for state in states
    ]
    return step_hold(changes, seconds)


def grid_series(
    history: dict[str, list[State]], source: PowerSource, start: datetime, seconds: int
) -> list[float | None]:
    """Return the grid power per second: the sum of the source's parts; None where a part has none."""
    parts = [
        _series(history.get(entity_id, []), start, seconds, factor)
        for entity_id, factor in source.parts
    ]
    total: list[float | None] = []
    for values in zip(*parts, strict=True):
        total.append(None if None in values else sum(cast(tuple[float, ...], values)))
    return total


def _surplus(
    history: dict[str, list[State]],
    source: PowerSource,
    power_entity: str | None,
    start: datetime,
    seconds: int,
) -> tuple[list[float], int]:
    """Return the day's surplus per second and the seconds without a grid reading."""
    grid = grid_series(history, source, start, seconds)
    car: list[float | None] = (
        _series(history.get(power_entity, []), start, seconds, 1.0)
        if power_entity
        else [None] * seconds
    )
    return day_surplus(grid, car)


def _read_history(
    hass: HomeAssistant, start: datetime, end: datetime, entity_ids: list[str]
) -> dict[str, list[State]]:
    """Return every recorded state of these entities in the day, and the one at its start."""
    from homeassistant.components.recorder import history

    states = history.get_significant_states(
        hass,
        start,
        end,
        entity_ids,
        None,
        include_start_time_state=True,
        significant_changes_only=False,
        minimal_response=False,
        no_attributes=False,
    )
    return cast(dict[str, list[State]], states)


def charging_power_entity(hass: HomeAssistant, charger_id: str, connector_id: int) -> str | None:
    """Return the connector's Charging power sensor, found in the entity registry by its unique id."""
    unique_id = f"{charger_id}_{connector_id}_{POWER_SENSOR_KEY}"
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)


def candidate_settings(current: SolarSettings, overrides: dict[str, Any]) -> SolarSettings:
    """Return the current settings changed by the call's fields, converted as their options are."""
    converted = solar_settings(overrides, current.write_interval_s)
    return replace(current, **{TUNING[key]: getattr(converted, TUNING[key]) for key in overrides})


def figures(result: ReplayResult) -> dict[str, Any]:
    """Return what the homeowner reads of one replay."""
    return {
        "solar_kwh": round(result.solar_wh / 1000, 2),
        "grid_kwh": round(result.import_wh / 1000, 2),
        "solar_share_percent": (
            round(100 * result.solar_wh / result.car_wh, 1) if result.car_wh > 0 else None
        ),
        "starts": result.starts,
        "phase_switches": result.phase_switches,
        "profile_writes": result.writes,
    }


def _replay_both(
    surplus: list[float],
    start: datetime,
    settings: tuple[SolarSettings, SolarSettings],
    connector: ConnectorSettings,
) -> tuple[ReplayResult, ReplayResult]:
    return (
        replay(surplus, start, settings[0], connector),
        replay(surplus, start, settings[1], connector),
    )


def _connector_settings(
    control: SiteController, target: ChargerTarget, connector_id: int
) -> ConnectorSettings:
    """Return the connector as the controller sees it now (phases learnt, switching, limits)."""
    key = connector_key(target.charger_id, connector_id)
    # A copy: reading remembers what it saw, and the controller's own reader must not.
    reader = copy.deepcopy(control.reader)
    return reader.read(
        key,
        target.coordinator,
        target.coordinator.charger.connector(connector_id),
        dt_util.utcnow(),
        mode=ChargeMode.SOLAR,
        preferences=control.preferences(key),
    ).settings


def replay_day(call: ServiceCall, today: date) -> date:
    """Return the day asked for (yesterday when left out); only a day that is over can be."""
    day: date = call.data.get(ATTR_DATE, today - timedelta(days=1))
    if day >= today:
        raise validation_error("replay_date_not_past", date=day.isoformat())
    return day


async def async_replay_solar_day(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Replay a past day with the current settings and with the call's; the figures of both."""
    hass = call.hass
    control = target.central.control
    if control.sources.grid is None:
        raise validation_error("replay_no_grid_input")
    if "recorder" not in hass.config.components:
        raise validation_error("replay_no_recorder")
    day = replay_day(call, dt_util.now().date())
    connector_id = target.connector(call)
    source = control.sources.grid
    power_entity = charging_power_entity(hass, target.charger_id, connector_id)
    start = dt_util.start_of_local_day(day)
    end = dt_util.start_of_local_day(day + timedelta(days=1))
    seconds = round((end - start).total_seconds())
    entity_ids = sorted({*source.entity_ids, *([power_entity] if power_entity else [])})

    history = await get_instance(hass).async_add_executor_job(
        _read_history, hass, start, end, entity_ids
    )
    surplus, missing = await hass.async_add_executor_job(
        _surplus, history, source, power_entity, start, seconds
    )
    if missing == seconds:
        raise validation_error(
            "replay_no_history", date=day.isoformat(), entity=", ".join(source.entity_ids)
        )
    current = control.core.settings
    overrides = {key: call.data[key] for key in TUNING if key in call.data}
    connector = _connector_settings(control, target, connector_id)
    as_is, candidate = await hass.async_add_executor_job(
        _replay_both, surplus, start, (current, candidate_settings(current, overrides)), connector
    )
    return {
        "date": day.isoformat(),
        "missing_minutes": math.ceil(missing / 60),
        "current": figures(as_is),
        "candidate": figures(candidate),
        "oracle_kwh": round(as_is.oracle_wh / 1000, 2),
    }
