"""Accounts: login, logout, password reset, activation from invitations, language choice."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from webapp.auth import routes  # noqa: E402,F401
