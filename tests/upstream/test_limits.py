"""The upstream's charging profile and Home Assistant's own limit both hold: the lower one wins."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.upstreams import CONF_UPSTREAM_PROFILES
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.drivers import booted_driver, profile_meaning
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import linked

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])


def upstream_profile(version: str, amps: float) -> tuple[str, dict[str, Any]]:
    """The upstream's SetChargingProfile of `amps` on connector (EVSE) 1."""
    schedule = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}],
    }
    if version == "1.6":
        profile = {
            "chargingProfileId": 77,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": schedule,
        }
        return "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}
    profile = {
        "id": 77,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [{"id": 1, **schedule}],
    }
    return "SetChargingProfile", {"evseId": 1, "chargingProfile": profile}


def at_charger(cp: Any) -> float | None:
    """The limit of the last profile the charger got (None: none yet)."""
    written = cp.received("SetChargingProfile")
    return profile_meaning(written[-1])["periods"][0][1] if written else None


@VERSIONS
async def test_the_lower_limit_reaches_the_charger(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Upstream 10 A and ours 16 A: 10 A. Ours 6 A: 6 A. The upstream's cleared: ours alone."""
    await linked(central)
    cp = await booted_driver(hass, await connect_charger("CP1"))
    await wait_for(lambda: "CP1" in upstream.stations)
    smart = central.runtime_data.coordinators["CP1"].smart
    frame = await upstream.send("CP1", *upstream_profile(charger_version, 10))
    assert frame[2] == {"status": "Accepted"}
    await wait_for(lambda: at_charger(cp) == 10)
    await smart.async_set_current_limit(1, 16, immediate=True)
    await hass.async_block_till_done()
    assert at_charger(cp) == 10
    assert smart.state(1).target_a == 10
    await smart.async_set_current_limit(1, 6, immediate=True)
    assert at_charger(cp) == 6
    frame = await upstream.send("CP1", "ClearChargingProfile", {"id": 77})
    assert frame[2] == {"status": "Accepted"}
    await smart.async_set_current_limit(1, 16, immediate=True)
    assert at_charger(cp) == 16


@VERSIONS
@pytest.mark.parametrize("upstream_extra", [{CONF_UPSTREAM_PROFILES: "refuse"}])
async def test_refused_profiles_change_nothing(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Refuse: the upstream hears Rejected; our 16 A stands."""
    await linked(central)
    cp = await booted_driver(hass, await connect_charger("CP1"))
    await wait_for(lambda: "CP1" in upstream.stations)
    frame = await upstream.send("CP1", *upstream_profile(charger_version, 10))
    assert frame[2] == {"status": "Rejected"}
    smart = central.runtime_data.coordinators["CP1"].smart
    await smart.async_set_current_limit(1, 16, immediate=True)
    assert at_charger(cp) == 16


async def test_the_upstreams_limit_survives_a_restart(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """Kept on disk with the queue: after a restart (entry reload) the cap holds until cleared."""
    await linked(central)
    await booted_driver(hass, await connect_charger("CP1"))
    await wait_for(lambda: "CP1" in upstream.stations)
    await upstream.send("CP1", *upstream_profile("1.6", 10))
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    smart = central.runtime_data.coordinators["CP1"].smart
    await wait_for(lambda: smart.external_cap(1) == 10)
    await linked(central)
    await wait_for(lambda: "CP1" in upstream.stations)
    await upstream.send("CP1", "ClearChargingProfile", {})
    await wait_for(lambda: smart.external_cap(1) is None)
    assert await hass.config_entries.async_reload(central.entry_id)
    await hass.async_block_till_done()
    await linked(central)
    assert central.runtime_data.coordinators["CP1"].smart.external_cap(1) is None
