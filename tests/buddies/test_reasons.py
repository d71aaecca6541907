"""The reasons of buddy matching, kept as data and put into words in the reader's language."""

from __future__ import annotations

import itertools

import pytest
from flask_babel import force_locale

from webapp.buddies.reasons import (
    CRITERION_LABELS,
    LABELS,
    PAIR_REASONS,
    UNMATCHED_REASONS,
    reason_text,
    reason_texts,
    unmatched_text,
)
from webapp.matching import buddies as matching
from webapp.matching.buddies import CRITERIA, Candidate, fit_parts


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/"):
        yield


def _pairs_of_candidates():
    """Buddy and mentee pairs that between them produce every reason code and variant."""
    kinds = [
        dict(interests={"robotica", "hbo", "eigen-tag"}, languages={"nl", "ar"}, region="utrecht", contact="school", matters=set(CRITERIA)),
        dict(interests={"robotica"}, languages={"ar"}, region="utrecht", contact=None, matters={"language", "region"}),
        dict(interests={"hbo", "eigen-tag"}, languages={"nl"}, region=None, contact="online", matters=set()),
        dict(interests=set(), languages=set(), region="limburg", contact=None, matters={"contact"}),
    ]
    for (b, m), (prog_b, prog_m), name in itertools.product(
        itertools.product(kinds, repeat=2), [(1, 1), (1, 2)], ["Elektrotechniek", ""]
    ):
        buddy = Candidate(id=1, school_id=1, year=3, programme_id=prog_b, programme_name=name, **b)
        mentee = Candidate(id=2, school_id=1, year=1, programme_id=prog_m, programme_name=name, **m)
        yield buddy, mentee


def test_dutch_texts_are_the_matchers_own():
    """In Dutch the pages read exactly as the matcher's templates, with the labels of the keys."""
    seen = set()
    with force_locale("nl"):
        for buddy, mentee in _pairs_of_candidates():
            for only_one in (False, True):
                _, parts = fit_parts(buddy, mentee, mentee_is_only_one=only_one)
                for part in parts:
                    seen.add(part.code)
                    assert reason_text(part.to_dict()) == part.text(labels=LABELS)
        for code, template in matching.UNMATCHED_TEMPLATES.items():
            assert unmatched_text({"mentee_id": 1, "codes": [code]}) == template
        assert {k: str(v) for k, v in CRITERION_LABELS.items()} == matching.CRITERION_LABELS
    assert seen == set(matching.REASON_TEMPLATES)
    assert set(UNMATCHED_REASONS) == set(matching.UNMATCHED_TEMPLATES)
    assert set(PAIR_REASONS) | {"contact_both", "contact_one"} == set(matching.REASON_TEMPLATES)


def test_labels_of_keys_in_dutch():
    reasons = [
        {"code": "shared_interests", "params": {"interests": ["robotica", "duurzame-energie", "eigen-tag"]}},
        {"code": "shared_language", "params": {"languages": ["nl", "tr"]}},
        {"code": "same_region", "params": {"region": "noord-holland"}},
        {"code": "contact_one", "params": {"contact": "online"}},
        {"code": "matters", "params": {"who": "buddy", "name": "", "criteria": ["interests", "contact"]}},
    ]
    assert reason_texts(reasons) == [
        "allebei duurzame energie, eigen-tag en robotica",
        "spreken allebei Nederlands en Turks",
        "allebei uit regio Noord-Holland",
        "contact online past bij allebei",
        "belangrijk voor de buddy: interesses en contactvorm",
    ]


def test_reasons_in_english():
    reasons = [
        {"code": "same_programme", "params": {"programme": "Software developer", "programme_id": 3}},
        {"code": "shared_interests", "params": {"interests": ["robotica", "programmeren"]}},
        {"code": "year_gap", "params": {"buddy_year": 3, "mentee_year": 1}},
        {"code": "shared_language", "params": {"languages": ["ar", "nl"]}},
        {"code": "contact_both", "params": {"contact": "school"}},
        {"code": "same_region", "params": {"region": "zuid-holland"}},
        {"code": "matters", "params": {"who": "mentee", "name": "", "criteria": ["programme", "language"]}},
        {"code": "only_one", "params": {}},
    ]
    with force_locale("en"):
        assert reason_texts(reasons) == [
            "same programme: Software developer",
            "both interested in programming and robotics",
            "year 3 and year 1",
            "both speak Arabic and Dutch",
            "both prefer meeting at school",
            "both from the South Holland region",
            "important to the mentee: programme and language",
            "the only student in her programme and year",
        ]
        assert unmatched_text({"mentee_id": 1, "codes": ["no_programme", "all_full"]}) == (
            "no buddy in a higher year of her programme; all buddies in a higher year are already full"
        )


def test_old_rows_with_text_show_as_they_are():
    """Pairs and runs stored before the reasons were data: Dutch sentences, shown unchanged."""
    with force_locale("en"):
        assert reason_texts(["zelfde opleiding Elektrotechniek", "allebei robotica"]) == ["zelfde opleiding Elektrotechniek", "allebei robotica"]
        assert unmatched_text({"mentee_id": 1, "reason": "oude reden"}) == "oude reden"
        assert reason_texts(None) == []


def test_a_reason_this_version_does_not_know_still_shows_something():
    assert reason_text({"code": "something_new", "params": {}}) == "something_new"
    assert reason_text({"code": "year_gap", "params": {}}) == "year_gap"
    assert unmatched_text({"mentee_id": 1, "codes": ["something_new"], "reason": "oude reden"}) == "oude reden"
    assert unmatched_text({"mentee_id": 1, "codes": ["something_new"]}) == "something_new"
