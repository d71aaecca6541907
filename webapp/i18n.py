"""Language choice: the user's own setting, else the session's choice, else the browser's, else Dutch."""

from __future__ import annotations

from collections.abc import Sequence

from babel.lists import format_list
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from webapp.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the mail worker and other commands: e-mail sets its own locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def join_words(items: Sequence[object]) -> str:
    """Words as a list in the current locale: "a, b en c" in Dutch, "a, b, and c" in English."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return format_list(words, locale=get_locale() or "nl")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
