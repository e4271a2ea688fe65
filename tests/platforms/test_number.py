"""Numbers: current limit per connector and station maximum, through the smart-charging engine."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_STEP,
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.ocpp_central.charging.limits import LimitReason
from custom_components.ocpp_central.charging.quirks import CONF_MIN_CURRENT, CONF_WHOLE_AMPS
from custom_components.ocpp_central.const import CONF_CHARGER_ID, CONF_MAX_CURRENT, SUBENTRY_CHARGER
from custom_components.ocpp_central.control.core.modes import ChargeMode, Reason
from tests.helpers.entity_actions import (
    CALLERROR,
    FAILURE_IDS,
    NO_ANSWER,
    ConnectScripted,
    assert_translated_error,
    booted,
    engine_at_once,
    profile_payload,
    start_session,
)
from tests.helpers.waiting import TIMED_OUT, timeout_for

LIMIT = "number.charger_cp1_current_limit"
STATION_MAX = "number.charger_cp1_station_maximum_current"
NOW = "2026-11-25T08:00:00+00:00"

# Every rung of the engine's fallback ladder answered alike.
LIMIT_FAILURES = [
    ("Rejected", "command_rejected", "Rejected"),
    (CALLERROR, "command_rejected", "CALLERROR NotSupported: scripted error"),
    (NO_ANSWER, "charger_timeout", TIMED_OUT),
]


@pytest.fixture(autouse=True)
def number_platform_only() -> Generator[None]:
    """Load only the number platform."""
    with patch("custom_components.ocpp_central.PLATFORMS", [Platform.NUMBER]), engine_at_once():
        yield


async def set_value(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )


def value(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    return found.state if found else "missing"


def engine_reason(central: MockConfigEntry, connector_id: int = 1) -> LimitReason:
    return central.runtime_data.coordinators["CP1"].smart.state(connector_id).reason


async def test_entities(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Snapshot of the numbers of a one-connector charger."""
    await booted(hass, connect_scripted)
    await snapshot_platform(hass, entity_registry, snapshot, central.entry_id)


@pytest.mark.usefixtures("central")
async def test_limit_goes_out_as_tx_default_and_tx_profile(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new limit goes out at once; a change within the write interval waits for its end."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    tx = await start_session(hass, cp)
    # None set: the charger's maximum current, what the car may draw (never a 0 A slider).
    assert value(hass, LIMIT) == "32.0"

    await set_value(hass, LIMIT, 16)
    assert cp.received("SetChargingProfile") == [
        profile_payload("TxDefaultProfile", 16.0),
        profile_payload("TxProfile", 16.0, transaction_id=tx),
    ]
    assert value(hass, LIMIT) == "16.0"

    # The same value again: nothing is sent. A new one within 30 s waits (flash wear).
    await set_value(hass, LIMIT, 16)
    freezer.tick(timedelta(seconds=10))
    await set_value(hass, LIMIT, 10)
    assert len(cp.received("SetChargingProfile")) == 2
    assert value(hass, LIMIT) == "10.0"
    assert engine_reason(central) is LimitReason.WAITING_FOR_INTERVAL

    freezer.tick(timedelta(seconds=21))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert cp.received("SetChargingProfile")[2:] == [
        profile_payload("TxDefaultProfile", 10.0, start="2026-11-25T07:59:31Z"),
        profile_payload("TxProfile", 10.0, transaction_id=tx, start="2026-11-25T07:59:31Z"),
    ]
    assert engine_reason(central) is LimitReason.USER_LIMIT


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize("limit", [0, 3])
async def test_zero_or_below_minimum_pauses(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
    limit: float,
) -> None:
    """0 A, or less than the 6 A minimum current, pauses without ending the session."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    await set_value(hass, LIMIT, limit)
    assert cp.received("SetChargingProfile") == [profile_payload("TxDefaultProfile", 0.0)]
    assert value(hass, LIMIT) == f"{float(limit)}"
    assert engine_reason(central) is (
        LimitReason.USER_LIMIT if limit == 0 else LimitReason.CLAMPED_TO_MINIMUM
    )
    assert "RemoteStopTransaction" not in [c.action for c in cp.calls]


@pytest.mark.usefixtures("central")
async def test_bounds_from_the_charger_options(
    hass: HomeAssistant, connect_scripted: ConnectScripted
) -> None:
    """0 (pause) to the maximum current, whole amps; the station maximum from the minimum current."""
    cp = await booted(hass, connect_scripted)
    bounds = {
        entity_id: tuple(
            hass.states.get(entity_id).attributes[a] for a in (ATTR_MIN, ATTR_MAX, ATTR_STEP)
        )  # type: ignore[union-attr]
        for entity_id in (LIMIT, STATION_MAX)
    }
    assert bounds == {LIMIT: (0.0, 32.0, 1.0), STATION_MAX: (6.0, 32.0, 1.0)}
    for entity_id, out_of_range in ((LIMIT, 33), (STATION_MAX, 5)):
        with pytest.raises(ServiceValidationError):
            await set_value(hass, entity_id, out_of_range)
    assert cp.calls == []


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(
    "subentries",
    [
        [
            ConfigSubentryData(
                data={
                    CONF_CHARGER_ID: "CP1",
                    CONF_MAX_CURRENT: 20.0,
                    CONF_MIN_CURRENT: 8.0,
                    CONF_WHOLE_AMPS: False,
                },
                subentry_type=SUBENTRY_CHARGER,
                title="Charger CP1",
                unique_id="CP1",
            )
        ]
    ],
)
async def test_bounds_follow_configured_options(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """A charger taking tenths of amps on a 20 A circuit, minimum 8 A."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    state = hass.states.get(LIMIT)
    assert state is not None
    assert (
        state.attributes[ATTR_MIN],
        state.attributes[ATTR_MAX],
        state.attributes[ATTR_STEP],
    ) == (0.0, 20.0, 0.1)
    assert hass.states.get(STATION_MAX).attributes[ATTR_MIN] == 8.0  # type: ignore[union-attr]
    await set_value(hass, LIMIT, 12.3)
    assert cp.received("SetChargingProfile") == [profile_payload("TxDefaultProfile", 12.3)]


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize(("answer", "translation_key", "detail"), LIMIT_FAILURES, ids=FAILURE_IDS)
async def test_limit_fails_translated(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    answer: str,
    translation_key: str,
    detail: str,
) -> None:
    """A limit the charger refuses (every shape), fails or leaves unanswered."""
    cp = await booted(hass, connect_scripted)
    cp.script.answers["SetChargingProfile"] = answer
    with timeout_for(answer, cp):
        await assert_translated_error(
            set_value(hass, LIMIT, 16), translation_key, "SetChargingProfile", detail
        )
    assert engine_reason(central) is (
        LimitReason.NO_ANSWER if answer == NO_ANSWER else LimitReason.REJECTED
    )


@pytest.mark.usefixtures("central")
async def test_station_maximum(
    hass: HomeAssistant, connect_scripted: ConnectScripted, freezer: FrozenDateTimeFactory
) -> None:
    """The station maximum is a ChargePointMaxProfile on connector 0."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    assert value(hass, STATION_MAX) == STATE_UNKNOWN
    await set_value(hass, STATION_MAX, 20)
    assert cp.received("SetChargingProfile") == [
        profile_payload("ChargePointMaxProfile", 20.0, connector_id=0)
    ]
    assert value(hass, STATION_MAX) == "20.0"

    cp.script.answers["SetChargingProfile"] = CALLERROR
    await assert_translated_error(
        set_value(hass, STATION_MAX, 16),
        "command_rejected",
        "SetChargingProfile",
        "CALLERROR NotSupported: scripted error",
    )
    assert value(hass, STATION_MAX) == "20.0"


@pytest.mark.usefixtures("central")
@pytest.mark.parametrize("entity_id", [LIMIT, STATION_MAX])
async def test_offline(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted, entity_id: str
) -> None:
    """A value set racing the charger's disconnect fails as offline."""
    await booted(hass, connect_scripted)
    central.runtime_data.sessions.pop("CP1")
    await assert_translated_error(
        set_value(hass, entity_id, 16), "charger_offline", "connect", "not connected"
    )


async def test_limit_survives_restart_and_is_reapplied(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect_scripted: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a restart the number shows the limit, and the charger gets it again on reconnect."""
    freezer.move_to(NOW)
    cp = await booted(hass, connect_scripted)
    await set_value(hass, LIMIT, 13)
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()

    cp = await connect_scripted("CP1")
    await cp.boot()
    await cp.wait_for_call("SetChargingProfile")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert value(hass, LIMIT) == "13.0"
    assert cp.received("SetChargingProfile") == [profile_payload("TxDefaultProfile", 13.0)]


async def test_restored_value_when_the_engine_holds_none(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """The station maximum shows its restored value until the engine holds one."""
    restored: dict[str, Any] = {
        "native_max_value": 32.0,
        "native_min_value": 6.0,
        "native_step": 1.0,
        "native_unit_of_measurement": "A",
        "native_value": 25.0,
    }
    mock_restore_cache_with_extra_data(hass, ((State(STATION_MAX, "25.0"), restored),))
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    coordinator = config_entry.runtime_data.coordinators["CP1"]
    coordinator.charger.connected = True
    coordinator.async_update_listeners()
    assert value(hass, STATION_MAX) == "25.0"
    coordinator.smart.station_max = 18.0
    coordinator.async_update_listeners()
    assert value(hass, STATION_MAX) == "18.0"


async def test_no_limit_shows_the_effective_maximum(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Without a limit of the homeowner's, the number shows the maximum under the station's."""
    await booted(hass, connect_scripted)
    assert value(hass, LIMIT) == "32.0"
    await set_value(hass, STATION_MAX, 20)
    assert value(hass, LIMIT) == "20.0"


async def test_limit_in_a_controller_mode_switches_to_external(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Fast (or any mode of the controller): moving the slider hands the connector to External."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    control = central.runtime_data.control
    control.async_set_mode("CP1/1", ChargeMode.FAST)
    await hass.async_block_till_done(wait_background_tasks=True)
    await set_value(hass, LIMIT, 12)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert control.mode("CP1/1") is ChargeMode.EXTERNAL
    explanation = control.explanation("CP1/1")
    assert explanation is not None
    assert explanation.reason is Reason.EXTERNAL
    state = central.runtime_data.coordinators["CP1"].smart.state(1)
    assert (state.requested, state.paused) == (12.0, False)
    assert value(hass, LIMIT) == "12.0"


async def test_limit_from_off_resumes(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """Off paused the connector: a limit set by hand ends that pause (External from now on)."""
    cp = await booted(hass, connect_scripted)
    await start_session(hass, cp)
    control = central.runtime_data.control
    control.async_set_mode("CP1/1", ChargeMode.OFF)
    await hass.async_block_till_done(wait_background_tasks=True)
    smart = central.runtime_data.coordinators["CP1"].smart
    assert smart.state(1).paused
    await set_value(hass, LIMIT, 10)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert control.mode("CP1/1") is ChargeMode.EXTERNAL
    assert (smart.state(1).requested, smart.state(1).paused) == (10.0, False)
