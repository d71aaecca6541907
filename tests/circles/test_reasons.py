"""The reasons of the circle formation helper, put into words in the reader's language."""

from __future__ import annotations

import random
import re

import pytest
from flask_babel import force_locale

from tests.circles.builders import make_mentor, make_students
from webapp.circles.reasons import CIRCLE_REASONS, LABELS, PHRASES, UNPLACED_REASONS, reason_text, unplaced_text
from webapp.matching import circles as matching
from webapp.matching.circles import Mentor, ReasonPart, Student, evaluate_circles, propose_circles


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def _gettext_style(template: str) -> str:
    return re.sub(r"\{(\w+)\}", r"%(\1)s", template)


def test_dutch_texts_are_the_matchers_own():
    assert {code: str(text) for code, text in CIRCLE_REASONS.items()} == {
        code: _gettext_style(text) for code, text in matching.REASON_TEMPLATES.items()
    }
    assert {code: str(text) for code, text in UNPLACED_REASONS.items()} == {
        code: _gettext_style(text) for code, text in matching.UNPLACED_TEMPLATES.items()
    }
    for key in ("graduated", "graduated_unknown", "programme_fallback", "programme_unknown", "sector_unknown"):
        assert str(PHRASES[key]) == _gettext_style(matching.PHRASE_TEMPLATES[key])
    # Whole proposals: in Dutch the page reads as the matcher's text (with the sector's label).
    rng = random.Random(7)
    sectors = ["ict", "elektrotechniek", None]
    seen = set()
    for _ in range(30):
        students = [Student(i, rng.choice([1, 2, 3, None]), rng.choice(sectors), rng.randint(1, 4)) for i in range(rng.randint(3, 14))]
        mentors = [Mentor(100 + j, rng.choice([1, 2, None]), rng.choice(sectors), rng.choice([2010, 2023, None]), 2) for j in range(rng.randint(1, 3))]
        proposal = propose_circles(students, mentors, 4, 3, 5, current_year=2025, programme_names={1: "Software developer", 2: "Technicus"})
        circles = list(proposal.circles)
        if circles:
            groups = [(c.students, c.mentor_id) for c in circles]
            groups[0] = (groups[0][0], None)
            circles += evaluate_circles(groups, students, mentors, current_year=2025, min_size=4, max_size=4)[0]
        with force_locale("nl"):
            for c in circles:
                for part in c.reason_parts:
                    seen.add(part.code)
                    assert reason_text(part) == part.text(labels=LABELS)
            if proposal.unplaced_code:
                assert unplaced_text(proposal.unplaced_code, proposal.unplaced_params) == proposal.unplaced_reason
    assert {"same_programme_year", "mixed", "no_mentor", "size_out_of_bounds"} <= seen


def test_reasons_in_english():
    parts = [
        ReasonPart("same_sector", {"sector": "ict", "programmes": [
            {"programme_id": 1, "programme": "Software developer", "count": 4},
            {"programme_id": None, "programme": None, "count": 1},
        ]}),
        ReasonPart("mentor_other", {"sector": None, "graduated_year": 2019}),
        ReasonPart("size_off", {"size": 7, "band": [5, 6]}),
    ]
    with force_locale("en"):
        assert [reason_text(p) for p in parts] == [
            "all in sector ICT: Software developer (4) and programme unknown (1)",
            "mentor: different field (sector unknown), graduated in 2019",
            "7 students instead of 5 or 6, for a better grouping",
        ]
        assert unplaced_text("mentor_capacity", {"capacity": 2}) == "no mentor free any more: together the mentors can lead 2 circle(s)"
    with force_locale("nl"):
        assert reason_text(parts[0]) == "allemaal sector ICT: Software developer (4) en opleiding onbekend (1)"


def test_the_formation_page_shows_reasons_in_the_coordinators_language(login_as, world):
    school = world.school_a
    software = school.programmes[0]
    students = make_students(school, 6)
    for student in students:
        login_as(student).post_form("/kringen/aanvraag", {"wil": "ja"})
    make_mentor(programme=software, first_name="Fatima", graduated=2015, max_per_year=1)
    client = login_as("coordinator")
    url = "/kringen/beheer/indelen?doel=3&min=3&max=3"
    page = client.get(url).get_data(as_text=True)
    assert "mentor: zelfde opleiding, afgestudeerd in 2015" in page
    assert "geen mentor meer vrij: de mentoren kunnen samen 1 kring(en) begeleiden" in page
    world.users["coordinator"].locale = "en"
    from webapp.extensions import db

    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "mentor: same programme, graduated in 2015" in page
    assert "no mentor free any more: together the mentors can lead 1 circle(s)" in page
    assert "allemaal" not in page and "afgestudeerd" not in page and "geen mentor meer vrij" not in page
