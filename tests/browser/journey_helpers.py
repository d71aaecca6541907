"""Helpers for the studente and alumna journeys: e-mail over SMTP, htmx readiness, phone checks."""

from __future__ import annotations

import re
from email.message import EmailMessage

from tests.browser.fixtures import settle_layout
from tests.conftest import body_of
from webapp.outbox import worker


def mail_to(smtp, address: str) -> list[EmailMessage]:
    """Deliver the outbox over SMTP; the messages the server received for `address`, oldest first."""
    worker.drain()  # synchronous: the server has stored each message before it answers 250
    return [message for message in smtp.messages if address in message["To"]]


def link_in(message: EmailMessage) -> str:
    """The first link to the live server in an e-mail."""
    match = re.search(r"(http://127\.0\.0\.1:\d+/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def attachment(message: EmailMessage, content_type: str) -> str | None:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            return part.get_content()
    return None


def ready(page) -> None:
    """The page has loaded and htmx is set up; a mark tells whether later swaps keep this page."""
    page.wait_for_load_state()
    page.evaluate("window.journeyMark = true")


def same_page(page) -> None:
    assert page.evaluate("window.journeyMark === true"), "the page was reloaded instead of swapped by htmx"


def fits(page) -> None:
    settle_layout(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "the page scrolls sideways"


def slow_network(page, latency_ms: int = 300) -> None:
    """A phone on a mobile connection: every request takes a while to come back."""
    page.cdp = page.context.new_cdp_session(page)
    page.cdp.send("Network.enable")
    page.cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1})


def fast_network(page) -> None:
    if getattr(page, "cdp", None) is not None:
        page.cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
