"""Moving over from the OCPP integration (lbbrhzn/ocpp): its chargers imported in one repair step.

A fake incumbent entry (domain `ocpp`, its 0.8+ data layout) next to a real central system; the
imported charger then connects with a real OCPP client and is accepted.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_CHARGER_ID,
    CONF_MAX_CURRENT,
    DOMAIN,
    SUBENTRY_CHARGER,
)
from custom_components.ocpp_central.flows.migration import (
    IncumbentCharger,
    incumbent_chargers,
)
from tests.helpers.sim_charger import ConnectFn

INCUMBENT_DATA: dict[str, Any] = {
    "host": "0.0.0.0",
    "port": 9000,
    "csid": "central",
    "ssl": False,
    "websocket_ping_interval": 20,
    "cpids": [
        {
            "EVB-P1234": {
                "cpid": "garage",
                "max_current": 16,
                "meter_interval": 60,
                "monitored_variables_autoconfig": True,
                "num_connectors": 1,
            }
        },
        {"ABB-9": {"cpid": "carport", "max_current": "20"}},
        # Already configured here: not imported again.
        {"CP1": {"cpid": "charger", "max_current": 32}},
    ],
}


@pytest.fixture
async def incumbent(hass: HomeAssistant) -> MockConfigEntry:
    """The OCPP integration's entry, as it stores its chargers (set up before ours)."""
    entry = MockConfigEntry(domain="ocpp", title="central", data=INCUMBENT_DATA)
    entry.add_to_hass(hass)
    assert await async_setup_component(hass, "repairs", {})
    return entry


def issue_id(central: MockConfigEntry) -> str:
    return f"import_incumbent_{central.entry_id}"


async def start_fix(hass: HomeAssistant, central: MockConfigEntry) -> dict[str, Any]:
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return dict(await manager.async_init(DOMAIN, data={"issue_id": issue_id(central)}))


def chargers(central: MockConfigEntry) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        s.data[CONF_CHARGER_ID]: (s.title, dict(s.data))
        for s in central.subentries.values()
        if s.subentry_type == SUBENTRY_CHARGER
    }


async def test_import_in_one_step_then_the_charger_connects(
    hass: HomeAssistant, incumbent: MockConfigEntry, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The issue names the two new chargers; confirming adds them and disables the incumbent."""
    # One of the incumbent's entities, as it registered them (docs/migration.md: ours gets _2).
    er.async_get(hass).async_get_or_create(
        "switch",
        "ocpp",
        "garage_availability",
        suggested_object_id="garage_availability",
        config_entry=incumbent,
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id(central))
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"count": "2", "chargers": "garage, carport"}

    result = await start_fix(hass, central)
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"]["chargers"] == (
        "garage (id EVB-P1234, 16 A); carport (id ABB-9, 20 A)"
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = dict(await manager.async_configure(result["flow_id"], {"disable_incumbent": True}))
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()

    imported = chargers(central)
    assert imported["EVB-P1234"] == (
        "garage",
        {CONF_CHARGER_ID: "EVB-P1234", "password": "", CONF_MAX_CURRENT: 16.0},
    )
    assert imported["ABB-9"][1][CONF_MAX_CURRENT] == 20.0
    assert imported["CP1"][0] == "Charger CP1"  # untouched
    assert incumbent.disabled_by is ConfigEntryDisabler.USER
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(central)) is None
    # Picked up without a restart: the charger connects under its OCPP id and is accepted.
    assert "EVB-P1234" in central.runtime_data.coordinators
    cp = await connect("EVB-P1234")
    assert (await cp.boot()).status == "Accepted"
    await hass.async_block_till_done()
    connected = hass.states.get("binary_sensor.garage_connected")
    assert connected is not None
    assert connected.state == "on"
    assert hass.states.get("switch.garage_availability_2") is not None


async def test_keep_the_incumbent_enabled(
    hass: HomeAssistant, incumbent: MockConfigEntry, central: MockConfigEntry
) -> None:
    """Unticked, the incumbent stays enabled; a second fix flow finds nothing left to import."""
    result = await start_fix(hass, central)
    manager = repairs_flow_manager(hass)
    assert manager is not None
    await manager.async_configure(result["flow_id"], {"disable_incumbent": False})
    await hass.async_block_till_done()
    assert incumbent.disabled_by is None
    assert {"EVB-P1234", "ABB-9", "CP1"} == set(chargers(central))
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(central),
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="import_incumbent",
        data={"entry_id": central.entry_id},
    )
    result = await start_fix(hass, central)
    assert result == {**result, "type": "abort", "reason": "nothing_to_import"}
    # Set up again, the central system raises no issue: nothing is left to import.
    assert await hass.config_entries.async_reload(central.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(central)) is None


async def test_no_issue_without_the_incumbent(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id(central)) is None


async def test_fix_flow_of_a_removed_central_system(
    hass: HomeAssistant, incumbent: MockConfigEntry, central: MockConfigEntry
) -> None:
    """The central system went away before the fix: nothing is imported anywhere."""
    result = await start_fix(hass, central)
    await hass.config_entries.async_remove(central.entry_id)
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = dict(await manager.async_configure(result["flow_id"], {"disable_incumbent": True}))
    assert result["reason"] == "central_gone"
    assert incumbent.disabled_by is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Before the incumbent's 0.8: one charger per entry, its OCPP id not kept.
        ({"cpid": "charger", "max_current": 10}, [IncumbentCharger("charger", "charger", 10.0)]),
        ({"cpid": "charger"}, [IncumbentCharger("charger", "charger", 32.0)]),
        # Unusable items are left out; an unusable current is the default.
        (
            {
                "cpids": [
                    "nonsense",
                    {"a/b": {"cpid": "x"}},
                    {"X" * 49: {}},
                    {"": {}},
                    {"OK-1": None},
                    {"OK-2": {"cpid": " ", "max_current": "lots"}},
                    {"OK-3": {"cpid": "three", "max_current": -4}},
                    {"OK-3": {"cpid": "again"}},
                ]
            },
            [
                IncumbentCharger("OK-1", "OK-1", 32.0),
                IncumbentCharger("OK-2", "OK-2", 32.0),
                IncumbentCharger("OK-3", "three", 32.0),
            ],
        ),
        ({"cpids": "broken"}, []),
        ({}, []),
    ],
)
def test_incumbent_layouts(data: dict[str, Any], expected: list[IncumbentCharger]) -> None:
    assert incumbent_chargers(data) == expected
