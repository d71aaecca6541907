"""Error pages in the layout, or small fragments for htmx requests; JSON for API callers."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Ongeldig verzoek"), _("Het verzoek kon niet worden verwerkt.")),
        401: (_("Niet ingelogd"), _("Log in om verder te gaan.")),
        403: (_("Geen toegang"), _("Je hebt geen toegang tot deze pagina.")),
        404: (_("Niet gevonden"), _("Deze pagina bestaat niet (meer).")),
        405: (_("Niet toegestaan"), _("Deze actie is hier niet mogelijk.")),
        413: (_("Te groot"), _("Het bestand is te groot.")),
        415: (_("Ongeldig verzoek"), _("Het verzoek kon niet worden verwerkt.")),
        429: (_("Even geduld"), _("Te veel pogingen achter elkaar. Probeer het over een minuut opnieuw.")),
        500: (_("Er ging iets mis"), _("Er ging aan onze kant iets mis. Probeer het later opnieuw.")),
    }


def _answer(code: int, detail: str | None = None):
    title, text = _messages().get(code, (_("Fout"), _("Er ging iets mis.")))
    if detail:
        text = detail
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": text}, code
    template = "errors/_error.html" if request.headers.get("HX-Request") == "true" else "errors/error.html"
    return render_template(template, code=code, title=title, text=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _answer(400, _("De sessie is verlopen of het formulier is ongeldig. Laad de pagina opnieuw en probeer het nog eens."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _answer(error.code)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _answer(500)
