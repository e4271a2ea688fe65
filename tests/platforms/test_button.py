"""Buttons: reset, refresh and unlock, against a scripted charger in its accepting and refusing moods."""

from __future__ import annotations

from collections.abc import Generator
from datetime import time
from unittest.mock import patch

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.central import CentralSystem
from custom_components.ocpp_central.control.connector import ConnectorPreferences
from tests.helpers.entity_actions import (
    FAILURE_IDS,
    FAILURES,
    REFUSAL,
    ConnectScripted,
    assert_translated_error,
    booted,
    engine_at_once,
)
from tests.helpers.waiting import timeout_for

SOFT_RESET = "button.charger_cp1_restart"
HARD_RESET = "button.charger_cp1_hard_restart"
REFRESH = "button.charger_cp1_refresh_status"
UNLOCK = "button.charger_cp1_unlock_cable"


@pytest.fixture(autouse=True)
def button_platform_only() -> Generator[None]:
    """Load only the button platform; the engine acts at once."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.BUTTON]), engine_at_once():
        yield


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Snapshot of the buttons of a one-connector charger."""
    await booted(hass, connect_scripted)
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@pytest.mark.usefixtures("central")
async def test_categories_and_disabled_by_default(
    hass: HomeAssistant, connect_scripted: ConnectScripted, entity_registry: er.EntityRegistry
) -> None:
    """Hard reset is there but disabled; the others are enabled, refresh is diagnostic."""
    await booted(hass, connect_scripted)
    hard = entity_registry.async_get(HARD_RESET)
    assert hard is not None
    assert hard.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(HARD_RESET) is None
    categories = {
        entity_id: entity_registry.async_get(entity_id).entity_category  # type: ignore[union-attr]
        for entity_id in (SOFT_RESET, HARD_RESET, REFRESH, UNLOCK)
    }
    assert categories == {
        SOFT_RESET: EntityCategory.CONFIG,
        HARD_RESET: EntityCategory.CONFIG,
        REFRESH: EntityCategory.DIAGNOSTIC,
        UNLOCK: EntityCategory.CONFIG,
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "central")
@pytest.mark.parametrize(
    ("entity_id", "action", "payload"),
    [
        (SOFT_RESET, "Reset", {"type": "Soft"}),
        (HARD_RESET, "Reset", {"type": "Hard"}),
        (UNLOCK, "UnlockConnector", {"connectorId": 1}),
    ],
)
async def test_press_sends_command(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    entity_id: str,
    action: str,
    payload: dict[str, object],
) -> None:
    """Each button sends exactly its command once."""
    cp = await booted(hass, connect_scripted)
    await press(hass, entity_id)
    assert [(c.action, c.payload) for c in cp.calls] == [(action, payload)]


@pytest.mark.usefixtures("central")
async def test_refresh_triggers_status_then_meter_values_per_connector(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """Refresh asks for every status, then for each connector's meter values."""
    cp = await booted(hass, connect_scripted, connectors=2)
    await press(hass, REFRESH)
    assert cp.received("TriggerMessage") == [
        {"requestedMessage": "StatusNotification"},
        {"requestedMessage": "MeterValues", "connectorId": 1},
        {"requestedMessage": "MeterValues", "connectorId": 2},
    ]


@pytest.mark.usefixtures("central")
async def test_refresh_before_any_connector_is_known(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A charger that reported no connector yet is asked for meter values without a connector."""
    cp = await connect_scripted("CP1")
    await cp.boot()
    await cp.wait_for_call("GetConfiguration")
    await hass.async_block_till_done(wait_background_tasks=True)
    await press(hass, REFRESH)
    assert cp.received("TriggerMessage") == [
        {"requestedMessage": "StatusNotification"},
        {"requestedMessage": "MeterValues"},
    ]


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "central")
@pytest.mark.parametrize(("answer", "translation_key", "detail"), FAILURES, ids=FAILURE_IDS)
@pytest.mark.parametrize(
    ("entity_id", "action", "refusal"),
    [
        (SOFT_RESET, "Reset", "Rejected"),
        (HARD_RESET, "Reset", "Rejected"),
        (UNLOCK, "UnlockConnector", "UnlockFailed"),
        (REFRESH, "TriggerMessage", "Rejected"),
    ],
)
async def test_press_fails_translated(
    hass: HomeAssistant,
    connect_scripted: ConnectScripted,
    entity_id: str,
    action: str,
    refusal: str,
    answer: str,
    translation_key: str,
    detail: str,
) -> None:
    """Refusal, CALLERROR and silence each raise the translated error with the charger's answer."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers[action] = refusal if answer == REFUSAL else answer
    detail = refusal if detail == REFUSAL else detail
    with timeout_for(answer, cp):
        await assert_translated_error(press(hass, entity_id), translation_key, action, detail)
    # The first refusal ends the press: refresh does not go on to ask for meter values.
    assert len(cp.calls) == 1


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize("answer", ["NotSupported"])
async def test_unlock_refused(
    hass: HomeAssistant, connect_scripted: ConnectScripted, answer: str
) -> None:
    """UnlockConnector's own refusals carry the charger's status word."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["UnlockConnector"] = answer
    await assert_translated_error(
        press(hass, UNLOCK), "command_rejected", "UnlockConnector", answer
    )


@pytest.mark.usefixtures("central")
async def test_refresh_refused_for_meter_values(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A charger that cannot trigger MeterValues (NotImplemented) fails the refresh after the status."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["TriggerMessage"] = {"status": "NotImplemented"}

    await assert_translated_error(
        press(hass, REFRESH), "command_rejected", "TriggerMessage", "NotImplemented"
    )


@pytest.mark.usefixtures("central")
async def test_press_while_going_offline(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """A press racing the charger's disconnect fails as offline, naming the action."""
    await booted(hass, connect_scripted)
    runtime: CentralSystem = central.runtime_data
    runtime.sessions.pop("CP1")
    await assert_translated_error(
        press(hass, SOFT_RESET), "charger_offline", "Reset", "not connected"
    )


@pytest.mark.usefixtures("central")
async def test_unavailable_while_disconnected(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A configured charger that is not connected: buttons are unavailable and pressing does nothing."""
    assert hass.states.get(SOFT_RESET).state == STATE_UNAVAILABLE
    await press(hass, SOFT_RESET)


async def test_clear_departure(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Clear departure unsets the connector's own departure (the site's applies again)."""
    await booted(hass, connect_scripted)
    control = central.runtime_data.control
    control.async_set_preferences("CP1/1", ConnectorPreferences(departure=time(6, 30)))
    await press(hass, "button.charger_cp1_clear_departure")
    assert control.preferences("CP1/1").departure is None
    # Nothing set: pressing again changes nothing.
    await press(hass, "button.charger_cp1_clear_departure")
    assert control.preferences("CP1/1") == ConnectorPreferences()
