"""Price control: read price forecasts, plan the cheapest slots before departure, as one schedule.

Parsers accept the attribute shapes of the common price integrations:

* Nordpool (custom-components/nordpool): ``raw_today`` / ``raw_tomorrow`` lists of
  ``{start, end, value}``.
* Tibber: ``today`` / ``tomorrow`` lists, or a ``prices`` list, of ``{startsAt, total}``
  (``start_time`` / ``price`` as the Tibber action returns them also work).
* ENTSO-e (hass-entso-e): ``prices_today`` / ``prices_tomorrow`` / ``prices`` lists of
  ``{time, price}``.
* Octopus Energy: ``rates`` lists of ``{start, end, value_inc_vat}``.

A slot without an end lasts until the next slot starts (the last one as long as the one before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any

START_KEYS = ("start", "startsAt", "start_time", "time", "period_start", "valid_from", "from")
END_KEYS = ("end", "endsAt", "end_time", "period_end", "valid_to", "till", "to")
PRICE_KEYS = ("value", "total", "price", "value_inc_vat", "price_per_kwh")
PRICE_LISTS = (
    "raw_today",
    "raw_tomorrow",
    "today",
    "tomorrow",
    "prices_today",
    "prices_tomorrow",
    "prices",
    "rates",
)


@dataclass(frozen=True, slots=True)
class PriceSlot:
    """A price valid from start (inclusive) to end (exclusive), per kWh."""

    start: datetime
    end: datetime
    price: float


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _first(item: Mapping[str, Any], keys: Sequence[str]) -> Any:
    return next((item[key] for key in keys if key in item), None)


def parse_slots(items: Iterable[Any]) -> list[PriceSlot]:
    """Parse one list of price entries; entries that cannot be read are skipped."""
    return _close(_raw(items))


def _raw(items: Iterable[Any]) -> list[tuple[datetime, datetime | None, float]]:
    raw: list[tuple[datetime, datetime | None, float]] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        start = _time(_first(item, START_KEYS))
        price = _number(_first(item, PRICE_KEYS))
        if start is None or price is None:
            continue
        raw.append((start, _time(_first(item, END_KEYS)), price))
    return raw


def _close(raw: list[tuple[datetime, datetime | None, float]]) -> list[PriceSlot]:
    """Sort, drop duplicate starts and give slots without an end the next slot's start."""
    by_start = {start: (end, price) for start, end, price in raw}
    starts = sorted(by_start)
    slots: list[PriceSlot] = []
    for index, start in enumerate(starts):
        end, price = by_start[start]
        if end is None:
            if index + 1 < len(starts):
                end = starts[index + 1]
            elif slots:
                end = start + (slots[-1].end - slots[-1].start)
            else:
                end = start + timedelta(hours=1)
        if end > start:
            slots.append(PriceSlot(start, end, price))
    return slots


def parse_nordpool(attributes: Mapping[str, Any]) -> list[PriceSlot]:
    """Nordpool's raw_today and raw_tomorrow."""
    return _from_lists(attributes, ("raw_today", "raw_tomorrow"))


def parse_tibber(attributes: Mapping[str, Any]) -> list[PriceSlot]:
    """Tibber's today and tomorrow, or its prices list."""
    return _from_lists(attributes, ("today", "tomorrow", "prices"))


def parse_entsoe(attributes: Mapping[str, Any]) -> list[PriceSlot]:
    """ENTSO-e's prices_today and prices_tomorrow, or its prices list."""
    return _from_lists(attributes, ("prices_today", "prices_tomorrow", "prices"))


def parse_octopus(attributes: Mapping[str, Any]) -> list[PriceSlot]:
    """Octopus Energy's rates."""
    return _from_lists(attributes, ("rates",))


def parse_price_forecast(attributes: Mapping[str, Any]) -> list[PriceSlot]:
    """Every price slot found in a price entity's attributes, whichever integration made them."""
    return _from_lists(attributes, PRICE_LISTS)


def _from_lists(attributes: Mapping[str, Any], names: Sequence[str]) -> list[PriceSlot]:
    raw: list[tuple[datetime, datetime | None, float]] = []
    for name in names:
        value = attributes.get(name)
        if isinstance(value, list | tuple):
            raw.extend(_raw(value))
    return _close(raw)


# --- PV forecast --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PvSlot:
    """Forecast mean PV power over a period."""

    start: datetime
    end: datetime
    power_w: float


def parse_pv_forecast(attributes: Mapping[str, Any]) -> list[PvSlot]:
    """Solcast's detailedForecast (kW per 30 min) or Open-Meteo/Forecast.Solar style watts maps."""
    slots: list[PvSlot] = []
    for name in ("detailedForecast", "detailedHourly", "forecast"):
        items = attributes.get(name)
        if not isinstance(items, list | tuple):
            continue
        points: list[tuple[datetime, float]] = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            start = _time(_first(item, ("period_start", "start", "datetime")))
            kw = _number(_first(item, ("pv_estimate", "pv_estimate50", "power_kw")))
            if start is not None and kw is not None:
                points.append((start, kw * 1000))
        slots.extend(_pv_from_points(points))
    watts = attributes.get("watts")
    if isinstance(watts, Mapping):
        points = [
            (start, power)
            for key, value in watts.items()
            if (start := _time(key)) is not None and (power := _number(value)) is not None
        ]
        slots.extend(_pv_from_points(points))
    return sorted(slots, key=lambda slot: slot.start)


def _pv_from_points(points: list[tuple[datetime, float]]) -> list[PvSlot]:
    points.sort()
    slots: list[PvSlot] = []
    for index, (start, power) in enumerate(points):
        if index + 1 < len(points):
            end = points[index + 1][0]
        elif index > 0:
            end = start + (start - points[index - 1][0])
        else:
            end = start + timedelta(minutes=30)
        slots.append(PvSlot(start, end, max(0.0, power)))
    return slots


def expected_solar_wh(
    forecast: Sequence[PvSlot],
    start: datetime,
    end: datetime,
    *,
    house_w: float,
    min_power_w: float,
    max_power_w: float,
    confidence: float = 0.7,
) -> float:
    """Solar energy a car could take between start and end: forecast surplus above its minimum.

    Scaled by confidence, because a forecast is not a promise.
    """
    total = 0.0
    for slot in forecast:
        begin, finish = max(slot.start, start), min(slot.end, end)
        if finish <= begin:
            continue
        surplus = slot.power_w - house_w
        if surplus < min_power_w:
            continue
        total += min(surplus, max_power_w) * (finish - begin).total_seconds() / 3600
    return total * confidence


# --- planner ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricePlan:
    """Charging periods as one OCPP charging schedule: (start, limit in A) until valid_to.

    Each period lasts until the next one starts; the last one until valid_to. complete is False
    when the known prices before departure cannot deliver the energy (the plan then charges in
    every known slot).
    """

    periods: list[tuple[datetime, float]]
    valid_to: datetime
    energy_wh: float
    cost: float
    complete: bool

    def limit_at(self, moment: datetime) -> float:
        """Return the planned limit at a moment (0 outside the plan)."""
        if moment >= self.valid_to:
            return 0.0
        limit = 0.0
        for start, period_limit in self.periods:
            if start > moment:
                break
            limit = period_limit
        return limit

    def next_start(self, moment: datetime) -> datetime | None:
        """Return when charging next starts (now, if it runs), None when it does not any more."""
        for index, (start, limit) in enumerate(self.periods):
            end = self.periods[index + 1][0] if index + 1 < len(self.periods) else self.valid_to
            if limit > 0 and end > moment:
                return max(start, moment)
        return None


def plan_cheapest(
    prices: Sequence[PriceSlot],
    *,
    now: datetime,
    departure: datetime,
    energy_wh: float,
    max_current_a: float,
    phases: int,
    voltage_v: float = 230.0,
    price_limit: float | None = None,
    max_periods: int = 24,
) -> PricePlan:
    """Charge at full current in the cheapest slots that deliver energy_wh before departure.

    The most expensive slot taken is only charged as long as needed (from its start, in whole
    minutes). Slots at or below price_limit are taken anyway. Runs are merged across the
    shortest gaps until the schedule fits max_periods.
    """
    power_w = max_current_a * phases * voltage_v
    window = [
        PriceSlot(max(slot.start, now), min(slot.end, departure), slot.price)
        for slot in prices
        if min(slot.end, departure) > max(slot.start, now)
    ]
    needed = max(0.0, energy_wh)
    runs: list[tuple[datetime, datetime]] = []
    partial: tuple[PriceSlot, timedelta] | None = None
    planned = cost = 0.0
    for slot in sorted(window, key=lambda slot: (slot.price, slot.start)):
        cheap = price_limit is not None and slot.price <= price_limit
        if needed <= 0 and not cheap:
            break
        hours = (slot.end - slot.start).total_seconds() / 3600
        take = hours if cheap else min(hours, needed / power_w)
        length = min(slot.end - slot.start, timedelta(minutes=math.ceil(take * 60 - 1e-9)))
        if length < slot.end - slot.start:
            partial = (slot, length)
        else:
            runs.append((slot.start, slot.end))
        taken = length.total_seconds() / 3600
        needed -= taken * power_w
        planned += taken * power_w
        cost += taken * power_w / 1000 * slot.price
    if partial is not None:
        # Charge the part next to a run that is charged anyway: one stop and start fewer.
        slot, length = partial
        if any(begin == slot.end for begin, _ in runs):
            runs.append((slot.end - length, slot.end))
        else:
            runs.append((slot.start, slot.start + length))
    runs = _merge(sorted(runs), max(1, max_periods // 2))
    periods: list[tuple[datetime, float]] = []
    if not runs or runs[0][0] > now:
        periods.append((now, 0.0))
    for begin, end in runs:
        periods.append((begin, max_current_a))
        if end < departure:
            periods.append((end, 0.0))
    return PricePlan(
        periods=periods,
        valid_to=departure,
        energy_wh=planned,
        cost=cost,
        complete=needed <= 1e-6,
    )


def _merge(runs: list[tuple[datetime, datetime]], max_runs: int) -> list[tuple[datetime, datetime]]:
    """Join touching runs, then close the shortest gaps until at most max_runs remain."""
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in runs:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    while len(merged) > max_runs:
        gaps = [merged[i + 1][0] - merged[i][1] for i in range(len(merged) - 1)]
        i = gaps.index(min(gaps))
        merged[i : i + 2] = [(merged[i][0], merged[i + 1][1])]
    return merged


def cost_of(prices: Sequence[PriceSlot], energy: Iterable[tuple[datetime, float]]) -> float:
    """Cost of energy drawn at given moments ((moment, Wh) pairs), at the slot price then."""
    total = 0.0
    index = 0
    ordered = sorted(prices, key=lambda slot: slot.start)
    for moment, wh in sorted(energy):
        while index < len(ordered) and ordered[index].end <= moment:
            index += 1
        if index < len(ordered) and ordered[index].start <= moment:
            total += wh / 1000 * ordered[index].price
    return total
