"""The buddy pages per role: the coordinator runs, adjusts and approves; studentes see their own pairs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.buddies.builders import profile, student
from tests.conftest import body_of, link_in
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.extensions import db
from webapp.matching.buddies import DEFAULT_WEIGHTS, WEIGHT_LABELS
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail


def _school_a_with_a_pair(world, **mentee_kwargs):
    school = world.school_a
    mentee = student(school, year=1, first_name="Fatima", last_name="El Amrani", wants=True, **mentee_kwargs)
    buddy = student(school, year=3, first_name="Sanne", last_name="de Vries", volunteers=True)
    return mentee, buddy


def _run(client, **weights):
    data = {name: str(value) for name, value in DEFAULT_WEIGHTS.to_dict().items()}
    data.update({k: str(v) for k, v in weights.items()})
    response = client.post_form("/buddies/indelen", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    run_id = int(re.search(r"/buddies/rondes/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(MatchRun, run_id)


def _pairs(run, status=None):
    query = select(BuddyPair).where(BuddyPair.match_run_id == run.id)
    if status:
        query = query.where(BuddyPair.status == status)
    return db.session.scalars(query.order_by(BuddyPair.id)).all()


def _approved_pair(world, login_as, **mentee_kwargs):
    mentee, buddy = _school_a_with_a_pair(world, **mentee_kwargs)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    assert coordinator.post_form(f"/buddies/rondes/{run.id}/goedkeuren").status_code == 302
    (pair,) = _pairs(run, "active")
    return pair, mentee, buddy


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/buddies", "/buddies/indelen", "/buddies/rondes", "/buddies/mijn-buddy"])
def test_pages_need_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_role_reaches_only_its_own_pages(login_as, world):
    assert login_as("student").get("/buddies").status_code == 403
    assert login_as("student").get("/buddies/indelen").status_code == 403
    assert login_as("alumna").get("/buddies/mijn-buddy").status_code == 403
    assert login_as("coordinator").get("/buddies/mijn-buddy").status_code == 403
    assert login_as("admin").get("/buddies").status_code == 403
    assert login_as("coordinator").get("/buddies").status_code == 200
    assert login_as("student").get("/buddies/mijn-buddy").status_code == 200


def test_a_coordinator_of_school_b_gets_404_on_school_a(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world)
    student(world.school_a, year=1, wants=True)
    run = _run(login_as("coordinator"))
    pair = _pairs(run)[0]
    forbidden = BuddyForbiddenPair(school_id=world.school_a.id, buddy_id=buddy.id, mentee_id=world.users["student"].id)
    db.session.add(forbidden)
    db.session.commit()
    other = login_as("coordinator_b")
    assert other.get(f"/buddies/rondes/{run.id}").status_code == 404
    assert other.get(f"/buddies/indelen?run={run.id}").status_code == 404
    assert other.post_form(f"/buddies/rondes/{run.id}/goedkeuren").status_code == 404
    assert other.post_form(f"/buddies/rondes/{run.id}/weggooien").status_code == 404
    assert other.post_form(f"/buddies/koppels/{pair.id}/vastzetten").status_code == 404
    assert other.post_form(f"/buddies/koppels/{pair.id}/nooit-samen").status_code == 404
    assert other.get(f"/buddies/koppels/{pair.id}/beeindigen").status_code == 404
    assert other.post_form(f"/buddies/uitsluitingen/{forbidden.id}/opheffen").status_code == 404
    runs_b = other.get("/buddies/rondes").get_data(as_text=True)
    assert f"/buddies/rondes/{run.id}" not in runs_b
    overview_b = other.get("/buddies").get_data(as_text=True)
    assert "Fatima" not in overview_b and "Sanne" not in overview_b
    # Nothing changed.
    assert db.session.get(MatchRun, run.id).status == "proposed"
    assert db.session.get(BuddyPair, pair.id).locked is False
    assert db.session.get(BuddyForbiddenPair, forbidden.id) is not None


def test_posts_without_csrf_are_refused(login_as, world):
    _school_a_with_a_pair(world)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    assert coordinator.post(f"/buddies/rondes/{run.id}/goedkeuren").status_code == 400
    assert coordinator.post("/buddies/indelen", data=DEFAULT_WEIGHTS.to_dict()).status_code == 400
    assert db.session.get(MatchRun, run.id).status == "proposed"


# --- the new run form -----------------------------------------------------------------------------


def test_the_new_run_form_shows_the_weights_with_dutch_labels_and_defaults(login_as, world):
    page = login_as("coordinator").get("/buddies/indelen").get_data(as_text=True)
    for name, label in WEIGHT_LABELS.items():
        assert label in page
        value = DEFAULT_WEIGHTS.to_dict()[name]
        assert re.search(rf'id="{name}"[^>]*value="{value}"|value="{value}"[^>]*id="{name}"', page), name


@pytest.mark.parametrize(
    ("field", "value"), [("same_programme", "abc"), ("same_programme", "-1"), ("same_programme", "1001"), ("year_gap_ok", "2.5"),
                         ("interest_cap", "11"), ("same_region", "")]
)
def test_invalid_weights_answer_422_with_the_error_next_to_the_field(login_as, world, field, value):
    data = {name: str(v) for name, v in DEFAULT_WEIGHTS.to_dict().items()}
    data[field] = value
    response = login_as("coordinator").post_form("/buddies/indelen", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    top = 10 if field == "interest_cap" else 1000
    assert re.search(rf'id="{field}-error" class="field-error">Vul een heel getal in van 0 tot {top}\.<', page)
    assert page.count('class="field-error">Vul een heel getal') == 1
    assert db.session.scalar(select(MatchRun.id)) is None


def test_invalid_weights_with_htmx_answer_only_the_form(login_as, world):
    data = {name: str(v) for name, v in DEFAULT_WEIGHTS.to_dict().items()}
    data["same_contact"] = "veel"
    response = login_as("coordinator", htmx=True).post_form("/buddies/indelen", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="weights-form">') and "<html" not in page
    assert 'value="veel"' in page


def test_a_run_with_htmx_redirects_to_the_proposal(login_as, world):
    _school_a_with_a_pair(world)
    client = login_as("coordinator", htmx=True)
    response = client.post_form("/buddies/indelen", {k: str(v) for k, v in DEFAULT_WEIGHTS.to_dict().items()})
    assert response.status_code == 204 and re.match(r"^/buddies/rondes/\d+$", response.headers["HX-Redirect"])


# --- the proposal ---------------------------------------------------------------------------------


def test_the_proposal_shows_pairs_with_names_scores_reasons_and_the_unmatched(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world, interests=("robotica",))
    profile(buddy).interests = ["robotica"]
    db.session.commit()
    lonely = student(world.school_a, year=4, first_name="Vera", last_name="Jansen", wants=True)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
    assert "Sanne de Vries" in page and "Fatima El Amrani" in page
    assert "jaar 3" in page and "Software developer" in page
    assert "zelfde opleiding Software developer" in page and "allebei robotica" in page
    (pair,) = _pairs(run)
    assert f">{int(pair.score)}<" in page
    assert "Vera Jansen" in page and "geen buddy in een hoger jaar op haar school" in page
    assert "vastzetten" in page and "nooit samen" in page and "hx-confirm" in page
    assert lonely.id


def test_reasons_show_in_dutch_by_default_and_in_english_for_an_english_coordinator(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world, interests=("robotica", "programmeren"), languages=("ar",))
    profile(buddy).interests = ["programmeren", "robotica"]
    profile(buddy).buddy_preferences = {"languages": ["ar", "nl"]}
    db.session.commit()
    student(world.school_a, year=4, first_name="Vera", last_name="Jansen", wants=True)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
    assert "zelfde opleiding Software developer" in page and "allebei programmeren en robotica" in page
    assert "spreken allebei Arabisch" in page and "geen buddy in een hoger jaar op haar school" in page

    world.users["coordinator"].locale = "en"
    db.session.commit()
    page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
    assert "same programme: Software developer" in page and "both interested in programming and robotics" in page
    assert "both speak Arabic" in page and "year 3 and year 1" in page
    assert "no buddy in a higher year at her school" in page
    assert "allebei" not in page and "geen buddy in een hoger jaar" not in page
    # Once approved: the run's page still in English, and the waiting mentee's reason on the overview.
    assert coordinator.post_form(f"/buddies/rondes/{run.id}/goedkeuren").status_code == 302
    page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
    assert "both interested in programming and robotics" in page and "allebei" not in page
    page = coordinator.get("/buddies").get_data(as_text=True)
    assert "Vera Jansen" in page and "no buddy in a higher year at her school" in page


def test_pairs_and_runs_stored_with_dutch_text_still_show(login_as, world):
    """Rows from before the reasons were kept as data: their text is shown as it was stored."""
    _school_a_with_a_pair(world)
    lonely = student(world.school_a, year=4, first_name="Vera", last_name="Jansen", wants=True)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    (pair,) = _pairs(run)
    pair.reasons = ["zelfde opleiding Software developer", "allebei robotica"]
    run.unmatched = [{"mentee_id": lonely.id, "reason": "geen buddy in een hoger jaar op haar school"}]
    db.session.commit()
    for locale in ("nl", "en"):
        world.users["coordinator"].locale = locale
        db.session.commit()
        page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
        assert "<li>zelfde opleiding Software developer</li>" in page and "<li>allebei robotica</li>" in page
        assert "Vera Jansen" in page and "geen buddy in een hoger jaar op haar school" in page


def test_lock_is_a_row_action_and_survives_a_re_run(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    (pair,) = _pairs(run)
    row = login_as("coordinator", htmx=True).post_form(f"/buddies/koppels/{pair.id}/vastzetten")
    assert row.status_code == 200
    html = row.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="koppel-{pair.id}"') and "vastgezet" in html and "losmaken" in html
    assert db.session.get(BuddyPair, pair.id).locked is True
    # The re-run button posts the run's weights again: the lock is kept.
    student(world.school_a, year=2, volunteers=True, first_name="Beter")
    rerun = _run(coordinator)
    (kept,) = _pairs(rerun)
    assert (kept.buddy_id, kept.mentee_id, kept.locked) == (buddy.id, mentee.id, True)
    # Without htmx the action redirects back to the proposal.
    response = coordinator.post_form(f"/buddies/koppels/{kept.id}/vastzetten")
    assert response.status_code == 302 and f"/buddies/rondes/{rerun.id}#koppel-{kept.id}" in response.headers["Location"]
    assert db.session.get(BuddyPair, kept.id).locked is False


def test_never_together_removes_the_pair_and_it_never_comes_back(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    (pair,) = _pairs(run)
    row = login_as("coordinator", htmx=True).post_form(f"/buddies/koppels/{pair.id}/nooit-samen")
    html = row.get_data(as_text=True)
    assert row.status_code == 200 and "Nooit samen" in html and 'hx-swap-oob' in html
    assert db.session.scalar(select(BuddyForbiddenPair).where(BuddyForbiddenPair.mentee_id == mentee.id)).buddy_id == buddy.id
    rerun = _run(coordinator)
    assert _pairs(rerun) == []
    page = coordinator.get(f"/buddies/rondes/{rerun.id}").get_data(as_text=True)
    assert "alle buddy&#39;s in een hoger jaar zijn voor haar uitgesloten" in page
    assert "1 koppel uitgesloten" in page
    # A second 'never together' on the discarded pair is refused politely.
    again = coordinator.post_form(f"/buddies/koppels/{pair.id}/nooit-samen")
    assert again.status_code == 302


def test_approval_emails_both_once_with_first_name_and_without_email_address(login_as, world, smtp):
    mentee, buddy = _school_a_with_a_pair(world, contact="school")
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    response = login_as("coordinator", htmx=True).post_form(f"/buddies/rondes/{run.id}/goedkeuren")
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/buddies/rondes/{run.id}"
    worker.drain()
    messages = smtp.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted([mentee.email, buddy.email])
    by_to = {m["To"]: body_of(m) for m in messages}
    to_mentee, to_buddy = by_to[mentee.email], by_to[buddy.email]
    assert "Sanne" in to_mentee and "jaar 3" in to_mentee and "Software developer" in to_mentee
    assert "Fatima" in to_buddy and "jaar 1" in to_buddy
    assert "Spreek af op school" in to_mentee
    assert buddy.email not in to_mentee and "de Vries" not in to_mentee
    assert mentee.email not in to_buddy and "El Amrani" not in to_buddy
    assert link_in(to_mentee) == "/buddies/mijn-buddy"
    # A second approval (a double click) sends nothing.
    again = coordinator.post_form(f"/buddies/rondes/{run.id}/goedkeuren")
    assert again.status_code == 302
    worker.drain()
    assert len(smtp.wait_for(3, timeout=0.5)) == 2
    assert db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.template == "buddies_introduction").offset(2)) is None
    page = coordinator.get(f"/buddies/rondes/{run.id}").get_data(as_text=True)
    assert "Goedgekeurd" in page and "nooit samen" not in page


def test_runs_are_kept_with_who_when_settings_and_figures(login_as, world):
    _school_a_with_a_pair(world)
    coordinator = login_as("coordinator")
    first = _run(coordinator)
    second = _run(coordinator, same_programme=45)
    runs = coordinator.get("/buddies/rondes").get_data(as_text=True)
    assert f"/buddies/rondes/{first.id}" in runs and f"/buddies/rondes/{second.id}" in runs
    assert world.users["coordinator"].full_name in runs
    assert "Vervallen" in runs and "Voorstel" in runs and "aangepast" in runs and "standaard" in runs
    page = coordinator.get(f"/buddies/rondes/{first.id}").get_data(as_text=True)
    assert "Ronde buddy-indeling" in page and "Zelfde opleiding" in page and "vastzetten" not in page
    page = coordinator.get(f"/buddies/rondes/{second.id}").get_data(as_text=True)
    assert "<strong>45</strong>" in page
    # 'Gewichten aanpassen' opens the form with this run's weights.
    form = coordinator.get(f"/buddies/indelen?run={second.id}").get_data(as_text=True)
    assert re.search(r'id="same_programme"[^>]*value="45"|value="45"[^>]*id="same_programme"', form)


def test_discarding_the_proposal(login_as, world):
    _school_a_with_a_pair(world)
    coordinator = login_as("coordinator")
    run = _run(coordinator)
    response = coordinator.post_form(f"/buddies/rondes/{run.id}/weggooien")
    assert response.status_code == 302 and response.headers["Location"].endswith("/buddies")
    assert db.session.get(MatchRun, run.id).status == "discarded"
    assert {p.status for p in _pairs(run)} == {"discarded"}


def test_the_overview_lists_active_pairs_waiting_mentees_free_seats_and_runs(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    profile(buddy).buddy_capacity = 2
    db.session.commit()
    waiting = student(world.school_a, year=4, first_name="Wachtend", wants=True)
    coordinator = login_as("coordinator")
    _run(coordinator)
    page = coordinator.get("/buddies").get_data(as_text=True)
    assert "Actieve koppels" in page and "Fatima El Amrani" in page and f"/buddies/koppels/{pair.id}/beeindigen" in page
    assert "Wachtend Test" in page and "geen buddy in een hoger jaar op haar school" in page
    assert "Buddy's met een vrije plek" in page and "1 van 2" in page
    assert "Er staat een voorstel klaar" in page
    assert waiting.id


def test_the_coordinator_ends_a_pair_with_a_reason(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/buddies/koppels/{pair.id}/beeindigen").get_data(as_text=True)
    assert "Sanne de Vries" in page and "Zet de mentee weer op de wachtlijst" in page
    empty = coordinator.post_form(f"/buddies/koppels/{pair.id}/beeindigen", {"reason": " "})
    assert empty.status_code == 422 and "Schrijf kort waarom het koppel stopt." in empty.get_data(as_text=True)
    response = coordinator.post_form(f"/buddies/koppels/{pair.id}/beeindigen", {"reason": "Rooster past niet", "wants_new": "y"})
    assert response.status_code == 302
    ended = db.session.get(BuddyPair, pair.id)
    assert (ended.status, ended.end_reason, ended.ended_by_id) == ("ended", "Rooster past niet", world.users["coordinator"].id)
    assert profile(mentee).wants_buddy is True
    templates = db.session.scalars(select(OutboxEmail.to_address).where(OutboxEmail.template == "buddies_ended")).all()
    assert sorted(templates) == sorted([mentee.email, buddy.email])
    overview = coordinator.get("/buddies").get_data(as_text=True)
    assert "Onlangs beëindigd" in overview and "Rooster past niet" in overview and "door een coördinator" in overview


# --- studentes ------------------------------------------------------------------------------------


def test_the_student_sees_her_buddy_by_first_name_without_contact_details(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    page = login_as(mentee).get("/buddies/mijn-buddy").get_data(as_text=True)
    assert "Sanne" in page and "de Vries" not in page and buddy.email not in page
    assert "Software developer" in page and "Stoppen met dit koppel" in page
    as_buddy = login_as(buddy).get("/buddies/mijn-buddy").get_data(as_text=True)
    assert "Fatima" in as_buddy and "El Amrani" not in as_buddy and mentee.email not in as_buddy
    # Shared contact details do show.
    profile(buddy).share_email = True
    db.session.commit()
    assert buddy.email in login_as(mentee).get("/buddies/mijn-buddy").get_data(as_text=True)


def test_students_only_see_their_own_pairs(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    outsider = world.users["student"]
    page = login_as(outsider).get("/buddies/mijn-buddy").get_data(as_text=True)
    assert "Sanne" not in page and "Fatima" not in page
    assert login_as(outsider).get(f"/buddies/mijn-buddy/{pair.id}/stoppen").status_code == 404
    assert login_as(outsider).post_form(f"/buddies/mijn-buddy/{pair.id}/stoppen", {"reason": "x"}).status_code == 404
    assert login_as("student_b").get(f"/buddies/mijn-buddy/{pair.id}/stoppen").status_code == 404
    assert db.session.get(BuddyPair, pair.id).status == "active"


def test_a_student_waiting_sees_the_waitlist_and_proposals_stay_hidden(login_as, world):
    mentee, buddy = _school_a_with_a_pair(world)
    _run(login_as("coordinator"))  # proposed, not approved
    page = login_as(mentee).get("/buddies/mijn-buddy").get_data(as_text=True)
    assert "Je staat op de wachtlijst voor een buddy" in page and "Sanne" not in page
    assert 'href="/profiel"' in page


def test_a_student_ends_her_pair_and_asks_for_a_new_buddy(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    client = login_as(mentee)
    confirm = client.get(f"/buddies/mijn-buddy/{pair.id}/stoppen").get_data(as_text=True)
    assert "Sanne" in confirm and "de Vries" not in confirm and "Ik wil een nieuwe buddy" in confirm
    empty = login_as(mentee, htmx=True).post_form(f"/buddies/mijn-buddy/{pair.id}/stoppen", {"reason": ""})
    assert empty.status_code == 422 and empty.get_data(as_text=True).lstrip().startswith('<div id="end-form">')
    response = client.post_form(f"/buddies/mijn-buddy/{pair.id}/stoppen", {"reason": "We zien elkaar nooit"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/buddies/mijn-buddy")
    ended = db.session.get(BuddyPair, pair.id)
    assert (ended.status, ended.ended_by_id, ended.end_reason) == ("ended", mentee.id, "We zien elkaar nooit")
    (note,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "buddies_ended")).all()
    assert note.to_address == buddy.email and "We zien elkaar nooit" not in note.body_text
    page = client.get("/buddies/mijn-buddy").get_data(as_text=True)
    assert "Vraag een nieuwe buddy aan" in page
    # Asking again (htmx) puts her on the waitlist; the next run matches her.
    answer = login_as(mentee, htmx=True).post_form("/buddies/mijn-buddy/aanvragen")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and html.lstrip().startswith('<section id="wish"') and "Je staat op de wachtlijst voor een buddy" in html
    assert profile(mentee).wants_buddy is True
    run = _run(login_as("coordinator"))
    assert [(p.buddy_id, p.mentee_id) for p in _pairs(run)] == [(buddy.id, mentee.id)]


def test_a_buddy_ends_a_pair_and_the_mentee_is_told(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    response = login_as(buddy).post_form(f"/buddies/mijn-buddy/{pair.id}/stoppen", {"reason": "Stage in het buitenland", "stop_volunteering": "y"})
    assert response.status_code == 302
    assert profile(buddy).volunteers_as_buddy is False
    assert profile(mentee).wants_buddy is False
    (note,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "buddies_ended")).all()
    assert note.to_address == mentee.email and "Wil je een nieuwe buddy?" in note.body_text


def test_withdrawing_the_wish_without_javascript(login_as, world):
    mentee, _ = _school_a_with_a_pair(world)
    response = login_as(mentee).post_form("/buddies/mijn-buddy/intrekken")
    assert response.status_code == 302 and profile(mentee).wants_buddy is False


def test_the_start_page_and_menu_show_buddies_per_role(login_as, world):
    pair, mentee, buddy = _approved_pair(world, login_as)
    student_page = login_as(mentee).get("/start").get_data(as_text=True)
    assert "Je buddy is Sanne" in student_page and 'href="/buddies/mijn-buddy"' in student_page
    coordinator_page = login_as("coordinator").get("/start").get_data(as_text=True)
    assert "actieve koppels" in coordinator_page and 'href="/buddies"' in coordinator_page
