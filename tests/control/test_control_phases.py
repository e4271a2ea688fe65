"""1p/3p switching by the built-in controller, through the engine, to a real charger.

A charger that reports ConnectorSwitch3to1PhaseSupported gets numberPhases with every limit: a
surplus that only carries one phase starts the car on one, enough for three moves it up after the
phase-up delay and the interval between switches. A charger that cannot switch never sees
numberPhases, and a car seen drawing on one phase is controlled as a one-phase car.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.control.connector import ConnectorPreferences
from custom_components.ocpp_central.control.core.modes import ChargeMode
from tests.helpers.control_helpers import BASE_OPTIONS, REASON, advance, grid, plug_in, set_mode
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.smart_helpers import ConnectScripted, booted, configuration

pytestmark = pytest.mark.usefixtures("hooked")


@pytest.fixture
def options() -> dict[str, Any]:
    return dict(BASE_OPTIONS)


def reports_switching(value: str) -> Any:
    def setup(cp: ScriptedCharger) -> None:
        cp.script.answers["GetConfiguration"] = configuration(
            ChargeProfileMaxStackLevel="8",
            ChargingScheduleAllowedChargingRateUnit="Current",
            SupportedFeatureProfiles="Core,SmartCharging",
            ConnectorSwitch3to1PhaseSupported=value,
        )

    return setup


def periods(cp: ScriptedCharger) -> list[tuple[float, int | None]]:
    """(limit, numberPhases) of every TxDefaultProfile the charger received."""
    out = []
    for payload in cp.received("SetChargingProfile"):
        profile = payload["csChargingProfiles"]
        if profile["chargingProfilePurpose"] != "TxDefaultProfile":
            continue
        period = profile["chargingSchedule"]["chargingSchedulePeriod"][0]
        out.append((period["limit"], period.get("numberPhases")))
    return out


async def meter(
    hass: HomeAssistant, cp: ScriptedCharger, amps: float, phases: int, tx: Any
) -> None:
    """The car draws `amps` on the first `phases` phases."""
    sampled = [{"value": str(amps * 230 * phases), "measurand": "Power.Active.Import", "unit": "W"}]
    sampled += [
        {
            "value": str(amps if n <= phases else 0.0),
            "measurand": "Current.Import",
            "unit": "A",
            "phase": f"L{n}",
        }
        for n in (1, 2, 3)
    ]
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[{"timestamp": datetime.now(UTC).isoformat(), "sampledValue": sampled}],
        )
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_starts_on_one_phase_and_moves_up_to_three(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 300)
    cp = await booted(hass, quiet_charger, setup=reports_switching("true"))
    assert central.runtime_data.coordinators["CP1"].smart.can_switch_phases
    tx = await plug_in(hass, cp)
    await set_mode(hass, "CP1", "solar")
    assert periods(cp) == [(0.0, None)]  # a pause leaves the phases as they are

    # 2 kW: enough for one phase at 6 A (1380 W), not for three (4140 W).
    await advance(hass, freezer, 70, -2000)
    assert periods(cp)[-1] == (8.0, 1)
    assert hass.states.get(REASON).state == "solar"

    # The sun comes out: three phases after the phase-up delay (60 s of steady surplus) and
    # the interval since the last switch (180 s).
    await advance(hass, freezer, 5, -2000 + 1840)
    await meter(hass, cp, 8.0, 1, tx)
    await advance(hass, freezer, 30, -7000 + 1840)
    assert periods(cp)[-1][1] == 1
    reason = hass.states.get(REASON)
    assert reason.state == "phase_switch"
    assert reason.attributes["detail"] == "3"
    await advance(hass, freezer, 200, -7000 + 1840)
    limit, phases = periods(cp)[-1]
    assert phases == 3
    assert limit == 10.0  # 7 kW with the car's own 1840 W, over three phases: 10.1 A
    assert cp.received("RemoteStopTransaction") == []


async def test_a_charger_that_cannot_switch_never_sees_number_phases(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 300)
    cp = await booted(hass, quiet_charger, setup=reports_switching("false"))
    assert not central.runtime_data.coordinators["CP1"].smart.can_switch_phases
    await plug_in(hass, cp)
    await set_mode(hass, "CP1", "solar")
    await advance(hass, freezer, 70, -2000)
    # Three phases assumed: 2 kW does not carry 6 A on three phases, so nothing starts.
    assert periods(cp) == [(0.0, None)]
    await advance(hass, freezer, 70, -5000)
    assert periods(cp)[-1] == (7.0, None)


async def test_a_car_seen_on_one_phase_is_controlled_as_one(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    grid(hass, 300)
    cp = await booted(hass, quiet_charger, setup=reports_switching("false"))
    tx = await plug_in(hass, cp)
    await meter(hass, cp, 10.0, 1, tx)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await meter(hass, cp, 10.0, 1, tx)
    await set_mode(hass, "CP1", "min_solar")
    # The mode change: 2 kW (the car's 2.3 kW less 300 W import) on one phase is 8 A.
    assert periods(cp)[-1] == (8.0, None)
    # The car follows; 1.3 kW more sun: 3.14 kW on one phase is 13 A (not 4.5 A on three).
    await advance(hass, freezer, 5, 300 - 460)
    await meter(hass, cp, 8.0, 1, tx)
    await advance(hass, freezer, 35, -1300)
    assert periods(cp)[-1] == (13.0, None)


async def test_a_one_phase_car_on_a_switching_charger_is_controlled_as_one(
    hass: HomeAssistant,
    central: MockConfigEntry,
    quiet_charger: ConnectScripted,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Offered three phases, the car draws on one: its current is for one phase, told as such."""
    grid(hass, 300)
    cp = await booted(hass, quiet_charger, setup=reports_switching("true"))
    tx = await plug_in(hass, cp)
    await set_mode(hass, "CP1", "fast")
    assert periods(cp)[-1] == (32.0, 3)
    await advance(hass, freezer, 10, 300)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Charging"))
    await meter(hass, cp, 32.0, 1, tx)
    # Still switching? A charger may take a while: one phase right after the ask proves nothing.
    assert central.runtime_data.control.reader.read(
        "CP1/1",
        central.runtime_data.coordinators["CP1"],
        central.runtime_data.coordinators["CP1"].charger.connector(1),
        dt_util.utcnow(),
        mode=ChargeMode.FAST,
        preferences=ConnectorPreferences(),
    ).settings.can_switch_phases
    await advance(hass, freezer, 120, 300)
    await meter(hass, cp, 32.0, 1, tx)
    # 3 kW bought beside the car's 7.36 kW on one phase: 4.36 kW of surplus is 18 A on one
    # phase (on three it would be 6 A).
    grid(hass, 3000)
    await set_mode(hass, "CP1", "min_solar")
    assert periods(cp)[-1] == (18.0, 1)
    assert cp.received("RemoteStopTransaction") == []
