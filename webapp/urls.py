"""Absolute links for e-mails, always built from BASE_URL (never from the request's Host header)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, url_scheme=base.scheme or "http", script_name=base.path.rstrip("/") or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
