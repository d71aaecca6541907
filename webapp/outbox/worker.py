"""Deliver queued e-mail with retries and backoff; several workers may share one outbox.

A worker claims a batch with one UPDATE whose subquery takes `FOR UPDATE SKIP LOCKED` on
PostgreSQL (SQLite runs the single statement under its database write lock), writing a
unique claim token and a lease. It then sends each claimed message and marks it sent in a
statement that still requires its own claim token, so two workers never send one message
twice. A message whose lease ran out (a worker that died mid-batch) is claimed again.
"""

from __future__ import annotations

import logging
import random
import smtplib
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select, update

from webapp.extensions import db, mail
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0

    def __iadd__(self, other: RunResult) -> RunResult:
        self.sent += other.sent
        self.failed += other.failed
        self.gave_up += other.gave_up
        return self


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with a little jitter: 30 s, 60 s, 2 min, ... up to 6 hours."""
    delay = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))


def claim_batch(limit: int) -> tuple[str, list[OutboxEmail]]:
    """Claim up to `limit` due messages for this worker; returns the claim token and the rows."""
    token = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:16]}"
    now = utcnow()
    due = (
        select(OutboxEmail.id)
        .where(
            OutboxEmail.status == "pending",
            OutboxEmail.next_attempt_at <= now,
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(due.scalar_subquery()),
            OutboxEmail.status == "pending",
            or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
        )
        .values(claimed_by=token, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.claimed_by == token).order_by(OutboxEmail.id)
    ).all()
    return token, list(rows)


def _to_mail_message(message: OutboxEmail) -> Message:
    mail_message = Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"X-Kring-Outbox-Id": str(message.id)},
    )
    if message.ics:
        method = "CANCEL" if "METHOD:CANCEL" in message.ics else "REQUEST"
        mail_message.attach("uitnodiging.ics", f"text/calendar; method={method}; charset=utf-8", message.ics.encode())
    return mail_message


def _finish(message_id: int, token: str, **values) -> None:
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == message_id, OutboxEmail.claimed_by == token)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_batch(limit: int = 50) -> RunResult:
    """Claim and deliver one batch. Returns how many were sent, failed, or given up on."""
    token, messages = claim_batch(limit)
    result = RunResult()
    if not messages:
        return result
    transport = current_app.config["MAIL_TRANSPORT"]
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    pending = [(m.id, m.attempts, _to_mail_message(m) if transport == "smtp" else None) for m in messages]
    db.session.commit()  # end the read transaction before talking to the mail server
    connection = None
    try:
        for message_id, attempts, mail_message in pending:
            try:
                if transport == "smtp":
                    if connection is None:
                        connection = mail.connect()
                        connection.__enter__()
                    connection.send(mail_message)
            except (smtplib.SMTPException, OSError) as error:
                if connection is not None:
                    try:
                        connection.__exit__(None, None, None)
                    except (smtplib.SMTPException, OSError):
                        pass
                    connection = None
                attempts += 1
                if attempts >= max_attempts:
                    _finish(message_id, token, status="failed", attempts=attempts, last_error=str(error)[:1000])
                    result.gave_up += 1
                    log.error("outbox %s: giving up after %s attempts: %s", message_id, attempts, error)
                else:
                    _finish(
                        message_id,
                        token,
                        attempts=attempts,
                        last_error=str(error)[:1000],
                        next_attempt_at=utcnow() + backoff(attempts),
                    )
                    result.failed += 1
                    log.warning("outbox %s: attempt %s failed: %s", message_id, attempts, error)
                continue
            _finish(message_id, token, status="sent", sent_at=utcnow(), attempts=attempts + 1, transport=transport, last_error=None)
            result.sent += 1
    finally:
        if connection is not None:
            try:
                connection.__exit__(None, None, None)
            except (smtplib.SMTPException, OSError):
                pass
    return result


def drain(limit: int = 50) -> RunResult:
    """Deliver until no message is due (what `send-mail --once` does)."""
    total = RunResult()
    while True:
        result = deliver_batch(limit)
        total += result
        if result.sent + result.failed + result.gave_up == 0:
            return total
        if result.sent == 0 and result.gave_up == 0:
            # Everything in this batch failed: the server is down; the rest waits for a retry.
            return total


# Jobs that queue e-mail when it falls due (reminders); each returns how many it queued.
PERIODIC_JOBS = (
    "webapp.people.services:send_due_reminders",
    "webapp.guest_lessons.services:send_lesson_reminders",
    "webapp.circles.services:send_meeting_reminders",
)
JOB_INTERVAL = timedelta(minutes=1)


def run_periodic_jobs() -> dict[str, int]:
    """Run every periodic job once; a failing job is logged and does not stop the others."""
    from importlib import import_module

    queued = {}
    for path in PERIODIC_JOBS:
        module, name = path.split(":")
        try:
            queued[name] = getattr(import_module(module), name)()
        except Exception:
            db.session.rollback()
            log.exception("periodic job %s failed", path)
    return queued


def run_forever(interval: float = 5.0, limit: int = 50) -> None:  # pragma: no cover - loops
    log.info("mail worker started (transport %s)", current_app.config["MAIL_TRANSPORT"])
    last_jobs = None
    while True:
        try:
            if last_jobs is None or utcnow() - last_jobs >= JOB_INTERVAL:
                run_periodic_jobs()
                last_jobs = utcnow()
            result = drain(limit)
            if result.sent or result.failed or result.gave_up:
                log.info("mail worker: %s sent, %s to retry, %s given up", result.sent, result.failed, result.gave_up)
        except Exception:
            db.session.rollback()
            log.exception("mail worker: batch failed")
        time.sleep(interval)
