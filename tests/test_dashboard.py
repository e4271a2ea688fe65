"""The charger card served and loaded by the frontend; the Chargers dashboard of stock cards."""

from __future__ import annotations

from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.dashboard import (
    CARD_DIR,
    CARD_FILE,
    DASHBOARD_URL,
    async_register_card,
)
from tests.helpers.sim_charger import ConnectFn, start_charging


async def test_card_is_served_and_loaded_by_every_browser(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, central: MockConfigEntry
) -> None:
    """With the frontend up, the card's URL (with its digest) is an extra module and serves the file."""
    assert await async_setup_component(hass, "frontend", {})
    url = await async_register_card(hass)
    assert url is not None
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    path, version = url.split("?v=")
    assert path.endswith(CARD_FILE)
    assert len(version) == 12
    client = await hass_client()
    answer = await client.get(url)
    assert answer.status == 200
    assert await answer.read() == (CARD_DIR / CARD_FILE).read_bytes()


async def test_no_frontend_no_card(hass: HomeAssistant, central: MockConfigEntry) -> None:
    """Without a frontend (as in these tests' hass) nothing is registered."""
    assert await async_register_card(hass) is None


def _cards(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [card for section in config["views"][0]["sections"] for card in section["cards"]]


async def test_create_dashboard_writes_stock_cards_for_every_connector(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    """The service makes a storage dashboard; run again, it rewrites it with the chargers of now."""
    assert await async_setup_component(hass, "lovelace", {})
    await hass.services.async_call(DOMAIN, "create_dashboard", blocking=True)
    dashboard = hass.data[LOVELACE_DATA].dashboards[DASHBOARD_URL]
    config = await dashboard.async_load(False)
    assert config["views"][0]["type"] == "sections"
    assert config["views"][0]["sections"] == []  # no charger has connected yet

    cp = await connect("CP1")
    await start_charging(hass, cp)
    await hass.services.async_call(DOMAIN, "create_dashboard", blocking=True)
    cards = _cards(await dashboard.async_load(False))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for card in cards:
        by_type.setdefault(card["type"], []).append(card)
    assert by_type["heading"][0]["heading"]
    tiles = {card["entity"]: card for card in by_type["tile"]}
    status = next(e for e in tiles if e.startswith("sensor.") and e.endswith("_status"))
    assert hass.states.get(status) is not None
    assert tiles[status]["name"] == "Status"  # the heading names the device
    mode = next(e for e in tiles if e.startswith("select."))
    assert tiles[mode]["features"] == [{"type": "select-options"}]
    limit = next(e for e in tiles if e.startswith("number.") and "current_limit" in e)
    assert tiles[limit]["features"][0]["type"] == "numeric-input"
    assert by_type["gauge"][0]["entity"].startswith("sensor.")
    assert by_type["history-graph"][0]["entities"]
    for entity_id in [*tiles, by_type["gauge"][0]["entity"]]:
        assert hass.states.get(entity_id) is not None, entity_id


async def test_create_dashboard_needs_lovelace(
    hass: HomeAssistant, central: MockConfigEntry
) -> None:
    """Without Home Assistant's dashboards the service says so, translated."""
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(DOMAIN, "create_dashboard", blocking=True)
    assert raised.value.translation_key == "dashboard_unavailable"
