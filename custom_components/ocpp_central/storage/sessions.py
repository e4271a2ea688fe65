"""Session history: every charging session, kept in SQLite in the configuration folder.

Why SQLite (`<config>/ocpp_central_sessions.db`) and not Home Assistant's Store or the recorder:
a Store is one JSON file rewritten whole on every save, so years of sessions would make each write
(and every start-up) slower and bigger; the recorder purges its states after ten days by default
and keeps statistics only per hour, without who charged or why a session stopped. One SQLite
table grows a row per session (about 300 bytes with its indexes: ten sessions a day for ten
years, 36,500 sessions, make 11 MB), is queried by period, charger and id tag through its indexes
(bench/session_history.py: a month of one id tag among those 36,500 reads in under a millisecond;
a central system's start reads only its unfinished and latest sessions, a few ms), and survives
restarts.
Python ships sqlite3, so there is nothing to install.

Crashes: the database runs in WAL mode; every write is one committed transaction, so a killed
process loses at most the write under way, never a committed one. A session is written when it
starts, updated while it runs (at most every PROGRESS_INTERVAL_S, by the caller) and finalised
when it stops. Each write is an upsert keyed by (entry, charger, transaction id), so writing the
same session again (a retried StartTransaction, a replay after a restart) updates its one row:
no session is lost or counted twice.

Blocking: every method does file I/O. Home Assistant calls them in its executor, one at a time
(the caller serialises them); a threading lock guards the one connection all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
import sqlite3
import threading

SCHEMA_VERSION = 1
DB_NAME = "ocpp_central_sessions.db"

_COLUMNS = (
    "entry_id",
    "charger_id",
    "transaction_id",
    "connector_id",
    "started_at",
    "ended_at",
    "id_tag",
    "holder",
    "energy_wh",
    "solar_wh",
    "grid_wh",
    "cost",
    "max_power_w",
    "stop_reason",
    "updated_at",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    entry_id TEXT NOT NULL,
    charger_id TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    connector_id INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    id_tag TEXT,
    holder TEXT,
    energy_wh REAL,
    solar_wh REAL,
    grid_wh REAL,
    cost REAL,
    max_power_w REAL,
    stop_reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, charger_id, transaction_id)
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (entry_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_charger ON sessions (entry_id, charger_id, started_at);
CREATE INDEX IF NOT EXISTS sessions_id_tag ON sessions (entry_id, id_tag COLLATE NOCASE, started_at);
CREATE INDEX IF NOT EXISTS sessions_open ON sessions (entry_id) WHERE ended_at IS NULL;
"""


def _iso(value: datetime | None) -> str | None:
    """Return a time as ISO 8601 in UTC (sortable as text), None for none."""
    return None if value is None else value.astimezone(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(slots=True)
class SessionRecord:
    """One charging session; None where it is not known (yet)."""

    entry_id: str
    charger_id: str
    transaction_id: str
    connector_id: int
    started_at: datetime
    ended_at: datetime | None = None
    id_tag: str | None = None
    # The name of the id tag's holder (the id tag's title in the integration), when known.
    holder: str | None = None
    energy_wh: float | None = None
    solar_wh: float | None = None
    grid_wh: float | None = None
    # Cost of the grid energy, in the price entity's currency.
    cost: float | None = None
    max_power_w: float | None = None
    stop_reason: str | None = None
    updated_at: datetime | None = None

    @property
    def running(self) -> bool:
        """Whether the session has not ended (as far as the history knows)."""
        return self.ended_at is None

    def as_row(self) -> tuple[object, ...]:
        """Return the values in column order."""
        values = asdict(self)
        for key in ("started_at", "ended_at", "updated_at"):
            values[key] = _iso(values[key])
        if values["updated_at"] is None:
            values["updated_at"] = _iso(datetime.now(UTC))
        return tuple(values[column] for column in _COLUMNS)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SessionRecord:
        """Return the record of a row."""
        started = _time(row["started_at"])
        assert started is not None
        return cls(
            entry_id=row["entry_id"],
            charger_id=row["charger_id"],
            transaction_id=row["transaction_id"],
            connector_id=int(row["connector_id"]),
            started_at=started,
            ended_at=_time(row["ended_at"]),
            id_tag=row["id_tag"],
            holder=row["holder"],
            energy_wh=row["energy_wh"],
            solar_wh=row["solar_wh"],
            grid_wh=row["grid_wh"],
            cost=row["cost"],
            max_power_w=row["max_power_w"],
            stop_reason=row["stop_reason"],
            updated_at=_time(row["updated_at"]),
        )


@dataclass(frozen=True, slots=True)
class SessionQuery:
    """Which sessions: those that started in [start, end), on these chargers, with this id tag."""

    start: datetime | None = None
    end: datetime | None = None
    # Sessions that overlap [start, end) instead (a calendar shows a session running into a day).
    overlapping: bool = False
    entry_ids: tuple[str, ...] | None = None
    charger_ids: tuple[str, ...] | None = None
    # Compared case-insensitively, as OCPP compares id tags.
    id_tag: str | None = None
    limit: int | None = None
    newest_first: bool = False


_UPSERT = (
    f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (entry_id, charger_id, transaction_id) DO UPDATE SET "
    + ", ".join(
        # A later write never blanks what an earlier one knew (a stop without an id tag, say).
        f"{column} = coalesce(excluded.{column}, {column})"
        for column in _COLUMNS[3:]
    )
)
_NAMES = tuple(field.name for field in fields(SessionRecord))
assert _NAMES == _COLUMNS


class SessionHistory:
    """The session table in one SQLite file."""

    def __init__(self, path: Path) -> None:
        """Use the database at path (created, with its folder, on first use)."""
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                connection.close()
                raise sqlite3.DatabaseError(
                    f"{self.path} has schema version {version}; this version knows {SCHEMA_VERSION}"
                )
            with connection:
                connection.executescript(_SCHEMA)
                connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        """Close the connection (opened again on the next use)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def save(self, record: SessionRecord) -> None:
        """Insert the session, or update its row: fields None in record keep their stored value."""
        with self._lock:
            connection = self._connect()
            with connection:
                connection.execute(_UPSERT, record.as_row())

    def get(self, entry_id: str, charger_id: str, transaction_id: str) -> SessionRecord | None:
        """Return one session."""
        with self._lock:
            row = (
                self._connect()
                .execute(
                    "SELECT * FROM sessions WHERE entry_id = ? AND charger_id = ? "
                    "AND transaction_id = ?",
                    (entry_id, charger_id, transaction_id),
                )
                .fetchone()
            )
        return None if row is None else SessionRecord.from_row(row)

    def query(self, query: SessionQuery) -> list[SessionRecord]:
        """Return the sessions the query asks for, by start time."""
        where: list[str] = []
        args: list[object] = []
        if query.start is not None:
            if query.overlapping:
                where.append("(ended_at IS NULL OR ended_at > ?)")
            else:
                where.append("started_at >= ?")
            args.append(_iso(query.start))
        if query.end is not None:
            where.append("started_at < ?")
            args.append(_iso(query.end))
        for column, values in (("entry_id", query.entry_ids), ("charger_id", query.charger_ids)):
            if values is not None:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                args.extend(values)
        if query.id_tag is not None:
            where.append("id_tag = ? COLLATE NOCASE")
            args.append(query.id_tag)
        sql = "SELECT * FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at " + ("DESC" if query.newest_first else "ASC")
        if query.limit is not None:
            sql += " LIMIT ?"
            args.append(query.limit)
        with self._lock:
            rows = self._connect().execute(sql, args).fetchall()
        return [SessionRecord.from_row(row) for row in rows]

    def unfinished_and_latest(self, entry_id: str) -> list[SessionRecord]:
        """Return the central system's sessions never finalised, and each charger's latest."""
        with self._lock:
            connection = self._connect()
            rows = connection.execute(
                "SELECT * FROM sessions WHERE entry_id = ? AND ended_at IS NULL", (entry_id,)
            ).fetchall()
            chargers = connection.execute(
                "SELECT DISTINCT charger_id FROM sessions WHERE entry_id = ?", (entry_id,)
            ).fetchall()
            for (charger_id,) in chargers:
                rows += connection.execute(
                    "SELECT * FROM sessions WHERE entry_id = ? AND charger_id = ? "
                    "ORDER BY started_at DESC LIMIT 1",
                    (entry_id, charger_id),
                ).fetchall()
        found = {
            (row["charger_id"], row["transaction_id"]): SessionRecord.from_row(row) for row in rows
        }
        return sorted(found.values(), key=lambda record: record.started_at)

    def remove_entry(self, entry_id: str) -> None:
        """Forget every session of a central system (its config entry was removed)."""
        with self._lock:
            connection = self._connect()
            with connection:
                connection.execute("DELETE FROM sessions WHERE entry_id = ?", (entry_id,))


def rows_for_csv(records: list[SessionRecord]) -> Iterator[list[str]]:
    """Yield a header and one row per session: times in ISO 8601, energy in kWh."""
    yield [
        "started_at",
        "ended_at",
        "charger_id",
        "connector_id",
        "transaction_id",
        "id_tag",
        "holder",
        "energy_kwh",
        "solar_kwh",
        "grid_kwh",
        "cost",
        "max_power_kw",
        "stop_reason",
    ]

    def number(value: float | None, scale: float = 1000.0) -> str:
        return "" if value is None else f"{value / scale:.3f}"

    for record in records:
        yield [
            _iso(record.started_at) or "",
            _iso(record.ended_at) or "",
            record.charger_id,
            str(record.connector_id),
            record.transaction_id,
            record.id_tag or "",
            record.holder or "",
            number(record.energy_wh),
            number(record.solar_wh),
            number(record.grid_wh),
            number(record.cost, 1.0),
            number(record.max_power_w),
            record.stop_reason or "",
        ]
