"""Signed, single-use, expiring invitation tokens.

The e-mailed token is the signed pair (invitation id, nonce). The signature stops forgery;
the row's nonce (replaced on resend), status and expiry make it single-use and expiring;
consuming it is one conditional UPDATE, so two clicks at once cannot both use it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from webapp.auth.models import Invitation
from webapp.extensions import db
from webapp.modeltools import utcnow

SALT = "kring-invitation"


class TokenError(Exception):
    """A token that cannot be used; the message is shown to the user."""


INVALID = _l("Deze link is ongeldig. Controleer of je de hele link uit de e-mail hebt gebruikt.")
USED = _l("Deze link is al gebruikt. Je kunt inloggen met je e-mailadres en wachtwoord.")
EXPIRED = _l("Deze link is verlopen. Vraag je coördinator om een nieuwe uitnodiging.")
WITHDRAWN = _l("Deze uitnodiging is ingetrokken.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def new_invitation(kind: str, email: str, *, valid_for: timedelta, flush: bool = True, **fields) -> Invitation:
    invitation = Invitation(
        kind=kind,
        email=email,
        nonce=secrets.token_urlsafe(24),
        expires_at=utcnow() + valid_for,
        status="pending",
        **fields,
    )
    db.session.add(invitation)
    if flush:
        db.session.flush()
    return invitation


def renew(invitation: Invitation, valid_for: timedelta) -> None:
    """Resend: a fresh nonce (the old link stops working) and a new expiry."""
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = utcnow() + valid_for
    invitation.sent_count += 1


def token_for(invitation: Invitation) -> str:
    return _serializer().dumps([invitation.id, invitation.nonce])


def load(token: str, kind: str | tuple[str, ...]) -> Invitation:
    """The pending invitation behind a token, or TokenError saying why it cannot be used."""
    kinds = (kind,) if isinstance(kind, str) else kind
    try:
        invitation_id, nonce = _serializer().loads(token)
        invitation_id = int(invitation_id)
    except (BadSignature, ValueError, TypeError):
        raise TokenError(INVALID) from None
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.kind not in kinds:
        raise TokenError(INVALID)
    if not secrets.compare_digest(str(nonce), invitation.nonce):
        # An older link of an invitation that was sent again.
        raise TokenError(USED if invitation.used_at else INVALID)
    if invitation.status == "withdrawn":
        raise TokenError(WITHDRAWN)
    if invitation.used_at is not None or invitation.status != "pending":
        raise TokenError(USED)
    if invitation.expires_at < utcnow():
        raise TokenError(EXPIRED)
    return invitation


def consume(invitation: Invitation, status: str = "accepted") -> None:
    """Mark the invitation used, once: a second concurrent use raises TokenError."""
    now = utcnow()
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.status == "pending")
        .values(used_at=now, status=status)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise TokenError(USED)
    invitation.used_at = now
    invitation.status = status
