"""A live Kring server on loopback and Debian's Chromium driven by Playwright.

The fixtures are registered once, in tests/conftest.py, so that every test module shares one
browser per worker (two Playwright instances in one process cannot run side by side)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# Actions wait until the page they act on has loaded. A click that follows a link returns as
# soon as the next page starts arriving; its fields are there before its scripts have run,
# and a value typed or a button pressed in that moment would reach no htmx listener.
# A page that has loaded (the "load" event) has run its deferred scripts, htmx included.
_LOCATOR_ACTIONS = (
    "check", "click", "dblclick", "fill", "focus", "hover", "press", "press_sequentially",
    "select_option", "set_checked", "set_input_files", "tap", "type", "uncheck",
)


def _after_load(action):
    def act(self, *args, **kwargs):
        self.page.wait_for_load_state("load")
        return action(self, *args, **kwargs)

    act.__wrapped__ = action
    return act


def _wait_for_load_before_actions() -> None:
    from playwright.sync_api import Locator

    for name in _LOCATOR_ACTIONS:
        action = getattr(Locator, name)
        if not hasattr(action, "__wrapped__"):
            setattr(Locator, name, _after_load(action))


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    _wait_for_load_before_actions()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port; e-mail links point at it."""
    from tests.conftest import free_port

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(timeout=5)


# Every browser test runs on a desktop and a phone viewport; KRING_TEST_VIEWPORTS=desktop limits the
# second pass of the suite (on PostgreSQL) to the desktop: the layout does not depend on the database.
VIEWPORTS = [v for v in os.environ.get("KRING_TEST_VIEWPORTS", "desktop,phone").split(",") if v in ("desktop", "phone")]


@pytest.fixture(params=VIEWPORTS or ["desktop", "phone"])
def page(request, browser, live_server):
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, base_url=live_server, locale="nl-NL", is_mobile=request.param == "phone")
    page = context.new_page()
    page.viewport_name = request.param
    errors: list[str] = []
    # Script errors and policy violations; a 4xx answer (a refused form) is logged too and is fine.
    page.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and not message.text.startswith("Failed to load resource")
        else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)


def open_menu(page) -> None:
    """On a phone the main menu folds behind a "Menu" button; open it when it is folded."""
    from playwright.sync_api import expect

    if page.viewport_size["width"] >= 768:
        return
    toggle = page.locator("[data-nav-toggle]")
    expect(toggle).to_be_visible()
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")


def nav_link(page, name: str) -> None:
    """Follow a link of the main menu, as a user would on this viewport."""
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def log_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Uitloggen").click()


def log_in(page, email: str, password: str | None = None, succeeds: bool = True) -> None:
    """Log in through the login page and, when it should work, wait for the page that follows."""
    import re

    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password or PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if succeeds:
        expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()


def settle_layout(page) -> None:
    """Wait until the page has loaded its stylesheets and its width fits the viewport (or 5 s).

    A width measured while the page is still loading can be that of unstyled content; the
    caller then measures the settled page and fails only when it really scrolls sideways.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_load_state("load")
    try:
        page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth", timeout=5000)
    except PlaywrightTimeout:
        pass
