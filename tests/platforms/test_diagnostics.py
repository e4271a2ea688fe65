"""Diagnostics: everything needed to debug a charger, nothing that identifies people or hardware."""

from __future__ import annotations

from datetime import datetime
import json
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
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
    # The trace's times and message ids change from run to run: test_trace checks it. So do the
    # times of the controller's recent readings (wall clock): their powers are checked below.
    assert result == snapshot(
        exclude=props("port", "listening_port", "last_heartbeat", "day", "trace", "readings")
    )
    readings = result["control"]["connectors"]["CP1/1"]["state"]["readings"]
    assert [power for _, power in readings] == [7200.0]
    assert all(datetime.fromisoformat(at).tzinfo is not None for at, _ in readings)
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


async def test_trace(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    central: MockConfigEntry,
    connect: ConnectFn,
) -> None:
    """The charger's last frames both ways, with time and message id; its id tag left out."""
    cp = await connect("CP1", password="s3cret-pass")
    await start_charging(hass, cp)
    await cp.call(call.Authorize(id_tag="TAG-0002"))
    await hass.async_block_till_done()

    result = await get_diagnostics_for_config_entry(hass, hass_client, central)
    trace = result["chargers"]["CP1"]["trace"]
    assert trace["detailed_until"] is None
    frames = trace["frames"]
    assert {frame["direction"] for frame in frames} == {"received", "sent"}
    boot = frames[0]
    assert boot["direction"] == "received"
    assert boot["frame"][:3] == [2, boot["message_id"], "BootNotification"]
    assert datetime.fromisoformat(boot["at"]).tzinfo is not None
    # Every call got its answer, under the same message id.
    calls = {f["message_id"] for f in frames if f["direction"] == "received" and f["frame"][0] == 2}
    answers = {f["message_id"] for f in frames if f["direction"] == "sent" and f["frame"][0] == 3}
    assert calls and calls <= answers
    authorize = next(f for f in frames if f["frame"][0] == 2 and f["frame"][2] == "Authorize")
    assert authorize["frame"][3] == {"idTag": "**REDACTED**"}
    text = json.dumps(trace)
    for secret in ("TAG-0001", "TAG-0002", "s3cret-pass"):
        assert secret not in text
