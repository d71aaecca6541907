"""Queue e-mail in the outbox, rendered from templates in the recipient's language."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from webapp.extensions import db
from webapp.outbox.models import OutboxEmail


def queue_email(
    to: str,
    template: str,
    subject: Any,
    *,
    locale: str = "nl",
    ics: str | None = None,
    **context: Any,
) -> OutboxEmail:
    """Render `email/<template>.txt|.html` and add the message to the session.

    The message is committed together with the change that caused it, or not at all:
    the caller commits. `subject` may be a lazy string; it is rendered in `locale`.
    """
    with force_locale(locale):
        subject_text = str(subject)
        body_text = render_template(f"email/{template}.txt", subject=subject_text, **context)
        body_html = render_template(f"email/{template}.html", subject=subject_text, **context)
    message = OutboxEmail(
        to_address=to,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        ics=ics,
        template=template,
    )
    db.session.add(message)
    return message
