"""The development mailbox: a logged-in admin reads what the app sent (debug or setting only)."""

from __future__ import annotations

from flask import abort, current_app, request

from webapp.extensions import db
from webapp.outbox import bp
from webapp.outbox.models import OutboxEmail
from webapp.security import roles_required
from webapp.web import render

PAGE_SIZE = 50


def _mailbox_enabled() -> None:
    if not (current_app.debug or current_app.config["MAIL_DEV_MAILBOX"]):
        abort(404)


@bp.get("/dev/mailbox")
@roles_required("admin")
def mailbox():
    _mailbox_enabled()
    page = request.args.get("page", 1, type=int)
    messages = db.paginate(
        db.select(OutboxEmail).order_by(OutboxEmail.id.desc()), page=max(page, 1), per_page=PAGE_SIZE, error_out=False
    )
    return render("outbox/mailbox.html", "outbox/_messages.html", messages=messages)


@bp.get("/dev/mailbox/<int:message_id>")
@roles_required("admin")
def message(message_id: int):
    _mailbox_enabled()
    email = db.get_or_404(OutboxEmail, message_id)
    return render("outbox/message.html", email=email)
