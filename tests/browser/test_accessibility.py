"""Accessibility: axe-core finds no serious or critical violation on the main pages of every role,
and the main forms work with the keyboard alone.

axe-core is vendored in tests/vendor (see SOURCE.md there); it is never served by the app.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import log_in, open_menu
from tests.buddies import builders as buddy_builders
from tests.circles.builders import make_circle, make_meeting, make_mentor, under_16
from tests.conftest import PASSWORD, make_user
from tests.guest_lessons.conftest import at, make_alumna, make_lesson, offer_on
from tests.speeddates.conftest import audience_of, make_event, make_host, register
from webapp.auth import services as auth_services
from webapp.auth import tokens
from webapp.auth.models import Invitation
from webapp.buddies import services as buddy_services
from webapp.circles import services as circle_services
from webapp.circles.models import MentoringCircle
from webapp.extensions import db
from webapp.guest_lessons import services as guest_lesson_services
from webapp.people import services as people_services
from webapp.people.models import AlumnaProfile, School, StudentProfile
from webapp.privacy import services as privacy_services
from webapp.speeddates import services as speeddate_services

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.11.0" / "axe.min.js"
BLOCKING = ("serious", "critical")


# --- a school with something on every page ------------------------------------------------


@dataclass
class Life:
    circle_id: int
    event_id: int
    open_event_id: int
    lesson_id: int
    activate_token: str
    alumna_token: str
    reset_token: str


def build_life(app, world) -> Life:
    """School A with circles, speeddates (one scheduled), buddies, guest lessons, invitations,
    consent requests and audit events, made through the services where they exist."""
    school = world.school_a
    coordinator, student, alumna = world.users["coordinator"], world.users["student"], world.users["alumna"]
    with app.test_request_context("/"):
        ict = school.programmes[0]
        profile = db.session.get(AlumnaProfile, alumna.id)
        profile.programme_id, profile.programme_name, profile.sector = ict.id, ict.name, "ict"
        profile.job_title, profile.employer = "Netwerkbeheerder", "KPN"
        profile.activities = ["guest_lesson", "speeddate", "circle_mentor"]
        profile.topics = ["netwerken", "stage zoeken"]
        student_profile = db.session.get(StudentProfile, student.id)
        student_profile.year = 2
        db.session.commit()

        # Studentes: younger ones who want a buddy, older ones who volunteer, two under 16.
        young = [buddy_builders.student(school, year=1, first_name=n, wants=True) for n in ("Amira", "Bo", "Cato", "Dewi")]
        old = [buddy_builders.student(school, year=3, first_name=n, volunteers=True) for n in ("Eva", "Fleur", "Gaia")]
        for minor in young[:2]:
            under_16(minor)
        privacy_services.request_guardian_consent(db.session.get(StudentProfile, young[0].id), "ouder@example.net", coordinator)
        db.session.commit()

        # Invitations of both kinds.
        for n, name in enumerate(("Hanna", "Iris", "Julia")):
            people_services.invite_student(
                school, first_name=name, last_name="Bakker", email=f"{name.lower()}@student.example.org",
                programme_id=ict.id, year=1, student_number=f"A{n}", invited_by=coordinator,
            )
        alumna_invitation = people_services.invite_alumna(school, email="vakvrouw@example.org", message="Welkom!", invited_by=coordinator)

        # Circles: one led by the alumna with members and meetings, two more.
        circle = make_circle(school, mentor=alumna, name="Kring Robotica")
        for member in [student, *young[2:], *old[:2]]:
            circle_services.join_circle(circle, member)
        make_meeting(circle)
        make_meeting(circle, topic="Stage zoeken", place="Lokaal 1.02")
        make_circle(school, mentor=make_mentor(school, first_name="Priya"), name="Kring Energie", capacity=6)
        make_circle(school, name="Kring Bouw", status="draft")

        # Speeddates: one event past its deadline with a schedule, one open for the student.
        scheduled = make_event(school, coordinator, status="open", starts_in=3, deadline_in=-1, rounds=3, title="Stagespeeddate ICT")
        hosts = [
            make_host(scheduled, kind="alumna", user=alumna, seats=4),
            make_host(scheduled, kind="student", user=old[2], seats=4),
            make_host(scheduled, kind="guest", name="Gerda Gast", seats=4),
        ]
        for i, who in enumerate([student, *young, *old[:2]]):
            register(scheduled, who, [hosts[(i + k) % 3] for k in range(2)])
        scheduled.audience = [{"programme_id": p, "year": y, "count": 1} for p, y in {audience_of(s) for s in [student, *young]}]
        db.session.commit()
        speeddate_services.generate(scheduled, coordinator)
        open_event = make_event(school, coordinator, status="open", audience=[audience_of(student)], title="Keuzedeelspeeddate")
        tables = [make_host(open_event, kind="guest", name=f"Gast van {n}", topic=f"Stage bij {n}") for n in ("Stedin", "ASML", "Heijmans")]
        register(open_event, student, tables[1:])

        # Buddies: the student has an active buddy; a fresh proposal for the others.
        buddy_builders.profile(student).wants_buddy = True
        buddy_builders.profile(old[0]).volunteers_as_buddy = True
        buddy_builders.profile(old[0]).buddy_capacity = 2
        db.session.commit()
        run = buddy_services.run_match(school.id, coordinator)
        buddy_services.approve_run(run, coordinator)
        buddy_builders.student(school, year=1, first_name="Kim", wants=True)
        buddy_builders.student(school, year=4, first_name="Lotte", volunteers=True)
        buddy_services.run_match(school.id, coordinator)

        # Guest lessons: open, offered by the alumna, and one that another alumna offered.
        lesson = make_lesson(school, coordinator, programme=ict, topic="Werken aan netwerken")
        offer_on(lesson, make_alumna(first_name="Roos", programme=ict))
        make_lesson(school, coordinator, programme=ict, topic="Open dag techniek", kind="open_day",
                    options=[(at(12), at(12, 12)), (at(14), at(14, 12))])
        offered = make_lesson(school, coordinator, topic="Zonnepanelen op het dak")
        offer_on(offered, alumna)

        # Tokens as the e-mails carry them.
        invitation = auth_services.send_activation(make_user("student", school, activated=False), school_id=school.id, invited_by=coordinator)
        db.session.commit()
        auth_services.request_password_reset(world.users["student_b"].email)
        reset = db.session.scalars(db.select(Invitation).where(Invitation.kind == "password_reset")).one()
        return Life(
            circle_id=circle.id,
            event_id=scheduled.id,
            open_event_id=open_event.id,
            lesson_id=lesson.id,
            activate_token=tokens.token_for(invitation),
            alumna_token=tokens.token_for(alumna_invitation),
            reset_token=tokens.token_for(reset),
        )


def with_errors(button: str):
    """Send the form empty first: the page as it shows the errors (aria-invalid, messages)."""

    def prepare(page) -> None:
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("[aria-invalid=true]").first).to_be_visible()

    prepare.__name__ = "with errors"
    return prepare


def menu_open(page) -> None:
    """On a phone, the page with the folded main menu opened."""
    open_menu(page)


def main_pages(life: Life) -> dict[str, list]:
    """Per role: the main pages, as a URL or (URL, what to do on the page before the check)."""
    return {
        "anonymous": [
            "/login",
            ("/login", with_errors("Inloggen")),
            "/wachtwoord-vergeten",
            f"/wachtwoord-herstellen/{life.reset_token}",
            f"/activeren/{life.activate_token}",
            f"/aanmelden/{life.alumna_token}",
        ],
        "student": [("/start", menu_open), "/kringen/", "/speeddates/mijn", f"/speeddates/{life.open_event_id}/aanmelden",
                    "/buddies/mijn-buddy", "/profiel", "/privacy/mijn-gegevens"],
        "alumna": [("/start", menu_open), "/profiel", "/gastlessen/prikbord", "/gastlessen/mijn", "/kringen/mentor",
                   f"/kringen/mentor/{life.circle_id}"],
        "coordinator": [
            ("/start", menu_open), "/dashboard/", "/school/studenten", "/school/alumnae", "/school/uitnodigingen",
            ("/school/studenten/uitnodigen", with_errors("Uitnodiging versturen")), "/school/studenten/importeren",
            "/kringen/beheer", f"/kringen/beheer/{life.circle_id}", "/kringen/beheer/nieuw",
            "/speeddates/", f"/speeddates/{life.event_id}", f"/speeddates/{life.event_id}/schema",
            "/buddies", "/gastlessen/", f"/gastlessen/{life.lesson_id}",
            "/privacy/school/toestemming", "/privacy/school/audit",
        ],
        "admin": [("/start", menu_open), "/beheer/scholen", "/dashboard/netwerk", "/privacy/audit", "/dev/mailbox"],
    }


# --- axe --------------------------------------------------------------------------------


@functools.cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def run_axe(page) -> list[dict]:
    """The serious and critical violations axe finds on the page as it is now.

    The app's CSP (script-src 'self') blocks an injected <script> tag, so axe's source is
    evaluated through the DevTools protocol (page.evaluate), which the page's CSP does not
    govern; the page itself keeps its real policy, so the check sees what users get.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def settle(page) -> None:
    """Wait until htmx is done: panels loaded after the page (aria-busy), requests answered and swapped."""
    page.wait_for_function("() => !document.querySelector('[aria-busy=true], .htmx-request, .htmx-swapping, .htmx-settling')")


def duplicate_ids(page) -> list[str]:
    """Ids used more than once (a label or aria reference would point at the wrong element)."""
    return page.evaluate(
        """() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
            return Object.keys(seen).filter(id => seen[id] > 1);
        }"""
    )


def describe(url: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}  {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)



@pytest.mark.parametrize("role", ["anonymous", "student", "alumna", "coordinator", "admin"])
def test_main_pages_have_no_serious_axe_violations(page, app, world, role):
    life = build_life(app, world)
    if role != "anonymous":
        log_in(page, world.users[role].email)
    problems = []
    for entry in main_pages(life)[role]:
        url, prepare = entry if isinstance(entry, tuple) else (entry, None)
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        settle(page)
        if prepare:
            prepare(page)
            settle(page)
            url = f"{url} ({prepare.__name__})"
        violations = run_axe(page)
        if violations:
            problems.append(describe(url, violations))
        duplicates = duplicate_ids(page)
        if duplicates:
            problems.append(f"{url}: duplicate ids {duplicates}")
    assert not problems, "\n" + "\n".join(problems)
    assert page.console_errors == []


# --- keyboard only --------------------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const text = el.labels && el.labels.length ? el.labels[0].innerText
        : (el.getAttribute('aria-label') || el.innerText || el.value || '');
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), id: el.id, label: text.replace(/\\s+/g, ' ').trim(),
            visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, label: str = "", *, element_id: str | None = None, backwards: bool = False, limit: int = 60) -> dict:
    """Press Tab (Shift+Tab backwards) until the focused element's label starts with `label`
    (and its id is `element_id`, when given). Every stop on the way must show the focus."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        assert now is not None, f"focus left the page after {passed}"
        assert now["visible"], f"no visible focus on {now}"
        if now["label"].startswith(label) and element_id in (None, now["id"]):
            return now
        passed.append(now["label"])
    raise AssertionError(f"{label or element_id!r} is not reachable with Tab; the focus went through {passed}")


desktop_only = pytest.mark.parametrize("page", ["desktop"], indirect=True)


@desktop_only
def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page, world):
    log_in(page, world.users["coordinator"].email)
    page.goto("/start")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["label"] == "Naar de inhoud" and first["visible"]
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


# Every scrolling box is a Tab stop (to scroll it with the arrow keys), and only those.
SCROLL_STOPS_MATCH = """() => {
  const boxes = [...document.querySelectorAll('.overflow-auto')];
  return boxes.length > 0 && boxes.every(box => {
    const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    return scrolls === (box.getAttribute('tabindex') === '0');
  });
}"""


def test_only_boxes_that_scroll_are_tab_stops(page, world):
    for last_name in ("Jansen", "Bakker"):
        buddy_builders.student(world.school_a, first_name="Mila", last_name=last_name)
    log_in(page, world.users["coordinator"].email)
    page.goto("/school/studenten")
    page.wait_for_function(SCROLL_STOPS_MATCH)
    boxes = page.locator(".overflow-auto")
    if page.viewport_name == "desktop":
        # Three short rows fit a desktop window: nothing to scroll, no extra Tab stop.
        expect(boxes.first).not_to_have_attribute("tabindex", "0")
        page.set_viewport_size({"width": 320, "height": 700})
        page.wait_for_function(SCROLL_STOPS_MATCH)
        expect(boxes.first).to_have_attribute("tabindex", "0")  # narrowed: it scrolls now
    # A search swaps new rows in; the rule still holds for them.
    page.get_by_role("searchbox", name="Zoeken").fill("Jansen")
    expect(page.get_by_text("1 studente gevonden")).to_be_visible()
    page.wait_for_function(SCROLL_STOPS_MATCH)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_phone_menu_opens_with_enter_and_space_and_closes_with_escape(page, world):
    log_in(page, world.users["student"].email)
    toggle = page.locator("[data-nav-toggle]")
    menu_link = page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Mijn gegevens")
    expect(menu_link).to_be_hidden()
    tab_to(page, "Menu")
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu_link).to_be_visible()
    # The opened menu's links come next in the Tab order.
    assert tab_to(page, "Mijn gegevens", limit=3)["tag"] == "a"
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu_link).to_be_hidden()
    assert focused(page)["label"] == "Menu"
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")


@desktop_only
def test_login_with_the_keyboard(page, world):
    page.goto("/login")
    assert focused(page)["label"].startswith("E-mailadres")  # autofocus
    page.keyboard.type(world.users["student"].email)
    tab_to(page, "Wachtwoord")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Ingelogd blijven")
    page.keyboard.press("Space")
    expect(page.get_by_label("Ingelogd blijven")).to_be_checked()
    tab_to(page, "Inloggen")
    tab_to(page, "Ingelogd blijven", backwards=True)
    tab_to(page, "Inloggen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Hallo {world.users['student'].first_name}")).to_be_visible()
    remember = [c for c in page.context.cookies() if c["name"] == "remember_token"]
    assert remember, "the 'stay logged in' switch was not sent"


@desktop_only
def test_student_profile_with_the_keyboard(page, world):
    student = world.users["student"]
    log_in(page, student.email)
    page.goto("/profiel")
    tab_to(page, "Leerjaar")
    page.keyboard.press("ArrowDown")  # 1 -> 2
    expect(page.get_by_label("Leerjaar")).to_have_value("2")
    settle(page)
    assert focused(page)["label"].startswith("Leerjaar"), "the inline check took the focus away"
    tab_to(page, "Telefoonnummer")
    page.keyboard.type("06 12345678")
    tab_to(page, "robotica")
    page.keyboard.press("Space")
    settle(page)
    expect(page.get_by_label("robotica")).to_be_checked()
    tab_to(page, "Profiel opslaan")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Je profiel is opgeslagen.")).to_be_visible()
    db.session.expire_all()
    profile = db.session.get(StudentProfile, student.id)
    assert profile.year == 2 and profile.user.phone == "06 12345678" and profile.interests == ["robotica"]


@desktop_only
def test_invite_a_student_with_the_keyboard(page, world):
    log_in(page, world.users["coordinator"].email)
    page.goto("/school/studenten/uitnodigen")
    assert focused(page)["label"].startswith("Voornaam")
    page.keyboard.type("Noor")
    tab_to(page, "Achternaam")
    page.keyboard.type("Bakker")
    tab_to(page, "E-mailadres")
    page.keyboard.type("noor.bakker@student.example.org")
    tab_to(page, "Opleiding")
    programmes = page.get_by_label("Opleiding")
    before = programmes.input_value()
    page.keyboard.press("ArrowDown")
    expect(programmes).not_to_have_value(before)
    chosen = int(programmes.input_value())
    tab_to(page, "Leerjaar")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Leerjaar")).to_have_value("3")
    tab_to(page, "Studentnummer")
    page.keyboard.type("S-2041")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Noor is uitgenodigd")).to_be_visible()
    db.session.expire_all()
    profile = db.session.scalar(db.select(StudentProfile).where(StudentProfile.student_number == "S-2041"))
    assert (profile.user.first_name, profile.programme_id, profile.year) == ("Noor", chosen, 3)


@desktop_only
def test_create_a_circle_with_the_keyboard(page, world):
    mentor = make_mentor(world.school_a, first_name="Priya")
    log_in(page, world.users["coordinator"].email)
    page.goto("/kringen/beheer/nieuw")
    assert focused(page)["label"].startswith("Naam")
    page.keyboard.type("Kring Robotica")
    tab_to(page, "Thema")
    page.keyboard.type("Stage zoeken")
    tab_to(page, "Beschrijving")
    page.keyboard.type("We zoeken samen een stageplek.")
    tab_to(page, "Voor wie")
    page.keyboard.press("ArrowDown")
    settle(page)  # the mentor suggestions follow the programme
    tab_to(page, "Aantal plekken")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("6")
    tab_to(page, "Mentor")
    mentors = page.get_by_label("Mentor")
    while mentors.input_value() != str(mentor.id):
        before = mentors.input_value()
        page.keyboard.press("ArrowDown")
        assert mentors.input_value() != before, "the mentor is not in the list"
    tab_to(page, "Alleen op uitnodiging")
    page.keyboard.press("Space")
    tab_to(page, "Kring aanmaken")
    page.keyboard.press("Enter")
    expect(page.get_by_text("De kring Kring Robotica is aangemaakt.")).to_be_visible()
    db.session.expire_all()
    circle = db.session.scalar(db.select(MentoringCircle).where(MentoringCircle.name == "Kring Robotica"))
    assert (circle.theme, circle.capacity, circle.mentor_id, circle.invite_only, circle.status) == ("Stage zoeken", 6, mentor.id, True, "open")
    assert circle.programme_id is not None


@desktop_only
def test_create_a_school_with_the_keyboard(page, world):
    log_in(page, world.users["admin"].email)
    page.goto("/beheer/scholen")
    tab_to(page, "Naam")
    page.keyboard.type("Techniek College Delta")
    tab_to(page, "Plaats")
    page.keyboard.type("Vlissingen")
    tab_to(page, "BRIN-code")
    page.keyboard.type("25LX")
    tab_to(page, "Bewaartermijn")
    page.keyboard.press("ArrowUp")  # 2 -> 3 years
    tab_to(page, "School toevoegen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Techniek College Delta")
    db.session.expire_all()
    school = db.session.scalar(db.select(School).where(School.name == "Techniek College Delta"))
    assert (school.city, school.brin, school.retention_years) == ("Vlissingen", "25LX", 3)


@desktop_only
def test_rank_speeddate_tables_with_the_keyboard(page, world):
    student = world.users["student"]
    event = make_event(world.school_a, world.users["coordinator"], status="open", audience=[audience_of(student)])
    stedin, asml, heijmans = (make_host(event, kind="guest", name=f"Gast van {n}", topic=f"Stage bij {n}") for n in ("Stedin", "ASML", "Heijmans"))
    register(event, student)
    log_in(page, student.email)
    page.goto(f"/speeddates/{event.id}/aanmelden")
    ranking = page.locator("#ranking ol")

    # One step at a time; after each step the focus stays where she was.
    for name in ("ASML", "Stedin", "Heijmans"):
        tab_to(page, f"Gast van {name} kiezen")
        page.keyboard.press("Enter")
        settle(page)
        assert focused(page)["id"] == "ranking"  # the chosen table moved into the list above
    expect(ranking).to_contain_text("3e keus: tafel 3, Gast van Heijmans")
    tab_to(page, "Gast van Heijmans hoger zetten")
    page.keyboard.press("Enter")
    settle(page)
    assert focused(page)["label"] == "Gast van Heijmans hoger zetten"
    expect(ranking).to_contain_text("2e keus: tafel 3, Gast van Heijmans")

    # All at once: open the panel, pick a place per table with the arrow keys, save with Enter.
    tab_to(page, "Alle keuzes in één keer instellen")
    page.keyboard.press("Enter")
    tab_to(page, "Tafel 1: Gast van Stedin")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # 3e -> 1e keus
    tab_to(page, "Tafel 2: Gast van ASML")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 1e -> 3e keus
    expect(page.get_by_label("Tafel 2: Gast van ASML")).to_have_value("3")
    tab_to(page, "Keuzes opslaan")
    page.keyboard.press("Enter")
    settle(page)
    expect(ranking).to_contain_text("1e keus: tafel 1, Gast van Stedin")
    db.session.expire_all()
    assert speeddate_services.ranking(speeddate_services.registration_of(event, student.id)) == [stedin.id, heijmans.id, asml.id]


@desktop_only
def test_ask_for_a_buddy_with_the_keyboard(page, world):
    student = world.users["student"]
    log_in(page, student.email)
    page.goto("/buddies/mijn-buddy")
    tab_to(page, "Ik wil een buddy")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Je wacht op een buddy")).to_be_visible()
    settle(page)
    assert page.evaluate("() => document.getElementById('wish').contains(document.activeElement)")
    db.session.expire_all()
    assert db.session.get(StudentProfile, student.id).wants_buddy is True


@desktop_only
def test_offer_a_guest_lesson_with_the_keyboard(page, world):
    alumna = make_alumna(first_name="Roos", programme=world.school_a.programmes[0])
    lesson = make_lesson(world.school_a, world.users["coordinator"], topic="Werken aan netwerken",
                         options=[(at(10), at(10, 11)), (at(12), at(12, 11))])
    log_in(page, alumna.email)
    page.goto(f"/gastlessen/prikbord/{lesson.id}")
    tab_to(page, element_id="option_id-0")  # the first date
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # the second date
    expect(page.locator("#option_id-1")).to_be_checked()
    tab_to(page, "Bericht")
    page.keyboard.type("Ik neem een glasvezelkabel mee.")
    tab_to(page, "Ik bied aan")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Je hebt aangeboden voor")).to_be_visible()
    db.session.expire_all()
    offer = guest_lesson_services.offer_of(lesson, alumna.id)
    assert (offer.status, offer.option_id, offer.message) == ("offered", lesson.options[1].id, "Ik neem een glasvezelkabel mee.")
