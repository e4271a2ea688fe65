"""The charger card on a dashboard, in a real Chromium against a real Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import os
import re
import shutil

from playwright.sync_api import Page, expect
import pytest

from .conftest import artifact, owner_page
from .site import ROOT, STEP_TIMEOUT_S, Site, wait_until

CARD = "ocpp-central-charger-card"
STATUS = "sensor.garage_charger_status"
LIMIT = "number.garage_charger_current_limit"
DOCS_IMAGES = ROOT / "docs" / "images"


def reading(text: str, unit: str) -> float:
    """The number of a card's reading, which must be in this unit."""
    match = re.fullmatch(rf"\s*(-?[\d.,]+)\s*{re.escape(unit)}\s*", text)
    assert match, f"{text!r} is no reading in {unit}"
    return float(match.group(1).replace(",", ""))


def charging(site: Site) -> None:
    """Wait until Home Assistant shows the charger charging with its readings."""
    wait_until("the charger charging", lambda: site.state(STATUS)["state"] == "charging", 240)
    wait_until(
        "the charger's power",
        lambda: (
            site.state("sensor.garage_charger_charging_power")["state"]
            not in ("unknown", "unavailable")
        ),
    )


def open_card(page: Page, site: Site) -> None:
    page.goto(f"{site.base_url}/lovelace/charger")
    expect(page.locator(f"{CARD} [data-role=status]")).to_contain_text("Charging")


@pytest.mark.timeout(900)
def test_card_shows_the_chargers_readings(site: Site) -> None:
    """Status, power, session energy and state of charge as the charger reported them."""
    charging(site)
    with owner_page(site) as page:
        open_card(page, site)
        card = page.locator(CARD)
        # The charger sends 7200 W, 250 Wh since the session's start and a 55 % battery.
        expect(card.locator("[data-role=power] .value")).to_contain_text("kW")
        assert reading(card.locator("[data-role=power] .value").inner_text(), "kW") == 7.2
        expect(card.locator("[data-role=energy_session] .value")).to_contain_text("kWh")
        assert (
            reading(card.locator("[data-role=energy_session] .value").inner_text(), "kWh") == 0.25
        )
        expect(card.locator("[data-role=state_of_charge] .value")).to_contain_text("%")
        assert reading(card.locator("[data-role=state_of_charge] .value").inner_text(), "%") == 55
        expect(card.locator("[data-role=plugged_in]")).to_have_text("Car plugged in")
        expect(card.locator("[data-role=control_reason]")).to_be_visible()
        expect(card.locator("[data-role=charge_mode] select")).to_be_visible()


@pytest.mark.timeout(900)
def test_slider_sets_the_limit_at_the_charger(site: Site) -> None:
    """Moving the slider to 10 A: the charger receives a profile of 10 A, the card shows it applied."""
    charging(site)
    before = len(site.received("SetChargingProfile"))
    with owner_page(site) as page:
        open_card(page, site)
        slider = page.locator(f"{CARD} [data-role=current_limit] input[type=range]")
        slider.fill("10")
        wait_until(
            "the limit of 10 A",
            lambda: site.state(LIMIT)["state"] == "10.0" or site.state(LIMIT)["state"] == "10",
        )

        def profile_of_10_a() -> bool:
            for profile in site.received("SetChargingProfile")[before:]:
                periods = profile["cs_charging_profiles"]["charging_schedule"][
                    "charging_schedule_period"
                ]
                if periods and float(periods[0]["limit"]) == 10.0:
                    return True
            return False

        wait_until(
            "a SetChargingProfile of 10 A at the charger",
            profile_of_10_a,
            STEP_TIMEOUT_S * 2,
            lambda: f"{site.state(LIMIT)}, {site.received('SetChargingProfile')}",
        )
        expect(page.locator(f"{CARD} [data-role=limit_value]")).to_have_text("10 A")
        expect(page.locator(f"{CARD} [data-role=applied_limit]")).to_contain_text("10")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshots(site: Site, dark: bool) -> None:
    """The card in the light and the dark theme, at a phone's width (OCPP_UPDATE_DOCS_IMAGES: into docs)."""
    charging(site)
    with owner_page(site, dark=dark, width=412, height=915) as page:
        open_card(page, site)
        card = page.locator(CARD)
        expect(card.locator("[data-role=power] .value")).to_contain_text("kW")
        expect(page.locator("#ha-launch-screen")).to_have_count(0)
        expect(card.locator("ha-icon ha-svg-icon").first).to_be_attached()
        name = f"card-{'dark' if dark else 'light'}.png"
        card.screenshot(path=artifact(name), animations="disabled")
    # The values in the picture differ from run to run: docs/images/ gets it only on request.
    if os.environ.get("OCPP_UPDATE_DOCS_IMAGES"):
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact(name), DOCS_IMAGES / name)


@pytest.mark.timeout(900)
def test_card_speaks_swedish(site: Site) -> None:
    """With a Swedish browser the card's own words are Swedish (the states are Home Assistant's)."""
    charging(site)
    with owner_page(site, locale="sv-SE") as page:
        page.goto(f"{site.base_url}/lovelace/charger")
        card = page.locator(CARD)
        expect(card.locator("[data-role=status]")).to_contain_text("Laddar")
        expect(card.locator("[data-role=power] .label")).to_have_text("Effekt")
        expect(card.locator("[data-role=charge_mode]")).to_contain_text("Laddläge")


@pytest.mark.timeout(900)
def test_editor_offers_the_integrations_chargers(site: Site) -> None:
    """The visual editor lists this integration's chargers and reports the chosen one."""
    charging(site)
    device_id = site.device_id(STATUS)
    with owner_page(site) as page:
        open_card(page, site)
        chosen = page.evaluate(
            """async () => {
              const card = customElements.get("ocpp-central-charger-card");
              const editor = card.getConfigElement();
              editor.hass = document.querySelector("home-assistant").hass;
              editor.setConfig({ type: "custom:ocpp-central-charger-card" });
              document.body.appendChild(editor);
              await editor.updateComplete;
              const changed = new Promise((resolve) =>
                editor.addEventListener("config-changed", (ev) => resolve(ev.detail.config)));
              const select = editor.shadowRoot.querySelector("select");
              const names = [...select.options].map((option) => option.textContent.trim());
              select.value = select.options[1].value;
              select.dispatchEvent(new Event("change"));
              const stub = card.getStubConfig(editor.hass);
              return { names, config: await changed, stub };
            }"""
        )
    assert chosen["names"] == ["All chargers", "Garage charger"]
    assert chosen["config"] == {"type": "custom:ocpp-central-charger-card", "device_id": device_id}
    assert chosen["stub"]["device_id"] == device_id


@pytest.mark.timeout(900)
def test_cheapest_plan_as_a_timeline(site: Site) -> None:
    """A planned schedule (as the control reason carries it in Cheapest mode) becomes the timeline.

    The plan is put into Home Assistant's state machine through the REST API, as the reason
    sensor would write it: waiting now, charging from the cheap hour on, until departure.
    """
    charging(site)
    reason = "sensor.garage_charger_control_reason"
    now = datetime.now(UTC).replace(microsecond=0)
    current = site.state(reason)
    attributes = {
        **current["attributes"],
        "planned_schedule": [
            {"start": now.isoformat(), "limit": 0},
            {"start": (now + timedelta(hours=2)).isoformat(), "limit": 16},
        ],
        "planned_until": (now + timedelta(hours=4)).isoformat(),
        "planned_energy_kwh": 20.0,
    }
    site.api(f"states/{reason}", {"state": "plan_waiting", "attributes": attributes})
    with owner_page(site) as page:
        open_card(page, site)
        plan = page.locator(f"{CARD} [data-role=plan]")
        expect(plan.locator(".plan-bar .wait")).to_have_count(1)
        expect(plan.locator(".plan-bar .charge")).to_have_count(1)
        wait = plan.locator(".plan-bar .wait").bounding_box()
        charge = plan.locator(".plan-bar .charge").bounding_box()
        assert wait is not None
        assert charge is not None
        assert abs(wait["width"] - charge["width"]) <= 2  # two hours each
        expect(page.locator(f"{CARD} [data-role=control_reason]")).not_to_contain_text(
            "plan_waiting"
        )
