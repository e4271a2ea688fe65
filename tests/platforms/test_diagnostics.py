"""Diagnostics: everything needed to debug a charger, nothing that identifies people or hardware."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
)
from tests.helpers.sim_charger import ConnectFn, start_charging
from tests.helpers.subentries import charger_subentry, id_tag_subentry


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """A charger that logs in with a password."""
    return [
        charger_subentry("CP1", password="s3cret-pass"),
        id_tag_subentry("TAG-0001", "Anna"),
        id_tag_subentry("TAG-0002", "Bo"),
    ]


@pytest.fixture
def options() -> dict[str, Any]:
    """Only allow-listed id tags may charge."""
    return {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "allow_list",
    }


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    central: MockConfigEntry,
    connect: ConnectFn,
    port: int,
    snapshot: SnapshotAssertion,
) -> None:
    """Snapshot of a charging charger and an unknown one waiting for confirmation."""
    await start_charging(hass, await connect("CP1", password="s3cret-pass"))
    unknown = await connect("NEW-CHARGER")
    await unknown.boot(vendor="Other", model="Box")
    await hass.async_block_till_done()

    result = await get_diagnostics_for_config_entry(hass, hass_client, central)
    assert result["listening_port"] == result["data"]["port"] == port
    assert result == snapshot(exclude=props("port", "listening_port", "last_heartbeat", "day"))
    text = json.dumps(result)
    for secret in ("s3cret-pass", "TAG-0001", "TAG-0002", "SN-1"):
        assert secret not in text
    assert result["chargers"]["CP1"]["model"]["info"]["serial_number"] == "**REDACTED**"
    assert result["pending_chargers"]["NEW-CHARGER"]["info"]["vendor"] == "Other"
    # The engine's quirks and the controller's view of each connector are there to debug control.
    assert result["chargers"]["CP1"]["smart_charging"]["quirks"]["rate_unit"] == "A"
    assert result["control"]["connectors"]["CP1/1"]["mode"] == "external"


def test_jsonable_orders_sets_and_flattens_values() -> None:
    """Sets come out sorted, tuples as lists, enums and datetimes as their JSON form."""
    from datetime import UTC, datetime

    from custom_components.ocpp_central.csms.model import Phase
    from custom_components.ocpp_central.diagnostics import _jsonable

    assert _jsonable({Phase.L2: ({"b", "a"}, datetime(2026, 1, 1, tzinfo=UTC)), 1: [Phase.L1]}) == {
        "l2": [["a", "b"], "2026-01-01T00:00:00+00:00"],
        "1": ["l1"],
    }
