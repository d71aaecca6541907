"""Realistic Dutch demo data: schools, programmes, students over four years, alumnae, coordinators,
and what they do this school year: mentoring circles, guest lesson requests, a speeddate event open
for registration and buddy pairs.

People and activity rows are written with bulk INSERTs (a few statements per table, not one per
row), so the 'large' size (60 schools, 50,040 studentes, 5,000 alumnae) seeds in seconds.

Demo accounts (all with DEMO_PASSWORD): the four in DEMO_ACCOUNTS; `coordinator<n>@kring.example`
for school n (2, 3, ...); `studente-<k>@kring.example` for DEMO_STUDENTS_PER_SCHOOL studentes
(year 2 to 4, so 16 or older) in every school: k = 1 to 5 in the first school, 6 to 10 in the
second, and so on. Every activated account has the demo password.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, func, insert, select, text

from webapp.auth.models import User, UserRole
from webapp.extensions import db
from webapp.people.models import AlumnaProfile, CoordinatorProfile, Programme, School, StudentProfile

DEMO_PASSWORD = "kring-demo-2026"
DEMO_ACCOUNTS = {
    "admin": "admin@kring.example",
    "coordinator": "coordinator@kring.example",
    "student": "studente@kring.example",
    "alumna": "alumna@kring.example",
}
DEMO_STUDENTS_PER_SCHOOL = 5
SIZES = {"small": (4, 48, 30), "large": (60, 834, 5000)}

SCHOOLS = [
    ("Techniek College Maasdelta", "Rotterdam", "30XA"),
    ("ROC Amstelland Techniek", "Amsterdam", "31XB"),
    ("Vakcollege Twente", "Enschede", "32XC"),
    ("Grafisch & Technisch College Utrecht", "Utrecht", "33XD"),
    ("Noorderpoort Techniek", "Groningen", "34XE"),
    ("Summa-Brabant Techniek", "Eindhoven", "35XF"),
]
PROGRAMMES = [
    ("Software developer", "25604", 4, "BOL", "ict"),
    ("Expert IT systems and devices", "25607", 4, "BOL", "ict"),
    ("Medewerker ICT support", "25606", 2, "BOL", "ict"),
    ("Technicus elektrotechnische installaties", "25346", 4, "BOL", "elektrotechniek"),
    ("Eerste monteur elektrotechnische installaties", "25348", 3, "BBL", "elektrotechniek"),
    ("Technicus werktuigbouwkunde", "25291", 4, "BOL", "werktuigbouw"),
    ("Mechatronica", "25336", 4, "BOL", "mechatronica"),
    ("Middenkaderfunctionaris bouw", "25186", 4, "BOL", "bouw"),
    ("Eerste monteur installatietechniek", "25367", 3, "BBL", "installatietechniek"),
]
FIRST_NAMES = [
    "Fatima", "Sanne", "Noor", "Lisa", "Yasmina", "Emma", "Sara", "Anouk", "Priya", "Julia", "Amira", "Fleur",
    "Sophie", "Naima", "Iris", "Lotte", "Zeynep", "Eva", "Mila", "Ayla", "Roos", "Demi", "Esra", "Kim", "Chantal",
    "Sevda", "Britt", "Maud", "Ilse", "Hanna", "Samira", "Nina", "Jasmijn", "Meryem", "Lynn", "Tess", "Imane",
]
LAST_NAMES = [
    "de Vries", "Jansen", "El Amrani", "Bakker", "Visser", "Smit", "Yilmaz", "Meijer", "de Boer", "Mulder",
    "Bouzid", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "Kaya", "van Dijk", "Dekker", "Brouwer", "Öztürk",
    "van der Meer", "Kramer", "Ramdin", "Postma", "Koster", "Verhoeven", "Haddou", "Sedney", "Nguyen",
]
JOBS = [
    ("Servicemonteur", "Stedin", "elektrotechniek"),
    ("Netwerkbeheerder", "KPN", "ict"),
    ("Software developer", "Bol", "ict"),
    ("Werkvoorbereider", "Heijmans", "bouw"),
    ("Service engineer", "ASML", "mechatronica"),
    ("Projectleider installaties", "Croonwolter&dros", "installatietechniek"),
    ("Monteur middenspanning", "Alliander", "elektrotechniek"),
    ("Onderhoudstechnicus", "Tata Steel", "werktuigbouw"),
    ("Cloud engineer", "Centric", "ict"),
    ("Uitvoerder", "BAM", "bouw"),
    ("PLC-programmeur", "Siemens", "elektrotechniek"),
    ("Technisch tekenaar", "Royal HaskoningDHV", "bouw"),
    ("Security analist", "Rabobank", "ict"),
    ("Storingsmonteur", "Eneco", "installatietechniek"),
    ("Testengineer", "Philips", "mechatronica"),
]
TOPICS = [
    "robotica", "duurzame energie", "programmeren", "netwerken", "zonnepanelen", "elektrische auto's",
    "3D-printen", "cybersecurity", "werken in een mannenteam", "stage zoeken", "doorstuderen naar het hbo",
    "leidinggeven", "gaming", "domotica", "warmtepompen", "drones",
]
CIRCLE_THEMES = [
    ("Kring Techvrouwen", "Stage zoeken en volhouden"),
    ("Kring Stroom", "Werken in een mannenteam"),
    ("Kring Code", "Programmeren en doorstuderen"),
    ("Kring Bouwsteen", "Op de bouwplaats"),
    ("Kring Vonk", "Duurzame energie"),
    ("Kring Schakel", "Je eerste baan"),
    ("Kring Tandwiel", "Techniek en zelfvertrouwen"),
    ("Kring Netwerk", "Een netwerk opbouwen"),
]
LESSON_TOPICS = [
    "Een dag als servicemonteur", "Van mbo naar ASML", "Werken aan het stroomnet", "Cybersecurity in de praktijk",
    "Zonnepanelen op elk dak", "Als vrouw op de bouwplaats", "Programmeren bij een webshop", "Warmtepompen installeren",
]


def _email(first: str, last: str, n: int, domain: str) -> str:
    clean = "".join(c for c in (first + "." + last.replace(" ", "")).lower() if c.isascii() and (c.isalnum() or c == "."))
    return f"{clean}.{n}@{domain}"


def demo_student_email(k: int) -> str:
    """The k-th predictable demo studente (1-based; DEMO_STUDENTS_PER_SCHOOL per school)."""
    return f"studente-{k}@kring.example"


def demo_coordinator_email(school_index: int) -> str:
    """The coordinator of the school at this 0-based index."""
    return DEMO_ACCOUNTS["coordinator"] if school_index == 0 else f"coordinator{school_index + 1}@kring.example"


def _with_defaults(table, row: dict) -> dict:
    """The row plus the column defaults that SQLAlchemy would fill in (created_at, locale, ...)."""
    full = dict(row)
    for column in table.columns:
        if column.key not in full and column.default is not None and not column.default.is_sequence:
            default = column.default
            full[column.key] = default.arg(None) if default.is_callable else default.arg
    return full


def _copy_value(column, value):
    if value is None:
        return None
    if isinstance(column.type, JSON):
        return json.dumps(value, ensure_ascii=False)
    return value


def _bulk(model, rows: list[dict]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    table = model.__table__
    rows = [_with_defaults(table, row) for row in rows]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = [table.c[name] for name in rows[0]]
    names = ", ".join(connection.dialect.identifier_preparer.quote(c.name) for c in columns)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_copy_value(c, row[c.key]) for c in columns])


def _bulk_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows with ids given here (the next free ones) and return them in the order of the rows.

    Faster than RETURNING row by row; on PostgreSQL the id sequence is moved past them afterwards.
    """
    table = model.__table__
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    _bulk(model, [dict(row, id=new_id) for new_id, row in zip(ids, rows)])
    if ids and db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"), {"table": table.name, "last": ids[-1]})
    return ids


def _password_hash() -> str:
    """One hash of the demo password, shared by every demo account (they share the published password anyway)."""
    user = User(email="hash@kring.example", first_name="-")
    user.set_password(DEMO_PASSWORD)
    return user.password_hash


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    from webapp.timeutil import to_utc

    return to_utc(datetime(day.year, day.month, day.day, hour, minute))


def seed(size: str = "small", rng_seed: int = 2026) -> dict[str, int]:
    """Create demo data in an empty database; returns what was made."""
    rng = random.Random(rng_seed)
    n_schools, students_per_school, n_alumnae = SIZES[size]
    today = date.today()
    password_hash = _password_hash()
    counts = {"scholen": 0, "opleidingen": 0, "studentes": 0, "alumnae": 0, "coördinatoren": 0}

    users: list[dict] = []
    roles: list[str] = []

    def person(email: str, role: str, first: str, last: str, activated: bool) -> int:
        """Queue a user row; returns its index in `users`."""
        users.append(dict(email=email, first_name=first, last_name=last, activated=activated, password_hash=password_hash if activated else None))
        roles.append(role)
        return len(users) - 1

    # Schools and programmes: a few hundred rows, with ids needed at once.
    schools: list[School] = []
    programmes_of: dict[int, list[Programme]] = {}
    for index in range(n_schools):
        if index < len(SCHOOLS):
            name, city, brin = SCHOOLS[index]
        else:
            name, city, brin = f"Technisch College {index + 1}", "Nederland", f"{40 + index:02d}XZ"
        school = School(name=name, city=city, brin=brin)
        db.session.add(school)
        schools.append(school)
        chosen = rng.sample(PROGRAMMES, k=min(len(PROGRAMMES), 6))
        programmes_of[index] = [Programme(school=school, name=p[0], crebo=p[1], level=p[2], pathway=p[3], sector=p[4]) for p in chosen]
        db.session.add_all(programmes_of[index])
    db.session.flush()
    counts["scholen"] = len(schools)
    counts["opleidingen"] = sum(len(p) for p in programmes_of.values())

    # People: rows first, then one bulk insert per table.
    coordinators: list[tuple[int, int]] = []  # (user index, school index)
    students: list[tuple[int, dict]] = []  # (user index, profile fields)
    demo_k = 0
    for index, school in enumerate(schools):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        coordinators.append((person(demo_coordinator_email(index), "coordinator", first, last, True), index))
        for n in range(students_per_school):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            is_demo = index == 0 and n == 0
            is_load = 1 <= n <= DEMO_STUDENTS_PER_SCHOOL
            if is_demo:
                email = DEMO_ACCOUNTS["student"]
            elif is_load:
                demo_k += 1
                email = demo_student_email(demo_k)
            else:
                email = _email(first, last, school.id * 10000 + n, "student.kring.example")
            activated = is_demo or is_load or rng.random() < 0.85
            at = person(email, "student", first, last, activated)
            year = 2 if is_demo else rng.choice((2, 3, 4)) if is_load else rng.choice((1, 1, 2, 2, 3, 4))
            age = 15 + year + rng.choice((0, 0, 1, 2))
            volunteers = year >= 2 and rng.random() < 0.3
            students.append(
                (
                    at,
                    dict(
                        school_id=school.id,
                        programme_id=rng.choice(programmes_of[index]).id,
                        year=year,
                        student_number=f"{school.id:02d}{n:05d}",
                        birth_date=date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                        interests=rng.sample(TOPICS, k=rng.randint(1, 4)),
                        wants_buddy=year == 1 and rng.random() < 0.5,
                        volunteers_as_buddy=volunteers,
                        buddy_capacity=rng.randint(1, 2) if volunteers else 0,
                    ),
                )
            )
    person(DEMO_ACCOUNTS["admin"], "admin", "Marieke", "Beheer", True)
    all_programmes = [p for index in range(n_schools) for p in programmes_of[index]]
    alumnae: list[tuple[int, dict]] = []
    for n in range(n_alumnae):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        is_demo = n == 0
        email = DEMO_ACCOUNTS["alumna"] if is_demo else _email(first, last, n, "alumni.kring.example")
        at = person(email, "alumna", first, last, is_demo or rng.random() < 0.9)
        programme = all_programmes[0] if is_demo else rng.choice(all_programmes)
        job, employer, sector = rng.choice(JOBS)
        activities = ["guest_lesson", "speeddate", "circle_mentor"] if is_demo else rng.sample(
            ["guest_lesson", "speeddate", "circle_mentor", "open_day"], k=rng.randint(1, 3)
        )
        alumnae.append(
            (
                at,
                dict(
                    school_id=programme.school_id,
                    programme_id=programme.id,
                    programme_name=programme.name,
                    graduated_year=rng.randint(today.year - 15, today.year - 1),
                    job_title=job,
                    employer=employer,
                    sector=sector,
                    topics=rng.sample(TOPICS, k=rng.randint(2, 4)),
                    activities=activities,
                    max_per_year=rng.choice((2, 3, 4, 6)),
                    story=(
                        f"Ik deed {programme.name} en werk nu als {job.lower()} bij {employer}. "
                        "Ik vertel graag hoe het is om als vrouw in de techniek te werken."
                    ),
                ),
            )
        )

    ids = _bulk_ids(User, users)
    _bulk(UserRole, [dict(user_id=user_id, role=role) for user_id, role in zip(ids, roles)])
    _bulk(CoordinatorProfile, [dict(user_id=ids[at], school_id=schools[index].id, job_title="Loopbaancoach techniek") for at, index in coordinators])
    _bulk(StudentProfile, [dict(user_id=ids[at], **fields) for at, fields in students])
    _bulk(AlumnaProfile, [dict(user_id=ids[at], **fields) for at, fields in alumnae])
    counts["coördinatoren"] = len(coordinators)
    counts["studentes"] = len(students)
    counts["alumnae"] = len(alumnae)
    db.session.commit()

    people = _People(
        schools=[s.id for s in schools],
        programmes={s.id: [p.id for p in programmes_of[i]] for i, s in enumerate(schools)},
        coordinator={schools[index].id: ids[at] for at, index in coordinators},
        students={s.id: [] for s in schools},
        alumnae=[(ids[at], fields) for at, fields in alumnae if users[at]["activated"]],
    )
    for at, fields in students:
        email = users[at]["email"]
        people.students[fields["school_id"]].append(
            _Student(ids[at], fields["programme_id"], fields["year"], users[at]["activated"], email.startswith("studente-"), email == DEMO_ACCOUNTS["student"])
        )
    counts.update(add_activity(people, rng))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # the planner learns the new sizes now, not at the next autovacuum
        db.session.commit()
    return counts


@dataclass(slots=True)
class _Student:
    """A studente as the activity seeding needs her. `demo_account`: a predictable studente-<k>
    account, kept out of every activity; `featured`: studente@kring.example, put in a circle."""

    user_id: int
    programme_id: int
    year: int
    activated: bool
    demo_account: bool
    featured: bool


@dataclass
class _People:
    schools: list[int]
    programmes: dict[int, list[int]]  # school id -> programme ids
    coordinator: dict[int, int]  # school id -> the coordinator's user id
    students: dict[int, list[_Student]]  # school id -> her studentes
    alumnae: list[tuple[int, dict]]  # (user id, profile fields) of the activated alumnae


def add_activity(people: _People, rng: random.Random) -> dict[str, int]:
    """This school year's activity in every school, and last year's circles for the dashboard trend.

    Per school: open circles for all programmes and per programme (one full, with a waitlist),
    meetings ahead; last year's closed circles; guest lesson requests (open, with an offer,
    confirmed, given); one speeddate event open for registration (every programme and year
    invited, alumnae and senior studentes at the tables, some registrations with ranked
    choices) and last year's given event with its schedule; buddy pairs from a real match run,
    approved. The predictable demo studentes start in no circle and with no registration.
    """
    from webapp.buddies import services as buddies
    from webapp.buddies.models import BuddyPair, MatchRun
    from webapp.buddies.reasons import reason_data
    from webapp.circles.models import CircleMeeting, CircleMembership, MentoringCircle
    from webapp.guest_lessons.models import GuestLesson, GuestLessonOffer, GuestLessonOption
    from webapp.matching.buddies import DEFAULT_WEIGHTS, MatchError, match
    from webapp.modeltools import utcnow
    from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost, SpeeddatePreference, SpeeddateRegistration, SpeeddateSlot
    from webapp.timeutil import school_year

    now = utcnow()
    today = date.today()
    this_year = school_year(today)
    start_year = int(this_year[:4])
    last_year = f"{start_year - 1}-{start_year}"
    last_year_day = date(start_year - 1, 11, 12)  # a school day of last school year
    mentors = [a for a in people.alumnae if "circle_mentor" in a[1]["activities"]] or people.alumnae
    speakers = [a for a in people.alumnae if "speeddate" in a[1]["activities"]] or people.alumnae
    teachers = [a for a in people.alumnae if "guest_lesson" in a[1]["activities"]] or people.alumnae
    counts = dict.fromkeys(("kringen", "gastlessen", "speeddates", "buddykoppels"), 0)

    def future_day(days: int) -> date:
        day = today + timedelta(days=days)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    # --- circles: rows with their members; ids come back in order ----------------------------
    circles: list[dict] = []
    members: list[list[tuple[int, str]]] = []
    for school_id in people.schools:
        pool = [s for s in people.students[school_id] if s.activated and not s.demo_account]
        programmes = people.programmes[school_id]
        n_open = max(3, len(people.students[school_id]) // 100)
        for k in range(n_open):
            name, theme = CIRCLE_THEMES[k % len(CIRCLE_THEMES)]
            programme_id = None if k < 2 else programmes[k % len(programmes)]
            capacity = 8
            full = k == 2
            fitting = [s for s in pool if programme_id is None or s.programme_id == programme_id]
            joined = rng.sample(fitting, k=min(len(fitting), capacity if full else rng.randint(2, 5)))
            if k == 0:
                featured = [s for s in pool if s.featured]
                joined = featured + [s for s in joined if not s.featured][: capacity - 1]
            waiting = rng.sample([s for s in fitting if s not in joined], k=min(2, len(fitting) - len(joined))) if full else []
            circles.append(
                dict(
                    school_id=school_id, programme_id=programme_id, mentor_id=rng.choice(mentors)[0],
                    name=f"{name} {k + 1}" if k >= len(CIRCLE_THEMES) else name, theme=theme,
                    description="Zes keer per jaar praten we over wat je tegenkomt op school en op stage, met een vakvrouw als mentor.",
                    capacity=capacity, seats_taken=len(joined), status="full" if len(joined) >= capacity else "open",
                    invite_only=False, school_year=this_year, created_at=now - timedelta(days=60),
                )
            )
            members.append([(s.user_id, "joined") for s in joined] + [(s.user_id, "waitlisted") for s in waiting])
        for k in range(max(2, n_open // 2)):
            joined = rng.sample(pool, k=min(len(pool), 6))
            circles.append(
                dict(
                    school_id=school_id, programme_id=None, mentor_id=rng.choice(mentors)[0], name=f"Kring {last_year} {k + 1}",
                    theme="", description="", capacity=8, seats_taken=len(joined), status="closed", invite_only=False,
                    school_year=last_year, created_at=_local(last_year_day, 9),
                )
            )
            members.append([(s.user_id, "joined") for s in joined])
    circle_ids = _bulk_ids(MentoringCircle, circles)
    memberships, meetings = [], []
    for circle_id, circle, rows in zip(circle_ids, circles, members):
        current = circle["school_year"] == this_year
        joined_at = now - timedelta(days=rng.randint(10, 50)) if current else _local(last_year_day, 10)
        for position, (student_id, status) in enumerate(rows):
            memberships.append(
                dict(circle_id=circle_id, student_id=student_id, status=status, created_at=joined_at + timedelta(minutes=position),
                     joined_at=joined_at if status == "joined" else None, left_at=None)
            )
        if current:
            for m in range(3):
                day = future_day(7 + 21 * m + circle_id % 5)
                starts = _local(day, 15, 30)
                meetings.append(
                    dict(circle_id=circle_id, starts_at=starts, ends_at=starts + timedelta(hours=1, minutes=15), place="Lokaal B1.12",
                         topic=("Kennismaken", "Stage zoeken", "Werken in een mannenteam")[m], mentor_note="",
                         ical_uid=f"demo-kring-{circle_id}-{m}@kring", ical_sequence=0, cancelled=False)
                )
    _bulk(CircleMembership, memberships)
    _bulk(CircleMeeting, meetings)
    counts["kringen"] = len(circles)

    # --- guest lessons: open, with an offer, confirmed, given -------------------------------
    lessons, options, offers = [], [], []
    for school_id in people.schools:
        programmes = people.programmes[school_id]
        for k, status in enumerate(("open", "open", "offered", "confirmed", "done")):
            day = future_day(10 + 7 * k) if status != "done" else today - timedelta(days=20 + k)
            starts = _local(day, 10)
            fixed = status in ("confirmed", "done")
            lessons.append(
                dict(
                    school_id=school_id, kind="guest_lesson" if k != 1 else "open_day", programme_id=rng.choice(programmes),
                    class_name=f"{rng.choice('ABCD')}{rng.randint(1, 4)}", year=rng.randint(1, 3),
                    topic=LESSON_TOPICS[(school_id + k) % len(LESSON_TOPICS)], description="Vertel over je werk en hoe je er kwam.",
                    place="Lokaal A0.04", student_count=rng.randint(14, 26), status=status,
                    created_by_id=people.coordinator[school_id], created_at=starts - timedelta(days=30),
                    ical_uid=f"demo-gastles-{school_id}-{k}@kring", ical_sequence=0,
                    starts_at=starts if fixed else None, ends_at=starts + timedelta(hours=1, minutes=30) if fixed else None, cancel_reason="",
                )
            )
    lesson_ids = _bulk_ids(GuestLesson, lessons)
    for lesson_id, lesson in zip(lesson_ids, lessons):
        starts = lesson["starts_at"] or (lesson["created_at"] + timedelta(days=30))
        for o in range(1 if lesson["starts_at"] else 2):
            options.append(dict(lesson_id=lesson_id, starts_at=starts + timedelta(days=7 * o), ends_at=starts + timedelta(days=7 * o, hours=1, minutes=30)))
    option_ids = _bulk_ids(GuestLessonOption, options)
    first_option = {}
    for option_id, option in zip(option_ids, options):
        first_option.setdefault(option["lesson_id"], option_id)
    for lesson_id, lesson in zip(lesson_ids, lessons):
        if lesson["status"] in ("offered", "confirmed", "done"):
            offers.append(
                dict(lesson_id=lesson_id, alumna_id=rng.choice(teachers)[0], option_id=first_option[lesson_id],
                     status="offered" if lesson["status"] == "offered" else "confirmed", message="Ik kom graag!",
                     created_at=lesson["created_at"] + timedelta(days=3), decided_at=None if lesson["status"] == "offered" else lesson["created_at"] + timedelta(days=5))
            )
    _bulk(GuestLessonOffer, offers)
    counts["gastlessen"] = len(lessons)

    # --- speeddates: one open for registration, one given last year --------------------------
    events = []
    for school_id in people.schools:
        audience = sorted({(s.programme_id, s.year) for s in people.students[school_id]})
        at = (now - timedelta(days=14)).isoformat(timespec="minutes")
        sized = {}
        for s in people.students[school_id]:
            sized[s.programme_id, s.year] = sized.get((s.programme_id, s.year), 0) + 1
        day = future_day(28)
        starts = _local(day, 13)
        events.append(
            dict(
                school_id=school_id, kind="stage", title=f"Speeddate stages {this_year}", place="Aula", starts_at=starts, rounds=4,
                minutes_per_round=10, break_minutes=5, registration_deadline=_local(day - timedelta(days=7), 17), status="open",
                created_by_id=people.coordinator[school_id], created_at=now - timedelta(days=21),
                audience=[{"programme_id": p, "year": y, "at": at, "count": sized[p, y]} for p, y in audience],
                figures={}, schedule_version=0, held_rounds=0,
            )
        )
        events.append(
            dict(
                school_id=school_id, kind="beroep", title=f"Speeddate beroepen {last_year}", place="Aula",
                starts_at=_local(last_year_day + timedelta(days=90), 13), rounds=4, minutes_per_round=10, break_minutes=5,
                registration_deadline=_local(last_year_day + timedelta(days=83), 17), status="done",
                created_by_id=people.coordinator[school_id], created_at=_local(last_year_day, 9), published_at=_local(last_year_day + timedelta(days=85), 9),
                audience=[], figures={}, schedule_version=1, held_rounds=4,
            )
        )
    event_ids = _bulk_ids(SpeeddateEvent, events)
    hosts, host_event = [], []
    for event_id, event in zip(event_ids, events):
        senior = [s for s in people.students[event["school_id"]] if s.year == 4 and s.activated and not s.demo_account]
        for t in range(8):
            row = dict(event_id=event_id, alumna_id=None, student_id=None, guest_name=None, topic="", company="", table_label=str(t + 1),
                       seats_per_round=6, dropped_out=False)
            if t < 6 or not senior:
                alumna_id, profile = rng.choice(speakers)
                row.update(alumna_id=alumna_id, topic=f"Stage als {profile['job_title'].lower()}", company=profile["employer"])
            else:
                row.update(student_id=senior.pop(rng.randrange(len(senior))).user_id, topic="Mijn stage in jaar 3")
            hosts.append(row)
            host_event.append(event_id)
    host_ids = _bulk_ids(SpeeddateHost, hosts)
    tables: dict[int, list[int]] = {}
    for host_id, event_id, host in zip(host_ids, host_event, hosts):
        tables.setdefault(event_id, []).append(host_id)
    registrations, chosen, slots = [], [], []
    for event_id, event in zip(event_ids, events):
        hosting = {h["student_id"] for h in hosts if h["event_id"] == event_id and h["student_id"]}
        pool = [s for s in people.students[event["school_id"]] if s.activated and not s.demo_account and s.user_id not in hosting and s.year <= 3]
        take = rng.sample(pool, k=min(len(pool), max(4, len(pool) // 10)))
        for s in take:
            registrations.append(dict(event_id=event_id, student_id=s.user_id, created_at=event["created_at"] + timedelta(days=2),
                                      updated_at=event["created_at"] + timedelta(days=2), no_show=False))
            chosen.append(rng.sample(tables[event_id], k=3))
        if event["status"] == "done":
            table_ids = tables[event_id]
            for index, s in enumerate(take[: len(table_ids) * 6]):
                for round_ in range(1, 5):
                    slots.append(dict(event_id=event_id, round=round_, host_id=table_ids[(index + round_) % len(table_ids)], student_id=s.user_id,
                                      pinned=False, attended=rng.random() > 0.05))
    registration_ids = _bulk_ids(SpeeddateRegistration, registrations)
    _bulk(SpeeddatePreference, [dict(registration_id=r, host_id=h, rank=rank) for r, hs in zip(registration_ids, chosen) for rank, h in enumerate(hs, 1)])
    _bulk(SpeeddateSlot, slots)
    counts["speeddates"] = len(events)
    db.session.commit()

    # --- buddies: the real matching per school, approved (the introductions count as sent) ----
    approved_at = now - timedelta(days=30)
    runs, run_pairs = [], []
    for school_id in people.schools:
        inputs = buddies.gather(school_id)
        try:
            result = match(inputs.mentees, inputs.buddies, DEFAULT_WEIGHTS, forbidden=inputs.forbidden, active=inputs.active,
                           cohort_counts=inputs.cohort_counts)
        except MatchError:
            continue
        if not result.pairs:
            continue
        runs.append(
            dict(
                school_id=school_id, run_by_id=people.coordinator[school_id], created_at=approved_at - timedelta(hours=1), status="approved",
                approved_at=approved_at,
                settings={"weights": DEFAULT_WEIGHTS.to_dict(), "default_weights": True, "locked": [], "forbidden": [], "dropped_locks": []},
                figures={**result.figures, "approved_pairs": len(result.pairs), "skipped_at_approval": 0},
                unmatched=[{"mentee_id": m, "codes": list(codes)} for m, codes in result.unmatched_codes.items()],
            )
        )
        run_pairs.append(result.pairs)
    run_ids = _bulk_ids(MatchRun, runs)
    pairs = [
        dict(school_id=run["school_id"], buddy_id=pair.buddy_id, mentee_id=pair.mentee_id, match_run_id=run_id, status="active", locked=False,
             score=float(pair.score), reasons=reason_data(pair.reason_parts), created_at=run["created_at"], approved_at=approved_at)
        for run_id, run, found in zip(run_ids, runs, run_pairs)
        for pair in found
    ]
    _bulk(BuddyPair, pairs)
    db.session.commit()
    counts["buddykoppels"] = len(pairs)
    return counts
