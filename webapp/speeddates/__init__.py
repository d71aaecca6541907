"""Speeddate events: hosts, ranked preferences and the round schedule."""

from flask import Blueprint

bp = Blueprint("speeddates", __name__, url_prefix="/speeddates")

from webapp.speeddates import routes  # noqa: E402,F401
