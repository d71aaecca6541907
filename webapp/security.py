"""Login manager wiring, role checks and security headers."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from webapp.extensions import db, login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in om deze pagina te zien.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        from webapp.auth.models import User

        if not user_id.isdigit():
            return None
        return db.session.get(User, int(user_id), options=[selectinload(User.roles)])

    @login_manager.unauthorized_handler
    def unauthorized():
        from webapp.web import flash_message

        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if request.headers.get("HX-Request") == "true":
            response = app.response_class(status=401)
            response.headers["HX-Redirect"] = target
            return response
        flash_message(str(login_manager.login_message), "info")
        return redirect(target)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def roles_required(*roles: str) -> Callable:
    """Decorator: the view needs a logged-in user holding one of the roles, else 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
