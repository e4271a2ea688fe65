"""OCPP 2.0.1: charger-initiated messages, answered by the real integration in a real hass.

The simulated station (tests/charger_v201.py) validates every answer of ours against the schemas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from ocpp.exceptions import ProtocolError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.events import ChargerEvent, ChargerEventType
from custom_components.ocpp_central.csms.model import Charger, ConnectorStatus, Phase
from tests.csms.test_protocol_v16 import ALLOW_LIST
from tests.helpers.charger_v201 import Charger201, meter_value
from tests.helpers.subentries import charger_subentry

type Connect = Callable[..., Awaitable[Charger201]]


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Charger:
    return entry.runtime_data.coordinators[charger_id].charger


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


@pytest.fixture
def events(central: MockConfigEntry) -> list[ChargerEvent]:
    """Every charger event CP1 reports."""
    seen: list[ChargerEvent] = []
    central.runtime_data.coordinators["CP1"].async_add_event_listener(seen.append)
    return seen


def kinds(events: list[ChargerEvent]) -> list[str]:
    return [event.type.value for event in events if event.type is not ChargerEventType.CONNECTED]


async def open_session(cp: Charger201, tx: str = "TX-1", evse: int = 1) -> None:
    cp.transactions[evse] = tx


# --- provisioning -----------------------------------------------------------------------


async def test_boot_notification(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """Accepted with the heartbeat interval; who the station is goes to the device."""
    cp = await connect_v201("CP1")
    result = await cp.boot(vendor="Vendor GmbH", model="Wallbox 2")
    assert (result.status, result.interval) == ("Accepted", 300)
    assert result.current_time.endswith("Z")
    info = model(central).info
    assert (info.vendor, info.model, info.serial_number, info.firmware_version) == (
        "Vendor GmbH",
        "Wallbox 2",
        "SN-1",
        "1.2.3",
    )
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version) == (
        "Vendor GmbH",
        "Wallbox 2",
        "1.2.3",
    )
    assert kinds(events) == ["booted"]
    assert model(central).protocol == "ocpp2.0.1"


async def test_boot_lenient_and_strict(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """An over-long serial number is taken; a boot without vendor gets a CALLERROR."""
    cp = await connect_v201("CP1")
    station = {"vendor_name": "V", "model": "M", "serial_number": "S" * 40}
    answer = await cp.call(
        cp.call_module.BootNotification(charging_station=station, reason="PowerUp"),
        skip_schema_validation=True,
    )
    assert answer.status == "Accepted"
    assert model(central).info.serial_number == "S" * 40
    with pytest.raises(ProtocolError):
        await cp.call(
            cp.call_module.BootNotification(charging_station={"model": "M"}, reason="PowerUp"),
            skip_schema_validation=True,
            suppress=False,
        )


async def test_unconfirmed_station_is_pending(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """An unknown station (policy ask) is kept Pending and offered for discovery."""
    cp = await connect_v201("NEW1")
    assert (await cp.boot()).status == "Pending"
    assert (await cp.heartbeat()).current_time
    # Confirmed by the homeowner: asked to boot again, now to be accepted.
    central.runtime_data.async_add_charger("NEW1", "New", "", 16.0)
    assert await cp.wait_for_call("TriggerMessage") == {"requestedMessage": "BootNotification"}
    assert (await cp.boot()).status == "Accepted"
    cp.script.answers["TriggerMessage"] = "CALLERROR"
    await central.runtime_data.sessions["NEW1"].async_confirmed()  # a refusal is only logged


async def test_heartbeat(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Heartbeat tells the time and is recorded."""
    cp = await connect_v201("CP1")
    before = datetime.now(UTC).replace(microsecond=0)
    answer = await cp.heartbeat()
    assert datetime.fromisoformat(answer.current_time) >= before
    assert model(central).last_heartbeat is not None


# --- status -----------------------------------------------------------------------------


async def test_status_combines_connector_status_and_charging_state(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Occupied is Preparing, Charging only with a charging session, Finishing after it ended."""
    cp = await connect_v201("CP1")
    connector = model(central).connector(1)
    steps: list[tuple[str, Any, ConnectorStatus, str]] = [
        ("status", "Available", ConnectorStatus.AVAILABLE, "off"),
        ("status", "Preparing", ConnectorStatus.PREPARING, "on"),
        ("start", None, ConnectorStatus.PREPARING, "on"),
        ("status", "Charging", ConnectorStatus.CHARGING, "on"),
        ("status", "SuspendedEV", ConnectorStatus.SUSPENDED_EV, "on"),
        ("status", "SuspendedEVSE", ConnectorStatus.SUSPENDED_EVSE, "on"),
        ("status", "Faulted", ConnectorStatus.FAULTED, "off"),
        ("status", "Charging", ConnectorStatus.CHARGING, "on"),
        ("stop", None, ConnectorStatus.FINISHING, "on"),
        ("status", "Available", ConnectorStatus.AVAILABLE, "off"),
        ("status", "Reserved", ConnectorStatus.RESERVED, "off"),
        ("status", "Unavailable", ConnectorStatus.UNAVAILABLE, "off"),
    ]
    tx = ""
    for step, value, expected, plugged in steps:
        if step == "status":
            await cp.status(1, value)
        elif step == "start":
            tx = await cp.start_transaction(1, "TAG", 0, "2026-11-25T08:00:00Z")
        else:
            await cp.stop_transaction(tx, 100, "2026-11-25T09:00:00Z")
        await hass.async_block_till_done()
        assert connector.status is expected, (step, value)
        assert state(hass, "binary_sensor.charger_cp1_cable_plugged_in") == plugged, (step, value)
    assert model(central).status is ConnectorStatus.UNAVAILABLE


async def test_status_evses_and_connectors(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """EVSEs are the model's connectors; an EVSE shows its busiest connector; the station derives."""
    cp = await connect_v201("CP1")

    async def status(evse: int, connector: int, value: str) -> None:
        await cp.call(
            cp.call_module.StatusNotification(
                timestamp="2026-11-25T08:00:00Z",
                connector_status=value,
                evse_id=evse,
                connector_id=connector,
            ),
            skip_schema_validation=value == "Broken",
        )

    await status(1, 1, "Available")
    await status(1, 2, "Occupied")
    await status(2, 1, "Faulted")
    charger = model(central)
    assert sorted(charger.connectors) == [1, 2]
    assert charger.connectors[1].status is ConnectorStatus.PREPARING
    assert charger.connectors[2].status is ConnectorStatus.FAULTED
    assert charger.status is ConnectorStatus.AVAILABLE
    await status(1, 2, "Available")
    await status(1, 1, "Unavailable")
    assert charger.connectors[1].status is ConnectorStatus.AVAILABLE
    await status(1, 2, "Unavailable")
    assert charger.status is ConnectorStatus.UNAVAILABLE
    await status(1, 1, "Broken")  # outside the vocabulary: answered, ignored
    assert charger.connectors[1].status is ConnectorStatus.UNAVAILABLE


# --- meter values -----------------------------------------------------------------------


async def test_meter_values_units_and_multiplier(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """unitOfMeasure with a power-of-ten multiplier; a missing unit means Wh; signed values count."""
    cp = await connect_v201("CP1")
    sampled = [
        {"value": 12.5, "unit_of_measure": {"unit": "kWh"}},
        {
            "value": 37,
            "measurand": "Power.Active.Import",
            "unit_of_measure": {"unit": "W", "multiplier": 2},
        },
        {
            "value": 16,
            "measurand": "Current.Import",
            "phase": "L2",
            "unit_of_measure": {"unit": "A"},
        },
        {
            "value": 55,
            "measurand": "SoC",
            "unit_of_measure": {"unit": "Percent"},
            "signed_meter_value": {
                "signed_meter_data": "b64",
                "signing_method": "ECDSA",
                "encoding_method": "OCMF",
                "public_key": "pk",
            },
        },
    ]
    await cp.call(
        cp.call_module.MeterValues(
            evse_id=1, meter_value=[meter_value("2026-11-25T08:00:00Z", *sampled)]
        )
    )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 12500.0
    assert connector.power_w == 3700.0
    assert connector.current_a == {Phase.L2: 16.0}
    assert connector.soc_percent == 55.0
    await cp.call(
        cp.call_module.MeterValues(
            evse_id=1, meter_value=[meter_value("2026-11-25T08:01:00Z", {"value": 12600})]
        )
    )
    assert connector.energy.total_wh == 12600.0


async def test_meter_values_main_meter_and_garbage(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """EVSE 0 is the main meter (feeds a single EVSE); garbage is skipped; a bad evseId is refused."""
    cp = await connect_v201("CP1")
    garbage = meter_value("not a time", {"value": "n/a"}, {"value": 5000, "unit_of_measure": "Wh"})
    await cp.call(
        cp.call_module.MeterValues(evse_id=0, meter_value=[garbage, "junk"]),
        skip_schema_validation=True,
    )
    assert model(central).connectors[1].energy.total_wh == 5000.0
    with pytest.raises(Exception, match="evseId"):
        await cp.call(
            cp.call_module.MeterValues(evse_id=-1, meter_value=[]),
            skip_schema_validation=True,
            suppress=False,
        )


# --- authorization ------------------------------------------------------------------------


async def test_authorize(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect, events: list[ChargerEvent]
) -> None:
    """Every token is accepted by default, and its presentation reported."""
    cp = await connect_v201("CP1")
    assert await cp.authorize("04A2B3C4D5") == "Accepted"
    assert [
        (e.type, e.id_tag, e.accepted) for e in events if e.type is ChargerEventType.TAG_PRESENTED
    ] == [(ChargerEventType.TAG_PRESENTED, "04A2B3C4D5", True)]


@pytest.mark.parametrize("options", [ALLOW_LIST])
@pytest.mark.parametrize(
    "subentries",
    [
        [
            charger_subentry("CP1"),
            *[
                {"data": {"id_tag": tag}, "subentry_type": "id_tag", "title": tag, "unique_id": tag}
                for tag in ("04A2B3C4D5", "FAMILY")
            ],
        ]
    ],
)
async def test_authorize_allow_list(
    hass: HomeAssistant, central: MockConfigEntry, connect_v201: Connect
) -> None:
    """Only listed tokens; in a TransactionEvent, idTokenInfo answers the token; NoAuthorization is free."""
    cp = await connect_v201("CP1")
    assert await cp.authorize("04a2b3c4d5") == "Accepted"
    assert await cp.authorize("STRANGER") == "Invalid"
    cp.transactions[1] = "TX-1"
    answer = await cp.transaction_event(
        "Started", 1, "Authorized", id_token={"id_token": "STRANGER", "type": "ISO14443"}
    )
    assert answer.id_token_info == {"status": "Invalid"}
    answer = await cp.transaction_event("Updated", 1, "MeterValuePeriodic")
    assert answer.id_token_info is None
    cp.transactions[2] = "TX-2"
    answer = await cp.transaction_event(
        "Started", 2, "CablePluggedIn", id_token={"id_token": "", "type": "NoAuthorization"}
    )
    assert answer.id_token_info == {"status": "Accepted"}
    assert model(central).connectors[2].transaction.id_tag is None  # type: ignore[union-attr]
