"""Session accounting (pure): the split of each register step into solar, grid and unknown, and cost.

A car of 3600 W draws 1 Wh per second, which keeps the numbers readable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ocpp_central.control.core.accounting import (
    GAP_S,
    ConnectorReading,
    SessionAccount,
    SessionAccounting,
    SiteReading,
    price_per_kwh,
)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def car(energy: float | None, power: float = 0.0, session: str | None = "1") -> ConnectorReading:
    return ConnectorReading(session=session, energy_wh=energy, power_w=power)


def run(
    accounting: SessionAccounting,
    seconds: float,
    grid: float | None,
    price: float | None = None,
    **cars: ConnectorReading,
) -> set[str]:
    return accounting.update(at(seconds), SiteReading(grid_w=grid, price=price), cars)


def totals(account: SessionAccount | None) -> tuple[float, float, float]:
    assert account is not None
    return (
        pytest.approx(account.solar_wh, abs=1e-9),
        pytest.approx(account.grid_wh, abs=1e-9),
        pytest.approx(account.unknown_wh, abs=1e-9),
    )


def test_sun_import_cap_and_missing_grid() -> None:
    """Surplus is solar; import goes to the car up to its power; no grid reading is unknown."""
    accounting = SessionAccounting()
    run(accounting, 0, -500, 2.0, a=car(0.0))
    # The charger reports 3600 W; the grid exports 500 W: all of it is surplus.
    run(accounting, 10, -500, 2.0, a=car(0.0, 3600))
    # Each split holds until the next pass: the step a pass brings was counted before it.
    # From 70 s a cloud: 1800 W imported, half of the car's power.
    run(accounting, 70, 1800, 2.0, a=car(60.0, 3600))
    assert totals(accounting.account("a")) == (60, 0, 0)
    # From 130 s more import than the car draws (the house too): capped at the car's power.
    run(accounting, 130, 7200, 1.0, a=car(120.0, 3600))
    assert totals(accounting.account("a")) == (90, 30, 0)
    # From 190 s the grid meter is missing: its minute is unknown, counted in neither.
    run(accounting, 190, None, 1.0, a=car(180.0, 3600))
    assert totals(accounting.account("a")) == (90, 90, 0)
    run(accounting, 250, None, 1.0, a=car(240.0, 3600))
    account = accounting.account("a")
    assert totals(account) == (90, 90, 60)
    assert account is not None
    # 30 Wh at 2.0 and 60 Wh at 1.0 per kWh.
    assert account.cost == pytest.approx(0.06 + 0.06, abs=1e-12)
    assert account.solar_share == pytest.approx(50.0)
    assert account.running


def test_step_split_over_the_time_it_was_counted() -> None:
    """A register step covering sun and import is split by the time of each, at the car's power."""
    accounting = SessionAccounting()
    run(accounting, 0, -2000, 1.5, a=car(0.0, 3600))
    run(accounting, 15, -2000, 1.5, a=car(0.0, 3600))
    # 45 s of sun, then 15 s of full import; the step arrives with the next reading.
    run(accounting, 45, 5000, 1.5, a=car(0.0, 3600))
    run(accounting, 60, 5000, 1.5, a=car(60.0, 3600))
    account = accounting.account("a")
    assert totals(account) == (45, 15, 0)
    assert account is not None
    assert account.cost == pytest.approx(15 * 1.5 / 1000)
    assert account.solar_share == pytest.approx(75.0)


def test_import_shared_by_power_between_two_cars() -> None:
    """3 kW imported with 4 kW and 2 kW charging: both buy half; 9 kW: both buy all they draw.

    A car that does not draw takes none of the import.
    """
    accounting = SessionAccounting()
    run(accounting, 0, 3000, a=car(0.0, 4000, "A1"), b=car(0.0, 2000, "B1"))
    run(accounting, 36, 9000, a=car(40.0, 4000, "A1"), b=car(20.0, 2000, "B1"))
    assert totals(accounting.account("a")) == (20, 20, 0)
    assert totals(accounting.account("b")) == (10, 10, 0)
    # B pauses: from 72 s the 3 kW imported go to A alone (3/4 of its power).
    run(
        accounting,
        72,
        3000,
        a=car(80.0, 4000, "A1"),
        b=car(40.0, 0, "B1"),
        c=car(None, session=None),
    )
    assert totals(accounting.account("a")) == (20, 60, 0)
    assert totals(accounting.account("b")) == (10, 30, 0)
    run(accounting, 108, 0, a=car(120.0, 4000, "A1"), b=car(40.0, 0, "B1"))
    assert totals(accounting.account("a")) == (30, 90, 0)
    assert totals(accounting.account("b")) == (10, 30, 0)
    # A connector without a session has no account.
    assert accounting.account("c") is None


def test_first_step_of_a_session_is_split_as_the_pass_that_brings_it() -> None:
    """No power seen before the first reading: the step is split with the power and grid now."""
    accounting = SessionAccounting()
    run(accounting, 0, 100, 1.0, a=car(0.0))
    run(accounting, 60, 900, 1.0, a=car(30.0, 3600))
    assert totals(accounting.account("a")) == (22.5, 7.5, 0)
    # Nor then without a grid reading: unknown.
    accounting = SessionAccounting()
    run(accounting, 0, None, a=car(0.0))
    run(accounting, 60, None, a=car(30.0, 3600))
    assert totals(accounting.account("a")) == (0, 0, 30)


def test_session_end_keeps_the_totals_until_the_next_session() -> None:
    """The stop reading's last step is counted; the account stays; a new transaction starts anew."""
    accounting = SessionAccounting()
    run(accounting, 0, -1000, 1.0, a=car(0.0, 3600, "7"))
    run(accounting, 60, -1000, 1.0, a=car(60.0, 3600, "7"))
    # Stopped: the connector shows the last session's energy, 90 Wh at the stop reading.
    assert run(accounting, 90, -1000, 1.0, a=car(90.0, 0, None)) == {"a"}
    account = accounting.account("a")
    assert totals(account) == (90, 0, 0)
    assert account is not None
    assert not account.running
    assert account.ended_at == at(90)
    # Nothing more is counted while no session runs.
    assert run(accounting, 200, 5000, 1.0, a=car(90.0, 3600, None)) == set()
    assert totals(accounting.account("a")) == (90, 0, 0)
    # The next session: a new account from zero.
    assert run(accounting, 300, 5000, 1.0, a=car(0.0, 0, "8")) == {"a"}
    account = accounting.account("a")
    assert account is not None
    assert (account.transaction_id, account.started_at, account.running) == ("8", at(300), True)
    assert totals(account) == (0, 0, 0)
    assert account.solar_share is None
    assert account.cost == 0


def test_a_new_transaction_replaces_a_running_one() -> None:
    """A missed stop: the old account is closed as it was, the new one starts."""
    accounting = SessionAccounting()
    run(accounting, 0, -1000, a=car(0.0, 3600, "7"))
    run(accounting, 60, -1000, a=car(60.0, 3600, "7"))
    old = accounting.account("a")
    run(accounting, 120, -1000, a=car(5.0, 3600, "8"))
    new = accounting.account("a")
    assert old is not None and new is not None and new is not old
    assert (old.ended_at, totals(old)) == (at(120), (60, 0, 0))
    # What the new session counted before it was seen is unknown.
    assert (new.transaction_id, totals(new)) == ("8", (0, 0, 5))


def test_session_seen_late_counts_its_energy_so_far_as_unknown() -> None:
    accounting = SessionAccounting()
    run(accounting, 0, -5000, a=car(2500.0, 3600))
    run(accounting, 60, -5000, a=car(2560.0, 3600))
    assert totals(accounting.account("a")) == (60, 0, 2500)


def test_register_drop_glitch_gap_and_charger_away() -> None:
    """Nothing is counted twice, nothing wild is counted, and nothing unseen is attributed."""
    accounting = SessionAccounting()
    run(accounting, 0, -1000, a=car(1000.0, 3600))
    run(accounting, 60, -1000, a=car(1060.0, 3600))
    assert totals(accounting.account("a")) == (60, 0, 1000)
    # The register goes back: nothing is counted, and counting goes on from there.
    run(accounting, 120, -1000, a=car(10.0, 3600))
    run(accounting, 180, -1000, a=car(70.0, 3600))
    assert totals(accounting.account("a")) == (120, 0, 1000)
    # A step faster than any charger (a unit mix-up) is ignored.
    run(accounting, 240, -1000, a=car(70_000.0, 3600))
    account = accounting.account("a")
    assert totals(account) == (120, 0, 1000)
    assert account is not None
    assert account.ignored_wh == pytest.approx(69_930)
    run(accounting, 300, -1000, a=car(70_060.0, 3600))
    assert totals(accounting.account("a")) == (180, 0, 1000)
    # No pass for more than GAP_S (Home Assistant stalled): the step after it is unknown.
    run(accounting, 300 + GAP_S + 1, -1000, a=car(70_361.0, 3600))
    assert totals(accounting.account("a")) == (180, 0, 1301)
    # Counting goes on normally after that.
    run(accounting, 661, -1000, a=car(70_421.0, 3600))
    assert totals(accounting.account("a")) == (240, 0, 1301)
    # The charger is away: its backlog, when it is back, is unknown.
    run(accounting, 671, -1000, a=car(None, 3600))
    run(accounting, 731, -1000, a=car(None, 3600))
    run(accounting, 741, -1000, a=car(70_491.0, 3600))
    assert totals(accounting.account("a")) == (240, 0, 1371)
    run(accounting, 801, -1000, a=car(70_551.0, 3600))
    assert totals(accounting.account("a")) == (300, 0, 1371)


def test_paused_car_takes_no_import_and_no_step_is_unknown_without_power() -> None:
    """A step while the car was reported at 0 W and is still: nothing to split it by."""
    accounting = SessionAccounting()
    run(accounting, 0, 2000, a=car(0.0, 0))
    run(accounting, 60, 2000, a=car(1.0, 0))
    assert totals(accounting.account("a")) == (0, 0, 1)


def test_changed_only_when_the_account_shows_something_new() -> None:
    accounting = SessionAccounting()
    assert run(accounting, 0, 0, a=car(0.0, 3600), b=car(None, session=None)) == {"a"}
    assert run(accounting, 10, 0, a=car(0.0, 3600)) == set()
    assert run(accounting, 20, 0, a=car(20.0, 3600)) == {"a"}


def test_restore_round_trip_and_no_double_count() -> None:
    """Restored after a restart: totals as saved; what the register counted meanwhile is unknown."""
    before = SessionAccounting()
    run(before, 0, -1000, 1.0, a=car(0.0, 3600, "5"))
    run(before, 60, 1800, 1.0, a=car(60.0, 3600, "5"))
    run(before, 120, 1800, 1.0, a=car(120.0, 3600, "5"))
    saved = before.account("a")
    assert saved is not None
    data = saved.as_dict()
    assert data == {
        "transaction_id": "5",
        "started_at": "2026-06-01T10:00:00+00:00",
        "ended_at": None,
        "solar_wh": 90.0,
        "grid_wh": 30.0,
        "unknown_wh": 0.0,
        "cost": pytest.approx(0.03),
        "unpriced_wh": 0.0,
        "ignored_wh": 0.0,
        "register_wh": 120.0,
        "register_at": "2026-06-01T10:02:00+00:00",
        "updated_at": "2026-06-01T10:02:00+00:00",
    }

    after = SessionAccounting()
    # The first pass after the restart comes before the sensors restore: a fresh account...
    run(after, 150, 1800, 1.0, a=car(150.0, 3600, "5"))
    assert totals(after.account("a")) == (0, 0, 150)
    # ...which the saved one replaces (once: a later offer is refused).
    assert after.restore("a", SessionAccount.from_dict(data))
    assert not after.restore("a", SessionAccount.from_dict(data))
    assert totals(after.account("a")) == (90, 30, 0)
    # The 30 Wh counted across the restart are unknown; then counting goes on.
    run(after, 160, 7200, 1.0, a=car(160.0, 3600, "5"))
    assert totals(after.account("a")) == (90, 30, 40)
    run(after, 220, -1000, 1.0, a=car(220.0, 3600, "5"))
    account = after.account("a")
    assert totals(account) == (90, 90, 40)
    assert account is not None
    assert account.cost == pytest.approx(0.09)
    assert account.started_at == T0


def test_restore_keeps_a_newer_session_and_reopens_a_running_one() -> None:
    old = SessionAccount(transaction_id="5", started_at=T0, solar_wh=10.0, register_wh=10.0)
    accounting = SessionAccounting()
    run(accounting, 0, 0, a=car(0.0, 0, "6"))
    assert not accounting.restore("a", SessionAccount.from_dict(old.as_dict()))
    account = accounting.account("a")
    assert account is not None and account.transaction_id == "6"

    # Saved closed, yet its session still runs at the charger: it is open again.
    closed = SessionAccount(
        transaction_id="5",
        started_at=T0,
        ended_at=at(60),
        solar_wh=10.0,
        register_wh=10.0,
        register_at=at(50),
    )
    accounting = SessionAccounting()
    assert accounting.restore("b", SessionAccount.from_dict(closed.as_dict()))
    run(accounting, 100, 0, b=car(25.0, 3600, "5"))
    account = accounting.account("b")
    assert account is not None and account.running
    assert totals(account) == (10, 0, 15)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"transaction_id": "1", "started_at": "yesterday"},
        {
            "transaction_id": "1",
            "started_at": "2026-06-01T10:00:00",
            "solar_wh": 1,
            "grid_wh": 1,
            "unknown_wh": 1,
            "cost": 1,
            "register_wh": 1,
        },
        {
            "transaction_id": "1",
            "started_at": "2026-06-01T10:00:00+00:00",
            "solar_wh": "1",
            "grid_wh": 1,
            "unknown_wh": 1,
            "cost": 1,
            "register_wh": 1,
        },
    ],
)
def test_unusable_saved_accounts_are_refused(data: dict[str, object]) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        SessionAccount.from_dict(data)


def test_unpriced_grid_energy_has_no_cost() -> None:
    accounting = SessionAccounting()
    run(accounting, 0, 3600, None, a=car(0.0, 3600))
    run(accounting, 60, 3600, 2.0, a=car(60.0, 3600))
    account = accounting.account("a")
    assert account is not None
    assert (account.grid_wh, account.unpriced_wh, account.cost) == (60.0, 60.0, 0.0)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.5, "SEK/kWh", 1.5),
        (1.5, None, 1.5),
        (120.0, "EUR/MWh", 0.12),
        (25.0, "öre/kWh", 0.25),
        (30.0, "c/kWh", 0.3),
        (30.0, "ct/kWh", 0.3),
        (0.0003, "EUR/Wh", 0.3),
        (20.0, "p/kWh", 0.2),
    ],
)
def test_price_per_kwh(value: float, unit: str | None, expected: float) -> None:
    assert price_per_kwh(value, unit) == pytest.approx(expected)
