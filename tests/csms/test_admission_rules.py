"""The admission bookkeeping on its own (csms/admission.py), with clocks the tests move."""

from __future__ import annotations

import pytest

from custom_components.ocpp_central.csms.admission import (
    AddressBudget,
    HourlyCap,
    LogThrottle,
    PendingChargers,
    fits_new_identity,
    identity_problem,
)
from custom_components.ocpp_central.csms.auth import (
    generate_password,
    password_matches,
    password_problem,
)


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "charger_id", ["CP1", "CP 1", "Wallbox-Pulsar_123", "x" * 48, "Ünïcode", "<script>"]
)
def test_identities(charger_id: str) -> None:
    assert identity_problem(charger_id) is None


@pytest.mark.parametrize(
    "charger_id", ["", "A\x00B", "A\nB", "A\u2028B", " CP1", "CP1 ", "CP1\t", "x" * 49, "A\x7fB"]
)
def test_no_identities(charger_id: str) -> None:
    assert identity_problem(charger_id) is not None


@pytest.mark.parametrize(
    ("charger_id", "fits"),
    [("CP1", True), ("a*b-c_d=e:f+g|h@i.j", True), ("CP 1", False), ("<script>", False)],
)
def test_new_identities(charger_id: str, fits: bool) -> None:
    assert fits_new_identity(charger_id) is fits


def test_address_budget_refills() -> None:
    clock = Clock()
    budget = AddressBudget(burst=3, refill_per_minute=3, clock=clock)
    assert [budget.spend("a") for _ in range(4)] == [True, True, True, False]
    assert budget.spend("b")
    clock.now += 20  # one token back
    assert budget.spend("a")
    assert not budget.spend("a")


def test_log_throttle_once_a_minute() -> None:
    clock = Clock()
    throttle = LogThrottle(clock=clock)
    assert throttle.allow("a") == 0
    assert throttle.allow("a") is None
    assert throttle.allow("a") is None
    assert throttle.allow("b") == 0
    clock.now += 60
    assert throttle.allow("a") == 2


def test_pending_cap_oldest_first_and_expiry() -> None:
    clock = Clock()
    pending = PendingChargers(cap=2, expiry_s=600, clock=clock)
    assert pending.arrive("A", "1") == []
    assert pending.arrive("B", "1") == []
    assert pending.arrive("A", "1") == []  # A reconnecting is the newest now
    assert pending.arrive("C", "1") == ["B"]
    pending.leave("A")
    clock.now += 600
    assert pending.expired() == []
    clock.now += 1
    assert pending.expired() == ["A"]
    assert list(pending.visits) == ["C"]  # still connected: never expires


def test_hourly_cap() -> None:
    clock = Clock()
    cap = HourlyCap(limit=2, clock=clock)
    assert [cap.take(), cap.take(), cap.take()] == [True, True, False]
    clock.now += 3600
    assert cap.take()


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", None),
        ("a" * 16, None),
        ("a" * 40, None),
        ("a" * 15, "password_length"),
        ("a" * 41, "password_length"),
        ("sixteen chars ok", None),
        ("lösenord-lösenord", "password_characters"),
        ("tab\tinside-the-password", "password_characters"),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    assert password_problem(password) == problem


def test_generated_passwords_follow_the_rules() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(password_problem(password) is None for password in passwords)


@pytest.mark.parametrize("digits", [31, 33, 35, 39, 41])
def test_odd_or_out_of_range_hex_is_plain_text(digits: int) -> None:
    configured = ("0123456789abcdef" * 3)[:digits]
    assert password_matches(configured, configured.encode())
    assert not password_matches(configured, b"\x01\x23")


def test_even_hex_also_matches_its_bytes() -> None:
    configured = "0123456789abcdef" * 2
    assert password_matches(configured, bytes.fromhex(configured))
    assert password_matches(configured, configured.encode())
