"""Session history at ten years' size: 36,500 sessions in the SQLite table (storage/sessions.py).

Prints the cost of a write, of a running session's progress update, of a month of one id tag (the
id tag sensors, get_sessions), of reading every row, of a central system's start (its unfinished
and latest sessions) and the file's size. Run: `.venv/bin/python bench/session_history.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.ocpp_central.storage.sessions import (
    SessionHistory,
    SessionQuery,
    SessionRecord,
)

SESSIONS = 36_500
T0 = datetime(2016, 1, 1, tzinfo=UTC)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        history = SessionHistory(Path(tmp) / "sessions.db")
        start = time.perf_counter()
        for i in range(SESSIONS):
            at = T0 + timedelta(hours=2.4 * i)
            history.save(
                SessionRecord(
                    "E",
                    f"CP{i % 3}",
                    str(i),
                    1,
                    at,
                    at + timedelta(hours=1),
                    id_tag=f"TAG{i % 5}",
                    holder="Anna",
                    energy_wh=7400.0,
                    solar_wh=3000.0,
                    grid_wh=4400.0,
                    cost=8.8,
                    max_power_w=7400.0,
                    stop_reason="EVDisconnected",
                )
            )
        save_ms = (time.perf_counter() - start) / SESSIONS * 1000
        running = SessionRecord("E", "CP0", "36000", 1, T0 + timedelta(hours=2.4 * 36000))
        start = time.perf_counter()
        for wh in range(1000):
            running.energy_wh = float(wh)
            history.save(running)
        update_ms = time.perf_counter() - start
        month = SessionQuery(
            start=datetime(2025, 11, 1, tzinfo=UTC),
            end=datetime(2025, 12, 1, tzinfo=UTC),
            id_tag="tag1",
            entry_ids=("E",),
        )
        start = time.perf_counter()
        for _ in range(200):
            rows = history.query(month)
        month_ms = (time.perf_counter() - start) / 200 * 1000
        start = time.perf_counter()
        every = history.query(SessionQuery(entry_ids=("E",)))
        all_s = time.perf_counter() - start
        start = time.perf_counter()
        history.unfinished_and_latest("E")
        start_ms = (time.perf_counter() - start) * 1000
        history.close()
        size = sum(path.stat().st_size for path in Path(tmp).glob("sessions.db*"))
    print(
        f"HISTORY sessions={len(every)} save_ms={save_ms:.3f} update_ms={update_ms:.3f} "
        f"month_by_tag_ms={month_ms:.3f} rows={len(rows)} all_rows_s={all_s:.2f} "
        f"start_ms={start_ms:.2f} size_mb={size / 1e6:.1f}"
    )


if __name__ == "__main__":
    main()
