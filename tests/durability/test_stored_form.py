"""What the store takes as JSON: every reader must read it back as it was written."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

import pytest

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
