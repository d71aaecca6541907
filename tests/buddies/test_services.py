"""Buddy matching for a school: candidates, runs, locks, forbids, approval, ending, asking again."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from tests.buddies.builders import profile, student
from webapp.audit.models import AuditEvent
from webapp.buddies import services
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.buddies.reasons import reason_texts, unmatched_text
from webapp.extensions import db
from webapp.matching.buddies import DEFAULT_WEIGHTS, Weights, fit
from webapp.outbox.models import OutboxEmail


@pytest.fixture(autouse=True)
def request_context(app):
    """Services run inside a request (their messages are translated for the person asking)."""
    with app.test_request_context("/"):
        yield


def _pairs(run_or_school_id, status=None):
    query = select(BuddyPair)
    if isinstance(run_or_school_id, MatchRun):
        query = query.where(BuddyPair.match_run_id == run_or_school_id.id)
    else:
        query = query.where(BuddyPair.school_id == run_or_school_id)
    if status:
        query = query.where(BuddyPair.status == status)
    return db.session.scalars(query.order_by(BuddyPair.id)).all()


def _ids(pairs):
    return {(p.buddy_id, p.mentee_id) for p in pairs}


def _mails(user=None, template=None):
    query = select(OutboxEmail)
    if user is not None:
        query = query.where(OutboxEmail.to_address == user.email)
    if template:
        query = query.where(OutboxEmail.template == template)
    return db.session.scalars(query.order_by(OutboxEmail.id)).all()


def _run(world, weights=DEFAULT_WEIGHTS):
    return services.run_match(world.school_a.id, world.users["coordinator"], weights)


# --- a run ----------------------------------------------------------------------------------------


def test_a_run_proposes_pairs_with_reasons_that_match_the_data(world):
    school = world.school_a
    mentee = student(school, year=1, first_name="Fatima", wants=True, interests=("robotica", "programmeren"), languages=("nl", "ar"),
                     region="utrecht", contact="school", matters=("programme",))
    best = student(school, year=3, first_name="Sanne", volunteers=True, interests=("robotica", "programmeren"), languages=("ar",),
                   region="utrecht", contact="school")
    other = student(school, year=2, first_name="Eva", programme=1, volunteers=True, interests=("gaming",))
    run = _run(world)

    assert run.status == "proposed" and run.run_by_id == world.users["coordinator"].id
    assert run.settings["weights"] == DEFAULT_WEIGHTS.to_dict() and run.settings["default_weights"] is True
    assert run.figures["matched"] == 1 and run.figures["mentees"] == 1 and run.figures["buddies"] == 2
    (pair,) = _pairs(run)
    assert (pair.buddy_id, pair.mentee_id, pair.status, pair.locked) == (best.id, mentee.id, "proposed", False)
    # Kept as data with keys, not words; put into words when shown, in the reader's language.
    assert pair.reasons == [
        {"code": "same_programme", "params": {"programme": "Software developer", "programme_id": profile(mentee).programme_id}},
        {"code": "shared_interests", "params": {"interests": ["programmeren", "robotica"]}},
        {"code": "year_gap", "params": {"buddy_year": 3, "mentee_year": 1}},
        {"code": "shared_language", "params": {"languages": ["ar"]}},
        {"code": "same_region", "params": {"region": "utrecht"}},
        {"code": "contact_both", "params": {"contact": "school"}},
        {"code": "matters", "params": {"who": "mentee", "name": "", "criteria": ["programme"]}},
    ]
    assert reason_texts(pair.reasons) == [
        "zelfde opleiding Software developer",
        "allebei programmeren en robotica",
        "jaar 3 en jaar 1",
        "spreken allebei Arabisch",
        "allebei uit regio Utrecht",
        "allebei contact op school",
        "belangrijk voor de mentee: opleiding",
    ]
    # The score is the algorithm's fit of exactly these two studentes.
    inputs = services.gather(school.id)
    cand = {c.id: c for c in inputs.mentees + inputs.buddies}
    only_one = inputs.cohort_counts[(profile(mentee).programme_id, 1)] <= 1
    assert pair.score == fit(cand[best.id], cand[mentee.id], DEFAULT_WEIGHTS, only_one)[0]
    assert other.id not in {pair.buddy_id}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "buddy_run.created")) == 1


def test_unmatched_mentees_get_their_reason(world):
    school = world.school_a
    student(school, year=2, first_name="Buddy", volunteers=True, capacity=1)
    first = student(school, year=1, first_name="Anna", wants=True, interests=("robotica",))
    student(school, year=1, first_name="Bo", wants=True)
    top = student(school, year=4, first_name="Vera", wants=True)
    run = _run(world)
    assert run.figures["matched"] == 1
    assert {u["mentee_id"]: u["codes"] for u in run.unmatched}[top.id] == ["no_higher_year"]
    reasons = {u["mentee_id"]: unmatched_text(u) for u in run.unmatched}
    assert reasons[top.id] == "geen buddy in een hoger jaar op haar school"
    (pair,) = _pairs(run)
    waiting = ({first.id, top.id} | {u["mentee_id"] for u in run.unmatched}) - {pair.mentee_id, top.id}
    (other_id,) = waiting
    assert reasons[other_id] == "alle buddy's in een hoger jaar zijn al vol"


def test_only_active_students_of_the_own_school_take_part(world):
    school = world.school_a
    buddy = student(school, year=3, volunteers=True, capacity=3)
    mentee = student(school, year=1, wants=True)
    student(school, year=1, wants=True, status="left")
    student(school, year=4, volunteers=True, status="graduated")
    student(world.school_b, year=1, wants=True)
    student(world.school_b, year=3, volunteers=True)
    inputs = services.gather(school.id)
    assert [m.id for m in inputs.mentees] == [mentee.id]
    assert [b.id for b in inputs.buddies] == [buddy.id]
    run = _run(world)
    assert _ids(_pairs(run)) == {(buddy.id, mentee.id)}


def test_a_year_one_volunteer_and_capacity_zero_are_not_buddies(world):
    school = world.school_a
    p = profile(student(school, year=1, volunteers=True))
    q = profile(student(school, year=3, volunteers=True))
    q.buddy_capacity = 0
    db.session.commit()
    assert services.gather(school.id).buddies == []
    assert p.user_id and q.user_id


def test_cohort_counts_count_all_active_studentes_per_programme_and_year(world):
    school = world.school_a
    for _ in range(3):
        student(school, year=2)
    student(school, year=2, programme=1)
    student(school, year=2, status="left")
    counts = services.cohort_counts(school.id)
    software, technicus = school.programmes[0].id, school.programmes[1].id
    # The world's own student is in year 1 of the first programme.
    assert counts[(software, 2)] == 3 and counts[(technicus, 2)] == 1 and counts[(software, 1)] == 1


def test_the_weights_are_used_and_kept(world):
    school = world.school_a
    mentee = student(school, year=1, wants=True, region="utrecht")
    same_programme = student(school, year=3, volunteers=True)
    same_region = student(school, year=3, programme=1, volunteers=True, region="utrecht")
    assert _ids(_pairs(_run(world))) == {(same_programme.id, mentee.id)}
    weights = Weights.from_dict({"same_programme": 0, "same_region": 50})
    run = _run(world, weights)
    assert _ids(_pairs(run)) == {(same_region.id, mentee.id)}
    assert run.settings["weights"]["same_region"] == 50 and run.settings["default_weights"] is False
    assert services.weights_of(run) == weights


def test_a_new_run_discards_the_previous_proposal(world):
    school = world.school_a
    student(school, year=3, volunteers=True)
    student(school, year=1, wants=True)
    first = _run(world)
    second = _run(world)
    db.session.refresh(first)
    assert first.status == "discarded" and second.status == "proposed"
    assert {p.status for p in _pairs(first)} == {"discarded"}
    assert {p.status for p in _pairs(second)} == {"proposed"}
    assert services.current_proposal(school.id).id == second.id


# --- locks and forbids ----------------------------------------------------------------------------


def test_locks_survive_a_re_run(world):
    school = world.school_a
    mentee = student(school, year=1, wants=True, interests=("robotica",))
    buddy = student(school, year=3, volunteers=True)
    run = _run(world)
    (pair,) = _pairs(run)
    assert pair.buddy_id == buddy.id
    services.toggle_lock(pair)
    # A better buddy for her signs up; the lock keeps the pair anyway.
    student(school, year=2, volunteers=True, interests=("robotica",), region="utrecht")
    profile(mentee).buddy_preferences = {"region": "utrecht"}
    db.session.commit()
    rerun = _run(world)
    (kept,) = _pairs(rerun, "proposed")
    assert (kept.buddy_id, kept.mentee_id, kept.locked) == (buddy.id, mentee.id, True)
    assert rerun.settings["locked"] == [[buddy.id, mentee.id]]
    # Unlocked, the next run chooses the better buddy.
    services.toggle_lock(kept)
    (free,) = _pairs(_run(world), "proposed")
    assert free.buddy_id != buddy.id and free.locked is False


def test_forbidden_pairs_never_appear(world):
    school = world.school_a
    mentee = student(school, year=1, first_name="Lina", wants=True)
    buddy = student(school, year=3, volunteers=True, capacity=3)
    run = _run(world)
    (pair,) = _pairs(run)
    row = services.forbid_pair(pair, world.users["coordinator"])
    assert (row.buddy_id, row.mentee_id, row.school_id) == (buddy.id, mentee.id, school.id)
    assert db.session.get(BuddyPair, pair.id).status == "discarded"
    rerun = _run(world)
    assert _pairs(rerun) == []
    assert {u["mentee_id"]: unmatched_text(u) for u in rerun.unmatched} == {mentee.id: "alle buddy's in een hoger jaar zijn voor haar uitgesloten"}
    assert rerun.settings["forbidden"] == [[buddy.id, mentee.id]]
    # With other buddies around, the forbidden one is never proposed for her, however well she fits.
    for _ in range(3):
        student(school, year=2, volunteers=True, programme=1)
    for _ in range(5):
        assert (buddy.id, mentee.id) not in _ids(_pairs(_run(world)))
    # Lifting the exclusion lets the pair come back.
    services.allow_pair(db.session.get(BuddyForbiddenPair, row.id), world.users["coordinator"])
    assert (buddy.id, mentee.id) in _ids(_pairs(_run(world)))


def test_a_lock_that_no_longer_holds_is_dropped_with_a_reason(world):
    school = world.school_a
    mentee = student(school, year=1, wants=True)
    buddy = student(school, year=3, volunteers=True)
    (pair,) = _pairs(_run(world))
    services.toggle_lock(pair)
    profile(mentee).wants_buddy = False
    db.session.commit()
    rerun = _run(world)
    assert _pairs(rerun) == []
    assert rerun.settings["dropped_locks"] == [{"buddy_id": buddy.id, "mentee_id": mentee.id, "reason": "mentee_out"}]
    view = services.run_view(rerun)
    assert view.dropped[0][2] == "de mentee wil geen buddy meer of studeert niet meer"


def test_lock_and_forbid_only_on_proposed_pairs(world):
    school = world.school_a
    student(school, year=1, wants=True)
    student(school, year=3, volunteers=True)
    run = _run(world)
    services.approve_run(run, world.users["coordinator"])
    (pair,) = _pairs(run)
    with pytest.raises(services.BuddyError):
        services.toggle_lock(pair)
    with pytest.raises(services.BuddyError):
        services.forbid_pair(pair, world.users["coordinator"])


# --- approval -------------------------------------------------------------------------------------


def test_approval_emails_both_students_once_with_the_others_first_name_only(world):
    school = world.school_a
    mentee = student(school, year=1, first_name="Fatima", last_name="Achternaam-M", contact="online", wants=True)
    buddy = student(school, year=3, first_name="Sanne", last_name="Achternaam-B", contact="online", volunteers=True, phone="0612345678")
    run = _run(world)
    result = services.approve_run(run, world.users["coordinator"])
    assert len(result.activated) == 1 and result.skipped == []
    db.session.refresh(run)
    assert run.status == "approved" and run.approved_at is not None
    (pair,) = _pairs(run)
    assert pair.status == "active" and pair.approved_at is not None

    (to_mentee,) = _mails(mentee, "buddies_introduction")
    (to_buddy,) = _mails(buddy, "buddies_introduction")
    assert "Sanne" in to_mentee.subject and "Fatima" in to_buddy.subject
    assert "Sanne" in to_mentee.body_text and "jaar 3" in to_mentee.body_text and "Software developer" in to_mentee.body_text
    assert "Fatima" in to_buddy.body_text and "jaar 1" in to_buddy.body_text
    assert "Spreek online af" in to_mentee.body_text
    for message, other in ((to_mentee, buddy), (to_buddy, mentee)):
        for body in (message.body_text, message.body_html):
            assert other.email not in body
            assert other.last_name not in body
        assert "0612345678" not in message.body_text
    assert "http://kring.test/buddies/mijn-buddy" in to_mentee.body_text

    # Approving again sends nothing more.
    with pytest.raises(services.BuddyError):
        services.approve_run(db.session.get(MatchRun, run.id), world.users["coordinator"])
    assert len(_mails(template="buddies_introduction")) == 2


def test_a_shared_email_address_and_phone_are_in_the_introduction(world):
    school = world.school_a
    mentee = student(school, year=1, wants=True)
    buddy = student(school, year=2, volunteers=True, share_email=True, share_phone=True, phone="0611122233")
    services.approve_run(_run(world), world.users["coordinator"])
    (to_mentee,) = _mails(mentee, "buddies_introduction")
    (to_buddy,) = _mails(buddy, "buddies_introduction")
    assert buddy.email in to_mentee.body_text and "0611122233" in to_mentee.body_text
    assert mentee.email not in to_buddy.body_text


def test_approval_skips_pairs_that_no_longer_hold(world):
    school = world.school_a
    gone = student(school, year=1, wants=True)
    stays = student(school, year=1, wants=True)
    student(school, year=3, volunteers=True, capacity=2)
    run = _run(world)
    assert len(_pairs(run)) == 2
    profile(gone).wants_buddy = False
    db.session.commit()
    result = services.approve_run(run, world.users["coordinator"])
    assert [p.mentee_id for p in result.activated] == [stays.id]
    assert [(p.mentee_id, why) for p, why in result.skipped] == [(gone.id, "de mentee wil geen buddy meer")]
    assert _mails(gone) == []


def test_an_empty_or_old_proposal_cannot_be_approved(world):
    school = world.school_a
    student(school, year=1, wants=True)
    empty = _run(world)
    with pytest.raises(services.BuddyError):
        services.approve_run(empty, world.users["coordinator"])
    assert db.session.get(MatchRun, empty.id).status == "proposed"
    student(school, year=2, volunteers=True)
    newer = _run(world)
    with pytest.raises(services.BuddyError):
        services.approve_run(db.session.get(MatchRun, empty.id), world.users["coordinator"])
    services.discard_run(newer, world.users["coordinator"])
    assert db.session.get(MatchRun, newer.id).status == "discarded"
    assert {p.status for p in _pairs(newer)} == {"discarded"}


# --- ending a pair and asking again ---------------------------------------------------------------


def _active_pair(world, **mentee_kwargs):
    school = world.school_a
    mentee = student(school, year=1, first_name="Mila", wants=True, **mentee_kwargs)
    buddy = student(school, year=3, first_name="Noor", volunteers=True)
    services.approve_run(_run(world), world.users["coordinator"])
    (pair,) = _pairs(school.id, "active")
    return pair, mentee, buddy


def test_a_mentee_ends_her_pair_and_the_buddy_is_told_without_the_reason(world):
    pair, mentee, buddy = _active_pair(world)
    services.end_pair(pair, mentee, "  We  hebben  weinig contact. ", by="mentee")
    pair = db.session.get(BuddyPair, pair.id)
    assert (pair.status, pair.ended_by_id, pair.end_reason) == ("ended", mentee.id, "We hebben weinig contact.")
    assert pair.ended_at is not None
    assert profile(mentee).wants_buddy is False
    (mail,) = _mails(buddy, "buddies_ended")
    assert "Mila" in mail.body_text and "weinig contact" not in mail.body_text
    assert _mails(mentee, "buddies_ended") == []
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "buddy_pair.ended"))
    assert event_.actor_id == mentee.id and event_.details["by"] == "mentee" and event_.school_id == world.school_a.id
    with pytest.raises(services.BuddyError):
        services.end_pair(pair, mentee, "nog een keer", by="mentee")


def test_a_buddy_ends_her_pair_and_may_stop_volunteering(world):
    pair, mentee, buddy = _active_pair(world)
    services.end_pair(pair, buddy, "Te druk met stage", by="buddy", stop_volunteering=True)
    assert profile(buddy).volunteers_as_buddy is False and profile(buddy).buddy_capacity == 0
    (mail,) = _mails(mentee, "buddies_ended")
    assert "Noor" in mail.body_text and "Wil je een nieuwe buddy?" in mail.body_text


def test_the_coordinator_ends_a_pair_and_tells_both(world):
    pair, mentee, buddy = _active_pair(world)
    services.end_pair(pair, world.users["coordinator"], "Ander rooster", by="coordinator", wants_new=True)
    assert db.session.get(BuddyPair, pair.id).ended_by_id == world.users["coordinator"].id
    assert profile(mentee).wants_buddy is True
    assert len(_mails(mentee, "buddies_ended")) == 1 and len(_mails(buddy, "buddies_ended")) == 1
    assert "weer op de wachtlijst" in _mails(mentee, "buddies_ended")[0].body_text


def test_an_empty_reason_is_refused(world):
    pair, mentee, _ = _active_pair(world)
    with pytest.raises(services.BuddyError):
        services.end_pair(pair, mentee, "   ", by="mentee")
    assert db.session.get(BuddyPair, pair.id).status == "active"


def test_asking_for_a_new_buddy_matches_her_again_without_undoing_active_pairs(world):
    school = world.school_a
    pair, mentee, buddy = _active_pair(world)
    # Another running pair that must stay as it is.
    other_mentee = student(school, year=1, wants=True)
    other_buddy = student(school, year=2, volunteers=True, capacity=1)
    services.approve_run(_run(world), world.users["coordinator"])
    running = _pairs(school.id, "active")
    assert _ids(running) == {(buddy.id, mentee.id), (other_buddy.id, other_mentee.id)}

    services.end_pair(pair, mentee, "Klikte niet", by="mentee")
    run = _run(world)
    assert _pairs(run) == [] and mentee.id not in {u["mentee_id"] for u in run.unmatched}

    with pytest.raises(services.BuddyError):
        services.ask_for_buddy(profile(other_mentee))  # she already has a buddy
    services.ask_for_buddy(profile(mentee))
    assert profile(mentee).wants_buddy is True
    run = _run(world)
    (proposed,) = _pairs(run)
    # Noor is free again; the other buddy's only seat is taken by her running pair.
    assert (proposed.buddy_id, proposed.mentee_id) == (buddy.id, mentee.id)
    assert run.figures["active_pairs"] == 1
    services.approve_run(run, world.users["coordinator"])
    still = db.session.scalars(select(BuddyPair).where(BuddyPair.mentee_id == other_mentee.id)).all()
    assert [(p.status, p.buddy_id) for p in still] == [("active", other_buddy.id)]
    assert len(_pairs(school.id, "active")) == 2


def test_withdrawing_the_wish(world):
    mentee = student(world.school_a, year=1, wants=True)
    services.withdraw_wish(profile(mentee))
    assert profile(mentee).wants_buddy is False
    assert services.gather(world.school_a.id).mentees == []


# --- the studente's view --------------------------------------------------------------------------


def test_the_student_overview_shows_only_what_she_may_see(world):
    pair, mentee, buddy = _active_pair(world)
    seen = services.student_overview(mentee)
    assert seen["my_buddy"].other == {"first_name": "Noor", "programme": "Software developer", "year": 3, "email": None, "phone": None}
    assert seen["waiting"] is False and seen["mentees"] == []
    as_buddy = services.student_overview(buddy)
    assert [v.other["first_name"] for v in as_buddy["mentees"]] == ["Mila"]
    assert as_buddy["free_seats"] == 0


# --- queries --------------------------------------------------------------------------------------


def _bulk_students(school, count):
    for i in range(count):
        student(
            school,
            year=1 + i % 4,
            programme=i % 2,
            wants=i % 4 < 2,
            volunteers=i % 4 >= 1,
            capacity=1 + i % 3,
            interests=("robotica", "gaming")[: i % 3],
            languages=("nl",),
            region="utrecht" if i % 2 else None,
            commit=False,
        )
    db.session.commit()


def _count_queries(fn) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_building_the_candidates_takes_the_same_number_of_queries_for_10_or_200_students(world, app):
    small, large = world.school_a, world.school_b
    _bulk_students(small, 10)
    _bulk_students(large, 200)
    for school in (small, large):
        db.session.expire_all()
        inputs = services.gather(school.id)  # warm up
        assert inputs.mentees and inputs.buddies
    db.session.expire_all()
    few = _count_queries(lambda: services.gather(small.id))
    db.session.expire_all()
    many = _count_queries(lambda: services.gather(large.id))
    assert few == many and many <= 8
    assert len(services.gather(large.id).mentees) >= 100


def test_pages_data_take_a_fixed_number_of_queries(world):
    school = world.school_b
    _bulk_students(school, 60)
    from webapp.auth.models import User

    coordinator = db.session.get(User, world.users["coordinator_b"].id)
    run = services.run_match(school.id, coordinator)
    services.approve_run(run, coordinator)
    run = services.run_match(school.id, coordinator)
    db.session.expire_all()
    first = _count_queries(lambda: services.run_view(db.session.get(MatchRun, run.id)))
    db.session.expire_all()
    overview = _count_queries(lambda: services.overview(school.id))
    assert first <= 10 and overview <= 12



def test_a_student_under_16_without_guardian_consent_may_have_a_buddy(world):
    """A buddy is a studente of the same school, so no parent's consent is needed (AVG art. 8 is about outsiders)."""
    from datetime import date

    from webapp.privacy.services import needs_guardian_consent

    school = world.school_a
    young = student(school, year=1, wants=True)
    buddy = student(school, year=2, volunteers=True)
    young_profile = profile(young)
    young_profile.birth_date = date(date.today().year - 14, 1, 1)
    db.session.commit()
    assert needs_guardian_consent(young_profile)
    run = _run(world)
    assert _ids(_pairs(run)) == {(buddy.id, young.id)}
    services.approve_run(run, world.users["coordinator"])
    assert len(_mails(young, "buddies_introduction")) == 1


def test_the_weight_labels_of_the_pages_are_the_matching_labels_through_the_catalogue(app):
    from flask_babel import force_locale

    from webapp.buddies.labels import WEIGHT_LABELS
    from webapp.matching import buddies as matching

    assert WEIGHT_LABELS.keys() == matching.WEIGHT_LABELS.keys() == matching.DEFAULT_WEIGHTS.to_dict().keys()
    with app.test_request_context("/"):
        with force_locale("nl"):
            assert {k: str(v) for k, v in WEIGHT_LABELS.items()} == matching.WEIGHT_LABELS
        with force_locale("en"):
            assert str(WEIGHT_LABELS["same_programme"]) == "Same programme"


def test_a_free_interest_that_is_the_dutch_word_of_a_key_counts_as_that_key(world):
    """Matching compares keys; a typed "duurzame energie" is the key "duurzame-energie", as before."""
    school = world.school_a
    mentee = student(school, year=1, wants=True, interests=("duurzame energie",), region="Utrecht", languages=("Arabisch",))
    buddy = student(school, year=2, volunteers=True, interests=("duurzame-energie",), region="utrecht", languages=("ar",))
    run = _run(world)
    (pair,) = _pairs(run)
    assert (pair.buddy_id, pair.mentee_id) == (buddy.id, mentee.id)
    data = {r["code"]: r["params"] for r in pair.reasons}
    assert data["shared_interests"] == {"interests": ["duurzame-energie"]}
    assert data["shared_language"] == {"languages": ["ar"]} and data["same_region"] == {"region": "utrecht"}
    assert "allebei duurzame energie" in reason_texts(pair.reasons)
