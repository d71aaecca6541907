"""Two coordinators confirm two offers of one lesson at the same moment: exactly one wins.

Each coordinator runs in her own thread with her own app context, so her own database
session and connection, as two app servers would. A Barrier releases them together. Runs
on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading

from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import make_user
from tests.guest_lessons.conftest import make_alumna, make_lesson, offer_on
from webapp.extensions import db
from webapp.guest_lessons import services
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer
from webapp.outbox.models import OutboxEmail

ROUNDS = 3


def _race(app, lesson_id: int, attempts: list[tuple[int, int]]) -> list:
    """Run confirm_offer for each (coordinator id, offer id) at once; returns the outcomes."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list = [None] * len(attempts)

    def confirm(index: int, coordinator_id: int, offer_id: int) -> None:
        with app.app_context(), force_locale("nl"):
            try:
                from webapp.auth.models import User

                lesson = db.session.get(GuestLesson, lesson_id)
                coordinator = db.session.get(User, coordinator_id)
                assert lesson.status == "offered"  # both start from the same picture
                barrier.wait(timeout=10)
                services.confirm_offer(lesson, offer_id, coordinator)
                outcomes[index] = ("confirmed", offer_id)
            except services.GuestLessonError as error:
                outcomes[index] = ("refused", str(error))
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcomes[index] = ("crashed", repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(i, c, o)) for i, (c, o) in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_coordinators_confirming_two_offers_at_once_end_with_one_confirmed(app, world):
    first = world.users["coordinator"]
    second = make_user("coordinator", world.school_a)
    for round_number in range(ROUNDS):
        anna = make_alumna(first_name=f"Anna{round_number}")
        bo = make_alumna(first_name=f"Bo{round_number}")
        lesson = make_lesson(world.school_a, first, topic=f"Ronde {round_number}")
        offer_a = offer_on(lesson, anna)
        offer_b = offer_on(lesson, bo)
        db.session.commit()

        outcomes = _race(app, lesson.id, [(first.id, offer_a.id), (second.id, offer_b.id)])

        kinds = sorted(outcome[0] for outcome in outcomes)
        assert kinds == ["confirmed", "refused"], outcomes
        [refusal] = [o[1] for o in outcomes if o[0] == "refused"]
        assert "ander aanbod bevestigd" in refusal
        [winner] = [o[1] for o in outcomes if o[0] == "confirmed"]
        loser = offer_b.id if winner == offer_a.id else offer_a.id

        db.session.expire_all()
        assert db.session.get(GuestLesson, lesson.id).status == "confirmed"
        statuses = dict(db.session.execute(select(GuestLessonOffer.id, GuestLessonOffer.status).where(GuestLessonOffer.lesson_id == lesson.id)).all())
        assert statuses == {winner: "confirmed", loser: "released"}
        # Only the winner's confirmation went out; the other alumna got a thank-you, no calendar file.
        emails = dict(
            db.session.execute(
                select(OutboxEmail.to_address, OutboxEmail.template).where(OutboxEmail.to_address.in_((anna.email, bo.email)), OutboxEmail.template != "guest_lessons_offered")
            ).all()
        )
        winner_email = anna.email if winner == offer_a.id else bo.email
        loser_email = bo.email if winner == offer_a.id else anna.email
        assert emails == {winner_email: "guest_lessons_confirmed", loser_email: "guest_lessons_released"}
