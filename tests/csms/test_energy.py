"""The lifetime energy register and a session's energy: they never lie (pure, no Home Assistant).

What users saw with independent clients and simulators: one zero or negative reading moved the
total (12 -> 7 kWh, 12.5 -> 36.5 kWh), and a late StopTransaction made a session's energy fall.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ocpp_central.csms.energy import EnergyRegister
from custom_components.ocpp_central.csms.model import Connector, Sample
from custom_components.ocpp_central.csms.rating import Rating

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
# A 32 A charger: at most 80 A (the floor) x 3 x 253 V = 60.7 kW is plausible.
RATED = Rating(max_current_a=32.0)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def register(*readings: tuple[float, float]) -> EnergyRegister:
    """A register fed (minutes after T0, Wh) readings of a 32 A charger."""
    found = EnergyRegister()
    for minutes, wh in readings:
        found.update(wh, at(minutes), rating=RATED)
    return found


@pytest.mark.parametrize("odd", [0.0, 1.0, 5000.0])
def test_one_low_reading_moves_nothing(odd: float) -> None:
    """12 kWh, then one zero (or a low reading), then 12 kWh again: the total never moved."""
    found = register((0, 12000), (1, odd))
    assert found.total_wh == 12000
    found.update(12010, at(2), rating=RATED)
    assert (found.total_wh, found.offset_wh) == (12010, 0)


def test_negative_or_non_finite_readings_are_refused() -> None:
    found = register((0, 12000))
    for bad in (-5000.0, float("nan"), float("inf")):
        found.update(bad, at(1), rating=RATED)
    assert found.total_wh == 12000
    assert len(found.take_refused()) == 3
    assert found.take_refused() == []


def test_a_reset_is_believed_when_the_register_counts_on_from_it() -> None:
    """A register restarting from zero (Vestel, Grizzl-E) shows it by counting: then it is a reset."""
    found = register((0, 12000), (1, 0), (2, 150))
    assert found.total_wh == 12150
    assert found.offset_wh == 12000
    # Seen resetting once, its next drop to a counting value is believed at once.
    found.update(20, at(3), rating=RATED)
    assert found.total_wh == 12170


def test_a_new_sessions_lower_start_is_evidence() -> None:
    found = register((0, 12000))
    found.update(0, at(1), rating=RATED, new_session=True)
    assert (found.total_wh, found.offset_wh) == (12000, 12000)


def test_a_jump_faster_than_the_station_is_dropped() -> None:
    """12.5 kWh, then 36.5 kWh ten seconds later: not believed; the register carries on from 12.5."""
    found = register((0, 12500))
    found.update(80_000, at(1 / 6), rating=RATED)
    assert found.total_wh == 12500
    [refused] = found.take_refused()
    assert "jumping from 12500 Wh to 80000 Wh" in refused
    # Back where it was: counted as usual.
    found.update(12600, at(1), rating=RATED)
    assert found.total_wh == 12600


def test_a_jump_the_station_can_make_in_the_time_is_taken() -> None:
    """An hour offline at 11 kW (plus an hour's margin for clocks) is no jump."""
    found = register((0, 12500), (60, 12500 + 11000))
    assert found.total_wh == 23500
    assert found.take_refused() == []


def test_a_new_meter_counting_from_a_higher_base_continues_the_total() -> None:
    """A register that jumped and counts on from there: the total carries on, without the jump."""
    found = register((0, 12500), (1, 500_000), (2, 500_050))
    assert found.total_wh == 12550
    found.update(500_100, at(3), rating=RATED)
    assert found.total_wh == 12600


def test_an_unrated_charger_gets_the_hard_ceiling() -> None:
    found = EnergyRegister()
    found.update(1000, at(0))
    found.update(1000 + 700_000, at(1))
    assert found.total_wh == 701_000


def test_working_memory_is_neither_compared_nor_stored() -> None:
    """Two registers with the same total are equal, whatever each doubts."""
    assert register((0, 5000), (1, 0)) == EnergyRegister(last_raw_wh=5000, offset_wh=0)


# --- a session's energy ---------------------------------------------------------------------


def test_a_late_lower_stop_reading_keeps_what_was_shown() -> None:
    """0.448 kWh shown; a stale StopTransaction at 0.225 kWh ends the session at 0.448."""
    connector = Connector(1)
    connector.open_transaction(
        1, "T", start_wh=10000, read_at=at(0), started_at=at(0), rating=RATED
    )
    connector.apply_samples([Sample("Energy.Active.Import.Register", 10448)], at(10), RATED)
    assert connector.session_energy_wh == 448
    connector.close_transaction(10225, at(5), RATED)
    assert connector.last_session_energy_wh == 448
    assert connector.energy.total_wh == 10448


def test_a_lower_stop_reading_in_time_keeps_what_was_shown() -> None:
    connector = Connector(1)
    connector.open_transaction(
        1, "T", start_wh=10000, read_at=at(0), started_at=at(0), rating=RATED
    )
    connector.apply_samples([Sample("Energy.Active.Import.Register", 10448)], at(10), RATED)
    connector.close_transaction(10225, at(11), RATED)
    assert connector.last_session_energy_wh == 448


def test_a_session_replayed_from_a_backlog_ends_at_its_own_readings() -> None:
    """Newer readings came first; the queued session counts what its own readings say."""
    connector = Connector(1)
    connector.apply_samples([Sample("Energy.Active.Import.Register", 25000)], at(120), RATED)
    connector.open_transaction(
        2, "T", start_wh=20000, read_at=at(0), started_at=at(0), rating=RATED
    )
    connector.close_transaction(23000, at(60), RATED)
    assert connector.last_session_energy_wh == 3000
    assert connector.energy.total_wh == 25000


def test_session_energy_never_falls_while_the_register_doubts() -> None:
    connector = Connector(1)
    connector.open_transaction(
        1, "T", start_wh=10000, read_at=at(0), started_at=at(0), rating=RATED
    )
    shown = []
    for minutes, wh in ((1, 10100), (2, 0), (3, -50), (4, 99_999_999), (5, 10200)):
        connector.apply_samples([Sample("Energy.Active.Import.Register", wh)], at(minutes), RATED)
        shown.append(connector.session_energy_wh)
    assert shown == sorted(shown)
    assert shown[-1] == 200
