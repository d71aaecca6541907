"""The e-mail outbox, its delivery worker and the development mailbox."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)

from webapp.outbox import routes  # noqa: E402,F401
