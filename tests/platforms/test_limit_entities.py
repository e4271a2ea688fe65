"""Limit read-outs: applied limit (A, or W on power-only chargers), its reason, whether it is obeyed."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest

from custom_components.ocpp_central.charging.quirks import CONF_RATE_UNIT
from custom_components.ocpp_central.const import CONF_CHARGER_ID, CONF_MAX_CURRENT, SUBENTRY_CHARGER
from tests.helpers.entity_actions import ConnectScripted, booted, engine_at_once, start_session
from tests.helpers.scripted_charger import ScriptedCharger

LIMIT = "number.charger_cp1_current_limit"
APPLIED = "sensor.charger_cp1_applied_limit"
REASON = "sensor.charger_cp1_limit_reason"
OBEYS = "sensor.charger_cp1_limit_obeyed"
NOW = "2026-11-25T08:00:00+00:00"


@pytest.fixture(autouse=True)
def limit_platforms() -> Generator[None]:
    """The number that sets the limit, and the read-outs."""
    platforms = [Platform.NUMBER, Platform.SENSOR, Platform.BINARY_SENSOR]
    with patch("custom_components.ocpp_central.PLATFORMS", platforms), engine_at_once():
        yield


async def set_limit(hass: HomeAssistant, limit: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: LIMIT, ATTR_VALUE: limit}, blocking=True
    )


async def offered(
    hass: HomeAssistant, cp: ScriptedCharger, tx: int, at: str, **values: float
) -> None:
    """A meter reading with Current.Offered and/or Power.Offered."""
    names = {"current": ("Current.Offered", "A"), "power": ("Power.Offered", "W")}
    sampled = [
        {"value": str(v), "measurand": names[k][0], "unit": names[k][1]} for k, v in values.items()
    ]
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[{"timestamp": at, "sampledValue": sampled}],
        )
    )
    await hass.async_block_till_done()


def shown(hass: HomeAssistant, entity_id: str, attribute: str | None = None) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state if attribute is None else state.attributes.get(attribute)


@pytest.mark.usefixtures("central")
async def test_obeyed_against_current_offered(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """No limit: the offer is the applied limit; after a write, waiting, then yes or no."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    # Before any reading: the maximum current, as the Current limit shows it.
    assert (shown(hass, APPLIED), shown(hass, APPLIED, "source")) == ("32.0", "maximum")
    assert shown(hass, OBEYS) == "no_limit"
    await offered(hass, cp, tx, "2026-11-25T08:00:00Z", current=20)
    assert (shown(hass, APPLIED), shown(hass, REASON), shown(hass, OBEYS)) == (
        "20.0",
        "no_limit",
        "no_limit",
    )
    assert shown(hass, APPLIED, "source") == "offered"
    # An offer reported with noise below 0.1 A is no new applied limit (no recorder row).
    written = hass.states.get(APPLIED)
    await offered(hass, cp, tx, "2026-11-25T08:00:05Z", current=19.98)
    assert hass.states.get(APPLIED) is written

    await set_limit(hass, 16)
    assert (shown(hass, APPLIED), shown(hass, APPLIED, ATTR_UNIT_OF_MEASUREMENT)) == ("16.0", "A")
    assert shown(hass, APPLIED, "source") == "limit"
    assert (shown(hass, REASON), shown(hass, OBEYS)) == ("user_limit", "waiting")

    await offered(hass, cp, tx, "2026-11-25T08:00:10Z", current=32)
    assert shown(hass, OBEYS) == "no"
    await offered(hass, cp, tx, "2026-11-25T08:00:20Z", current=16)
    assert shown(hass, OBEYS) == "yes"


@pytest.mark.usefixtures("central")
async def test_not_reported_without_current_offered(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A charger that never reports what it offers: "not reported", not unknown."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    await set_limit(hass, 10)
    assert (shown(hass, APPLIED), shown(hass, OBEYS)) == ("10.0", "not_reported")
    # Whole amps by default: shown as the Current limit number shows it.
    entry = er.async_get(hass).async_get(APPLIED)
    assert entry is not None
    assert entry.options["sensor"]["suggested_display_precision"] == 0


async def test_retired_limit_verified_is_removed(hass: HomeAssistant, central: Any) -> None:
    """The old binary sensor's registry entry goes at setup; its successor is a sensor."""
    registry = er.async_get(hass)
    await hass.config_entries.async_unload(central.entry_id)
    old = registry.async_get_or_create(
        "binary_sensor", "ocpp_central", "CP1_1_limit_verified", config_entry=central
    )
    assert registry.async_get(old.entity_id) is not None
    await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(old.entity_id) is None


@pytest.mark.usefixtures("central")
async def test_reason_carries_the_chargers_answer(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """A refused limit: reason rejected, with the charger's word as an attribute."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["SetChargingProfile"] = "Rejected"
    with pytest.raises(HomeAssistantError):
        await set_limit(hass, 16)
    assert (shown(hass, REASON), shown(hass, REASON, "detail")) == ("rejected", "Rejected")
    # Nothing accepted: the charger's own maximum still holds.
    assert (shown(hass, APPLIED), shown(hass, APPLIED, "source")) == ("32.0", "maximum")


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    "subentries",
    [
        [
            ConfigSubentryData(
                data={CONF_CHARGER_ID: "CP1", CONF_MAX_CURRENT: 32.0, CONF_RATE_UNIT: "W"},
                subentry_type=SUBENTRY_CHARGER,
                title="Charger CP1",
                unique_id="CP1",
            )
        ]
    ],
)
async def test_power_only_charger_shows_watts(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """A charger that takes limits only in W: the applied limit is power, verified by Power.Offered."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    assert (
        shown(hass, APPLIED, ATTR_UNIT_OF_MEASUREMENT),
        shown(hass, APPLIED, ATTR_DEVICE_CLASS),
    ) == ("W", "power")

    await set_limit(hass, 16)
    sent = cp.received("SetChargingProfile")[0]["csChargingProfiles"]["chargingSchedule"]
    assert (sent["chargingRateUnit"], sent["chargingSchedulePeriod"]) == (
        "W",
        [{"startPeriod": 0, "limit": 11040.0}],
    )
    assert (shown(hass, APPLIED), shown(hass, APPLIED, ATTR_UNIT_OF_MEASUREMENT)) == (
        "11040.0",
        "W",
    )
    await offered(hass, cp, tx, "2026-11-25T08:00:10Z", power=11000)
    assert shown(hass, OBEYS) == "yes"
