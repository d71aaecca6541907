"""Mentoring circles: sign-up with a waitlist, meetings, mentors."""

from flask import Blueprint

bp = Blueprint("circles", __name__, url_prefix="/kringen")

from webapp.circles import routes  # noqa: E402,F401
