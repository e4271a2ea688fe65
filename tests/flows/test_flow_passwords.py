"""Charger passwords in the add, confirm and reconfigure dialogs: suggested, checked, translated."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.const import CONF_NAME, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.central import CONF_BOUND_ADDRESS
from custom_components.ocpp_central.const import CONF_CHARGER_ID, CONF_MAX_CURRENT, SUBENTRY_CHARGER
from custom_components.ocpp_central.csms.auth import password_problem
from tests.flows.test_config_flow import discovery_flows, pending_charger
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry
from tests.test_init import EN, assert_translated

GOOD = "sixteen-chars-ok"
BAD = [
    ("short", "password_length"),
    ("x" * 41, "password_length"),
    ("lösenord-lösenord", "password_characters"),
]


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """A charger whose old password predates the rules (too short)."""
    return [charger_subentry("CP1", password="old")]


def suggested(result: Any, key: str) -> Any:
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise AssertionError(key)


async def start_add(hass: HomeAssistant, central: MockConfigEntry) -> Any:
    return await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )


async def test_add_suggests_a_generated_password(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """The add dialog pre-fills a fresh password OCPP accepts, and says where it goes."""
    first = suggested(await start_add(hass, central), CONF_PASSWORD)
    second = suggested(await start_add(hass, central), CONF_PASSWORD)
    assert first != second
    assert 16 <= len(first) <= 40
    assert password_problem(first) is None
    description = _en()["config_subentries"]["charger"]["step"]["user"]["data_description"]
    assert "AuthorizationKey" in description["password"]
    assert "BasicAuthPassword" in description["password"]


@pytest.mark.parametrize(("password", "error"), BAD)
async def test_add_refuses_unusable_password(
    hass: HomeAssistant, central: MockConfigEntry, password: str, error: str
) -> None:
    result = await hass.config_entries.subentries.async_configure(
        (await start_add(hass, central))["flow_id"],
        {CONF_CHARGER_ID: "CP2", CONF_PASSWORD: password, CONF_MAX_CURRENT: 16},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: error}
    assert_translated("config_subentries", "charger", "error", error)


@pytest.mark.parametrize("password", ["", GOOD, "x" * 40, "with spaces and !#%&"])
async def test_add_accepts_good_or_empty_password(
    hass: HomeAssistant, central: MockConfigEntry, password: str
) -> None:
    result = await hass.config_entries.subentries.async_configure(
        (await start_add(hass, central))["flow_id"],
        {CONF_CHARGER_ID: "CP2", CONF_PASSWORD: password, CONF_MAX_CURRENT: 16},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == password


@pytest.mark.parametrize("charger_id", ["A\x00B", "A\nB", "CP\x7f2", "X" * 49])
async def test_add_refuses_malformed_id(
    hass: HomeAssistant, central: MockConfigEntry, charger_id: str
) -> None:
    result = await hass.config_entries.subentries.async_configure(
        (await start_add(hass, central))["flow_id"],
        {CONF_CHARGER_ID: charger_id, CONF_MAX_CURRENT: 16},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_CHARGER_ID: "invalid_charger_id"}


async def test_discovery_confirm_suggests_and_checks_password(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """Confirming a discovered charger: a generated password is offered; a bad one is refused."""
    await pending_charger(hass, connect, "CPX")
    flow = discovery_flows(hass)[0]
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert password_problem(suggested(form, CONF_PASSWORD)) is None
    assert (
        "BasicAuthPassword"
        in _en()["config"]["step"]["discovery_confirm"]["data_description"]["password"]
    )
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_NAME: "Garage", CONF_PASSWORD: "short", CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: "password_length"}
    assert_translated("config", "error", "password_length")
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_NAME: "Garage", CONF_PASSWORD: GOOD, CONF_MAX_CURRENT: 16}
    )
    assert result["type"] is FlowResultType.ABORT
    subentry = next(sub for sub in central.subentries.values() if sub.unique_id == "CPX")
    assert subentry.data[CONF_PASSWORD] == GOOD
    # A password protects it: no address binding.
    assert CONF_BOUND_ADDRESS not in subentry.data


async def test_reconfigure_keeps_an_old_password_but_checks_a_new_one(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    subentry_id = next(iter(central.subentries))
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "CP1", CONF_PASSWORD: "new", CONF_MAX_CURRENT: 16, "min_current": 6},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: "password_length"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_NAME: "CP1", CONF_PASSWORD: "old", CONF_MAX_CURRENT: 16, "min_current": 6},
    )
    assert result["type"] is FlowResultType.ABORT
    assert central.subentries[subentry_id].data[CONF_PASSWORD] == "old"


def _en() -> Any:
    return EN
