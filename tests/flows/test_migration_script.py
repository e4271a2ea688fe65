"""The set_charge_rate script blueprint: ocpp.set_charge_rate's fields, our set_current_limit.

The blueprint is loaded by Home Assistant's own script blueprint machinery from the config's
blueprints folder; the script is called as an automation written for the incumbent would call
ocpp.set_charge_rate, and the real 1.6 charger must receive the limit.
"""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.scripted_charger import ConnectScripted, ScriptedCharger
from tests.helpers.smart_helpers import booted

SOURCE = Path(__file__).parents[2] / "blueprints" / "script" / "ocpp_central"
SCRIPT = "script.set_charge_rate"

pytestmark = pytest.mark.usefixtures("hooked")


@pytest.fixture
async def script(hass: HomeAssistant, tmp_path: Path, central: MockConfigEntry) -> None:
    """The blueprint in the config's blueprints folder and a script made from it."""
    target = Path(hass.config.path("blueprints", "script", "ocpp_central"))
    await hass.async_add_executor_job(shutil.copytree, SOURCE, target)
    config = {"set_charge_rate": {"use_blueprint": {"path": "ocpp_central/set_charge_rate.yaml"}}}
    assert await async_setup_component(hass, "script", {"script": config})
    await hass.async_block_till_done()
    assert hass.states.get(SCRIPT) is not None


def charger_device(hass: HomeAssistant, central: MockConfigEntry) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, "CP1"), central.entry_id)
    assert device is not None
    return device.id


def limits(cp: ScriptedCharger) -> list[tuple[float, str, int]]:
    found = []
    for payload in cp.received("SetChargingProfile"):
        schedule = payload["csChargingProfiles"]["chargingSchedule"]
        found.append(
            (
                schedule["chargingSchedulePeriod"][0]["limit"],
                schedule["chargingRateUnit"],
                payload["connectorId"],
            )
        )
    return found


async def run(hass: HomeAssistant, **fields: Any) -> None:
    await hass.services.async_call("script", "set_charge_rate", fields, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("script")
async def test_set_charge_rate_script_sends_the_limit(
    hass: HomeAssistant, central: MockConfigEntry, connect_scripted: ConnectScripted
) -> None:
    """limit_amps, then limit_watts on a named connector; nothing without a limit."""
    cp = await booted(hass, connect_scripted)
    await cp.status(1, "Available")
    device_id = charger_device(hass, central)

    await run(hass, device_id=device_id, limit_amps=10)
    assert limits(cp)[-1] == (10.0, "A", 1)

    await run(hass, device_id=device_id, limit_watts=4140, conn_id=1)
    # 4140 W on three phases at 230 V: the charger takes current, so it gets 6 A.
    assert limits(cp)[-1] == (6.0, "A", 1)

    sent = len(limits(cp))
    await run(hass, device_id=device_id)
    assert len(limits(cp)) == sent
