"""Export, erasure, visibility, guardian consent and retention, on real rows."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import event, func, select

from tests.conftest import make_user
from tests.privacy.conftest import build_life
from webapp.audit.models import AuditEvent
from webapp.auth.models import Invitation, User
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair
from webapp.circles.models import CircleMembership, MeetingAttendance, MentoringCircle
from webapp.extensions import db
from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer
from webapp.modeltools import utcnow
from webapp.outbox.models import OutboxEmail
from webapp.people.models import AlumnaProfile, CoordinatorProfile, StudentProfile
from webapp.privacy import services
from webapp.speeddates.models import SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot

# --- coverage of every reference to a user --------------------------------------------------


def test_every_foreign_key_to_users_is_covered_by_export_and_erasure(app):
    """A new table with a user reference must be added to USER_REFERENCES (and handled)."""
    references = services.user_references()
    assert len(references) >= 20, "the walk over db.metadata found too few references"
    missing = [f"{t}.{c}" for t, c in references if f"{t}.{c}" not in services.USER_REFERENCES]
    assert not missing, f"not covered by privacy export/erasure, add to USER_REFERENCES: {missing}"
    stale = set(services.USER_REFERENCES) - {f"{t}.{c}" for t, c in references}
    assert not stale, f"USER_REFERENCES names references that no longer exist: {stale}"
    for name, coverage in services.USER_REFERENCES.items():
        assert coverage.section in services._EXPORTERS, f"{name}: no exporter for section {coverage.section}"
        assert name.split(".")[0] in services._ERASERS, f"{name}: no erasure rule for its table"


def _rows_naming(user_id: int) -> dict[str, int]:
    counts = {}
    tables = {t.name: t for t in db.metadata.sorted_tables}
    for table_name, column in services.user_references():
        table = tables[table_name]
        counts[f"{table_name}.{column}"] = db.session.scalar(select(func.count()).select_from(table).where(table.c[column] == user_id))
    return counts


def test_export_shows_every_table_the_person_appears_in(app, world):
    life = build_life(world)
    seen: set[str] = set()
    for person in (life.student, life.alumna, life.coordinator, life.buddy, life.classmate):
        data = services.export_user_data(person)
        json.dumps(data)  # JSON-ready
        assert "unmapped" not in data
        for reference, count in _rows_naming(person.id).items():
            if count:
                seen.add(reference)
                section = services.USER_REFERENCES[reference].section
                assert data[section], f"{person.email}: {reference} has {count} row(s) but export[{section!r}] is empty"
    # The life above touches every reference, so the check above ran for each of them.
    assert seen == set(services.USER_REFERENCES), set(services.USER_REFERENCES) - seen


def test_export_of_a_student_holds_her_data_and_only_first_names_of_others(app, world):
    life = build_life(world)
    data = services.export_user_data(life.student)
    assert data["user"]["email"] == life.student.email and data["user"]["phone"] == "06 12345678"
    assert data["user"]["password"] == "set"
    assert life.student.password_hash not in json.dumps(data)
    assert data["roles"] == ["student"]
    assert data["student_profile"]["birth_date"] == "2009-03-14" and data["student_profile"]["student_number"] == "S12345"
    assert data["circle_memberships"][0]["circle"] == "Kring Techniek"
    assert data["meeting_attendance"][0]["present"] is True
    [pair] = data["buddy_pairs"]
    assert pair["role"] == "mentee" and pair["other_first_name"] == life.buddy.first_name
    assert life.buddy.email not in json.dumps(data) and life.buddy.last_name not in json.dumps(pair)
    assert {r["event"] for r in data["speeddate_registrations"]} == {"Stagespeeddate voorjaar", "Keuzedelen kiezen"}
    assert len(data["speeddate_slots"]) == 2
    assert {m["subject"] for m in data["emails"]} == {"Welkom in de kring", "Je speeddate-rooster"}
    assert [i["kind"] for i in data["invitations"]] == ["activate"]
    assert {e["action"] for e in data["audit_events"]} == {"viewed", "profile.corrected"}
    assert data["buddy_exclusions"][0]["other_first_name"] == life.classmate.first_name


def test_export_of_a_coordinator_does_not_reveal_whom_she_invited(app, world):
    life = build_life(world)
    data = services.export_user_data(life.coordinator)
    assert data["invitations_sent"] == [{"kind": "activate", "status": "pending", "created_at": data["invitations_sent"][0]["created_at"]}]
    text = json.dumps(data)
    assert life.student.email not in text
    # Her "viewed" event about the student is there, without details about the student.
    [viewed] = [e for e in data["audit_events"] if e["action"] == "viewed"]
    assert viewed["by"] == "self" and viewed["about"] == "someone else" and viewed["details"] == {}


# --- erasure ----------------------------------------------------------------------------------


def _joined(circle_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CircleMembership).where(CircleMembership.circle_id == circle_id, CircleMembership.status == "joined")
    )


def _all_text_in_database() -> str:
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts).lower()


def test_erasure_anonymises_the_student_and_keeps_other_peoples_records(app, world):
    life = build_life(world)
    student_id, old_email, old_name = life.student.id, life.student.email, life.student.full_name
    joined_before = _joined(life.circle.id)
    seats_before = life.circle.seats_taken

    services.erase_user(life.student, life.student, "self")
    db.session.commit()
    db.session.expire_all()

    user = db.session.get(User, student_id)
    assert user.first_name == "Verwijderde gebruiker" and user.last_name == ""
    assert user.email == f"deleted-{student_id}@invalid.kring"
    assert user.password_hash is None and not user.activated and user.phone is None and user.roles == []
    profile = db.session.get(StudentProfile, student_id)
    assert profile.school_id == world.school_a.id and profile.status == "left" and profile.left_at is not None
    assert (profile.birth_date, profile.student_number, profile.guardian_email, profile.interests, profile.buddy_preferences) == (None, None, None, [], {})

    # Her circle keeps its count.
    assert _joined(life.circle.id) == joined_before == 2
    assert db.session.get(MentoringCircle, life.circle.id).seats_taken == seats_before
    assert db.session.scalar(select(func.count()).select_from(MeetingAttendance)) == 1
    # Her buddy keeps the pair record, ended, with an anonymous partner.
    pair = db.session.get(BuddyPair, life.pair.id)
    assert pair.status == "ended" and pair.end_reason == "account verwijderd" and pair.mentee.first_name == "Verwijderde gebruiker"
    assert db.session.scalar(select(func.count()).select_from(BuddyForbiddenPair)) == 0
    # Speeddates: the held event keeps registration and slot (no preferences); the coming one loses them.
    registrations = db.session.scalars(select(SpeeddateRegistration).where(SpeeddateRegistration.student_id == student_id)).all()
    assert [r.event_id for r in registrations] == [life.past_event.id]
    assert db.session.scalar(select(func.count()).select_from(SpeeddatePreference)) == 0
    assert [s.event_id for s in db.session.scalars(select(SpeeddateSlot))] == [life.past_event.id]
    # Only-hers rows are gone; sent mail is emptied.
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["circle_requests"])) == 0
    mails = db.session.scalars(select(OutboxEmail)).all()
    assert [(m.status, m.to_address, m.body_text) for m in mails] == [("sent", user.email, "")]
    # The audit trail stays, without her personal data, and records the erasure.
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.erased"))
    assert erased.subject_user_id == student_id and erased.details == {"reason": "self"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_user_id == student_id)) == 3
    # Nowhere in the database is her e-mail address or her name left.
    everything = _all_text_in_database()
    assert old_email.lower() not in everything and old_name.lower() not in everything and "06 12345678" not in everything


def test_erasure_of_an_alumna_withdraws_future_work_and_keeps_history(app, world):
    life = build_life(world)
    alumna_id = life.alumna.id
    services.erase_user(life.alumna, life.alumna, "self")
    db.session.commit()
    db.session.expire_all()

    profile = db.session.get(AlumnaProfile, alumna_id)
    assert (profile.job_title, profile.employer, profile.story, profile.topics, profile.activities) == ("", "", "", [], [])
    # The open circle needs a new mentor; the held lesson keeps her offer, the coming one reopens.
    assert db.session.get(MentoringCircle, life.circle.id).mentor_id is None
    offers = {o.lesson_id: o for o in db.session.scalars(select(GuestLessonOffer))}
    assert offers[life.lesson_done.id].status == "confirmed" and offers[life.lesson_done.id].message == ""
    assert offers[life.lesson_upcoming.id].status == "withdrawn"
    assert db.session.get(GuestLesson, life.lesson_upcoming.id).status == "open"
    hosts = {h.event_id: h for h in db.session.scalars(select(SpeeddateHost).where(SpeeddateHost.alumna_id == alumna_id))}
    assert hosts[life.future_event.id].dropped_out and not hosts[life.past_event.id].dropped_out
    assert {h.company for h in hosts.values()} == {""}
    # Students' slots at her past table stay.
    assert db.session.scalar(select(func.count()).select_from(SpeeddateSlot).where(SpeeddateSlot.event_id == life.past_event.id)) == 1


def test_erasure_of_a_coordinator_keeps_what_she_made_for_others(app, world):
    life = build_life(world)
    coordinator_id = life.coordinator.id
    services.erase_user(life.coordinator, world.users["admin"], "self")
    db.session.commit()
    assert db.session.get(CoordinatorProfile, coordinator_id) is None
    assert db.session.scalar(select(Invitation.created_by_id)) == coordinator_id  # the student's invitation still works
    assert db.session.get(GuestLesson, life.lesson_done.id).created_by_id == coordinator_id


def test_the_last_admin_cannot_be_erased(app, world):
    admin = world.users["admin"]
    with pytest.raises(services.PrivacyError):
        services.erase_user(admin, admin, "self")
    second = make_user("admin")
    services.erase_user(admin, admin, "self")
    db.session.commit()
    with pytest.raises(services.PrivacyError):
        services.erase_user(second, second, "self")


def test_erasing_twice_changes_nothing(app, world):
    student = world.users["student"]
    services.erase_user(student, None, "retention")
    db.session.commit()
    services.erase_user(student, None, "retention")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "account.erased")) == 1


# --- visibility ---------------------------------------------------------------------------------


def test_public_student_view_hides_contact_details_unless_shared(app, world):
    student = world.users["student"]
    student.phone = "06 87654321"
    profile = db.session.get(StudentProfile, student.id)
    profile.birth_date = date(2008, 1, 1)
    db.session.commit()
    buddy = make_user("student", world.school_a, year=3)

    for viewer in (world.users["alumna"], buddy, world.users["coordinator_b"], world.users["admin"], None):
        view = services.public_student_view(profile, viewer)
        assert set(view) == {"user_id", "first_name", "programme", "year"}, viewer
        assert view["first_name"] == student.first_name and view["programme"] == "Software developer" and view["year"] == 1

    profile.share_email = True
    assert services.public_student_view(profile, world.users["alumna"])["email"] == student.email
    assert "phone" not in services.public_student_view(profile, world.users["alumna"])
    profile.share_phone = True
    assert services.public_student_view(profile, buddy)["phone"] == "06 87654321"

    own = services.public_student_view(profile, world.users["coordinator"])
    assert own["email"] == student.email and own["phone"] == "06 87654321" and own["birth_date"] == date(2008, 1, 1)
    assert services.public_student_view(profile, student)["last_name"] == student.last_name


# --- guardian consent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "today", "needed"),
    [
        (date(2010, 6, 1), date(2026, 5, 31), True),  # one day before her 16th birthday
        (date(2010, 6, 1), date(2026, 6, 1), False),  # her birthday
        (date(2012, 2, 29), date(2028, 2, 28), True),
        (date(2012, 2, 29), date(2028, 3, 1), False),
        (None, date(2026, 1, 1), False),  # unknown age counts as 16 or older
    ],
)
def test_needs_guardian_consent_by_dutch_age_16(app, world, birth, today, needed):
    profile = db.session.get(StudentProfile, world.users["student"].id)
    profile.birth_date = birth
    assert services.needs_guardian_consent(profile, today=today) is needed
    profile.guardian_consent_at = utcnow()
    assert services.needs_guardian_consent(profile, today=today) is False


# --- retention ---------------------------------------------------------------------------------


def _departed(world, school, status: str, left_at: date, role: str = "student") -> User:
    user = make_user("student", school)
    profile = db.session.get(StudentProfile, user.id)
    profile.status, profile.left_at, profile.student_number, profile.birth_date = status, left_at, f"N{user.id}", date(2004, 5, 5)
    if role == "alumna":
        user.add_role("alumna")
        db.session.add(AlumnaProfile(user_id=user.id, school_id=school.id, graduated_year=left_at.year))
    db.session.commit()
    return user


def test_purge_erases_only_students_past_their_schools_retention(app, world):
    world.school_b.retention_years = 5
    db.session.commit()
    old = _departed(world, world.school_a, "left", date(2023, 6, 30))
    recent = _departed(world, world.school_a, "switched", date(2024, 8, 1))
    longer_kept = _departed(world, world.school_b, "left", date(2023, 6, 30))
    graduate = _departed(world, world.school_a, "graduated", date(2022, 7, 1), role="alumna")

    # Two years after 30 June 2023 end on 30 June 2025: she is erased from 1 July on.
    assert {i.user_id for i in services.purge_departed(date(2025, 6, 30), dry_run=True)} == {graduate.id}
    items = services.purge_departed(date(2025, 7, 1), dry_run=True)
    assert {i.user_id for i in items} == {old.id, graduate.id}
    assert db.session.get(User, old.id).email.endswith("example.org")  # a dry run changes nothing

    items = services.purge_departed(date(2025, 7, 1))
    assert {(i.user_id, i.what) for i in items} == {(old.id, "account"), (graduate.id, "student_data")}
    db.session.expire_all()
    assert services.is_erased(db.session.get(User, old.id))
    assert not services.is_erased(db.session.get(User, recent.id)) and not services.is_erased(db.session.get(User, longer_kept.id))
    kept = db.session.get(User, graduate.id)
    assert kept.activated and kept.role_names == {"alumna"} and db.session.get(AlumnaProfile, graduate.id) is not None
    assert db.session.get(StudentProfile, graduate.id).student_number is None
    assert services.purge_departed(date(2025, 7, 1)) == []  # idempotent


def test_finding_departed_students_takes_the_same_queries_for_two_or_twelve(app, world):
    def queries_to_find(count: int) -> int:
        for k in range(count):
            _departed(world, world.school_a, "left", date(2020, 6, 30), role="alumna" if k % 2 else "student")
        db.session.expire_all()
        statements: list[str] = []
        listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = services.departed_past_retention(date(2025, 7, 1))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(found) >= count
        return len(statements)

    assert queries_to_find(2) == queries_to_find(10)
