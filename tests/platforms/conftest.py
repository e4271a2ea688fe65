"""Fixtures of the entity platform tests."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from tests.helpers.household import evening_in_stockholm


@pytest.fixture
async def stockholm(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """A Swedish household at 19:00 local time, with prices and the site-wide departure entity."""
    await evening_in_stockholm(hass, freezer)
