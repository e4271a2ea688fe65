"""Home Assistant's own pages for a charging charger: its device page, and the Chargers dashboard."""

from __future__ import annotations

import json
import os
import shutil

from playwright.sync_api import expect
import pytest

from .conftest import artifact, owner_page
from .site import ROOT, Site
from .test_card import STATUS, charging

DOCS_IMAGES = ROOT / "docs" / "images"
EVENT_NAMES = {
    event["name"]
    for event in json.loads(
        (ROOT / "custom_components/ocpp_central/translations/en.json").read_text(encoding="utf-8")
    )["entity"]["event"].values()
}
# The visible texts under an element, through every shadow root, in document order.
DEEP_TEXTS = """(root) => {
  const texts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      const box = parent ? parent.getBoundingClientRect() : null;
      if (parent && parent.checkVisibility({ visibilityProperty: true }) && box.width && box.height)
        texts.push(node.textContent.trim());
      return;
    }
    if (node.shadowRoot) walk(node.shadowRoot);
    const children = node.assignedNodes ? node.assignedNodes({ flatten: true }) : [];
    for (const child of node.childNodes) walk(child);
    for (const child of children) if (child.parentNode !== node) walk(child);
  };
  walk(root);
  return texts;
}"""


@pytest.mark.timeout(900)
def test_device_page_shows_nothing_unknown(site: Site) -> None:
    """Every entity the device page lists for a charging charger has a value."""
    charging(site)
    device_id = site.device_id(STATUS)
    with owner_page(site, height=2400) as page:
        page.goto(f"{site.base_url}/config/devices/device/{device_id}")
        device_page = page.locator("ha-config-device-page")
        expect(device_page).to_contain_text("Charging")
        page.screenshot(path=artifact("device-page.png"), full_page=True)
        expect(device_page).to_contain_text("Session energy")
        # The entity cards (Controls, Sensors, ...); not the Activity card's history of changes.
        cards = device_page.locator("ha-device-entities-card")
        expect(cards.first).to_be_visible()
        texts = [text for card in cards.all() for text in card.evaluate(DEEP_TEXTS) if text]
        assert "Session energy" in texts
        # An event entity is unknown until its first event by Home Assistant's design; the
        # simulated charger presents its tag right after its first boot, which may be before
        # the entity exists.
        unknown: list[str] = []
        label = ""
        for text in texts:
            if "Unknown" not in text:
                label = text  # the entity's name precedes its value(s)
            elif label not in EVENT_NAMES:
                unknown.append(f"{label}: {text}")
        assert not unknown, f"'Unknown' on the device page: {unknown}"


@pytest.mark.timeout(900)
def test_created_dashboard_shows_stock_cards(site: Site) -> None:
    """ocpp_central.create_dashboard: a Chargers dashboard of tiles, a gauge and a history graph."""
    charging(site)
    site.api("services/ocpp_central/create_dashboard", {})
    with owner_page(site, height=1400) as page:
        page.goto(f"{site.base_url}/ocpp-chargers/chargers")
        expect(page.locator("hui-tile-card").first).to_be_visible()
        expect(page.locator("hui-gauge-card")).to_have_count(1)
        expect(page.locator("hui-history-graph-card")).to_have_count(1)
        expect(page.locator("hui-tile-card").filter(has_text="Charging").first).to_be_visible()
        assert page.locator("hui-error-card").count() == 0
        # Loaded for the picture: the launch screen gone, the gauge's value and the graph drawn.
        expect(page.locator("#ha-launch-screen")).to_have_count(0)
        expect(page.locator("hui-gauge-card")).to_contain_text("kW")
        expect(page.locator("hui-history-graph-card")).to_contain_text("Charging power")
        expect(page.locator("hui-history-graph-card ha-spinner")).to_have_count(0)
        expect(page.locator("hui-tile-card ha-state-icon ha-svg-icon").first).to_be_attached()
        page.screenshot(path=artifact("dashboard.png"), full_page=True)
    # Its history graph's time axis differs on every run: docs/images/ gets it only on request.
    if os.environ.get("OCPP_UPDATE_DOCS_IMAGES"):
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact("dashboard.png"), DOCS_IMAGES / "dashboard.png")
