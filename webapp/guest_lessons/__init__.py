"""Guest lessons and other one-off activities where alumnae help."""

from flask import Blueprint

bp = Blueprint("guest_lessons", __name__, url_prefix="/gastlessen")

from webapp.guest_lessons import routes  # noqa: E402,F401
