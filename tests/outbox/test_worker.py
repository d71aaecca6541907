"""The outbox guarantees: nothing lost when SMTP fails, a retry sends once, workers never double-send."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import body_of
from webapp.extensions import db
from webapp.modeltools import utcnow
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.outbox.services import queue_email


def _queue(n: int) -> list[int]:
    ids = []
    for i in range(n):
        message = queue_email(
            f"ontvanger{i}@example.org",
            "password_reset",
            f"Bericht {i}",
            user=type("U", (), {"first_name": f"Naam{i}"})(),
            link=f"http://kring.test/x/{i}",
            expires_at=utcnow(),
        )
        db.session.flush()
        ids.append(message.id)
    db.session.commit()
    return ids


def _statuses() -> dict[str, int]:
    return dict(db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())


def test_queued_mail_is_delivered_over_smtp_with_text_html_and_ics(app, smtp):
    message = queue_email(
        "fatima@example.org",
        "password_reset",
        "Nieuw wachtwoord",
        ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        user=type("U", (), {"first_name": "Fatima"})(),
        link="http://kring.test/wachtwoord-herstellen/abc",
        expires_at=utcnow(),
    )
    db.session.commit()
    result = worker.drain()
    assert (result.sent, result.failed) == (1, 0)
    [received] = smtp.wait_for(1)
    assert received["To"] == "fatima@example.org"
    assert received["Subject"] == "Nieuw wachtwoord"
    assert "Hallo Fatima" in body_of(received)
    assert "Hallo Fatima" in received.get_body(preferencelist=("html",)).get_content()
    calendars = [part for part in received.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1 and "BEGIN:VCALENDAR" in calendars[0].get_content()
    db.session.refresh(message)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1


def test_smtp_down_loses_nothing_and_retries_later(app, smtp):
    ids = _queue(3)
    app.config["MAIL_PORT"] = 1  # nothing listens there
    from webapp.extensions import mail

    mail.init_app(app)
    result = worker.drain()
    assert result.sent == 0 and result.failed >= 1
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids))).all()
    assert all(row.status == "pending" for row in rows)
    failed = [row for row in rows if row.attempts == 1]
    assert failed and all(row.next_attempt_at > utcnow() and row.last_error for row in failed)
    assert all(row.claimed_by is None for row in rows)

    # The server is back; the retries are due.
    app.config["MAIL_PORT"] = smtp.port
    mail.init_app(app)
    db.session.execute(OutboxEmail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    result = worker.drain()
    assert result.sent == 3
    assert sorted(m["To"] for m in smtp.wait_for(3)) == [f"ontvanger{i}@example.org" for i in range(3)]
    assert _statuses() == {"sent": 3}


def test_a_temporary_refusal_is_retried_and_sent_exactly_once(app, smtp):
    _queue(1)
    smtp.fail_next = 1
    assert worker.drain().failed == 1
    assert smtp.messages == []
    db.session.execute(OutboxEmail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert worker.drain().sent == 1
    # Draining again sends nothing more.
    assert worker.drain().sent == 0
    assert len(smtp.wait_for(1)) == 1
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "sent" and row.attempts == 2


def test_gives_up_after_max_attempts_and_keeps_the_message(app, smtp):
    _queue(1)
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp.fail_next = 5
    worker.drain()
    db.session.execute(OutboxEmail.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    result = worker.drain()
    assert result.gave_up == 1
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "failed" and row.attempts == 2 and "451" in row.last_error


def test_two_workers_never_send_one_message_twice(app, smtp):
    _queue(60)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run_worker():
        try:
            with app.app_context():
                barrier.wait()
                while worker.deliver_batch(limit=5).sent:
                    pass
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    received = smtp.wait_for(60)
    outbox_ids = [m["X-Kring-Outbox-Id"] for m in received]
    assert len(outbox_ids) == 60
    assert len(set(outbox_ids)) == 60, "a message was sent twice"
    assert _statuses() == {"sent": 60}


def test_an_expired_claim_is_taken_over(app, smtp):
    _queue(1)
    db.session.execute(
        OutboxEmail.__table__.update().values(claimed_by="dead-worker", claimed_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert worker.drain().sent == 1


def test_a_live_claim_is_respected(app, smtp):
    _queue(1)
    db.session.execute(
        OutboxEmail.__table__.update().values(claimed_by="busy-worker", claimed_until=utcnow() + timedelta(minutes=1))
    )
    db.session.commit()
    assert worker.drain().sent == 0


def test_mail_is_written_in_the_same_transaction_as_its_cause(app):
    """A change that is rolled back takes its e-mail with it."""
    _queue(1)
    queue_email("x@example.org", "password_reset", "Weg", user=type("U", (), {"first_name": "X"})(), link="l", expires_at=utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 1


def test_send_mail_command_drains_the_queue(app, smtp):
    _queue(2)
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 verstuurd" in result.output
    assert len(smtp.wait_for(2)) == 2


def test_mailbox_transport_delivers_into_the_development_mailbox(app, login_as):
    _queue(1)
    assert worker.drain().sent == 1
    row = db.session.scalar(select(OutboxEmail))
    assert row.transport == "mailbox"
    page = login_as("admin").get("/dev/mailbox")
    assert page.status_code == 200 and "Bericht 0" in page.get_data(as_text=True)
    assert login_as("coordinator").get("/dev/mailbox").status_code == 403
