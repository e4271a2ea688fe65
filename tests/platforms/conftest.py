"""Fixtures of the entity platform tests."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from tests.helpers.control_helpers import grid
from tests.helpers.household import evening_in_stockholm


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """A Swedish household at 19:00 local time, drawing 500 W from the grid."""
    await evening_in_stockholm(hass, freezer)
    grid(hass, 500)
