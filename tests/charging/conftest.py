"""Fixtures of the smart-charging tests."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

import pytest

from custom_components.ocpp_central.charging.engine import SmartCharging


@pytest.fixture(autouse=True)
def fast() -> Generator[None]:
    """No settling delay; commands give up quickly."""
    with (
        patch.object(SmartCharging, "settle_s", 0),
        patch("custom_components.ocpp_central.csms.protocol.v16_commands.RESPONSE_TIMEOUT", 0.3),
    ):
        yield
