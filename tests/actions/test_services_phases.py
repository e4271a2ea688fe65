"""The phases field of set_current_limit: numberPhases for chargers that switch, W conversion for all."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.charging.quirks import CONF_PHASE_SWITCHING
from tests.helpers.scripted_charger import ScriptedCharger
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry

pytestmark = pytest.mark.usefixtures("quiet_setup")


@pytest.fixture(name="subentries")
def fixture_subentries(request: pytest.FixtureRequest) -> list[Any]:
    """CP1, with its 1-phase/3-phase switching option as the test asks (default: automatic)."""
    subentry = charger_subentry("CP1")
    switching = getattr(request, "param", None)
    if switching is not None:
        subentry["data"] = {**subentry["data"], CONF_PHASE_SWITCHING: switching}
    return [subentry]


def sent_periods(cp: ScriptedCharger) -> list[dict[str, Any]]:
    return [
        p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]
        for p in cp.received("SetChargingProfile")
    ]


@pytest.mark.parametrize("subentries", ["on"], indirect=True)
async def test_a_switching_charger_gets_number_phases(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    device = {"device_id": device_of(central)}
    response = await act(
        hass, "set_current_limit", device | {"limit": 10, "phases": "1"}, response=True
    )
    await act(hass, "set_current_limit", device | {"limit": 10, "phases": 3})
    assert sent_periods(cp) == [
        {"startPeriod": 0, "limit": 10.0, "numberPhases": 1},
        {"startPeriod": 0, "limit": 10.0, "numberPhases": 3},
    ]
    assert response["phases"] == 1


async def test_watts_convert_with_the_phases_given(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger
) -> None:
    """A charger that cannot switch gets no numberPhases; 3680 W on one phase is 16 A."""
    device = {"device_id": device_of(central)}
    await act(hass, "set_current_limit", device | {"limit": 3680, "unit": "W", "phases": 1})
    assert sent_periods(cp) == [{"startPeriod": 0, "limit": 16.0}]


@pytest.mark.parametrize("phases", [2, 0, "three"])
async def test_only_one_or_three_phases(
    hass: HomeAssistant, central: MockConfigEntry, cp: ScriptedCharger, phases: object
) -> None:
    with pytest.raises(probatio.Invalid):
        await act(
            hass,
            "set_current_limit",
            {"device_id": device_of(central), "limit": 10, "phases": phases},
        )
    assert cp.received("SetChargingProfile") == []
