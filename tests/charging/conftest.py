"""Fixtures of the smart-charging tests."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

import pytest

from custom_components.ocpp_central.charging.engine import SmartCharging


@pytest.fixture(autouse=True)
def fast() -> Generator[None]:
    """No settling delay: the engine acts on what the charger says at once."""
    with patch.object(SmartCharging, "settle_s", 0):
        yield
