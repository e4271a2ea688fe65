"""Fixtures of the service action tests: CP1 and CP2 with two managed id tags, no entities."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.scripted_charger import ConnectScripted, ScriptedCharger
from tests.helpers.services_common import booted
from tests.helpers.subentries import charger_subentry, id_tag_subentry


@pytest.fixture
def quiet_setup() -> Generator[None]:
    """No entity platforms; the engine's boot-time detection stays out."""
    with (
        patch("custom_components.ocpp_central.PLATFORMS", []),
        patch("custom_components.ocpp_central.charging.engine.SmartCharging.settle_s", 3600),
    ):
        yield


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """Two chargers and two managed id tags."""
    return [
        charger_subentry("CP1"),
        charger_subentry("CP2"),
        id_tag_subentry("TAG-0001", "Anna"),
        id_tag_subentry("TAG-0002", "Bo"),
    ]


@pytest.fixture
async def cp(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> ScriptedCharger:
    """CP1, booted, one connector."""
    return await booted(hass, connect_scripted)
