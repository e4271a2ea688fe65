"""What the store takes as JSON: every reader must read it back as it was written."""

from __future__ import annotations

from enum import IntEnum, StrEnum
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
import pytest

from custom_components.ocpp_central.storage.journal import Journal
from custom_components.ocpp_central.storage.stored import check_json_safe


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


def test_json_values_pass() -> None:
    check_json_safe(
        {"a": [1, 2.5, None, True, "é", Colour.RED, Level.HIGH], "b": (2**53 - 1, -(2**53 - 1))}
    )


@pytest.mark.parametrize(
    "value",
    [
        2**53,
        -(2**64),
        float("nan"),
        float("inf"),
        "\ud800",
        {1: "x"},
        {"\ud800": 1},
        {"a": object()},
    ],
)
def test_values_no_reader_takes_as_they_are_fail(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        check_json_safe(value)


async def test_the_journal_makes_its_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """A fresh configuration has no .storage folder yet: the first record must still reach the disk."""
    path = tmp_path / "config" / ".storage" / "ocpp_central.entry.journal"
    journal = Journal(hass, path)
    await journal.async_written(journal.append({"charger": "CP1", "part": "1", "state": {}}))
    assert json.loads(path.read_bytes())["charger"] == "CP1"
    await journal.async_close()
