"""Profiles edited with inline validation: errors next to the field, saving swaps only the form."""

from __future__ import annotations

from tests.conftest import make_user
from webapp.extensions import db
from webapp.people.models import AlumnaProfile, StudentProfile


def _student_data(world, **changes):
    data = {
        "programme_id": str(world.school_a.programmes[1].id),
        "year": "2",
        "interests": ["robotica", "drones"],
        "own_interests": "lassen, Zonnepanelen ,lassen",
        "phone": "06 12345678",
        "volunteers_as_buddy": "y",
        "buddy_capacity": "2",
        "languages": ["nl", "ar"],
        "region": "utrecht",
        "contact": "online",
        "matters": ["programme", "language"],
    }
    data.update(changes)
    return data


def test_profile_page_shows_the_student_form(login_as, world):
    text = login_as("student").get("/profiel").get_data(as_text=True)
    assert "Mijn profiel" in text and 'id="student-profile"' in text and 'hx-post="/profiel/studente/valideren"' in text


def test_inline_validation_returns_only_the_field_with_its_error(login_as, world):
    client = login_as("student", htmx=True)
    response = client.post_form("/profiel/studente/valideren", _student_data(world, phone="bel me maar", _field="phone"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.strip().startswith('<div id="field-phone"') and "<form" not in text
    assert "Vul een telefoonnummer in" in text and 'aria-invalid="true"' in text
    ok = client.post_form("/profiel/studente/valideren", _student_data(world, _field="phone")).get_data(as_text=True)
    assert "field-error" not in ok


def test_inline_validation_of_a_rule_between_fields(login_as, world):
    client = login_as("student", htmx=True)
    text = client.post_form("/profiel/studente/valideren", _student_data(world, year="1", _field="volunteers_as_buddy")).get_data(as_text=True)
    assert "Buddy worden kan vanaf leerjaar 2." in text


def test_inline_validation_refuses_unknown_fields(login_as, world):
    client = login_as("student", htmx=True)
    assert client.post_form("/profiel/studente/valideren", _student_data(world, _field="is_admin")).status_code == 400


def test_saving_replaces_only_the_form_and_stores_the_profile(login_as, world):
    client = login_as("student", htmx=True)
    response = client.post_form("/profiel/studente", _student_data(world))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.lstrip().startswith('<form id="student-profile"') and "<html" not in text
    assert "Je profiel is opgeslagen." in text
    profile = db.session.get(StudentProfile, world.users["student"].id)
    assert profile.programme_id == world.school_a.programmes[1].id and profile.year == 2
    assert profile.interests == ["robotica", "drones", "lassen", "zonnepanelen"]
    assert profile.volunteers_as_buddy and profile.buddy_capacity == 2
    assert profile.buddy_preferences == {"languages": ["nl", "ar"], "region": "utrecht", "contact": "online", "matters": ["programme", "language"]}
    assert profile.user.phone == "06 12345678"


def test_an_invalid_save_keeps_what_was_typed_and_changes_nothing(login_as, world):
    client = login_as("student", htmx=True)
    response = client.post_form("/profiel/studente", _student_data(world, year="1", own_interests="x" * 40))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Buddy worden kan vanaf leerjaar 2." in text and "maximaal 30 tekens" in text
    assert "x" * 40 in text
    profile = db.session.get(StudentProfile, world.users["student"].id)
    assert profile.interests == [] and not profile.volunteers_as_buddy


def test_a_programme_of_another_school_is_refused(login_as, world):
    client = login_as("student")
    response = client.post_form("/profiel/studente", _student_data(world, programme_id=str(world.school_b.programmes[0].id)))
    assert response.status_code == 422
    assert db.session.get(StudentProfile, world.users["student"].id).programme_id == world.school_a.programmes[0].id


def _alumna_data(world, **changes):
    data = {
        "first_name": "Sanne",
        "last_name": "de Boer",
        "school_id": str(world.school_a.id),
        "programme_name": "software developer",
        "graduated_year": "2021",
        "job_title": "Cloud engineer",
        "employer": "Centric",
        "sector": "ict",
        "topics": ["programmeren"],
        "own_topics": "kubernetes",
        "activities": ["guest_lesson", "speeddate"],
        "max_per_year": "3",
        "allowed_schools": [str(world.school_a.id)],
        "story": "Ik begon op het mbo en werk nu aan cloudplatforms.",
    }
    data.update(changes)
    return data


def test_alumna_saves_her_profile(login_as, world):
    client = login_as("alumna", htmx=True)
    response = client.post_form("/profiel/alumna", _alumna_data(world))
    assert response.status_code == 200, response.get_data(as_text=True)
    profile = db.session.get(AlumnaProfile, world.users["alumna"].id)
    assert profile.job_title == "Cloud engineer" and profile.topics == ["programmeren", "kubernetes"]
    assert profile.programme_id == world.school_a.programmes[0].id  # matched by name at her school
    assert not profile.all_schools and [a.school_id for a in profile.allowed_schools] == [world.school_a.id]
    assert profile.user.first_name == "Sanne"


def test_alumna_must_allow_at_least_one_school(login_as, world):
    client = login_as("alumna", htmx=True)
    response = client.post_form("/profiel/alumna", _alumna_data(world, allowed_schools=[]))
    assert response.status_code == 422
    assert "Kies minstens één school" in response.get_data(as_text=True)
    text = client.post_form("/profiel/alumna/valideren", _alumna_data(world, graduated_year="2999", _field="graduated_year")).get_data(as_text=True)
    assert "Kies een jaar tussen 1960" in text


def test_profile_forms_need_the_role(login_as, world):
    assert login_as("coordinator").get("/profiel").status_code == 404
    assert login_as("alumna").post_form("/profiel/studente", _student_data(world)).status_code == 403
    assert login_as("student").post_form("/profiel/alumna", _alumna_data(world)).status_code == 403


def test_alumna_sees_her_impact(login_as, world):
    from webapp.circles.models import CircleMembership, MentoringCircle

    alumna = world.users["alumna"]
    circle = MentoringCircle(school_id=world.school_a.id, name="Techkring", capacity=6, mentor_id=alumna.id, school_year="2026-2027", seats_taken=2)
    db.session.add(circle)
    db.session.flush()
    second = make_user("student", world.school_a)
    db.session.add_all([
        CircleMembership(circle_id=circle.id, student_id=world.users["student"].id, status="joined"),
        CircleMembership(circle_id=circle.id, student_id=second.id, status="joined"),
    ])
    db.session.commit()
    text = login_as("alumna").get("/profiel").get_data(as_text=True)
    assert "1</strong><br>kring begeleid" in text and "2</strong><br>studentes ontmoet" in text
