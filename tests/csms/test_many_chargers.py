"""Many chargers configured: a change to one charger's subentry re-reads that one only.

A car park's password-less chargers are each bound to their address on first connection (a
subentry update); every update re-synced every charger from its subentry (chargers² reads while a
car park joins).
"""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.central import CONF_BOUND_ADDRESS
from custom_components.ocpp_central.coordinator import ChargerConfig
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry
from tests.helpers.waiting import wait_for


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [charger_subentry(f"CP{n}") for n in range(1, 6)]


async def test_binding_one_address_rereads_one_charger(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    read = ChargerConfig.from_subentry
    reads: list[str] = []

    def counted(subentry):  # type: ignore[no-untyped-def]
        reads.append(subentry.data["charger_id"])
        return read(subentry)

    with patch.object(ChargerConfig, "from_subentry", side_effect=counted):
        cp = await connect("CP3")
        await cp.boot()
        await wait_for(
            lambda: any(
                s.data.get(CONF_BOUND_ADDRESS) == "127.0.0.1" for s in central.subentries.values()
            )
        )
        await hass.async_block_till_done()
    assert reads == ["CP3"]
    assert central.runtime_data.coordinators["CP3"].config.charger_id == "CP3"
