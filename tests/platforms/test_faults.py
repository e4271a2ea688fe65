"""Faults a charger reports and chargers gone too long: repair issues, problem sensor, events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.entities.faults import (
    CONF_OFFLINE_ISSUE_MINUTES,
    EVENT_FAULT,
    ISSUE_OFFLINE,
)
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.waiting import wait_for

PROBLEM = "binary_sensor.charger_cp1_problem"
CONNECTOR_ISSUE = "charger_fault_CP1_1"
STATION_ISSUE = "charger_fault_CP1_0"


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


def fault_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect the fault events fired from now on."""
    seen: list[dict[str, Any]] = []

    @callback
    def note(event: Event) -> None:
        seen.append(dict(event.data))

    hass.bus.async_listen(EVENT_FAULT, note)
    return seen


async def status(hass: HomeAssistant, cp: Any, connector: int, state: str, **error: str) -> None:
    error.setdefault("error_code", "NoError")
    await cp.call(call.StatusNotification(connector_id=connector, status=state, **error))
    await hass.async_block_till_done()


@pytest.mark.usefixtures("central")
async def test_connector_fault_raises_and_clears(hass: HomeAssistant, connect: ConnectFn) -> None:
    """A 1.6 error code with the vendor's words: issue, problem sensor and event, all cleared."""
    events = fault_events(hass)
    cp = await connect("CP1")
    await cp.boot()
    await status(hass, cp, 1, "Available")
    assert hass.states.get(PROBLEM).state == STATE_OFF
    assert issue(hass, CONNECTOR_ISSUE) is None

    await status(
        hass,
        cp,
        1,
        "Faulted",
        error_code="GroundFailure",
        vendor_error_code="E42",
        info="RCD tripped",
    )
    raised = issue(hass, CONNECTOR_ISSUE)
    assert raised is not None
    assert raised.severity is ir.IssueSeverity.ERROR
    assert raised.translation_key == "charger_fault"
    assert raised.translation_placeholders == {
        "charger": "Charger CP1",
        "connector": "1",
        "code": "GroundFailure",
        "detail": "E42: RCD tripped",
    }
    assert hass.states.get(PROBLEM).state == STATE_ON
    assert events[-1] | {"device_id": None} == {
        "charger_id": "CP1",
        "device_id": None,
        "connector_id": 1,
        "active": True,
        "error_code": "GroundFailure",
        "detail": "E42: RCD tripped",
    }

    # The same fault told again raises nothing new.
    await status(
        hass,
        cp,
        1,
        "Faulted",
        error_code="GroundFailure",
        vendor_error_code="E42",
        info="RCD tripped",
    )
    assert len(events) == 1

    await status(hass, cp, 1, "Available")
    assert issue(hass, CONNECTOR_ISSUE) is None
    assert hass.states.get(PROBLEM).state == STATE_OFF
    assert events[-1]["active"] is False
    assert events[-1]["connector_id"] == 1


@pytest.mark.usefixtures("central")
async def test_station_fault(hass: HomeAssistant, connect: ConnectFn) -> None:
    """Connector 0 is the station: its own issue, no vendor words shown as a dash."""
    cp = await connect("CP1")
    await cp.boot()
    await status(hass, cp, 0, "Faulted", error_code="InternalError")
    raised = issue(hass, STATION_ISSUE)
    assert raised is not None
    assert raised.translation_key == "station_fault"
    assert raised.translation_placeholders["detail"] == "-"
    await status(hass, cp, 0, "Available")
    assert issue(hass, STATION_ISSUE) is None


@pytest.mark.usefixtures("central")
async def test_v201_problem_event(hass: HomeAssistant, connect_v201: Any) -> None:
    """A 2.0.1 NotifyEvent Problem of an EVSE raises the issue; its cleared event clears it."""
    cp = await connect_v201("CP1")
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done()

    def problem(seq_no: int, **extra: Any) -> Any:
        return cp.call_module.NotifyEvent(
            generated_at="2026-11-25T08:00:00Z",
            seq_no=seq_no,
            event_data=[
                {
                    "event_id": seq_no,
                    "timestamp": "2026-11-25T08:00:00Z",
                    "trigger": "Alerting",
                    "actual_value": "true",
                    "event_notification_type": "HardWiredNotification",
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Problem"},
                    **extra,
                }
            ],
        )

    await cp.call(problem(1, tech_code="OverCurrentFailure", tech_info="Phase L2 at 40 A"))
    await hass.async_block_till_done()
    raised = issue(hass, CONNECTOR_ISSUE)
    assert raised is not None
    assert raised.translation_placeholders["code"] == "OverCurrentFailure"
    assert raised.translation_placeholders["detail"] == "Phase L2 at 40 A"
    assert hass.states.get(PROBLEM).state == STATE_ON

    await cp.call(problem(2, cleared=True))
    await hass.async_block_till_done()
    assert issue(hass, CONNECTOR_ISSUE) is None
    assert hass.states.get(PROBLEM).state == STATE_OFF


@pytest.mark.usefixtures("central")
async def test_v201_faulted_status(hass: HomeAssistant, connect_v201: Any) -> None:
    """A 2.0.1 StatusNotification Faulted (no error code in 2.0.1) raises the issue too."""
    cp = await connect_v201("CP1")
    await cp.boot()
    await cp.status(1, "Faulted")
    await hass.async_block_till_done()
    raised = issue(hass, CONNECTOR_ISSUE)
    assert raised is not None
    assert raised.translation_placeholders["code"] == "Faulted"
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    assert issue(hass, CONNECTOR_ISSUE) is None


@pytest.fixture
def options(options: dict[str, Any]) -> dict[str, Any]:
    """Report an outage after 10 minutes."""
    return {**options, CONF_OFFLINE_ISSUE_MINUTES: 10}


async def test_offline_too_long(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Gone past the option's minutes: an issue; it clears when the charger connects again."""
    issue_id = f"{ISSUE_OFFLINE}_CP1"
    cp = await connect("CP1")
    await cp.boot()
    await hass.async_block_till_done()
    coordinator = central.runtime_data.coordinators["CP1"]
    await cp._connection.close()
    await wait_for(lambda: not coordinator.charger.connected)
    await hass.async_block_till_done()

    gone_at = dt_util.utcnow()
    async_fire_time_changed(hass, gone_at + timedelta(minutes=9))
    await hass.async_block_till_done()
    assert issue(hass, issue_id) is None
    async_fire_time_changed(hass, gone_at + timedelta(minutes=11))
    await hass.async_block_till_done()
    raised = issue(hass, issue_id)
    assert raised is not None
    assert raised.translation_placeholders == {"charger": "Charger CP1", "minutes": "10"}

    await (await connect("CP1")).boot()
    await hass.async_block_till_done()
    assert issue(hass, issue_id) is None


async def test_fault_across_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """A fault in force at a reload keeps its issue, is not announced twice, clears on recovery."""
    events = fault_events(hass)
    cp = await connect("CP1")
    await cp.boot()
    await status(hass, cp, 1, "Faulted", error_code="HighTemperature")
    assert len(events) == 1

    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, CONNECTOR_ISSUE) is not None
    assert len(events) == 1

    cp = await connect("CP1")
    await cp.boot()
    await status(hass, cp, 1, "Available")
    assert issue(hass, CONNECTOR_ISSUE) is None
    assert [event["active"] for event in events] == [True, False]
