"""The automation blueprints (blueprints/automation/ocpp_central) at work in a real Home Assistant.

Each blueprint is put into the test config's blueprints folder and loaded by Home Assistant's own
blueprint machinery; the automation integration instantiates it (`use_blueprint`) with inputs that
point at the integration's real entities of a charger connected over a real WebSocket, and at test
sensors. The tests then make happen what the blueprint reacts to (a time of day, a switch, a grid
reading) and assert what the charger receives, exactly, on OCPP 1.6 and 2.0.1.

The clock is moved with freezegun, which moves the event loop's clock too: neither side sends
keepalive pings, or they would time out when an hour passes in an instant.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta
import functools
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import (
    Blueprint,
    BlueprintInputs,
    DomainBlueprints,
    MissingInput,
)
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import websockets
from websockets.asyncio.client import connect as ws_connect

from custom_components.ocpp_central.charging.engine import SmartCharging
from custom_components.ocpp_central.control.core.modes import ChargeMode
from tests.helpers.control_helpers import BASE_OPTIONS, GRID, grid
from tests.helpers.drivers import booted_driver, profile_for, profile_meaning, run_session

type Connect = Callable[..., Awaitable[Any]]

SOURCE = Path(__file__).parent.parent / "blueprints" / "automation" / "ocpp_central"
BLUEPRINTS = sorted(path.name for path in SOURCE.glob("*.yaml"))
VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])

MODE = "select.charger_cp1_charge_mode"
LIMIT = "number.charger_cp1_current_limit"
POWER = "sensor.charger_cp1_charging_power"
NEED_CAR = "input_boolean.need_the_car"
AUTOMATION = "automation.blueprint_under_test"

# The inputs each blueprint is tried with: the integration's entities of CP1, and test sensors.
INPUTS: dict[str, dict[str, Any]] = {
    "charge_mode_by_time.yaml": {"charge_mode": MODE},
    "external_surplus.yaml": {"grid_power": GRID, "current_limit": LIMIT, "charging_power": POWER},
    "fast_when_leaving_soon.yaml": {"charge_mode": MODE, "need_car": NEED_CAR},
}


@pytest.fixture
def options() -> dict[str, Any]:
    """The built-in controller reads the grid meter (Solar mode needs it)."""
    return dict(BASE_OPTIONS)


@pytest.fixture(autouse=True)
def no_keepalive() -> Generator[None]:
    """No keepalive pings on either side; the engine acts on events at once."""
    with (
        patch("custom_components.ocpp_central.csms.server.PING_INTERVAL", None),
        patch.object(websockets, "connect", functools.partial(ws_connect, ping_interval=None)),
        patch.object(SmartCharging, "settle_s", 0),
        patch.object(SmartCharging, "connect_grace_s", 0),
    ):
        yield


@pytest.fixture
def blueprints(hass: HomeAssistant, tmp_path: Path) -> DomainBlueprints:
    """Our blueprints in the config's blueprints folder, where a user's Home Assistant has them."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SOURCE, Path(hass.config.path("blueprints", "automation", "ocpp_central")))
    return async_get_blueprints(hass)


@pytest.fixture
async def cp(
    hass: HomeAssistant,
    blueprints: DomainBlueprints,
    central: MockConfigEntry,
    connect_charger: Connect,
) -> Any:
    """CP1 of the version under test, booted, Available, its quirks read; no calls recorded yet."""
    return await booted_driver(hass, await connect_charger("CP1"))


@pytest.fixture
async def automate(hass: HomeAssistant) -> AsyncGenerator[Callable[..., Awaitable[None]]]:
    """Set up the automation integration with one automation made from a blueprint.

    Turned off at the end, so that its time triggers leave no timers behind.
    """

    async def _automate(name: str, **inputs: Any) -> None:
        config = {
            "id": "blueprint_under_test",
            "alias": "Blueprint under test",
            "use_blueprint": {"path": f"ocpp_central/{name}", "input": inputs},
        }
        assert await async_setup_component(hass, "automation", {"automation": [config]})
        await hass.async_block_till_done()
        state = hass.states.get(AUTOMATION)
        # An automation whose blueprint or inputs are broken is set up unavailable.
        assert state is not None and state.state == STATE_ON, state
        blueprint = await async_get_blueprints(hass).async_get_blueprint(f"ocpp_central/{name}")
        assert_selectable(hass, blueprint, inputs)

    yield _automate
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )


def assert_selectable(hass: HomeAssistant, blueprint: Blueprint, inputs: dict[str, Any]) -> None:
    """Every entity given is one its input's selector offers (filter: integration, domain, class)."""
    registry = er.async_get(hass)
    for name, entity_id in inputs.items():
        config = blueprint.inputs[name]["selector"]
        if "entity" not in config:
            continue
        entry = registry.async_get(entity_id)
        state = hass.states.get(entity_id)
        assert state is not None, entity_id
        found = {
            "integration": entry.platform if entry is not None else None,
            "domain": entity_id.split(".")[0],
            "device_class": state.attributes.get("device_class"),
        }
        filters = selector.selector(config).config["filter"]
        assert any(offers(spec, found) for spec in filters), f"{name}: {entity_id} not offered"


def offers(spec: dict[str, Any], found: dict[str, Any]) -> bool:
    """Whether an entity filter offers an entity of this integration, domain and device class."""
    if "integration" in spec and found["integration"] != spec["integration"]:
        return False
    if "domain" in spec and found["domain"] not in spec["domain"]:
        return False
    return "device_class" not in spec or found["device_class"] in spec["device_class"]


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, to: datetime) -> None:
    """Move the clock on and let every timer due by then fire, and what it started finish."""
    freezer.move_to(to)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A time of day in Home Assistant's time zone (November 2026)."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=dt_util.get_default_time_zone())


def utc_text(at: datetime) -> str:
    """A time as the charger receives it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def limit_profiles(cp: Any, amps: float, tx: Any, now: datetime) -> list[dict[str, Any]]:
    """The connector's limit as this version sends it: default profile and session profile.

    Absolute schedules start a minute before now (a charger's clock may lag ours).
    """
    start = utc_text(now - timedelta(minutes=1))
    return [
        profile_for(cp.version, "TxDefaultProfile", [(0, amps)], start=start),
        profile_for(cp.version, "TxProfile", [(0, amps)], transaction_id=tx, start=start),
    ]


def shown(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


# --- every blueprint: valid, with selectors, and inputs checked ----------------------------


@pytest.mark.parametrize("name", BLUEPRINTS)
async def test_blueprint_is_valid(
    hass: HomeAssistant, blueprints: DomainBlueprints, name: str
) -> None:
    """Home Assistant loads it; every input has a selector that takes its default; inputs check.

    Without its entity inputs the blueprint is refused, naming exactly those (the rest have
    defaults); with them, its inputs validate.
    """
    assert name in INPUTS, f"{name} has no test here"
    loaded = await blueprints.async_get_blueprints()
    blueprint = loaded[f"ocpp_central/{name}"]
    assert isinstance(blueprint, Blueprint), blueprint
    assert blueprint.domain == "automation"
    assert blueprint.validate() is None  # no Home Assistant version it would need
    for input_name, spec in blueprint.inputs.items():
        assert spec.get("name"), f"{input_name} has no name"
        assert "selector" in spec, f"{input_name} has no selector"
        chosen = selector.selector(spec["selector"])
        if "default" in spec:
            chosen(spec["default"])  # raises when the default is not one the selector offers
        if "select" in spec["selector"]:
            values = {option["value"] for option in chosen.config["options"]}
            assert values <= {mode.value for mode in ChargeMode}, values

    required = {n for n, spec in blueprint.inputs.items() if "default" not in spec}
    assert required == set(INPUTS[name])
    use = {"use_blueprint": {"path": f"ocpp_central/{name}", "input": {}}}
    with pytest.raises(MissingInput, match=f"Missing input {', '.join(sorted(required))}$"):
        BlueprintInputs(blueprint, use).validate()
    use["use_blueprint"]["input"] = dict(INPUTS[name])
    inputs = await blueprints.async_inputs_from_config(use)
    inputs.validate()
    for input_name, value in inputs.inputs_with_default.items():
        selector.selector(blueprint.inputs[input_name]["selector"])(value)


# --- charge_mode_by_time ---------------------------------------------------------------


@VERSIONS
async def test_charge_mode_by_time(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Fast from the day time, Off from the evening time, day after day; the charger follows."""
    freezer.move_to(local(25, 7, 59, 30))
    grid(hass, 300)
    tx = await run_session(hass, cp)
    await automate(
        "charge_mode_by_time.yaml",
        charge_mode=MODE,
        day_time="08:00:00",
        day_mode="fast",
        evening_time="17:00:00",
        evening_mode="off",
    )
    await tick(hass, freezer, local(25, 7, 59, 59))
    assert (shown(hass, MODE), cp.calls) == ("external", [])

    for day in (25, 26):
        cp.calls.clear()
        await tick(hass, freezer, local(day, 8))
        assert shown(hass, MODE) == "fast"
        assert cp.received("SetChargingProfile") == limit_profiles(cp, 32.0, tx, local(day, 8))
        assert [c.action for c in cp.calls] == ["SetChargingProfile"] * 2

        cp.calls.clear()
        await tick(hass, freezer, local(day, 16, 59, 59))
        assert cp.calls == []
        await tick(hass, freezer, local(day, 17))
        assert shown(hass, MODE) == "off"
        # Paused, not stopped: the session goes on.
        assert cp.received("SetChargingProfile") == limit_profiles(cp, 0.0, tx, local(day, 17))
        assert [c.action for c in cp.calls] == ["SetChargingProfile"] * 2


@VERSIONS
async def test_charge_mode_by_time_defaults(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only the select given: Solar from 08:00 (no surplus: paused), Cheapest from 17:00."""
    freezer.move_to(local(25, 7, 59, 30))
    grid(hass, 300)
    tx = await run_session(hass, cp)
    await automate("charge_mode_by_time.yaml", charge_mode=MODE)

    await tick(hass, freezer, local(25, 8))
    assert shown(hass, MODE) == "solar"
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 0.0, tx, local(25, 8))

    await tick(hass, freezer, local(25, 17))
    assert shown(hass, MODE) == "cheapest"


# --- fast_when_leaving_soon --------------------------------------------------------------


@VERSIONS
async def test_fast_when_leaving_soon(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The switch on: Fast at the charger's maximum; off: back to Solar, which brings it down.

    Only on and off count: the switch going unavailable changes nothing. (How Solar comes down
    from 32 A without surplus, by its stop delay, is the controller's; see tests/test_control.py.)
    """
    now = local(25, 12)
    freezer.move_to(now)
    grid(hass, 300)
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"need_the_car": {"name": "Need the car"}}}
    )
    tx = await run_session(hass, cp)
    await automate("fast_when_leaving_soon.yaml", charge_mode=MODE, need_car=NEED_CAR)
    assert cp.calls == []

    await switch(hass, "turn_on")
    assert shown(hass, MODE) == "fast"
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 32.0, tx, now)

    # The switch unavailable for a while (its integration reloads, say): still Fast.
    cp.calls.clear()
    for state in (STATE_UNAVAILABLE, STATE_ON):
        hass.states.async_set(NEED_CAR, state)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert (shown(hass, MODE), cp.calls) == ("fast", [])

    now += timedelta(minutes=1)
    await tick(hass, freezer, now)
    await switch(hass, "turn_off")
    assert shown(hass, MODE) == "solar"
    sent = cp.received("SetChargingProfile")
    assert len(sent) == 2
    (amps,) = {limit_of(payload) for payload in sent}
    assert 6.0 <= amps < 32.0
    assert sent == limit_profiles(cp, amps, tx, now)


async def switch(hass: HomeAssistant, service: str) -> None:
    """Turn "I need the car soon" on or off; the automation's run is done when this returns."""
    await hass.services.async_call("input_boolean", service, {"entity_id": NEED_CAR}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


def limit_of(payload: dict[str, Any]) -> float:
    """The one limit of a SetChargingProfile of either version."""
    return float(profile_meaning(payload)["periods"][0][1])


@VERSIONS
async def test_fast_when_leaving_soon_otherwise_off(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Mode otherwise Off, the need a binary sensor: off pauses, whatever the sun does."""
    now = local(25, 12)
    freezer.move_to(now)
    grid(hass, -9000)
    hass.states.async_set("binary_sensor.leaving", "off")
    tx = await run_session(hass, cp)
    await automate(
        "fast_when_leaving_soon.yaml",
        charge_mode=MODE,
        need_car="binary_sensor.leaving",
        otherwise="off",
    )
    hass.states.async_set("binary_sensor.leaving", "on")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert shown(hass, MODE) == "fast"
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 32.0, tx, now)
    cp.calls.clear()
    now += timedelta(minutes=5)
    await tick(hass, freezer, now)
    hass.states.async_set("binary_sensor.leaving", "off")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert shown(hass, MODE) == "off"
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 0.0, tx, now)


# --- external_surplus --------------------------------------------------------------------


def readings(amps: float) -> list[dict[str, Any]]:
    """The car draws this current on three phases (1.6-shaped meter values, any version)."""
    sampled = [{"value": str(amps * 230 * 3), "measurand": "Power.Active.Import", "unit": "W"}]
    sampled += [
        {"value": str(amps), "measurand": "Current.Import", "unit": "A", "phase": f"L{n}"}
        for n in (1, 2, 3)
    ]
    return [{"timestamp": dt_util.utcnow().isoformat(), "sampledValue": sampled}]


async def draws(hass: HomeAssistant, cp: Any, tx: Any, amps: float) -> None:
    """The charger reports the car's draw."""
    await cp.meter_values(
        1, readings(amps), **({"transaction_id": tx} if cp.version == "1.6" else {})
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def reading(hass: HomeAssistant, watts: float | str, unit: str = "W") -> None:
    """A grid meter reading (positive: import); the automation's run is done when this returns."""
    grid(hass, watts, unit)
    await hass.async_block_till_done(wait_background_tasks=True)


@VERSIONS
async def test_external_surplus(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The limit follows the surplus in whole amps, pauses below the minimum, stops at the maximum.

    The engine keeps the charger's minimum write interval (30 s): a change within it goes out when
    the interval ends, and an unchanged limit is not sent again.
    """
    start = local(25, 12)
    freezer.move_to(start)
    tx = await run_session(hass, cp)
    await reading(hass, 0)
    await automate(
        "external_surplus.yaml", grid_power=GRID, current_limit=LIMIT, charging_power=POWER
    )
    assert shown(hass, MODE) == "external"  # the built-in controller leaves it alone

    # 3 kW exported, the car draws nothing yet: 4.3 A, below the minimum of 6 A: paused.
    await reading(hass, -3000)
    assert shown(hass, LIMIT) == "0.0"
    assert [(c.action, c.payload) for c in cp.calls] == [
        ("SetChargingProfile", p) for p in limit_profiles(cp, 0.0, tx, start)
    ]

    # 5 kW: 7.2 A, 7 A; within the write interval, so it goes out when that ends.
    cp.calls.clear()
    freezer.move_to(start + timedelta(seconds=5))
    await reading(hass, -5000)
    assert (shown(hass, LIMIT), cp.calls) == ("7.0", [])
    await tick(hass, freezer, start + timedelta(seconds=31))
    assert cp.received("SetChargingProfile") == limit_profiles(
        cp, 7.0, tx, start + timedelta(seconds=31)
    )

    # The car draws the 7 A (4.83 kW); the meter now shows 170 W exported: still 7 A, not resent.
    cp.calls.clear()
    now = start + timedelta(minutes=2)
    freezer.move_to(now)
    await draws(hass, cp, tx, 7.0)
    assert shown(hass, POWER) == "4.83"
    await reading(hass, -170)
    assert (shown(hass, LIMIT), cp.calls) == ("7.0", [])

    # A cloud: 500 W imported while drawing 4.83 kW: 6.3 A, 6 A.
    await reading(hass, 500)
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 6.0, tx, now)

    # Much sun: 20 kW exported, capped at the blueprint's maximum of 16 A.
    cp.calls.clear()
    now += timedelta(minutes=1)
    freezer.move_to(now)
    await reading(hass, -20000)
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 16.0, tx, now)

    # The meter unavailable: the limit stays as it is.
    cp.calls.clear()
    now += timedelta(minutes=1)
    freezer.move_to(now)
    await reading(hass, STATE_UNAVAILABLE)
    assert (shown(hass, LIMIT), cp.calls) == ("16.0", [])


@VERSIONS
async def test_external_surplus_units_and_charger_maximum(
    hass: HomeAssistant,
    cp: Any,
    automate: Callable[..., Awaitable[None]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A grid meter in kW and the charging power shown in W are read right; a maximum above the
    charger's (32 A) is held to it instead of failing the number.
    """
    start = local(25, 12)
    freezer.move_to(start)
    er.async_get(hass).async_update_entity_options(POWER, "sensor", {"unit_of_measurement": "W"})
    tx = await run_session(hass, cp)
    await draws(hass, cp, tx, 7.0)
    state = hass.states.get(POWER)
    assert state is not None and (state.state, state.attributes["unit_of_measurement"]) == (
        "4830.0",
        "W",
    )
    await reading(hass, 0, "kW")
    await automate(
        "external_surplus.yaml",
        grid_power=GRID,
        current_limit=LIMIT,
        charging_power=POWER,
        maximum=80,
    )

    # 2.1 kW exported on top of the car's 4.83 kW: 6.93 kW, 10 A.
    await reading(hass, -2.1, "kW")
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 10.0, tx, start)

    # 30 kW more: 50 A asked for, the charger's 32 A set.
    cp.calls.clear()
    now = start + timedelta(minutes=1)
    freezer.move_to(now)
    await reading(hass, -30, "kW")
    assert shown(hass, LIMIT) == "32.0"
    assert cp.received("SetChargingProfile") == limit_profiles(cp, 32.0, tx, now)
