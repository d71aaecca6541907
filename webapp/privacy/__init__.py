"""Privacy (AVG/GDPR): own data export and erasure, guardian consent, retention, the audit log."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

from webapp.privacy import routes  # noqa: E402,F401
