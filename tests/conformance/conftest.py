"""Conformance-style fixtures: chargers whose every received frame is schema-checked.

`connect16` / `connect201` connect a Conformance16 / Conformance201 (tests/helpers/conformance.py);
when the test ends, each one asserts that every frame the central system sent it was valid against
the official OCPP JSON schemas.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import pytest

from tests.helpers.conformance import Conformance16, Conformance201, SchemaChecked
from tests.helpers.connections import Connections, charger_url

type ConnectConformance = Callable[..., Awaitable[Any]]


@pytest.fixture
async def checked_chargers() -> AsyncGenerator[list[SchemaChecked]]:
    """Every schema-checked charger of the test; all must be conformant when it ends."""
    chargers: list[SchemaChecked] = []
    yield chargers
    for charger in chargers:
        charger.assert_conformant()


@pytest.fixture
def connect16(
    port: int, connections: Connections, checked_chargers: list[SchemaChecked]
) -> ConnectConformance:
    """Connect an OCPP 1.6 charge point whose received frames are schema-checked."""

    async def _connect(charger_id: str = "CP1") -> Conformance16:
        cp = await connections.open(
            Conformance16, charger_url(port, charger_id), charger_id, ["ocpp1.6"]
        )
        checked_chargers.append(cp)
        return cp

    return _connect


@pytest.fixture
def connect201(
    port: int, connections: Connections, checked_chargers: list[SchemaChecked]
) -> ConnectConformance:
    """Connect an OCPP 2.0.1 charging station whose received frames are schema-checked."""

    async def _connect(charger_id: str = "CP1") -> Conformance201:
        cp = await connections.open(
            Conformance201, charger_url(port, charger_id), charger_id, ["ocpp2.0.1"]
        )
        checked_chargers.append(cp)
        return cp

    return _connect
