"""The network staff's pages: schools, their programmes and coordinators."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/beheer")

from webapp.admin import routes  # noqa: E402,F401
