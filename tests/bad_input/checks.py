"""Checks on answers shared by the bad-input tests: headers, what the policy would block, 500s."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from html.parser import HTMLParser

SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            found[words[0].lower()] = words[1:]
    return found


def check_security_headers(response, where: str = "") -> None:
    """The headers every answer of Kring carries (pages, partials, errors, redirects, files)."""
    where = where or response.request.path
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {where}"
    csp = directives(policy)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"], f"script-src of {where} allows more than our own scripts: {scripts}"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, f"{where}: {policy}"
    assert csp.get("object-src") == ["'none'"], f"{where}: plugins allowed"
    assert csp.get("base-uri") in (["'self'"], ["'none'"]), f"{where}: <base> not restricted"
    assert csp.get("frame-ancestors") == ["'none'"], f"{where} may be framed"
    assert response.headers.get("X-Frame-Options") == "DENY", f"{where}: no X-Frame-Options for older browsers"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", f"{where}: no nosniff"
    assert response.headers.get("Referrer-Policy") in SAFE_REFERRER_POLICIES, f"{where}: Referrer-Policy {response.headers.get('Referrer-Policy')}"


class _ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._inline = False

    def handle_starttag(self, tag, attrs):
        if tag == "script" and "src" not in dict(attrs):
            self._inline = True
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_data(self, data):
        if self._inline and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline = False


def blocked_by_policy(html: str) -> list[str]:
    """What the Content-Security-Policy would block: inline scripts, event handlers, javascript: URLs."""
    finder = _ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.found


@contextmanager
def server_errors():
    """Collect the tracebacks the 500 handler logs (the app's frames and the error), for the message."""
    caught: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines = self.format(record).splitlines()
            caught.append("\n".join([line for line in lines if "/webapp/" in line] + lines[-1:]))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("webapp.errors")
    logger.addHandler(handler)
    try:
        yield caught
    finally:
        logger.removeHandler(handler)
