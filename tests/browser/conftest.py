"""One real Home Assistant with a charging charger for every browser test of the session."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright
import pytest
import pytest_socket

from .site import ARTIFACTS, CHROMIUM, Site

# The browser's own bounds; the site's steps have theirs (tests/browser/site.py).
PAGE_TIMEOUT_MS = 60_000
expect.set_options(timeout=PAGE_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def loopback(socket_enabled: None) -> None:
    """The tests talk to Home Assistant over 127.0.0.1."""


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Generator[Site]:
    """hass + the simulated charger, started once; stopped (SIGTERM) at the end."""
    pytest_socket.enable_socket()  # set up inside the first test, before its socket_enabled
    running = Site(tmp_path_factory.mktemp("browser"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded one)."""
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/setup (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def owner_page(
    site: Site,
    *,
    locale: str = "en-US",
    dark: bool = False,
    width: int = 1280,
    height: int = 900,
) -> Iterator[Page]:
    """A logged-in owner's tab, in a language and a theme (the frontend follows the browser's)."""
    with chromium() as browser:
        context = browser.new_context(
            locale=locale,
            color_scheme="dark" if dark else "light",
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        context.add_init_script(site.init_script())
        page = context.new_page()
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("requestfailed", lambda request: console.append(f"failed: {request.url}"))
        try:
            yield page
        except BaseException:
            page.screenshot(path=artifact("failure.png"), full_page=True)
            artifact("failure-console.txt").write_text(
                "\n".join(errors + console), encoding="utf-8"
            )
            raise
        finally:
            context.close()
        card_errors = [error for error in errors if "ocpp" in error.lower()]
        assert not card_errors, card_errors


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
