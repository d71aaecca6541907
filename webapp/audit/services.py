"""Writing audit events, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from webapp.audit.models import AuditEvent
from webapp.extensions import db


def record(
    action: str,
    *,
    subject_user_id: int | None = None,
    school_id: int | None = None,
    obj: Any = None,
    actor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        subject_user_id=subject_user_id,
        school_id=school_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None) if obj is not None else None,
        details=details,
    )
    db.session.add(event)
    return event
