"""The config flow and the Add charger dialog as the frontend renders them, in English and Swedish.

The frontend formats every string with an ICU MessageFormat parser and shows "Translation error"
instead of a string it cannot parse; tests/flows/test_translations_render.py checks the strings
with such a parser, this checks the dialogs themselves.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect
import pytest

from .conftest import owner_page
from .site import ROOT, Site

TRANSLATIONS = ROOT / "custom_components" / "ocpp_central" / "translations"
LOCALES = {"en": "en-US", "sv": "sv-SE"}


def lead(description: str) -> str:
    """The plain words a description starts with (before markdown or a placeholder)."""
    plain = re.split(r"[`{*\[<]", description, maxsplit=1)[0].strip()
    assert len(plain) >= 8, description
    return plain


def words(language: str) -> dict[str, str]:
    """The strings the dialogs must show, from the integration's translations."""
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
    return {
        "flow_title": strings["config"]["step"]["user"]["title"],
        "flow_description": lead(strings["config"]["step"]["user"]["description"]),
        "flow_port": strings["config"]["step"]["user"]["data"]["port"],
        "add_charger": strings["config_subentries"]["charger"]["initiate_flow"]["user"],
        "charger_title": strings["config_subentries"]["charger"]["step"]["user"]["title"],
        "charger_description": lead(
            strings["config_subentries"]["charger"]["step"]["user"]["description"]
        ),
        "charger_id": strings["config_subentries"]["charger"]["step"]["user"]["data"]["charger_id"],
    }


def assert_no_translation_error(page: Page) -> None:
    dialog = page.locator("dialog-data-entry-flow")
    expect(dialog).not_to_contain_text("Translation error")
    expect(dialog).not_to_contain_text("INVALID_TAG")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_config_flow_renders(site: Site, language: str) -> None:
    """Add integration: the server step with its description, fields and no translation error."""
    expected = words(language)
    with owner_page(site, locale=LOCALES[language]) as page:
        page.goto(f"{site.base_url}/config/integrations/dashboard/add?domain=ocpp_central")
        # "Do you want to set up OCPP Central System?" first.
        page.get_by_role("button", name="OK").click()
        dialog = page.locator("dialog-data-entry-flow")
        expect(dialog).to_contain_text(expected["flow_title"])
        expect(dialog).to_contain_text(expected["flow_port"])
        # The description rendered (so that its absence of errors below means something).
        expect(dialog).to_contain_text(expected["flow_description"])
        assert_no_translation_error(page)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_add_charger_renders(site: Site, language: str) -> None:
    """The integration's Add charger dialog: title, fields and no translation error."""
    expected = words(language)
    with owner_page(site, locale=LOCALES[language]) as page:
        page.goto(f"{site.base_url}/config/integrations/integration/ocpp_central")
        page.get_by_text(expected["add_charger"], exact=True).first.click()
        dialog = page.locator("dialog-data-entry-flow")
        expect(dialog).to_contain_text(expected["charger_title"])
        expect(dialog).to_contain_text(expected["charger_id"])
        expect(dialog).to_contain_text(expected["charger_description"])
        assert_no_translation_error(page)
