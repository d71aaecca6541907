"""Account writes: invitations, activation, alumna registration and password reset."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp.audit.services import record
from webapp.auth import passwords, tokens
from webapp.auth.models import Invitation, User
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox.services import queue_email
from webapp.urls import absolute_url


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """Addresses are stored normalised (lower case), so the unique index on e-mail finds her."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _invitation_days() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


def send_activation(user: User, *, school_id: int | None, invited_by: User | None, school_name: str = "") -> Invitation:
    """Invite an existing, not yet activated user to choose a password (student, coordinator)."""
    return send_activations([user], school_id=school_id, invited_by=invited_by, school_name=school_name)[0]


def send_activations(
    users: list[User], *, school_id: int | None, invited_by: User | None, school_name: str = ""
) -> list[Invitation]:
    """Activation invitations for many users at once: one flush for all, then one e-mail each."""
    invitations = [
        tokens.new_invitation(
            "activate",
            user.email,
            valid_for=_invitation_days(),
            flush=False,
            user_id=user.id,
            school_id=school_id,
            created_by_id=invited_by.id if invited_by else None,
        )
        for user in users
    ]
    db.session.flush()
    for user, invitation in zip(users, invitations):
        queue_email(
            user.email,
            "activate",
            _l("Activeer je account bij Kring"),
            locale=user.locale,
            user=user,
            school_name=school_name,
            inviter=invited_by,
            link=absolute_url("auth.activate", token=tokens.token_for(invitation)),
            expires_at=invitation.expires_at,
        )
    return invitations


def invite_alumna(email: str, *, school_id: int | None, invited_by: User, school_name: str, message: str = "") -> Invitation:
    """Invite a vakvrouw to join the alumni network; she registers from the link."""
    email = normalise_email(email)
    invitation = tokens.new_invitation(
        "alumna",
        email,
        valid_for=_invitation_days(),
        school_id=school_id,
        created_by_id=invited_by.id,
        note=message or None,
    )
    queue_email(
        email,
        "invite_alumna",
        _l("Uitnodiging voor het alumninetwerk van Kring"),
        school_name=school_name,
        inviter=invited_by,
        message=message,
        link=absolute_url("auth.register_alumna", token=tokens.token_for(invitation)),
        expires_at=invitation.expires_at,
    )
    record("alumna.invited", school_id=school_id, obj=invitation, email=email)
    return invitation


def activate(invitation: Invitation, password: str) -> User:
    """Use an activation invitation: set the password and activate the account."""
    tokens.consume(invitation)
    user = invitation.user
    if user is None:
        raise tokens.TokenError(tokens.INVALID)
    user.set_password(password)
    user.activated = True
    record("account.activated", subject_user_id=user.id, school_id=invitation.school_id, actor_id=user.id)
    db.session.commit()
    return user


def register_alumna(invitation: Invitation, *, first_name: str, last_name: str, password: str | None) -> User:
    """Use an alumna invitation: create her account (or add the role to an existing one)."""
    from webapp.people.models import AlumnaProfile

    tokens.consume(invitation)
    user = find_user(invitation.email)
    if user is None:
        user = User(email=invitation.email, first_name=first_name, last_name=last_name, activated=True)
        db.session.add(user)
    if password:
        user.set_password(password)
    user.activated = True
    user.add_role("alumna")
    db.session.flush()
    if db.session.get(AlumnaProfile, user.id) is None:
        db.session.add(_alumna_profile_for(user, invitation.school_id))
    invitation.user_id = user.id
    record("alumna.registered", subject_user_id=user.id, school_id=invitation.school_id, actor_id=user.id)
    db.session.commit()
    return user


def _alumna_profile_for(user: User, school_id: int | None):
    """A new alumna profile; a former student of Kring keeps her history and starts prefilled."""
    from webapp.people.models import AlumnaProfile, StudentProfile

    student = db.session.get(StudentProfile, user.id)
    if student is None:
        return AlumnaProfile(user_id=user.id, school_id=school_id)
    programme = student.programme
    return AlumnaProfile(
        user_id=user.id,
        school_id=student.school_id,
        programme_id=student.programme_id,
        programme_name=programme.name if programme else "",
        sector=programme.sector if programme else "overig",
        graduated_year=(student.left_at or utcnow().date()).year,
        topics=list(student.interests or []),
    )


def request_password_reset(email: str) -> None:
    """Queue a reset link if an active account has this address; say nothing either way."""
    user = find_user(email)
    if user is None or not user.activated:
        return
    invitation = tokens.new_invitation(
        "password_reset",
        user.email,
        valid_for=timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
        user_id=user.id,
    )
    queue_email(
        user.email,
        "password_reset",
        _l("Nieuw wachtwoord voor Kring"),
        locale=user.locale,
        user=user,
        link=absolute_url("auth.reset_password", token=tokens.token_for(invitation)),
        expires_at=invitation.expires_at,
    )
    db.session.commit()


def reset_password(invitation: Invitation, password: str) -> User:
    tokens.consume(invitation)
    user = invitation.user
    if user is None:
        raise tokens.TokenError(tokens.INVALID)
    user.set_password(password)
    record("account.password_reset", subject_user_id=user.id, actor_id=user.id)
    db.session.commit()
    return user


def check_login_password(user: User | None, password: str) -> bool:
    """One password check per attempt, also for an unknown address (the same time either way).

    A hash of an older method is replaced by a current one; `note_login` commits it.
    """
    if user is None or not user.password_hash:
        passwords.spend_like_a_check(password)
        return False
    return user.check_password(password, upgrade=user.activated)


def note_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.commit()
