"""A coordinator imports students from a CSV export: preview first, then confirm; bad files get a clear answer."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import body_of, link_in
from webapp.audit.models import AuditEvent
from webapp.auth.models import Invitation, User
from webapp.extensions import db
from webapp.outbox import worker
from webapp.outbox.models import OutboxEmail
from webapp.people import importing
from webapp.people.models import Programme, StudentProfile

URL = "/school/studenten/importeren"
CONFIRM_URL = "/school/studenten/importeren/bevestigen"
TEMPLATE_URL = "/school/studenten/importeren/voorbeeld.csv"
HEADER = "voornaam,achternaam,e-mail,opleiding,leerjaar,studentnummer"


def csrf(client) -> str:
    """The client's CSRF token, fetched once: it stays valid for the whole session."""
    if not hasattr(client, "import_csrf_token"):
        client.import_csrf_token = client.csrf_token()
    return client.import_csrf_token


def upload(client, content: str | bytes, filename: str = "studenten.csv", encoding: str = "utf-8"):
    data = content.encode(encoding) if isinstance(content, str) else content
    # Encoded here, in memory: the test client would spool a large body to an unclosed temp file.
    boundary, body = encode_multipart({"csrf_token": csrf(client), "file": FileStorage(io.BytesIO(data), filename)})
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def plan_in(response) -> str:
    match = re.search(r'name="plan" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no confirm form in the preview"
    return match.group(1)


def confirm(client, plan: str):
    return client.post(CONFIRM_URL, data={"plan": plan, "csrf_token": csrf(client)})


def counts_in(response) -> str:
    match = re.search(r'class="import-counts"><strong>([^<]+)</strong>', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return " ".join(match.group(1).split())


def snapshot() -> tuple[int, ...]:
    """How many rows the import could write to; equal snapshots mean nothing was saved."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, StudentProfile, Invitation, OutboxEmail, AuditEvent)
    )


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


@pytest.fixture
def known(world):
    """School A's existing student, with a student number."""
    student = world.users["student"]
    db.session.get(StudentProfile, student.id).student_number = "100001"
    db.session.commit()
    return student


def _mixed_file(world, known) -> str:
    return csv_text(
        "Yasmina,El Amrani,yasmina@student.nl,25604,1,200001",  # 2 new
        f"{known.first_name},Test,{known.email},Technicus elektrotechniek,2,100001",  # 3 update
        "Fatima,Bakker,geen-adres,25604,1,200002",  # 4 invalid e-mail
        "Noor,Visser,noor@student.nl,Kapper,1,200003",  # 5 unknown programme
        "Lotte,Smit,lotte@student.nl,25604,7,200004",  # 6 year out of range
        "Eva,Jansen,eva@student.nl,25604,2,200005",  # 7 e-mail twice in the file
        "Eva,Jansen,EVA@student.nl,25604,2,200006",  # 8
        ",Meijer,meijer@student.nl,25604,1,",  # 9 no first name
        "<b>Sara</b>,de Boer,sara@student.nl,25346,3,",  # 10 new (escaped on the page)
    )


# --- preview, confirm, re-import ---------------------------------------------------------


def test_preview_shows_new_updated_and_invalid_rows_and_saves_nothing(login_as, world, known):
    client = login_as("coordinator")
    before = snapshot()
    response = upload(client, _mixed_file(world, known))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert counts_in(response) == "2 nieuw, 1 bijgewerkt, 0 ongewijzigd, 6 ongeldig"
    assert "Er is nog niets opgeslagen." in text
    for reason in (
        "&#39;geen-adres&#39; is geen geldig e-mailadres.",
        "Opleiding &#39;Kapper&#39; bestaat niet bij je school.",
        "Leerjaar moet 1, 2, 3 of 4 zijn, niet &#39;7&#39;.",
        "Dit e-mailadres staat vaker in het bestand (regels 7, 8).",
        "Voornaam ontbreekt.",
    ):
        assert reason in text
    assert "<td>4</td>" in text and "<td>9</td>" in text  # line numbers of invalid rows
    assert "Opleiding: Software developer (25604, BOL) → Technicus elektrotechniek (25346, BOL)" in text
    assert "Leerjaar: 1 → 2" in text
    # Invalid rows first, then new ones, then updates.
    assert text.index("Ongeldig (6)") < text.index("Nieuw (2)") < text.index("Bijgewerkt (1)")
    assert "&lt;b&gt;Sara&lt;/b&gt;" in text and "<b>Sara</b>" not in text
    assert snapshot() == before
    assert db.session.get(StudentProfile, known.id).year == 1


def test_confirm_creates_students_and_queues_one_activation_each(login_as, world, known, smtp, client):
    coordinator = login_as("coordinator")
    preview = upload(coordinator, _mixed_file(world, known))
    response = confirm(coordinator, plan_in(preview))
    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    assert "2 nieuwe studentes krijgen een uitnodiging per e-mail, 1 zijn bijgewerkt" in coordinator.get(URL).get_data(as_text=True)

    yasmina = db.session.scalar(select(User).where(User.email == "yasmina@student.nl"))
    profile = db.session.get(StudentProfile, yasmina.id)
    assert (yasmina.first_name, yasmina.last_name, yasmina.activated) == ("Yasmina", "El Amrani", False)
    assert yasmina.has_role("student") and not yasmina.has_role("coordinator")
    assert profile.school_id == world.school_a.id and profile.programme.crebo == "25604"
    assert (profile.year, profile.student_number) == (1, "200001")
    updated = db.session.get(StudentProfile, known.id)
    assert (updated.year, updated.programme.crebo, updated.student_number) == (2, "25346", "100001")
    for email in ("noor@student.nl", "eva@student.nl", "meijer@student.nl"):
        assert db.session.scalar(select(User).where(func.lower(User.email) == email)) is None

    outbox = db.session.scalars(select(OutboxEmail)).all()
    assert sorted(m.to_address for m in outbox) == ["sara@student.nl", "yasmina@student.nl"]
    assert {m.template for m in outbox} == {"activate"}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "students.imported")).all()
    assert event.school_id == world.school_a.id and event.details == {"new": 2, "updated": 1}
    assert event.actor_id == world.users["coordinator"].id

    worker.drain()
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    assert set(mails) == {"sara@student.nl", "yasmina@student.nl"}
    assert "School A heeft een account voor je gemaakt" in body_of(mails["yasmina@student.nl"])
    link = link_in(body_of(mails["yasmina@student.nl"]))
    response = client.post_form(link, {"password": "zonnepanelen op het dak", "confirm": "zonnepanelen op het dak"})
    assert response.status_code == 302
    assert "Hallo Yasmina" in client.get("/start").get_data(as_text=True)


def test_reimporting_the_same_file_changes_nothing_and_sends_nothing(login_as, world, known):
    client = login_as("coordinator")
    content = _mixed_file(world, known)
    first = upload(client, content)
    plan = plan_in(first)
    assert confirm(client, plan).status_code == 302
    after_import = snapshot()

    again = upload(client, content)
    assert counts_in(again) == "0 nieuw, 0 bijgewerkt, 3 ongewijzigd, 6 ongeldig"
    assert 'name="plan"' not in again.get_data(as_text=True)
    assert "Er is niets te importeren" in again.get_data(as_text=True)
    # Sending the old confirmation again (a double click, the back button) does nothing either.
    replay = confirm(client, plan)
    assert replay.status_code == 422
    assert "Deze import is al uitgevoerd" in replay.get_data(as_text=True)
    assert snapshot() == after_import


def test_empty_cells_keep_what_kring_knows(login_as, world, known):
    client = login_as("coordinator")
    # No last name and no student number: neither is cleared. Matched by e-mail, in another case.
    response = upload(client, csv_text(f"{known.first_name},,{known.email.upper()},25604,1,"))
    assert counts_in(response) == "0 nieuw, 0 bijgewerkt, 1 ongewijzigd, 0 ongeldig"
    # A new student number for a student found by e-mail is an update.
    response = upload(client, csv_text(f"{known.first_name},Test,{known.email},25604,1,100777"))
    assert "Studentnummer: 100001 → 100777" in response.get_data(as_text=True)
    assert confirm(client, plan_in(response)).status_code == 302
    assert db.session.get(StudentProfile, known.id).student_number == "100777"
    assert not db.session.scalars(select(OutboxEmail)).all()


def test_a_change_between_preview_and_confirm_saves_nothing(login_as, world, known):
    client = login_as("coordinator")
    preview = upload(client, _mixed_file(world, known))
    db.session.get(StudentProfile, known.id).year = 3  # someone else changed her meanwhile
    db.session.commit()
    before = snapshot()
    response = confirm(client, plan_in(preview))
    assert response.status_code == 422
    assert "Sinds de voorbeeldweergave is er iets veranderd" in response.get_data(as_text=True)
    assert snapshot() == before
    assert db.session.get(StudentProfile, known.id).year == 3


def test_a_tampered_or_foreign_confirmation_is_refused(app, login_as, world, known):
    client = login_as("coordinator")
    plan = plan_in(upload(client, _mixed_file(world, known)))
    before = snapshot()
    middle = len(plan) // 2
    tampered = plan[:middle] + ("A" if plan[middle] != "A" else "B") + plan[middle + 1 :]
    forged = URLSafeTimedSerializer("not-the-secret", salt=importing.PLAN_SALT).dumps(
        {"school": world.school_a.id, "user": world.users["coordinator"].id,
         "rows": [[2, "mallory@example.org", "Mallory", None, world.school_a.programmes[0].id, 1, None]], "fingerprint": "x"}
    )
    for bad in (tampered, forged, "", "onzin"):
        response = confirm(client, bad)
        assert response.status_code == 422, bad
        assert "De bevestiging is ongeldig. Er is niets opgeslagen" in response.get_data(as_text=True)
    # A genuine confirmation of school A is no good to the coordinator of school B.
    response = confirm(login_as("coordinator_b"), plan)
    assert response.status_code == 422 and "De bevestiging is ongeldig" in response.get_data(as_text=True)
    assert snapshot() == before


def test_an_old_confirmation_has_expired(app, login_as, world, known):
    client = login_as("coordinator")
    plan = plan_in(upload(client, _mixed_file(world, known)))

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - importing.PLAN_MAX_AGE_SECONDS - 60

    payload = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=importing.PLAN_SALT).loads(plan)
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=importing.PLAN_SALT, signer=PastSigner).dumps(payload)
    before = snapshot()
    response = confirm(client, old)
    assert response.status_code == 422
    assert "Deze voorbeeldweergave is verlopen. Upload het bestand opnieuw." in response.get_data(as_text=True)
    assert snapshot() == before


def test_htmx_gets_the_preview_and_errors_as_fragments(login_as, world, known):
    client = login_as("coordinator", htmx=True)
    response = upload(client, _mixed_file(world, known))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text and "import-counts" in text
    assert "HX-Request" in response.headers["Vary"]
    response = upload(client, "")
    assert response.status_code == 422 and "<html" not in response.get_data(as_text=True)
    assert "Het bestand is leeg." in response.get_data(as_text=True)
    response = confirm(client, plan_in(upload(client, _mixed_file(world, known))))
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(URL)


def test_upload_page_and_example_file(login_as, world):
    world.school_b.programmes.append(Programme(name="Mechatronicus", crebo="25337", level=4, pathway="BOL", sector="mechatronica"))
    db.session.commit()
    client = login_as("coordinator")
    page = client.get(URL).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
    assert TEMPLATE_URL in page
    assert "Software developer (25604, BOL)" in page and "Mechatronicus" not in page
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header == "voornaam;tussenvoegsel;achternaam;e-mail;opleiding;leerjaar;studentnummer"
    # The example file, filled in, imports as it is.
    filled = response.data + "Zoë;van;Dijk;zoe@student.nl;25604;2;300001\r\n".encode()
    preview = upload(client, filled)
    assert counts_in(preview) == "1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 ongeldig"
    assert "Zoë van Dijk" in preview.get_data(as_text=True)


# --- files from the real world -----------------------------------------------------------


def test_excel_semicolon_file_in_windows_1252_keeps_its_accents(login_as, world):
    client = login_as("coordinator")
    content = (
        "Voornaam;Achternaam;E-mailadres;Opleiding;Leerjaar;Studentnummer\r\n"
        "Renée;Jönsson;renee@student.nl;Software developer;2;400001\r\n"
        "Zoë;Çelik;zoe@student.nl;software developer bol;1;400002\r\n"
    )
    response = upload(client, content, encoding="cp1252")
    assert counts_in(response) == "2 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 ongeldig"
    assert confirm(client, plan_in(response)).status_code == 302
    names = set(db.session.execute(select(User.first_name, User.last_name).where(User.email.like("%@student.nl"))))
    assert names == {("Renée", "Jönsson"), ("Zoë", "Çelik")}


@pytest.mark.parametrize(
    "content, encoding",
    [
        ("\ufeffe-mail,naam,opleiding,jaar\nzoe@student.nl,Zoë van der Berg,25604,2\n", "utf-8"),  # UTF-8 with BOM, one name column
        ("email\tname\tprogramme\tyear\nzoe@student.nl\tZoë van der Berg\t25604\t2\n", "utf-16"),  # Excel "Unicode text"
        ("sep=;\nE-mail;Naam;Opleiding;Leerjaar\nzoe@student.nl;Zoë van der Berg;25604;2\n", "utf-8"),  # Excel's sep= line
        ('first_name,infix,last_name,Email,Programme,Year\n"Zoë","van der","Berg",zoe@student.nl,"25604 BOL",2\n', "utf-8"),
    ],
    ids=["utf8-bom", "utf16-tab", "sep-line", "english-quoted"],
)
def test_other_delimiters_encodings_and_headers(login_as, world, content, encoding):
    response = upload(login_as("coordinator"), content, encoding=encoding)
    assert counts_in(response) == "1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 ongeldig"
    text = response.get_data(as_text=True)
    assert "Zoë van der Berg" in text and "zoe@student.nl" in text


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content, message",
    [
        ("Student,Adres,Klas\nYasmina,Hoofdstraat 1,1A\n",
         "Deze kolommen ontbreken: e-mail, voornaam (of naam), opleiding, leerjaar. Gevonden kolommen: &#39;Student&#39;, &#39;Adres&#39;, &#39;Klas&#39;"),
        ("voornaam,e-mail,opleiding\nYasmina,y@student.nl,25604\n", "Deze kolommen ontbreken: leerjaar."),
        ("naam,e-mail,e-mailadres,opleiding,leerjaar\n", "betekenen hetzelfde"),
        (b"", "Het bestand is leeg."),
        ("\r\n  \r\n", "Het bestand is leeg."),
        (HEADER + "\n", "Het bestand bevat alleen een kopregel en geen studentes."),
        (HEADER + "\n\n,, ,\n", "Het bestand bevat alleen een kopregel en geen studentes."),
        (_xlsx(), "Dit is een Excel-bestand; sla het op als CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Dit is een Excel-bestand; sla het op als CSV"),
        (bytes(range(256)) * 8, "Dit is geen tekstbestand."),
    ],
    ids=["wrong-columns", "missing-year", "doubled-column", "empty", "blank-lines", "header-only", "header-and-blank-rows",
         "xlsx", "xls", "binary"],
)
def test_bad_files_get_a_clear_answer(login_as, world, content, message):
    client = login_as("coordinator")
    before = snapshot()
    response = upload(client, content)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'aria-invalid="true"' in text  # the message sits at the file field
    assert snapshot() == before


def test_no_file_chosen(login_as, world):
    response = login_as("coordinator").post_form(URL, {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Kies een CSV-bestand." in response.get_data(as_text=True)


def test_a_row_with_more_cells_than_the_header_is_invalid(login_as, world):
    response = upload(login_as("coordinator"), csv_text("Yasmina,El Amrani,Jansen,yasmina@student.nl,25604,1,1"))
    assert counts_in(response) == "0 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 ongeldig"
    assert "meer kolommen dan de kopregel" in response.get_data(as_text=True)


def test_ten_thousand_rows_work_and_one_more_is_refused(login_as, world):
    client = login_as("coordinator")
    rows = [f"Studente{i};Test;studente{i}@student.nl;25604;{i % 4 + 1};{500000 + i}" for i in range(importing.MAX_ROWS)]
    header = "voornaam;achternaam;e-mail;opleiding;leerjaar;studentnummer"
    started = time.perf_counter()
    response = upload(client, "\r\n".join([header, *rows]) + "\r\n")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert counts_in(response) == "10.000 nieuw, 0 bijgewerkt, 0 ongewijzigd, 0 ongeldig"
    assert "En nog 9.500 rijen." in response.get_data(as_text=True)
    assert len(plan_in(response)) < 400_000
    assert elapsed < 20, f"preview of 10,000 rows took {elapsed:.1f} s"

    rows.append("Extra;Test;extra@student.nl;25604;1;")
    response = upload(client, "\r\n".join([header, *rows]))
    assert response.status_code == 422
    assert "Het bestand heeft meer dan 10.000 rijen." in response.get_data(as_text=True)


def test_too_large_uploads_are_refused(login_as, world):
    client = login_as("coordinator")
    before = snapshot()
    just_over = (HEADER + "\n").encode() + b"x" * importing.MAX_UPLOAD_BYTES
    response = upload(client, just_over)
    assert response.status_code == 422
    assert "Het bestand is groter dan 2 MB." in response.get_data(as_text=True)
    # Far too large: refused while the request streams in, before any form is read.
    response = upload(client, b"x" * (3 * importing.MAX_UPLOAD_BYTES))
    assert response.status_code == 413
    assert "Het bestand is te groot." in response.get_data(as_text=True)
    assert snapshot() == before


# --- schools stay apart ------------------------------------------------------------------


def test_only_programmes_of_the_own_school_match(login_as, world):
    world.school_b.programmes.append(Programme(name="Mechatronicus", crebo="25337", level=4, pathway="BOL", sector="mechatronica"))
    world.school_a.programmes.append(Programme(name="Software developer", crebo="25604", level=4, pathway="BBL", sector="ict"))
    db.session.commit()
    client = login_as("coordinator")
    response = upload(
        client,
        csv_text(
            "Yasmina,El Amrani,yasmina@student.nl,25337,1,",
            "Noor,Visser,noor@student.nl,Mechatronicus,1,",
            "Lotte,Smit,lotte@student.nl,25604,1,",
            "Eva,Jansen,eva@student.nl,25604 BBL,1,",
            "Sara,de Boer,sara@student.nl,Software Developer (BOL),1,",
        ),
    )
    text = response.get_data(as_text=True)
    assert counts_in(response) == "2 nieuw, 0 bijgewerkt, 0 ongewijzigd, 3 ongeldig"
    assert "Opleiding &#39;25337&#39; bestaat niet bij je school." in text
    assert "Opleiding &#39;Mechatronicus&#39; bestaat niet bij je school." in text
    assert "is niet eenduidig; vermeld ook BOL of BBL" in text
    assert confirm(client, plan_in(response)).status_code == 302
    programmes = set(db.session.scalars(select(StudentProfile.programme_id).join(User).where(User.email.in_(["eva@student.nl", "sara@student.nl"]))))
    assert all(db.session.get(Programme, pid).school_id == world.school_a.id for pid in programmes) and len(programmes) == 2


def test_a_coordinator_cannot_reach_another_schools_people_through_the_import(login_as, world, known):
    world.users["coordinator"].first_name = "Coordinatrix"
    db.session.commit()
    client = login_as("coordinator_b")
    response = upload(
        client,
        csv_text(
            f"Overgenomen,Test,{known.email},25604,4,",  # a student of school A
            f"Alumna,Test,{world.users['alumna'].email},25604,1,",
            f"Coordinatrix,Test,{world.users['coordinator'].email},25604,1,",
            "Nieuw,Test,nieuw@student.nl,25604,1,100001",  # A's student number, but numbers are per school
        ),
    )
    text = response.get_data(as_text=True)
    assert counts_in(response) == "1 nieuw, 0 bijgewerkt, 0 ongewijzigd, 3 ongeldig"
    assert text.count("Dit e-mailadres hoort al bij een ander account, niet bij een studente van je school.") == 3
    assert "School A" not in text and known.first_name not in text
    assert confirm(client, plan_in(response)).status_code == 302
    profile = db.session.get(StudentProfile, known.id)
    assert (profile.school_id, profile.year, profile.student_number) == (world.school_a.id, 1, "100001")
    assert db.session.get(User, known.id).first_name == known.first_name
    newcomer = db.session.scalar(select(StudentProfile).join(User).where(User.email == "nieuw@student.nl"))
    assert newcomer.school_id == world.school_b.id and newcomer.programme.school_id == world.school_b.id
    assert [m.to_address for m in db.session.scalars(select(OutboxEmail))] == ["nieuw@student.nl"]


def test_a_student_number_of_another_student_is_not_taken_over(login_as, world, known):
    response = upload(login_as("coordinator"), csv_text("Yasmina,El Amrani,yasmina@student.nl,25604,1,100001"))
    assert counts_in(response) == "0 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 ongeldig"
    assert f"Studentnummer 100001 hoort bij een andere studente van je school ({known.email})." in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["student", "alumna", "admin"])
def test_only_coordinators_import(login_as, world, who):
    client = login_as(who)
    before = snapshot()
    assert client.get(URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert upload(client, csv_text("Yasmina,El Amrani,yasmina@student.nl,25604,1,")).status_code == 403
    assert confirm(client, "x").status_code == 403
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_login(client):
    for response in (client.get(URL), client.get(TEMPLATE_URL)):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the parser on its own -----------------------------------------------------------------


def test_parser_reports_the_line_each_row_starts_on(app):
    parsed = importing.parse_csv(
        b'naam;e-mail;opleiding;leerjaar;klas\r\n\r\n"Yasmina\r\nEl Amrani";y@student.nl;25604;1;1A\r\nNoor Visser;n@student.nl;25604;2;2B\r\n'
    )
    assert [row.line for row in parsed.rows] == [3, 5]
    assert parsed.delimiter == ";" and parsed.encoding == "utf-8" and parsed.ignored_columns == ["klas"]
    assert parsed.rows[1].values["name"] == "Noor Visser"


def test_parser_detects_the_delimiter_from_the_header():
    assert importing.detect_delimiter("voornaam;e-mail;opleiding, BOL") == ";"
    assert importing.detect_delimiter("voornaam,e-mail,opleiding") == ","
    assert importing.detect_delimiter("voornaam\te-mail\topleiding") == "\t"
    assert importing.detect_delimiter("email") == ","


def test_an_unclosed_quote_and_a_much_repeated_value_get_short_clear_reasons(login_as, world):
    client = login_as("coordinator")
    response = upload(client, csv_text('"Yasmina,El Amrani,yasmina@student.nl,25604,1,', "Noor,Visser,noor@student.nl,25604,1,"))
    assert counts_in(response) == "0 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 ongeldig"
    assert "Deze rij loopt door tot regel 3. Staat er een aanhalingsteken dat niet is afgesloten?" in response.get_data(as_text=True)
    response = upload(client, csv_text(*(f"S{i},Test,s{i}@student.nl,25604,1,777" for i in range(8))))
    text = response.get_data(as_text=True)
    assert counts_in(response) == "0 nieuw, 0 bijgewerkt, 0 ongewijzigd, 8 ongeldig"
    assert "Dit studentnummer staat vaker in het bestand (regels 2, 3, 4, 5, 6 en nog 3)." in text
