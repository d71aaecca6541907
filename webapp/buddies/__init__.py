"""Buddy matching of older and younger studentes."""

from flask import Blueprint

bp = Blueprint("buddies", __name__, url_prefix="/buddies")

from webapp.buddies import routes  # noqa: E402,F401
