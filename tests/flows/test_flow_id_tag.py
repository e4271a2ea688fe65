"""Id tag subentries with status, expiry date and group: the UI flow, the services, old data."""

from __future__ import annotations

from datetime import UTC, datetime

from homeassistant.config_entries import SOURCE_USER, ConfigSubentryData
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import CONF_ID_TAG, DOMAIN, SUBENTRY_ID_TAG
from custom_components.ocpp_central.csms.tokens import Token, TokenStatus
from custom_components.ocpp_central.security.id_tags import token_from_data
from tests.flows.test_config_flow import assert_errors_translated
from tests.helpers.subentries import charger_subentry, id_tag_subentry


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """A charger and an id tag stored before tokens had a status (only the tag)."""
    return [charger_subentry("CP1"), id_tag_subentry("OLD-CARD", "Anna")]


def _token(central: MockConfigEntry, id_tag: str) -> Token:
    return next(
        t for t in central.runtime_data.id_tags() if t.id_tag.casefold() == id_tag.casefold()
    )


def _subentry_id(central: MockConfigEntry, id_tag: str) -> str:
    return next(
        sid
        for sid, sub in central.subentries.items()
        if sub.subentry_type == SUBENTRY_ID_TAG and sub.data[CONF_ID_TAG] == id_tag
    )


async def test_old_subentry_loads_unchanged(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Data with only the tag: Accepted, no expiry, no group; the data is not rewritten."""
    assert _token(central, "old-card") == Token("OLD-CARD", name="Anna")
    assert central.subentries[_subentry_id(central, "OLD-CARD")].data == {CONF_ID_TAG: "OLD-CARD"}


def test_unreadable_data_takes_defaults() -> None:
    token = token_from_data({CONF_ID_TAG: "X", "status": "Lost", "group": "  "}, "X")
    assert token == Token("X", TokenStatus.ACCEPTED, None, None, "X")


async def test_add_with_status_expiry_and_group(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    await hass.config.async_set_time_zone("Europe/Stockholm")
    result = await hass.config_entries.subentries.async_init(
        (central.entry_id, SUBENTRY_ID_TAG), context={"source": SOURCE_USER}
    )
    bad = {CONF_ID_TAG: "CARD-2", CONF_NAME: "Bo", "group": "G" * 37}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], bad)
    assert result["errors"] == {"group": "invalid_id_tag"}
    assert_errors_translated("config_subentries.id_tag", result["errors"])
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_ID_TAG: "CARD-2",
            CONF_NAME: "Bo",
            "status": "Blocked",
            "expiry": "2027-06-01 12:00:00",  # the selector's local time
            "group": " FAMILY ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_ID_TAG: "CARD-2",
        "status": "Blocked",
        "expiry": "2027-06-01T10:00:00+00:00",
        "group": "FAMILY",
    }
    assert _token(central, "card-2") == Token(
        "CARD-2", TokenStatus.BLOCKED, datetime(2027, 6, 1, 10, tzinfo=UTC), "FAMILY", "Bo"
    )


async def test_reconfigure_status_expiry_group(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """The form shows the stored values; clearing the expiry date and group removes them."""
    subentry_id = _subentry_id(central, "OLD-CARD")
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Anna", "group": "G" * 37}
    )
    assert result["errors"] == {"group": "invalid_id_tag"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_NAME: "Anna",
            "status": "Expired",
            "expiry": "2027-01-01T00:00:00+00:00",
            "group": "FAMILY",
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert _token(central, "OLD-CARD") == Token(
        "OLD-CARD", TokenStatus.EXPIRED, datetime(2027, 1, 1, tzinfo=UTC), "FAMILY", "Anna"
    )
    result = await central.start_subentry_reconfigure_flow(hass, subentry_id)
    schema = result["data_schema"].schema
    suggested = {str(key): key.description for key in schema if key.description}
    assert suggested["group"] == {"suggested_value": "FAMILY"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: " ", "status": "Accepted"}
    )
    assert central.subentries[subentry_id].data == {CONF_ID_TAG: "OLD-CARD"}
    assert central.subentries[subentry_id].title == "OLD-CARD"


async def test_set_and_remove_id_tag_services(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """set_id_tag changes only what it names; remove_id_tag removes; errors are translated."""
    await hass.services.async_call(
        DOMAIN,
        "set_id_tag",
        {"id_tag": "old-card", "status": "Blocked", "group": "FAMILY"},
        blocking=True,
    )
    assert _token(central, "OLD-CARD") == Token(
        "OLD-CARD", TokenStatus.BLOCKED, None, "FAMILY", "Anna"
    )
    await hass.services.async_call(
        DOMAIN,
        "set_id_tag",
        {
            "config_entry_id": central.entry_id,
            "id_tag": "OLD-CARD",
            "name": "Anna B",
            "expiry_date": "2027-01-01T00:00:00Z",
        },
        blocking=True,
    )
    assert _token(central, "OLD-CARD") == Token(
        "OLD-CARD", TokenStatus.BLOCKED, datetime(2027, 1, 1, tzinfo=UTC), "FAMILY", "Anna B"
    )
    await hass.services.async_call(DOMAIN, "remove_id_tag", {"id_tag": "Old-Card"}, blocking=True)
    assert central.runtime_data.id_tags() == []
    with pytest.raises(ServiceValidationError) as excinfo:
        await hass.services.async_call(DOMAIN, "remove_id_tag", {"id_tag": "NOPE"}, blocking=True)
    assert excinfo.value.translation_key == "unknown_id_tag"
    with pytest.raises(ServiceValidationError) as excinfo:
        await hass.services.async_call(
            DOMAIN,
            "set_id_tag",
            {"config_entry_id": "no-such-entry", "id_tag": "X"},
            blocking=True,
        )
    assert excinfo.value.translation_key == "central_system_required"
    await hass.config_entries.async_unload(central.entry_id)
    with pytest.raises(ServiceValidationError) as excinfo:
        await hass.services.async_call(DOMAIN, "set_id_tag", {"id_tag": "X"}, blocking=True)
    assert excinfo.value.translation_key == "not_loaded"
