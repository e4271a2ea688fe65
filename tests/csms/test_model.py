"""Pure unit tests: sample parsing, the charger model, password rules, TLS context, URL parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
import ssl
from unittest.mock import patch

import pytest

from custom_components.ocpp_central.csms import auth
from custom_components.ocpp_central.csms.auth import build_ssl_context, password_matches
from custom_components.ocpp_central.csms.energy import EnergyRegister
from custom_components.ocpp_central.csms.meter import to_sample
from custom_components.ocpp_central.csms.model import (
    Charger,
    Connector,
    ConnectorStatus,
    Phase,
    Sample,
    Transaction,
)
from custom_components.ocpp_central.csms.protocol.values import parse_time
from custom_components.ocpp_central.csms.server import charger_id_from_path
from custom_components.ocpp_central.storage.stored import charger_as_dict, charger_from_dict
from tests.helpers.certs import make_certs

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)

# --- meter.to_sample ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measurand", "value", "unit", "phase", "expected"),
    [
        (None, "1234.5", None, None, Sample("Energy.Active.Import.Register", 1234.5)),
        (
            "Energy.Active.Import.Register",
            "12.5",
            "kWh",
            None,
            Sample("Energy.Active.Import.Register", 12500.0),
        ),
        (
            "Energy.Active.Import.Register",
            "12.5",
            "KWH",
            None,
            Sample("Energy.Active.Import.Register", 12500.0),
        ),
        ("Power.Active.Import", "7.2", "kW", None, Sample("Power.Active.Import", 7200.0)),
        ("Power.Active.Import", "7200", "W", None, Sample("Power.Active.Import", 7200.0)),
        ("Power.Offered", "11", "kW", None, Sample("Power.Offered", 11000.0)),
        ("Current.Import", "16", "A", "L2", Sample("Current.Import", 16.0, Phase.L2)),
        ("Current.Import", "16", "A", "l3", Sample("Current.Import", 16.0, Phase.L3)),
        ("Voltage", "230", "V", "L1-N", Sample("Voltage", 230.0, Phase.L1)),
        ("Voltage", "231", "V", "L3-N", Sample("Voltage", 231.0, Phase.L3)),
        ("Temperature", "31.5", "Celsius", None, Sample("Temperature", 31.5)),
        ("Temperature", "212", "Fahrenheit", None, Sample("Temperature", 100.0)),
        ("Temperature", "273.15", "K", None, Sample("Temperature", 0.0)),
        ("SoC", "55", "Percent", None, Sample("SoC", 55.0)),
        ("Frequency", "50", "Hz", None, Sample("Frequency", 50.0)),
        ("Power.Reactive.Import", "2", "kvar", None, Sample("Power.Reactive.Import", 2000.0)),
        (
            "Energy.Reactive.Import.Register",
            "2",
            "kvarh",
            None,
            Sample("Energy.Reactive.Import.Register", 2000.0),
        ),
        ("Power.Active.Import", "3", "kVA", None, Sample("Power.Active.Import", 3000.0)),
        ("Power.Active.Import", "5", "unknown-unit", None, Sample("Power.Active.Import", 5.0)),
        ("", " 42 ", "", "", Sample("Energy.Active.Import.Register", 42.0)),
        ("Power.Active.Import", "-100", "W", None, Sample("Power.Active.Import", -100.0)),
    ],
)
def test_to_sample(
    measurand: str | None, value: str, unit: str | None, phase: str | None, expected: Sample
) -> None:
    sample = to_sample(measurand, value, unit, phase)
    assert sample is not None
    assert sample.measurand == expected.measurand
    assert sample.phase == expected.phase
    assert sample.value == pytest.approx(expected.value)


def test_to_sample_line_to_line_voltage() -> None:
    for phase, expected in (("L1-L2", Phase.L1), ("L2-L3", Phase.L2), ("L3-L1", Phase.L3)):
        sample = to_sample("Voltage", "400", "V", phase)
        assert sample is not None
        assert sample.phase is expected
        assert sample.value == pytest.approx(230.94, abs=0.01)
    # Line-to-line current is just the phase's current.
    sample = to_sample("Current.Import", "10", "A", "L1-L2")
    assert sample is not None
    assert sample.value == 10.0


def test_to_sample_multiplier() -> None:
    sample = to_sample("Energy.Active.Import.Register", "123", "Wh", None, multiplier=3)
    assert sample is not None
    assert sample.value == 123000.0


@pytest.mark.parametrize(
    "value", ["", "abc", "OCMF|{}", "nan", "NaN", "inf", "-inf", None, [], {}, "1,5", "1e999"]
)
def test_to_sample_unusable(value: object) -> None:
    assert to_sample("Power.Active.Import", value, "W", None) is None


def test_to_sample_neutral_dropped() -> None:
    assert to_sample("Current.Import", "0.3", "A", "N") is None
    assert to_sample("Current.Import", "0.3", "A", "n") is None


def test_to_sample_odd_types() -> None:
    """Fields of the wrong JSON type are treated as absent (validation is skipped)."""
    sample = to_sample(5, 10, 7, 3)
    assert sample == Sample("Energy.Active.Import.Register", 10.0)


# --- EnergyRegister ------------------------------------------------------------------------


def test_energy_register_counts_and_never_drops() -> None:
    register = EnergyRegister()
    assert register.total_wh is None
    register.update(1000)
    register.update(1500)
    assert register.total_wh == 1500
    # Per-session reset to zero (Vestel): what was counted is kept as an offset.
    register.update(0)
    assert register.total_wh == 1500
    register.update(300)
    assert register.total_wh == 1800
    register.update(50)
    assert register.total_wh == 1850
    assert register.offset_wh == 1800


def test_energy_register_small_drop_is_a_glitch() -> None:
    """Rounding (kWh with one decimal vs Wh) must not double the lifetime energy."""
    register = EnergyRegister()
    register.update(12345)
    register.update(12300)
    assert register.total_wh == 12345
    assert register.offset_wh == 0
    register.update(12400)
    assert register.total_wh == 12400


# --- Connector / Charger -------------------------------------------------------------------


def test_connector_apply_samples() -> None:
    connector = Connector(1)
    connector.apply_samples(
        [
            Sample("Energy.Active.Import.Register", 1000.0),
            Sample("Energy.Active.Import.Register", 300.0, Phase.L1),
            Sample("Power.Active.Import", 7000.0),
            Sample("Power.Active.Import", 2300.0, Phase.L1),
            Sample("Current.Import", 10.0),
            Sample("Voltage", 230.0, Phase.L2),
            Sample("Current.Offered", 16.0),
            Sample("Power.Offered", 11000.0),
            Sample("SoC", 40.0),
            Sample("Temperature", 25.0),
            Sample("Frequency", 50.0),
            Sample("Energy.Active.Import.Interval", 5.0),
        ],
        T0,
    )
    assert connector.energy.total_wh == 1000.0
    assert connector.power_w == 7000.0  # the total wins over per-phase values
    assert connector.current_a == {Phase.L1: 10.0}
    assert connector.voltage_v == {Phase.L2: 230.0}
    assert connector.current_offered_a == 16.0
    assert connector.power_offered_w == 11000.0
    assert (connector.soc_percent, connector.temperature_c, connector.frequency_hz) == (40, 25, 50)
    assert connector.last_meter_at == T0
    assert "Voltage.l2" in connector.seen_measurands
    assert "Energy.Active.Import.Register.l1" in connector.seen_measurands
    assert "Energy.Active.Import.Interval" not in connector.seen_measurands


def test_connector_stale_samples_ignored() -> None:
    connector = Connector(1)
    connector.apply_samples([Sample("Power.Active.Import", 7000.0)], T1)
    connector.apply_samples([Sample("Power.Active.Import", 1.0)], T0)
    assert connector.power_w == 7000.0
    # Untimed readings are taken as current.
    connector.apply_samples([Sample("Power.Active.Import", 2.0)], None)
    assert connector.power_w == 2.0
    assert connector.last_meter_at == T1


def test_connector_session_energy_and_status() -> None:
    connector = Connector(1)
    assert connector.plugged_in is None
    assert connector.charging is None
    assert connector.session_energy_wh is None
    connector.status = ConnectorStatus.SUSPENDED_EV
    assert connector.plugged_in is True
    assert connector.charging is False
    connector.transaction = Transaction(7, 1, "T", 1000.0, T0)
    assert connector.session_energy_wh == 0.0
    connector.energy.update(1600.0)
    assert connector.session_energy_wh == 600.0
    connector.energy.update(0.0)
    connector.energy.update(100.0)
    assert connector.session_energy_wh == 700.0


def test_connector_opens_and_closes_transactions() -> None:
    """Start and stop readings go through the register; a session whose stop got lost is closed."""
    connector = Connector(1)
    connector.ev.phases_used = 3
    assert connector.open_transaction(1, "T", start_wh=None, read_at=None, started_at=T0) is None
    assert connector.transaction == Transaction(1, 1, "T", 0.0, T0)
    # The lost session ends at the next one's start reading: the latest it can have ended at.
    lost = connector.open_transaction(2, None, start_wh=5000.0, read_at=T1, started_at=T1)
    assert lost == Transaction(1, 1, "T", 0.0, T0)
    assert connector.last_session_energy_wh == 5000.0
    assert connector.transaction == Transaction(2, 1, None, 5000.0, T1)
    assert connector.last_meter_at == T1
    # A stop reading older than one already taken counts, but does not move the register back.
    assert connector.close_transaction(5200.0, T0) == Transaction(2, 1, None, 5000.0, T1)
    assert connector.last_session_energy_wh == 200.0
    assert connector.energy.total_wh == 5000.0
    assert connector.ev.phases_used is None
    assert connector.close_transaction(None, None) is None
    # No stop reading: the register's latest.
    connector.open_transaction(3, "T", start_wh=None, read_at=None, started_at=T1)
    connector.energy.update(5500.0)
    connector.close_transaction(None, None)
    assert connector.last_session_energy_wh == 500.0


def test_charger_connectors_and_transactions() -> None:
    charger = Charger("CP1")
    first = charger.connector(1)
    assert charger.connector(1) is first
    first.transaction = Transaction(5, 1, None, 0.0, T0)
    charger.connector(2).transaction = Transaction("abc", 2, None, 0.0, T0)
    assert charger.find_transaction(5) is first
    assert charger.find_transaction("abc") is charger.connectors[2]
    assert charger.find_transaction(6) is None


def test_transaction_round_trip() -> None:
    transaction = Transaction(42, 1, "TAG", 1234.5, T0)
    assert Transaction.from_dict(transaction.as_dict()) == transaction
    anonymous = Transaction("tx-1", 2, None, 0.0, T1)
    assert Transaction.from_dict(anonymous.as_dict()) == anonymous


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {
            "transaction_id": True,
            "connector_id": 1,
            "meter_start_wh": 0,
            "started_at": "2026-01-01T00:00:00",
        },
        {
            "transaction_id": 1,
            "connector_id": "1",
            "meter_start_wh": 0,
            "started_at": "2026-01-01T00:00:00",
        },
        {
            "transaction_id": 1,
            "connector_id": 1,
            "meter_start_wh": None,
            "started_at": "2026-01-01T00:00:00",
        },
        {"transaction_id": 1, "connector_id": 1, "meter_start_wh": 0, "started_at": None},
    ],
)
def test_transaction_from_broken_dict(broken: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Transaction.from_dict(broken)


def test_transaction_from_dict_bad_time() -> None:
    with pytest.raises(ValueError):
        Transaction.from_dict(
            {"transaction_id": 1, "connector_id": 1, "meter_start_wh": 0, "started_at": "soon"}
        )


def test_store_round_trip() -> None:
    charger = Charger("CP1")
    charger.info.vendor = "Acme"
    charger.info.serial_number = "SN"
    connector = charger.connector(1)
    connector.energy.update(5000)
    connector.energy.update(0)
    connector.energy.update(700)
    connector.transaction = Transaction(9, 1, "T", 5000.0, T0)
    connector.last_session_energy_wh = 1200.0
    connector.last_meter_at = T1
    connector.seen_measurands = {"Power.Active.Import", "Voltage.l1"}
    connector.metered_directly = True
    connector.power_w = 7000.0  # not durable
    restored = charger_from_dict("CP1", charger_as_dict(charger))
    assert restored.info == charger.info
    again = restored.connectors[1]
    assert again.energy == connector.energy
    assert again.transaction == connector.transaction
    assert again.last_session_energy_wh == 1200.0
    assert again.last_meter_at == T1
    assert again.seen_measurands == connector.seen_measurands
    assert again.metered_directly
    assert again.power_w is None
    assert not restored.connected


# --- auth ----------------------------------------------------------------------------------

HEX = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("configured", "offered", "accepted"),
    [
        ("secret", b"secret", True),
        ("secret", b"Secret", False),
        ("secret", b"secret ", False),
        ("secret", b"", False),
        ("pässwörd", "pässwörd".encode(), True),
        (HEX, HEX.encode(), True),
        (HEX, bytes.fromhex(HEX), True),
        (HEX.upper(), bytes.fromhex(HEX), True),
        (HEX, bytes.fromhex(HEX)[:-1], False),
        (HEX[:32], bytes.fromhex(HEX[:32]), True),  # 16 bytes, 32 hex digits
        (HEX[:30], bytes.fromhex(HEX[:30]), False),  # too short to be a hex key
        (HEX + "01", bytes.fromhex(HEX + "01"), False),  # too long to be a hex key
        ("0123456789abcdef0123456789abcdefXYZ", b"0123456789abcdef0123456789abcdefXYZ", True),
    ],
)
def test_password_matches(configured: str, offered: bytes, accepted: bool) -> None:
    assert password_matches(configured, offered) is accepted


def test_password_matches_is_constant_time() -> None:
    with patch.object(auth.hmac, "compare_digest", wraps=auth.hmac.compare_digest) as compare:
        assert not password_matches(HEX, b"nope")
    # Both forms are compared, whichever would have matched.
    assert compare.call_count == 2


def test_build_ssl_context(tmp_path: Path) -> None:
    certs = make_certs(tmp_path)
    context = build_ssl_context(str(certs.cert), str(certs.key))
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    ciphers = {cipher["name"] for cipher in context.get_ciphers()}
    # Security Whitepaper A00.FR.317: plain RSA AES-GCM suites for RSA-only chargers.
    assert {"AES128-GCM-SHA256", "AES256-GCM-SHA384"} <= ciphers
    # Certificate and key in one file.
    assert build_ssl_context(str(certs.combined), "") is not None
    with pytest.raises(ssl.SSLError):
        build_ssl_context(str(certs.cert), str(certs.other_key))
    with pytest.raises(ssl.SSLError):
        build_ssl_context(str(certs.garbage), "")
    with pytest.raises(OSError):
        build_ssl_context(str(tmp_path / "missing.pem"), "")


# --- URL and time parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "charger_id"),
    [
        ("/ocpp/CP1", "CP1"),
        ("/ocpp/CP%201", "CP 1"),
        ("/ocpp/CP%2F1", "CP/1"),
        ("/ocpp/CP1/", "CP1"),
        ("/ocpp/CP1?token=a/b", "CP1"),
        ("/CP1", "CP1"),
        ("/a/b/c/CP1", "CP1"),
        ("//CP1//", "CP1"),
        ("//CP1", "CP1"),
        ("/ocpp/%C3%A9", "é"),
        ("/", ""),
        ("", ""),
        ("/?x=1", ""),
    ],
)
def test_charger_id_from_path(path: str, charger_id: str) -> None:
    assert charger_id_from_path(path) == charger_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25T08:00:00Z", T0),
        ("2026-11-25T08:00:00.000Z", T0),
        ("2026-11-25T09:00:00+01:00", T0),
        ("2026-11-25T08:00:00", T0),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1764057600, None),
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected
