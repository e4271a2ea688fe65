"""The session table itself (storage/sessions.py, no Home Assistant): upserts, queries, schema, CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import sqlite3

import pytest

from custom_components.ocpp_central.storage.sessions import (
    SessionHistory,
    SessionQuery,
    SessionRecord,
    rows_for_csv,
)

T0 = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


def record(tx: str, hours: float, **fields: object) -> SessionRecord:
    values: dict[str, object] = {
        "entry_id": "E",
        "charger_id": "CP1",
        "transaction_id": tx,
        "connector_id": 1,
        "started_at": T0 + timedelta(hours=hours),
    }
    values.update(fields)
    return SessionRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def history(tmp_path: Path) -> SessionHistory:
    db = SessionHistory(tmp_path / "folder" / "sessions.db")
    yield db  # type: ignore[misc]
    db.close()


def test_upsert_keeps_one_row_and_what_was_known(history: SessionHistory) -> None:
    """A second write of the same session updates it; what it leaves None stays as it was."""
    history.save(record("1", 0, id_tag="ANNA", energy_wh=100.0))
    history.save(record("1", 0, energy_wh=900.0, ended_at=T0 + timedelta(hours=1)))
    (only,) = history.query(SessionQuery())
    assert (only.id_tag, only.energy_wh, only.running) == ("ANNA", 900.0, False)
    assert history.get("E", "CP1", "1") == only
    assert history.get("E", "CP1", "2") is None


def test_queries(history: SessionHistory) -> None:
    history.save(record("1", 0, id_tag="anna", ended_at=T0 + timedelta(hours=2)))
    history.save(record("2", 5, id_tag="BO", charger_id="CP2"))
    history.save(record("3", 10, id_tag="ANNA", entry_id="F"))
    assert [r.transaction_id for r in history.query(SessionQuery(id_tag="Anna"))] == ["1", "3"]
    assert [r.transaction_id for r in history.query(SessionQuery(newest_first=True, limit=2))] == [
        "3",
        "2",
    ]
    one_hour_in = SessionQuery(start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=6))
    assert [r.transaction_id for r in history.query(one_hour_in)] == ["2"]
    overlapping = SessionQuery(
        start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=6), overlapping=True
    )
    assert [r.transaction_id for r in history.query(overlapping)] == ["1", "2"]
    assert [r.transaction_id for r in history.query(SessionQuery(charger_ids=("CP2",)))] == ["2"]
    assert [r.transaction_id for r in history.unfinished_and_latest("E")] == ["1", "2"]
    history.remove_entry("E")
    assert [r.transaction_id for r in history.query(SessionQuery())] == ["3"]


def test_latest_per_charger_and_unfinished(history: SessionHistory) -> None:
    """The start of a central system reads only these, not the whole history."""
    history.save(record("1", 0, ended_at=T0 + timedelta(hours=1)))
    history.save(record("2", 1))  # left open
    history.save(record("3", 2, ended_at=T0 + timedelta(hours=3)))
    history.save(record("4", 0, charger_id="CP2", ended_at=T0 + timedelta(hours=1)))
    found = history.unfinished_and_latest("E")
    assert [(r.charger_id, r.transaction_id) for r in found] == [
        ("CP2", "4"),
        ("CP1", "2"),
        ("CP1", "3"),
    ]


def test_survives_reopening_and_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "sessions.db"
    first = SessionHistory(path)
    first.save(record("1", 0))
    first.close()
    second = SessionHistory(path)
    assert len(second.query(SessionQuery())) == 1
    second.close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version=99")
    connection.close()
    with pytest.raises(sqlite3.DatabaseError, match="schema version 99"):
        SessionHistory(path).query(SessionQuery())


def test_csv_rows() -> None:
    rows = list(
        rows_for_csv(
            [
                record("1", 0, energy_wh=7400.0, cost=3.815, max_power_w=7400.0, holder="Anna"),
                record("2", 1),
            ]
        )
    )
    assert rows[0][:3] == ["started_at", "ended_at", "charger_id"]
    assert rows[1] == [
        "2026-11-03T06:00:00+00:00",
        "",
        "CP1",
        "1",
        "1",
        "",
        "Anna",
        "7.400",
        "",
        "",
        "3.815",
        "7.400",
        "",
    ]
    assert rows[2][7:] == ["", "", "", "", "", ""]
