"""OCPP 1.6J: every charger-initiated message, answered by the real integration in a real hass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
    DOMAIN,
)
from custom_components.ocpp_central.csms.model import Charger, ConnectorStatus, Phase
from tests.helpers.sim_charger import ConnectFn, SimCharger, all_measurands
from tests.helpers.subentries import charger_subentry, id_tag_subentry

ALFEN_NO_TRANSACTION = 9223372036854775807


def model(entry: MockConfigEntry, charger_id: str = "CP1") -> Charger:
    """The charger model behind the entities."""
    return entry.runtime_data.coordinators[charger_id].charger


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def energy(value: str, *, unit: str = "Wh", **extra: Any) -> dict[str, Any]:
    return {"value": value, "measurand": "Energy.Active.Import.Register", "unit": unit, **extra}


def meter_value(timestamp: str, *sampled: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": timestamp, "sampledValue": list(sampled)}


async def send_meter(cp: SimCharger, connector_id: int, *values: dict[str, Any], **kw: Any) -> None:
    await cp.call(call.MeterValues(connector_id=connector_id, meter_value=list(values), **kw))


# --- Core ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {
            CONF_UNKNOWN_CHARGERS: "ask",
            CONF_HEARTBEAT_INTERVAL: 120,
            CONF_AUTHORIZATION: "accept_all",
        }
    ],
)
async def test_boot_notification(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Accepted, with the configured heartbeat interval and the current UTC time."""
    cp = await connect("CP1")
    result = await cp.call(
        call.BootNotification(
            charge_point_vendor="Alfen BV",
            charge_point_model="NG910-60023",
            charge_box_serial_number="ACE0123456",
            firmware_version="6.1.0-4075",
            meter_type="Internal",
            meter_serial_number="M-77",
        )
    )
    assert result.status == "Accepted"
    assert result.interval == 120
    assert result.current_time.endswith("Z")
    sent = datetime.fromisoformat(result.current_time.replace("Z", "+00:00"))
    assert abs(sent - datetime.now(UTC)) < timedelta(seconds=5)

    info = model(central).info
    assert (info.vendor, info.model, info.serial_number, info.firmware_version) == (
        "Alfen BV",
        "NG910-60023",
        "ACE0123456",
        "6.1.0-4075",
    )
    assert (info.meter_type, info.meter_serial_number) == ("Internal", "M-77")
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    assert (device.manufacturer, device.model, device.serial_number, device.sw_version) == (
        "Alfen BV",
        "NG910-60023",
        "ACE0123456",
        "6.1.0-4075",
    )


async def test_boot_notification_lenient(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A serial number longer than the schema allows (Schneider EVlink) is still accepted."""
    cp = await connect("CP1")
    result = await cp.call(
        call.BootNotification(
            charge_point_vendor="Schneider Electric",
            charge_point_model="EVlink",
            charge_box_serial_number="3N1234567890123456789012345678",
        ),
        skip_schema_validation=True,
    )
    assert result.status == "Accepted"
    assert model(central).info.serial_number == "3N1234567890123456789012345678"


async def test_heartbeat(hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn) -> None:
    """Heartbeat tells the time and is recorded."""
    cp = await connect("CP1")
    before = datetime.now(UTC) - timedelta(seconds=1)
    result = await cp.call(call.Heartbeat())
    sent = datetime.fromisoformat(result.current_time.replace("Z", "+00:00"))
    assert before <= sent <= datetime.now(UTC) + timedelta(seconds=1)
    heartbeat = model(central).last_heartbeat
    assert heartbeat is not None
    assert heartbeat >= before


async def test_status_notification(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Connector 0 is the station; connectors 1+ are connectors; NoError is no error."""
    cp = await connect("CP1")
    await cp.call(
        call.StatusNotification(connector_id=0, error_code="GroundFailure", status="Faulted")
    )
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await hass.async_block_till_done()
    charger = model(central)
    assert charger.status is ConnectorStatus.FAULTED
    assert charger.error_code == "GroundFailure"
    assert 0 not in charger.connectors
    assert charger.connectors[1].status is ConnectorStatus.CHARGING
    assert charger.connectors[1].error_code is None
    assert state(hass, "sensor.charger_cp1_station_status") == "faulted"
    assert state(hass, "sensor.charger_cp1_station_error") == "ground_failure"
    assert state(hass, "sensor.charger_cp1_status") == "charging"
    assert state(hass, "binary_sensor.charger_cp1_cable_plugged_in") == "on"
    assert state(hass, "binary_sensor.charger_cp1_charging") == "on"

    for status, plugged, charging in (
        ("SuspendedEV", "on", "off"),
        ("SuspendedEVSE", "on", "off"),
        ("Finishing", "on", "off"),
        ("Available", "off", "off"),
        ("Reserved", "off", "off"),
        ("Unavailable", "off", "off"),
        ("Preparing", "on", "off"),
    ):
        await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status=status))
        await hass.async_block_till_done()
        assert state(hass, "binary_sensor.charger_cp1_cable_plugged_in") == plugged, status
        assert state(hass, "binary_sensor.charger_cp1_charging") == charging, status

    await cp.call(
        call.StatusNotification(
            connector_id=1, error_code="OtherError", status="Faulted", vendor_error_code="E42"
        )
    )
    await cp.call(call.StatusNotification(connector_id=0, error_code="NoError", status="Available"))
    await hass.async_block_till_done()
    assert state(hass, "sensor.charger_cp1_status") == "faulted"
    assert model(central).connectors[1].error_code == "OtherError"
    assert state(hass, "sensor.charger_cp1_error") == "other_error"
    assert state(hass, "sensor.charger_cp1_station_status") == "available"
    assert charger.error_code is None


async def test_status_notification_second_connector(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A second connector appears in the model with its own status."""
    cp = await connect("CP1")
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    await cp.call(call.StatusNotification(connector_id=2, error_code="NoError", status="Charging"))
    await hass.async_block_till_done()
    charger = model(central)
    assert sorted(charger.connectors) == [1, 2]
    assert charger.connectors[2].status is ConnectorStatus.CHARGING
    assert charger.connectors[1].status is ConnectorStatus.AVAILABLE
    statuses = {
        s.state
        for s in hass.states.async_all("sensor")
        if s.entity_id.endswith("_status") and "station" not in s.entity_id
    }
    assert {"available", "charging"} <= statuses


async def test_status_notification_unknown_status(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A status outside the 1.6 vocabulary is answered and shown as unknown."""
    cp = await connect("CP1")
    await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Occupied"),
        skip_schema_validation=True,
    )
    await hass.async_block_till_done()
    assert model(central).connectors[1].status is None
    assert state(hass, "sensor.charger_cp1_status") == "unknown"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_meter_values_all_measurands(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Every measurand the model knows, per phase where phased, in base units."""
    cp = await connect("CP1")
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await send_meter(cp, 1, *all_measurands(12345.0, 7200.0, timestamp="2025-06-25T08:05:00Z"))
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 12345.0
    assert connector.power_w == 7200.0
    assert connector.current_offered_a == 16.0
    assert connector.power_offered_w == 11000.0
    assert connector.soc_percent == 55.0
    assert connector.temperature_c == 31.5
    assert connector.frequency_hz == 50.02
    assert connector.current_a == {Phase.L1: 10.1, Phase.L2: 10.2, Phase.L3: 10.3}
    assert connector.voltage_v == {Phase.L1: 230.1, Phase.L2: 230.2, Phase.L3: 230.3}
    assert connector.last_meter_at == datetime(2025, 6, 25, 8, 5, tzinfo=UTC)

    assert state(hass, "sensor.charger_cp1_charging_power") == "7.2"
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "12.345"
    assert state(hass, "sensor.charger_cp1_current_offered") == "16.0"
    assert state(hass, "sensor.charger_cp1_current_l1") == "10.1"
    assert state(hass, "sensor.charger_cp1_current_l2") == "10.2"
    assert state(hass, "sensor.charger_cp1_current_l3") == "10.3"
    assert state(hass, "sensor.charger_cp1_state_of_charge") == "55.0"
    assert state(hass, "sensor.charger_cp1_temperature") == "31.5"


async def test_meter_values_units(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """kWh and kW are converted; a missing unit means Wh; a missing measurand means energy."""
    cp = await connect("CP1")
    await send_meter(
        cp,
        1,
        meter_value(
            "2025-06-25T08:00:00Z",
            energy("12.5", unit="kWh"),
            {"value": "3.7", "measurand": "Power.Active.Import", "unit": "kW"},
        ),
    )
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 12500.0
    assert connector.power_w == 3700.0
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "12.5"
    assert state(hass, "sensor.charger_cp1_charging_power") == "3.7"

    # Defaults of the 1.6 SampledValue: measurand Energy.Active.Import.Register, unit Wh.
    await send_meter(cp, 1, meter_value("2025-06-25T08:01:00Z", {"value": "12600"}))
    assert connector.energy.total_wh == 12600.0
    await send_meter(
        cp,
        1,
        meter_value(
            "2025-06-25T08:02:00Z",
            energy("12700", unit="Wh"),
            {"value": "1500", "measurand": "Power.Active.Import", "unit": "W"},
        ),
    )
    assert connector.energy.total_wh == 12700.0
    assert connector.power_w == 1500.0


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_meter_values_phases(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """L1..L3 and L1-N map to phases; line-to-line voltage becomes phase voltage; N is dropped."""
    cp = await connect("CP1")
    await send_meter(
        cp,
        1,
        meter_value(
            "2025-06-25T08:00:00Z",
            {"value": "400", "measurand": "Voltage", "unit": "V", "phase": "L1-L2"},
            {"value": "231", "measurand": "Voltage", "unit": "V", "phase": "L2-N"},
            {"value": "232", "measurand": "Voltage", "unit": "V", "phase": "L3"},
            {"value": "6", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
            {"value": "7", "measurand": "Current.Import", "unit": "A", "phase": "L2"},
            {"value": "8", "measurand": "Current.Import", "unit": "A", "phase": "L3"},
            {"value": "0.4", "measurand": "Current.Import", "unit": "A", "phase": "N"},
            {"value": "1380", "measurand": "Power.Active.Import", "unit": "W", "phase": "L1"},
            {"value": "1610", "measurand": "Power.Active.Import", "unit": "W", "phase": "L2"},
            {"value": "1.84", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L3"},
        ),
    )
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    assert connector.voltage_v[Phase.L1] == pytest.approx(400 / 3**0.5)
    assert connector.voltage_v[Phase.L2] == 231.0
    assert connector.voltage_v[Phase.L3] == 232.0
    assert connector.current_a == {Phase.L1: 6.0, Phase.L2: 7.0, Phase.L3: 8.0}
    # Only per-phase power was sent: the total is their sum.
    assert connector.power_w == pytest.approx(4830.0)
    assert state(hass, "sensor.charger_cp1_current_l3") == "8.0"
    assert float(state(hass, "sensor.charger_cp1_charging_power")) == pytest.approx(4.83)


async def test_meter_values_temperature_units(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Celsius as is; Fahrenheit and Kelvin are converted."""
    cp = await connect("CP1")
    connector_temp = []
    for stamp, value, unit in (
        ("2025-06-25T08:00:00Z", "21.5", "Celsius"),
        ("2025-06-25T08:01:00Z", "77", "Fahrenheit"),
        ("2025-06-25T08:02:00Z", "300.15", "K"),
    ):
        await send_meter(
            cp,
            1,
            meter_value(stamp, {"value": value, "measurand": "Temperature", "unit": unit}),
        )
        connector_temp.append(model(central).connectors[1].temperature_c)
    assert connector_temp == pytest.approx([21.5, 25.0, 27.0])


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_meter_values_main_meter_on_connector_0(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A single-connector station's main meter (connector 0) feeds connector 1 (Zaptec)."""
    cp = await connect("CP1")
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await send_meter(
        cp,
        0,
        meter_value(
            "2025-06-25T08:00:00Z",
            energy("5000", location="Outlet"),
            {"value": "11", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
        ),
    )
    await hass.async_block_till_done()
    charger = model(central)
    assert 0 not in charger.connectors
    assert charger.connectors[1].energy.total_wh == 5000.0
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "5.0"
    assert state(hass, "sensor.charger_cp1_current_l1") == "11.0"


async def test_meter_values_main_meter_before_any_status(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Main-meter values before the station named its connectors go to connector 1."""
    cp = await connect("CP1")
    await send_meter(cp, 0, meter_value("2025-06-25T08:00:00Z", energy("5000")))
    assert sorted(model(central).connectors) == [1]
    assert model(central).connectors[1].energy.total_wh == 5000.0


async def test_meter_values_connector_with_own_meter_ignores_main_meter(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Once connector 1 reports for itself, a separate main meter no longer feeds it."""
    cp = await connect("CP1")
    await send_meter(cp, 1, meter_value("2025-06-25T08:00:00Z", energy("1000")))
    await send_meter(cp, 0, meter_value("2025-06-25T08:00:01Z", energy("250000")))
    await send_meter(cp, 1, meter_value("2025-06-25T08:00:02Z", energy("1100")))
    charger = model(central)
    assert charger.connectors[1].energy.total_wh == 1100.0
    assert charger.connectors[0].energy.total_wh == 250000.0


async def test_meter_values_main_meter_on_multi_connector_station(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """With two connectors, connector 0 stays the station's own meter."""
    cp = await connect("CP1")
    for n in (1, 2):
        await cp.call(
            call.StatusNotification(connector_id=n, error_code="NoError", status="Available")
        )
    await send_meter(cp, 0, meter_value("2025-06-25T08:00:00Z", energy("9000")))
    charger = model(central)
    assert charger.connectors[0].energy.total_wh == 9000.0
    assert charger.connectors[1].energy.total_wh is None
    assert charger.connectors[2].energy.total_wh is None


async def test_meter_values_alfen_backlog(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Old readings replayed on reconnect are acknowledged but do not corrupt the lifetime energy."""
    cp = await connect("CP1")
    await send_meter(
        cp,
        1,
        meter_value(
            "2025-06-25T08:00:00Z",
            energy("20000"),
            {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
        ),
    )
    # Alfen: years-old timestamps, int64-max transaction id and the invalid context "CurrentMax".
    backlog = call.MeterValues(
        connector_id=1,
        transaction_id=ALFEN_NO_TRANSACTION,
        meter_value=[
            meter_value(
                "2022-03-01T10:00:00Z",
                energy("5000", context="Sample.Periodic"),
                {
                    "value": "16",
                    "measurand": "Current.Offered",
                    "unit": "A",
                    "context": "CurrentMax",
                },
                {"value": "3000", "measurand": "Power.Active.Import", "unit": "W"},
            ),
            meter_value("2022-03-01T10:15:00Z", energy("5200", context="CurrentMax")),
        ],
    )
    result = await cp.call(backlog, skip_schema_validation=True)
    assert result is not None
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 20000.0
    assert connector.power_w == 7000.0
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "20.0"
    # Live readings continue from where they were.
    await send_meter(cp, 1, meter_value("2025-06-25T08:01:00Z", energy("20100")))
    assert connector.energy.total_wh == 20100.0
    assert connector.transaction is None


async def test_meter_values_backlog_first_then_live(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A backlog arriving before any live reading counts up to the live value, no more."""
    cp = await connect("CP1")
    await send_meter(
        cp,
        1,
        # Out of order inside one message: sorted by timestamp before applying.
        meter_value("2022-03-01T10:15:00Z", energy("5200")),
        meter_value("2022-03-01T10:00:00Z", energy("5000")),
    )
    await send_meter(cp, 1, meter_value("2025-06-25T08:00:00Z", energy("20000")))
    assert model(central).connectors[1].energy.total_wh == 20000.0


async def test_meter_values_signed_data_ignored(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Signed meter data (OCMF blobs) is skipped; plain values beside it are used."""
    cp = await connect("CP1")
    await send_meter(
        cp,
        1,
        meter_value(
            "2025-06-25T08:00:00Z",
            energy("1000"),
            energy("OCMF|{...}|{...}", format="SignedData"),
            energy("99999", format="SignedData"),
        ),
    )
    assert model(central).connectors[1].energy.total_wh == 1000.0


async def test_meter_values_garbage_values_skipped(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Unreadable numbers, unknown units and unknown measurands do not break the message."""
    cp = await connect("CP1")
    result = await cp.call(
        call.MeterValues(
            connector_id=1,
            meter_value=[
                meter_value(
                    "not a time",
                    energy("n/a"),
                    energy("NaN"),
                    {"value": "50", "measurand": "Frequency", "unit": "Hz"},
                    {"value": "1", "measurand": "Request.Energy"},
                    {"value": "1500", "measurand": "Power.Active.Import"},
                ),
                "not a meter value",
            ],
        ),
        skip_schema_validation=True,
    )
    assert result is not None
    connector = model(central).connectors[1]
    assert connector.energy.total_wh is None
    assert connector.frequency_hz == 50.0
    assert connector.power_w == 1500.0


async def test_meter_values_future_timestamp_not_trusted(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A reading from a charger whose clock runs years ahead does not freeze later readings."""
    cp = await connect("CP1")
    now = datetime.now(UTC)
    await send_meter(cp, 1, meter_value("2036-01-01T00:00:00Z", energy("1000")))
    await send_meter(cp, 1, meter_value(now.isoformat(), energy("1100")))
    assert model(central).connectors[1].energy.total_wh == 1100.0


# --- Authorization and transactions --------------------------------------------------


async def test_authorize_accept_all(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Every tag is accepted by default."""
    cp = await connect("CP1")
    result = await cp.call(call.Authorize(id_tag="ANY-TAG"))
    assert result.id_tag_info["status"] == "Accepted"


ALLOW_LIST = {
    CONF_UNKNOWN_CHARGERS: "ask",
    CONF_HEARTBEAT_INTERVAL: 300,
    CONF_AUTHORIZATION: "allow_list",
}


@pytest.mark.parametrize("options", [ALLOW_LIST])
@pytest.mark.parametrize(
    "subentries",
    [[charger_subentry("CP1"), id_tag_subentry("04A2B3C4D5", "Anna"), id_tag_subentry("FAMILY")]],
)
async def test_authorize_allow_list(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Only listed tags are accepted; OCPP id tags compare case-insensitively."""
    cp = await connect("CP1")
    for tag, expected in (
        ("04A2B3C4D5", "Accepted"),
        ("04a2b3c4d5", "Accepted"),
        ("FAMILY", "Accepted"),
        ("STRANGER", "Invalid"),
        ("", "Invalid"),
    ):
        result = await cp.call(call.Authorize(id_tag=tag))
        assert result.id_tag_info["status"] == expected, tag

    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="STRANGER", meter_start=0, timestamp="2025-06-25T08:00:00Z"
        )
    )
    assert started.id_tag_info["status"] == "Invalid"
    stopped = await cp.call(
        call.StopTransaction(
            transaction_id=started.transaction_id,
            meter_stop=0,
            timestamp="2025-06-25T08:00:05Z",
            id_tag="FAMILY",
        )
    )
    assert stopped.id_tag_info["status"] == "Accepted"


async def test_authorize_requires_id_tag(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Authorize is validated strictly: no idTag, no answer but a CALLERROR."""
    from ocpp.exceptions import ProtocolError

    cp = await connect("CP1")
    with pytest.raises(ProtocolError):
        await cp.call(call.Authorize(id_tag=None), skip_schema_validation=True, suppress=False)  # type: ignore[arg-type]


async def test_transaction_lifecycle(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Start → meter values → stop: ids from the counter, session energy = stop - start."""
    cp = await connect("CP1")
    await cp.boot()
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"))
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=10000, timestamp="2025-06-25T08:00:00Z"
        )
    )
    assert started.id_tag_info["status"] == "Accepted"
    tx_id = started.transaction_id
    assert isinstance(tx_id, int)
    assert tx_id > 0
    await hass.async_block_till_done()
    connector = model(central).connectors[1]
    assert connector.transaction is not None
    assert connector.transaction.transaction_id == tx_id
    assert connector.transaction.id_tag == "TAG-1"
    assert connector.transaction.meter_start_wh == 10000.0
    assert connector.transaction.started_at == datetime(2025, 6, 25, 8, tzinfo=UTC)
    assert state(hass, "sensor.charger_cp1_transaction") == str(tx_id)
    assert state(hass, "sensor.charger_cp1_session_energy") == "0.0"

    await send_meter(
        cp, 1, meter_value("2025-06-25T08:30:00Z", energy("11500")), transaction_id=tx_id
    )
    await hass.async_block_till_done()
    assert state(hass, "sensor.charger_cp1_session_energy") == "1.5"

    stopped = await cp.call(
        call.StopTransaction(
            transaction_id=tx_id,
            meter_stop=13500,
            timestamp="2025-06-25T09:00:00Z",
            reason="EVDisconnected",
        )
    )
    assert stopped.id_tag_info is None
    await hass.async_block_till_done()
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 3500.0
    assert connector.energy.total_wh == 13500.0
    assert state(hass, "sensor.charger_cp1_session_energy") == "3.5"
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "13.5"
    assert state(hass, "sensor.charger_cp1_transaction") == "unknown"

    # The next session gets a new, higher id.
    again = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=13500, timestamp="2025-06-25T10:00:00Z"
        )
    )
    assert again.transaction_id > tx_id


async def test_transaction_ids_increase_across_connectors(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Ids are unique across connectors and chargers."""
    cp1 = await connect("CP1")
    cp2 = await connect("CP2")
    ids = []
    for cp, connector_id in ((cp1, 1), (cp1, 2), (cp2, 1), (cp1, 1)):
        started = await cp.call(
            call.StartTransaction(
                connector_id=connector_id,
                id_tag="T",
                meter_start=0,
                timestamp=datetime.now(UTC).isoformat(),
            )
        )
        ids.append(started.transaction_id)
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    # A new session on a connector with an open one closes the open one.
    charger = model(central)
    assert charger.connectors[1].transaction is not None
    assert charger.connectors[1].transaction.transaction_id == ids[3]


async def test_start_transaction_retry_gets_same_id(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A StartTransaction repeated because its answer was lost is the same session."""
    cp = await connect("CP1")
    request = call.StartTransaction(
        connector_id=1, id_tag="TAG-1", meter_start=500, timestamp="2025-06-25T08:00:00Z"
    )
    first = await cp.call(request)
    second = await cp.call(request)
    assert first.transaction_id == second.transaction_id
    assert model(central).connectors[1].last_session_energy_wh is None


async def test_stop_transaction_with_transaction_data(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """transactionData readings are applied; meterStop closes the session."""
    cp = await connect("CP1")
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=2000, timestamp="2025-06-25T08:00:00Z"
        )
    )
    await cp.call(
        call.StopTransaction(
            transaction_id=started.transaction_id,
            meter_stop=4000,
            timestamp="2025-06-25T09:00:00Z",
            id_tag="TAG-1",
            transaction_data=[
                meter_value(
                    "2025-06-25T08:00:00Z",
                    energy("2000", context="Transaction.Begin"),
                ),
                meter_value(
                    "2025-06-25T09:00:00Z",
                    energy("4000", context="Transaction.End"),
                    {"value": "0", "measurand": "Power.Active.Import", "unit": "W"},
                    {"value": "80", "measurand": "SoC", "unit": "Percent"},
                ),
            ],
        )
    )
    connector = model(central).connectors[1]
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2000.0
    assert connector.soc_percent == 80.0
    assert connector.power_w == 0.0


async def test_stop_transaction_unknown_id(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Stops of transactions we never saw (queued offline) are still acknowledged."""
    cp = await connect("CP1")
    result = await cp.call(
        call.StopTransaction(
            transaction_id=987654, meter_stop=1234, timestamp="2025-06-25T09:00:00Z", id_tag="X"
        )
    )
    assert result.id_tag_info["status"] == "Accepted"
    result = await cp.call(
        call.StopTransaction(
            transaction_id=ALFEN_NO_TRANSACTION,
            meter_stop=1234,
            timestamp="2025-06-25T09:00:00Z",
        ),
        skip_schema_validation=True,
    )
    assert result is not None
    result = await cp.call(
        call.StopTransaction(transaction_id=-1, meter_stop=0, timestamp="2025-06-25T09:00:00Z")
    )
    assert result is not None
    assert model(central).connectors == {}


async def test_register_reset_per_session(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Vestel: the register restarts at 0 every session; lifetime energy keeps counting."""
    cp = await connect("CP1")
    total = 0.0
    for session, (start, stop) in enumerate(((0, 3000), (0, 2000), (0, 4500))):
        stamp = f"2025-06-2{session + 1}T08:00:00Z"
        started = await cp.call(
            call.StartTransaction(connector_id=1, id_tag="T", meter_start=start, timestamp=stamp)
        )
        await send_meter(cp, 1, meter_value(f"2025-06-2{session + 1}T08:30:00Z", energy("1000")))
        await cp.call(
            call.StopTransaction(
                transaction_id=started.transaction_id,
                meter_stop=stop,
                timestamp=f"2025-06-2{session + 1}T09:00:00Z",
            )
        )
        total += stop - start
        connector = model(central).connectors[1]
        assert connector.last_session_energy_wh == stop - start
        assert connector.energy.total_wh == total
    await hass.async_block_till_done()
    assert state(hass, "sensor.charger_cp1_lifetime_energy") == "9.5"


# --- Other charger-initiated messages ------------------------------------------------


async def test_data_transfer(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """No vendor extensions: UnknownVendorId, also for object data (Growatt)."""
    cp = await connect("CP1")
    result = await cp.call(call.DataTransfer(vendor_id="com.acme", message_id="x", data="{}"))
    assert result.status == "UnknownVendorId"
    result = await cp.call(
        call.DataTransfer(vendor_id="Growatt", data={"someKey": 1}),  # type: ignore[arg-type]
        skip_schema_validation=True,
    )
    assert result.status == "UnknownVendorId"


async def test_firmware_and_diagnostics_status(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Firmware status is kept; diagnostics status is acknowledged."""
    cp = await connect("CP1")
    assert await cp.call(call.FirmwareStatusNotification(status="Downloading")) is not None
    assert model(central).firmware_status == "Downloading"
    assert await cp.call(call.DiagnosticsStatusNotification(status="Uploaded")) is not None
    assert (
        await cp.call(
            call.SignedFirmwareStatusNotification(status="SignatureVerified", request_id=3)
        )
        is not None
    )
    assert model(central).firmware_status == "SignatureVerified"


async def test_security_extension_messages(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Security events are logged; logs acknowledged; certificate signing declined."""
    cp = await connect("CP1")
    result = await cp.call(
        call.SecurityEventNotification(
            type="FirmwareUpdated", timestamp="2025-06-25T08:00:00Z", tech_info="v2"
        )
    )
    assert result is not None
    assert "security event FirmwareUpdated" in caplog.text
    assert await cp.call(call.LogStatusNotification(status="Uploading", request_id=1)) is not None
    result = await cp.call(call.SignCertificate(csr="-----BEGIN CERTIFICATE REQUEST-----"))
    assert result.status == "Rejected"


async def test_unconfirmed_charger_is_pending(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """An unknown charger (policy ask) is kept Pending and offered for discovery."""
    cp = await connect("NEW1")
    result = await cp.boot()
    assert result.status == "Pending"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert any(flow["context"].get("source") == "integration_discovery" for flow in flows)
    # Pending chargers still get every answer.
    assert (await cp.call(call.Heartbeat())).current_time
    assert "NEW1" not in central.runtime_data.coordinators


async def test_start_transaction_without_meter_start(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """meterStart null (Alfen after a CSMS restart): the session starts at the current register."""
    cp = await connect("CP1")
    await send_meter(cp, 1, meter_value("2025-06-25T07:00:00Z", energy("8000")))
    started = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag="T",
            meter_start=None,
            timestamp="2025-06-25T08:00:00Z",  # type: ignore[arg-type]
        ),
        skip_schema_validation=True,
    )
    transaction = model(central).connectors[1].transaction
    assert transaction is not None
    assert transaction.transaction_id == started.transaction_id
    assert transaction.meter_start_wh == 8000.0


async def test_start_transaction_queued_while_offline(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A start stamped before the latest reading does not move the register back."""
    cp = await connect("CP1")
    await send_meter(cp, 1, meter_value("2025-06-25T09:00:00Z", energy("8000")))
    await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="T", meter_start=7000, timestamp="2025-06-25T08:00:00Z"
        )
    )
    connector = model(central).connectors[1]
    assert connector.energy.total_wh == 8000.0
    assert connector.transaction is not None
    assert connector.transaction.meter_start_wh == 7000.0
    assert connector.session_energy_wh == 1000.0


async def test_stop_transaction_with_odd_transaction_id(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """transactionId true or "1" is no transaction of ours (validation is skipped)."""
    cp = await connect("CP1")
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="T", meter_start=0, timestamp="2025-06-25T08:00:00Z"
        )
    )
    for odd in (True, str(started.transaction_id), None):
        result = await cp.call(
            call.StopTransaction(
                transaction_id=odd,  # type: ignore[arg-type]
                meter_stop=10,
                timestamp="2025-06-25T09:00:00Z",
            ),
            skip_schema_validation=True,
        )
        assert result is not None
    assert model(central).connectors[1].transaction is not None
