"""People: profiles of students and alumnae, and the coordinator's pages for her school's people."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/school")
profile_bp = Blueprint("profile", __name__, url_prefix="/profiel")

from webapp.people import import_routes, profile_routes, routes  # noqa: E402,F401
