"""The car park entity set: only the essential entities per charger, and the cap's repair issue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_platform, entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central.const import CONF_ENTITY_SET, DOMAIN, EntitySet
from custom_components.ocpp_central.entities.entity_set import CAP_CHECK_DELAY_S, issue_id
from tests.helpers.sim_charger import ConnectFn, start_charging
from tests.helpers.subentries import charger_subentry, id_tag_subentry

# What a single-connector charger gets in the car park set (README, "A car park").
CAR_PARK_CP1 = {
    "binary_sensor.charger_cp1_connected",
    "sensor.charger_cp1_status",
    "sensor.charger_cp1_charging_power",
    "sensor.charger_cp1_session_energy",
    "sensor.charger_cp1_lifetime_energy",
    "switch.charger_cp1_charge",
    "select.charger_cp1_charge_mode",
    "number.charger_cp1_current_limit",
}
# Per id tag, not per charger: kept.
ID_TAG_SENSORS = {"sensor.anna_energy_this_month", "sensor.anna_energy_last_month"}


def registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }


async def choose(hass: HomeAssistant, entry: MockConfigEntry, entity_set: EntitySet) -> None:
    """Pick the entity set in the options flow, as an installer does."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ENTITY_SET: entity_set.value}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()


class TestCarPark:
    @pytest.fixture
    def subentries(self) -> list[Any]:
        return [charger_subentry("CP1"), id_tag_subentry("TAG-0001", "Anna")]

    @pytest.fixture
    def options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {**options, CONF_ENTITY_SET: EntitySet.CAR_PARK.value}

    async def test_a_charging_charger_gets_the_essential_set(
        self, hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
    ) -> None:
        """Every measurand sent, a session running: 8 entities, and nothing else registered."""
        cp = await connect("CP1")
        await start_charging(hass, cp)
        assert registered(hass, central) == CAR_PARK_CP1 | ID_TAG_SENSORS
        shown = {entity_id: hass.states.get(entity_id) for entity_id in CAR_PARK_CP1}
        assert {entity_id: state.state for entity_id, state in shown.items() if state} == {
            "binary_sensor.charger_cp1_connected": "on",
            "sensor.charger_cp1_status": "charging",
            "sensor.charger_cp1_charging_power": "7.2",
            "sensor.charger_cp1_session_energy": "2.345",
            "sensor.charger_cp1_lifetime_energy": "12.345",
            "switch.charger_cp1_charge": "on",
            "select.charger_cp1_charge_mode": "external",
            "number.charger_cp1_current_limit": "32.0",
        }

        # A second connector: its own 7 (connectivity is the station's).
        await cp.call(
            call.StatusNotification(connector_id=2, error_code="NoError", status="Available")
        )
        await hass.async_block_till_done()
        second = {
            entity_id.replace("charger_cp1_", "charger_cp1_connector_2_")
            for entity_id in CAR_PARK_CP1 - {"binary_sensor.charger_cp1_connected"}
        }
        assert registered(hass, central) == CAR_PARK_CP1 | second | ID_TAG_SENSORS


class TestSwitching:
    @pytest.fixture
    def subentries(self) -> list[Any]:
        return [charger_subentry("CP1"), id_tag_subentry("TAG-0001", "Anna")]

    @pytest.mark.usefixtures("entity_registry_enabled_by_default")
    async def test_full_to_car_park_removes_the_rest_and_back(
        self, hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
    ) -> None:
        """Switching reloads; the others leave the registry and the state machine."""
        await start_charging(hass, await connect("CP1"))
        full = registered(hass, central)
        assert full > CAR_PARK_CP1 | ID_TAG_SENSORS
        assert len(full - ID_TAG_SENSORS) > 30
        runtime = central.runtime_data

        await choose(hass, central, EntitySet.CAR_PARK)
        assert central.runtime_data is not runtime
        assert registered(hass, central) == CAR_PARK_CP1 | ID_TAG_SENSORS
        for entity_id in full - CAR_PARK_CP1 - ID_TAG_SENSORS:
            assert hass.states.get(entity_id) is None, entity_id

        # The same choice again: nothing to reload.
        runtime = central.runtime_data
        await choose(hass, central, EntitySet.CAR_PARK)
        assert central.runtime_data is runtime

        # Back to all: the station's and the known connector's entities come back.
        await choose(hass, central, EntitySet.FULL)
        assert central.runtime_data is not runtime
        assert "sensor.charger_cp1_vehicle_state" in registered(hass, central)
        assert "calendar.charger_cp1_sessions" in registered(hass, central)


class TestCapIssue:
    @pytest.fixture
    def subentries(self) -> list[Any]:
        return [charger_subentry("CP1"), charger_subentry("CP2")]

    async def test_the_issue_follows_chargers_times_entities(
        self,
        hass: HomeAssistant,
        central: MockConfigEntry,
        connect: ConnectFn,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Two chargers that would pass the cap raise it; one charger clears it; car park too."""
        await start_charging(hass, await connect("CP1"))
        registry = er.async_get(hass)
        cp1 = next(
            subentry_id
            for subentry_id, subentry in central.subentries.items()
            if subentry.unique_id == "CP1"
        )
        per_charger = sum(
            1
            for entity in er.async_entries_for_config_entry(registry, central.entry_id)
            if entity.config_subentry_id == cp1 and entity.disabled_by is None
        )
        assert per_charger > 20
        issues = ir.async_get(hass)

        def nudge() -> None:
            """Change an option (the heartbeat): the entry's update listeners run."""
            options = {**central.options}
            options["heartbeat_interval"] = options["heartbeat_interval"] + 1
            assert hass.config_entries.async_update_entry(central, options=options)

        async def checked() -> ir.IssueEntry | None:
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=CAP_CHECK_DELAY_S))
            await hass.async_block_till_done()
            return issues.async_get_issue(DOMAIN, issue_id(central))

        monkeypatch.setattr(
            entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 2 * per_charger
        )
        assert await checked() is None

        cap = 2 * per_charger - 1
        monkeypatch.setattr(entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", cap)
        nudge()
        issue = await checked()
        assert issue is not None
        assert issue.translation_key == "entity_cap"
        assert issue.translation_placeholders == {
            "chargers": "2",
            "per_charger": str(per_charger),
            "needed": str(2 * per_charger),
            "cap": str(cap),
            "fits": "1",
        }

        cp2 = next(
            subentry_id
            for subentry_id, subentry in central.subentries.items()
            if subentry.unique_id == "CP2"
        )
        hass.config_entries.async_remove_subentry(central, cp2)
        await hass.async_block_till_done()
        assert await checked() is None

        monkeypatch.setattr(
            entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", per_charger - 1
        )
        nudge()
        assert await checked() is not None

        await choose(hass, central, EntitySet.CAR_PARK)
        assert issues.async_get_issue(DOMAIN, issue_id(central)) is None
        assert len(registered(hass, central)) == len(CAR_PARK_CP1)
