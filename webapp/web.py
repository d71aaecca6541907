"""Helpers every view uses: page-or-partial rendering, flash messages, school scoping, and the
request class that cleans what comes in (NUL characters, numbers no column holds, JSON bodies)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, Request, abort, flash, g, get_flashed_messages, make_response, redirect, render_template, request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from webapp.extensions import db

T = TypeVar("T")


def is_htmx() -> bool:
    """True for an htmx request that swaps part of a page (not a boosted full navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(page_template: str, partial_template: str | None = None, status: int = 200, **context: Any):
    """Render the full page, or only the partial for htmx; flash messages ride along out of band.

    One URL serves both: the server picks by the request, and says so with `Vary: HX-Request`.
    """
    if partial_template and is_htmx():
        body = render_template(partial_template, **context) + render_template("_flash_oob.html")
    else:
        body = render_template(page_template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response


def flash_message(message: str, category: str = "success") -> None:
    flash(message, category)


def redirect_to(url: str):
    """Redirect a browser, or tell htmx to navigate (a 302 would land inside the swapped element)."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def coordinator_school_id() -> int:
    """The school of the logged-in coordinator; 403 for anyone who coordinates no school."""
    if "coordinator_school_id" not in g:
        from webapp.people.models import CoordinatorProfile

        profile = None
        if current_user.is_authenticated and current_user.has_role("coordinator"):
            profile = db.session.get(CoordinatorProfile, current_user.id)
        if profile is None:
            abort(403)
        g.coordinator_school_id = profile.school_id
    return g.coordinator_school_id


def get_in_school(model: type[T], object_id: int, school_attr: str = "school_id") -> T:
    """Load an object that belongs to the coordinator's own school, or answer 404.

    Every coordinator view loads school data through this (or `school_query`), so that a
    coordinator never reaches another school's data, not even to learn that it exists.
    """
    school_id = coordinator_school_id()
    obj = db.session.get(model, object_id)
    if obj is None or getattr(obj, school_attr) != school_id:
        abort(404)
    return obj


def school_query(model: type[T], school_attr: str = "school_id"):
    """A select() of the model limited to the coordinator's own school."""
    return db.select(model).where(getattr(model, school_attr) == coordinator_school_id())


# The largest whole number a database column of Kring holds (PostgreSQL's integer).
MAX_INT = 2**31 - 1


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class TextParameters(ImmutableMultiDict):
    """Query and form values without NUL characters, and whole numbers that fit the database.

    No field of Kring means a NUL, a browser does not send one, and PostgreSQL refuses them in
    text: dropping them here keeps every form and search safe at once. Files are left alone.
    `get(name, type=int)` answers the default for a number no column can hold, as it does
    for text that is no number; `getlist(name, type=int)` leaves such numbers out.
    """

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in MultiDict(mapping).items(multi=True)]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default and not -MAX_INT <= value <= MAX_INT:
            return default
        return value

    def getlist(self, key, type=None):
        values = super().getlist(key, type)
        if type is int:
            return [value for value in values if -MAX_INT <= value <= MAX_INT]
        return values


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: a number larger than any id is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


class KringRequest(Request):
    """Form and query values arrive as TextParameters."""

    parameter_storage_class = TextParameters


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def init_app(app: Flask) -> None:
    """Called before the blueprints are registered: their routes use the `int` converter."""
    app.request_class = KringRequest
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def form_posts_only():
        # Kring takes form posts only. Flask-WTF would also read a JSON body into a form, with
        # numbers, nulls and objects where fields expect text.
        if request.method in WRITE_METHODS and request.is_json:
            abort(415)

    @app.context_processor
    def template_helpers():
        from flask_babel import get_locale

        from webapp.admin.forms import SECTOR_LABELS
        from webapp.people.vocabulary import ACTIVITIES, INTERESTS, label

        return {
            "is_htmx": is_htmx,
            "pending_flashes": lambda: get_flashed_messages(with_categories=True),
            "current_locale": lambda: str(get_locale() or "nl"),
            "sector_label": lambda sector: str(SECTOR_LABELS.get(sector, sector)),
            "activity_label": lambda key: label(ACTIVITIES, key),
            "interest_label": lambda key: label(INTERESTS, key),
        }
