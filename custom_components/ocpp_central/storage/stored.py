"""The stored form of the charger model: JSON-safe dicts, per part, and back.

A charger is stored as parts (station info, each connector), so that one part that cannot be
stored (an integer beyond JSON's range, say) costs that part only. Reading is lenient: an
unreadable part is dropped with a warning, never the whole store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from functools import partial
import math
from typing import Any

from ..const import LOGGER
from ..csms.energy import EnergyRegister
from ..csms.model import (
    Charger,
    Connector,
    ConnectorStatus,
    EvInfo,
    ExternalLimit,
    LimitPeriod,
    StationInfo,
    Transaction,
)

type Stored = dict[str, Any]

# Integers beyond this lose precision in JSON readers (JavaScript's Number.MAX_SAFE_INTEGER).
JSON_SAFE_INT = 2**53 - 1
# EvInfo's numbers, stored as they are (its departure as ISO 8601, its phases as an int).
_EV_NUMBERS = tuple(
    f.name for f in fields(EvInfo) if f.name not in ("departure_time", "phases_used")
)


def check_json_safe(value: Any) -> None:
    """Raise ValueError or TypeError unless every JSON reader takes the value as it is."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"key {key!r} is not a string")
            _check_text(key)
            check_json_safe(item)
    elif kind is list or kind is tuple:
        for item in value:
            check_json_safe(item)
    elif kind is str:
        _check_text(value)
    elif kind is float:
        if not math.isfinite(value):
            raise ValueError(f"number {value} is not finite")
    elif kind is int:
        if abs(value) > JSON_SAFE_INT:
            raise ValueError(f"integer {value} is beyond JSON's safe range")
    elif value is None or kind is bool:
        return
    elif isinstance(value, str):  # a StrEnum, say
        _check_text(value)
    elif isinstance(value, int):  # an IntEnum
        check_json_safe(int(value))
    elif isinstance(value, float):
        check_json_safe(float(value))
    else:
        raise TypeError(f"{kind.__name__} is not stored as JSON")


def _check_text(text: str) -> None:
    """Lone surrogates (escaped in a charger's JSON) cannot be written as UTF-8."""
    if not text.isascii():
        text.encode()


def charger_as_dict(charger: Charger) -> Stored:
    """Return a charger's whole stored form; raises when a part cannot be built."""
    parts = {part: build() for part, build in stored_parts(charger)}
    return {"info": parts.pop("info"), "connectors": parts}


def stored_parts(charger: Charger) -> list[tuple[str, Callable[[], Stored]]]:
    """Return a charger's separately stored parts and how to build each: info, connectors."""
    return [
        ("info", partial(_info_as_dict, charger)),
        *(
            (str(number), partial(_connector_as_dict, connector))
            for number, connector in charger.connectors.items()
        ),
    ]


def _info_as_dict(charger: Charger) -> Stored:
    info = charger.info
    return {
        "vendor": info.vendor,
        "model": info.model,
        "serial_number": info.serial_number,
        "firmware_version": info.firmware_version,
        "meter_type": info.meter_type,
        "meter_serial_number": info.meter_serial_number,
        # The last told; shown after a restart until the charger confirms it (or tells another).
        "status": charger.status,
        "error_code": charger.error_code,
    }


def _status(stored: Any) -> ConnectorStatus | None:
    """Read a stored status; unknown when none was stored (data from before) or unreadable."""
    try:
        return ConnectorStatus(stored) if isinstance(stored, str) else None
    except ValueError:
        return None


def _text(stored: Any) -> str | None:
    return stored if isinstance(stored, str) else None


def _connector_as_dict(connector: Connector) -> Stored:
    if abs(connector.connector_id) > JSON_SAFE_INT:
        raise ValueError(f"connector id {connector.connector_id} is beyond JSON's safe range")
    return {
        "status": connector.status,
        "error_code": connector.error_code,
        "energy_raw_wh": connector.energy.last_raw_wh,
        "energy_offset_wh": connector.energy.offset_wh,
        "transaction": connector.transaction.as_dict() if connector.transaction else None,
        "last_session_energy_wh": connector.last_session_energy_wh,
        # Without it, a backlog replayed after a restart would look like a register reset.
        "last_meter_at": connector.last_meter_at.isoformat() if connector.last_meter_at else None,
        "seen_measurands": sorted(connector.seen_measurands),
        "metered_directly": connector.metered_directly,
        # Cheapest plans with the car's departure and energy: it will not say them again.
        "ev": _ev_as_dict(connector.ev),
        # The charger does not tell them again when we come back; only its reboot ends them.
        "external_limits": [_limit_as_dict(limit) for limit in connector.external_limits.values()],
    }


def _ev_as_dict(ev: EvInfo) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(ev, name) for name in _EV_NUMBERS}
    data["departure_time"] = ev.departure_time.isoformat() if ev.departure_time else None
    data["phases_used"] = ev.phases_used
    return data


def _ev_from_dict(stored: Any) -> EvInfo:
    """Restore the car's word; a blank one from data stored before it was kept."""
    if not isinstance(stored, dict):
        return EvInfo()
    numbers = {
        name: float(value)
        for name in _EV_NUMBERS
        if isinstance(value := stored.get(name), int | float) and not isinstance(value, bool)
    }
    phases = stored.get("phases_used")
    return EvInfo(
        departure_time=_time(stored.get("departure_time")),
        phases_used=phases if phases in (1, 2, 3) and not isinstance(phases, bool) else None,
        **numbers,
    )


def _limit_as_dict(limit: ExternalLimit) -> dict[str, Any]:
    return {
        "source": limit.source,
        "set_at": limit.set_at.isoformat(),
        "periods": [
            {
                "begins": period.begins.isoformat(),
                "ends": period.ends.isoformat() if period.ends else None,
                "limit": period.limit,
                "unit": period.unit,
                "phases": period.phases,
            }
            for period in limit.periods
        ],
    }


def _limit_from_dict(stored: dict[str, Any]) -> ExternalLimit:
    """Restore one limit; KeyError, TypeError or ValueError when unusable (all are dropped)."""
    set_at = _time(stored["set_at"])
    if not isinstance(stored["source"], str) or set_at is None:
        raise TypeError(f"Unusable stored limit {stored!r}")
    periods = []
    for period in stored["periods"]:
        begins = _time(period["begins"])
        if begins is None or period["unit"] not in ("A", "W") or period["phases"] not in (1, 2, 3):
            raise TypeError(f"Unusable stored limit period {period!r}")
        ends = _time(period["ends"])
        periods.append(
            LimitPeriod(begins, ends, float(period["limit"]), period["unit"], period["phases"])
        )
    return ExternalLimit(stored["source"], set_at, tuple(periods))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def charger_from_dict(charger_id: str, data: dict[str, Any]) -> Charger:
    """Restore a charger; an unreadable connector is dropped with a warning."""
    info = data.get("info", {})
    charger = Charger(
        charger_id,
        info=StationInfo(
            vendor=info.get("vendor"),
            model=info.get("model"),
            serial_number=info.get("serial_number"),
            firmware_version=info.get("firmware_version"),
            meter_type=info.get("meter_type"),
            meter_serial_number=info.get("meter_serial_number"),
        ),
        status=_status(info.get("status")),
        error_code=_text(info.get("error_code")),
    )
    for key, stored in data.get("connectors", {}).items():
        try:
            connector = _connector_from_dict(int(key), stored)
        except (ValueError, TypeError, AttributeError) as err:
            LOGGER.warning(
                "Dropped unreadable stored state of %s connector %s: %s", charger_id, key, err
            )
            continue
        charger.connectors[connector.connector_id] = connector
    return charger


def _connector_from_dict(connector_id: int, stored: dict[str, Any]) -> Connector:
    transaction = stored.get("transaction")
    raw_wh = stored.get("energy_raw_wh")
    status = _status(stored.get("status"))
    return Connector(
        connector_id,
        status=status,
        error_code=_text(stored.get("error_code")),
        status_confirmed=status is None,
        energy=EnergyRegister(
            last_raw_wh=None if raw_wh is None else float(raw_wh),
            offset_wh=float(stored.get("energy_offset_wh") or 0.0),
        ),
        transaction=Transaction.from_dict(transaction) if transaction else None,
        last_session_energy_wh=stored.get("last_session_energy_wh"),
        last_meter_at=_time(stored.get("last_meter_at")),
        seen_measurands=set(stored.get("seen_measurands", [])),
        metered_directly=bool(stored.get("metered_directly", False)),
        ev=_ev_from_dict(stored.get("ev")),
        external_limits=_limits_from_list(stored.get("external_limits")),
    )


def _limits_from_list(stored: Any) -> dict[str, ExternalLimit]:
    """Others' limits by source; none from data stored before they were kept, or unreadable."""
    try:
        limits = [_limit_from_dict(item) for item in stored or []]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        LOGGER.warning("Dropped unreadable stored charging limits: %s", err)
        return {}
    return {limit.source: limit for limit in limits}
