"""Importing students from a CSV export of the school's student information system.

Three steps, each a plain function:

1. `read_upload` and `parse_csv` turn the uploaded bytes into `CsvRow`s, or raise
   `ImportFileError` with a message for the coordinator (wrong columns, a spreadsheet
   instead of CSV, an empty file, too many rows, ...). Encoding (UTF-8 with or without BOM,
   UTF-16 from Excel's "Unicode text", else Windows-1252) and delimiter (comma, semicolon,
   tab, or Excel's `sep=` line) are detected.
2. `build_preview` validates the rows and compares them with the students of the school
   (a few bulk queries, never one per row): each row is new, an update (with the changes),
   unchanged, or invalid (with the reasons). It only reads.
3. `sign_plan` puts the rows that would change something (new and updates, already
   validated and normalised) with a fingerprint of the preview into a signed, compressed,
   timestamped token bound to the school and the coordinator; the confirm form carries it
   in a hidden field. `apply_plan` verifies the token, compares the rows with the database
   again under a lock on the school, and applies them only if the outcome is still exactly
   what the coordinator saw; otherwise nothing is written. The token cannot be forged
   (HMAC with SECRET_KEY), and it is small: 10,000 new rows make about 200 KB.

Matching: a row belongs to an existing student of the school by student number first,
else by e-mail address. An address of any other account (another school's student, an
alumna, a coordinator) makes the row invalid, without saying whose it is. Empty optional
cells never clear what Kring already knows.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit.services import record
from webapp.auth.models import User, UserRole
from webapp.auth.services import normalise_email, send_activations
from webapp.extensions import db
from webapp.people.models import Programme, School, StudentProfile

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
PLAN_MAX_AGE_SECONDS = 2 * 3600
PLAN_SALT = "kring-student-import"
# Bind parameters per IN list: well below the limits of SQLite (32,766) and PostgreSQL (65,535).
QUERY_CHUNK = 5_000

MAX_FIRST_NAME = 80
MAX_LAST_NAME = 120
MAX_EMAIL = 254
STUDENT_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,20}$")
YEARS = ("1", "2", "3", "4")

ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls

NEW, UPDATE, UNCHANGED, INVALID = "new", "update", "unchanged", "invalid"

# Header names, normalised by `_header_key` (case, spaces, dashes, dots and underscores
# ignored), mapped to the field they fill.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("voornaam", "roepnaam", "firstname", "givenname"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "voorvoegsel", "infix", "prefix"),
    "last_name": ("achternaam", "lastname", "surname", "familyname", "familienaam"),
    "name": ("naam", "name", "volledigenaam", "fullname", "studentnaam"),
    "email": ("email", "emailadres", "mail", "mailadres", "emailaddress"),
    "programme": ("opleiding", "programme", "program", "opleidingsnaam", "crebo", "crebocode", "opleidingscode"),
    "year": ("leerjaar", "jaar", "year", "studiejaar"),
    "student_number": ("studentnummer", "studentnumber", "studentnr", "leerlingnummer", "studentid"),
}
FIELD_BY_HEADER = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
TEMPLATE_HEADERS = ("voornaam", "tussenvoegsel", "achternaam", "e-mail", "opleiding", "leerjaar", "studentnummer")

FIELD_LABELS = {
    "first_name": _l("Voornaam"),
    "last_name": _l("Achternaam"),
    "programme_id": _l("Opleiding"),
    "year": _l("Leerjaar"),
    "student_number": _l("Studentnummer"),
}


class ImportFileError(ValueError):
    """The file cannot be imported at all; the message tells the coordinator why."""


class ImportPlanError(ValueError):
    """A confirmation that cannot be applied (forged, expired, or outdated); nothing was saved."""


# --- step 1: the file -------------------------------------------------------------------


@dataclass
class CsvRow:
    """One data row of the file, by field, with the line it starts on."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False
    end_line: int = 0  # the last line of the row, when a quoted cell spans lines

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class ParsedFile:
    rows: list[CsvRow]
    encoding: str
    delimiter: str
    ignored_columns: list[str] = field(default_factory=list)


def read_upload(stream: IO[bytes]) -> bytes:
    """Read an uploaded file, refusing more than MAX_UPLOAD_BYTES without reading it all."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _(
                "Het bestand is groter dan %(size)s MB. Splits het in kleinere bestanden of laat kolommen weg die Kring niet gebruikt.",
                size=MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )
    return data


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with; spreadsheets and binaries are refused."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _("Dit is een Excel-bestand; sla het op als CSV (in Excel: Opslaan als, CSV UTF-8) en upload dat bestand.")
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(_not_text()) from None
    if b"\x00" in data[:65536]:
        raise ImportFileError(_not_text())
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves "CSV (gescheiden door lijstscheidingsteken)" in Windows-1252.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _not_text() -> str:
    return _("Dit is geen tekstbestand. Upload een CSV-bestand (tekst, met een kopregel).")


def _header_key(header: str) -> str:
    return re.sub(r"[\s_.\-]+", "", header.strip().strip('"').casefold())


def detect_delimiter(header_line: str) -> str:
    """The delimiter that occurs most in the header line: comma, semicolon or tab."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _shorten(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _map_headers(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index per field, and the columns that are ignored; raises on missing or doubled ones."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = FIELD_BY_HEADER.get(_header_key(header))
        if name is None:
            if header.strip():
                ignored.append(_shorten(header))
            continue
        if name in columns:
            raise ImportFileError(
                _(
                    "De kolommen '%(first)s' en '%(second)s' betekenen hetzelfde. Laat er één van weg.",
                    first=_shorten(headers[columns[name]]),
                    second=_shorten(header),
                )
            )
        columns[name] = index
    if "first_name" in columns and "name" in columns:
        ignored.append(_shorten(headers[columns.pop("name")]))
    missing = []
    if "email" not in columns:
        missing.append(_("e-mail"))
    if "first_name" not in columns and "name" not in columns:
        missing.append(_("voornaam (of naam)"))
    if "programme" not in columns:
        missing.append(_("opleiding"))
    if "year" not in columns:
        missing.append(_("leerjaar"))
    if missing:
        found = [_shorten(h) for h in headers if h.strip()][:20]
        raise ImportFileError(
            _(
                "Deze kolommen ontbreken: %(missing)s. Gevonden kolommen: %(found)s. "
                "De eerste regel van het bestand moet de kolomnamen bevatten; download het voorbeeldbestand.",
                missing=", ".join(missing),
                found=", ".join(f"'{h}'" for h in found) or _("geen"),
            )
        )
    return columns, ignored


def parse_csv(data: bytes) -> ParsedFile:
    """Parse the uploaded bytes into rows by field; raises ImportFileError for a file that cannot be used."""
    if not data.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError(_("Het bestand is leeg."))
    text = text.lstrip("\ufeff")
    offset = 0
    first_line, _newline, rest = text.partition("\n")
    sep_line = re.fullmatch(r"\s*sep=(.)\s*", first_line, re.IGNORECASE)
    if sep_line:  # Excel's hint line, e.g. "sep=;"
        delimiter = sep_line.group(1)
        text, offset = rest, 1
    else:
        delimiter = detect_delimiter(next((line for line in text.splitlines() if line.strip()), ""))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[CsvRow] = []
    columns: dict[str, int] | None = None
    ignored: list[str] = []
    width = 0
    line = offset + 1  # the line the next record starts on
    try:
        for record in reader:
            start, line = line, reader.line_num + offset + 1
            if not any(cell.strip() for cell in record):
                continue
            if columns is None:
                columns, ignored = _map_headers(record)
                width = len(record)
                continue
            if len(rows) == MAX_ROWS:
                raise ImportFileError(
                    _(
                        "Het bestand heeft meer dan %(max)s rijen. Splits het in delen van hoogstens %(max)s rijen en importeer ze na elkaar.",
                        max=format_number(MAX_ROWS),
                    )
                )
            values = {name: (record[index].strip() if index < len(record) else "") for name, index in columns.items()}
            extra = len(record) > width and any(cell.strip() for cell in record[width:])
            rows.append(CsvRow(line=start, values=values, extra_cells=extra, end_line=line - 1))
    except csv.Error:
        raise ImportFileError(
            _(
                "Het bestand kan niet als CSV worden gelezen (rond regel %(line)s). Controleer of aanhalingstekens goed zijn afgesloten.",
                line=line,
            )
        ) from None
    if columns is None:
        raise ImportFileError(_("Het bestand is leeg."))
    if not rows:
        raise ImportFileError(_("Het bestand bevat alleen een kopregel en geen studentes."))
    return ParsedFile(rows=rows, encoding=encoding, delimiter=delimiter, ignored_columns=ignored)


# --- step 2: validate and compare -------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A valid row, normalised: what the import would make of this student."""

    line: int
    email: str
    first_name: str
    last_name: str | None  # None: not given, keep what Kring has
    programme_id: int
    year: int
    student_number: str | None  # None: not given, keep what Kring has

    def to_list(self) -> list[Any]:
        return [self.line, self.email, self.first_name, self.last_name, self.programme_id, self.year, self.student_number]

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> Candidate:
        line, email, first_name, last_name, programme_id, year, student_number = values
        return cls(int(line), str(email), str(first_name), last_name, int(programme_id), int(year), student_number)


@dataclass(frozen=True)
class Existing:
    """What Kring knows about a student of the school (plain values, no ORM object)."""

    user_id: int
    email: str
    first_name: str
    last_name: str
    programme_id: int | None
    year: int
    student_number: str | None


USER_FIELDS = ("first_name", "last_name")


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any
    old_label: str
    new_label: str

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])


@dataclass
class RowResult:
    """One row of the preview: what would happen, and why."""

    line: int
    kind: str
    email: str
    name: str
    programme: str = ""
    year: str = ""
    student_number: str = ""
    reasons: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    candidate: Candidate | None = None
    existing: Existing | None = None

    @property
    def user_id(self) -> int | None:
        return self.existing.user_id if self.existing is not None else None


@dataclass(frozen=True)
class Counts:
    new: int
    updated: int
    unchanged: int
    invalid: int


@dataclass
class Preview:
    rows: list[RowResult]
    ignored_columns: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[RowResult]:
        return [row for row in self.rows if row.kind == kind]

    @property
    def counts(self) -> Counts:
        counts = dict.fromkeys((NEW, UPDATE, UNCHANGED, INVALID), 0)
        for row in self.rows:
            counts[row.kind] += 1
        return Counts(new=counts[NEW], updated=counts[UPDATE], unchanged=counts[UNCHANGED], invalid=counts[INVALID])

    @property
    def has_changes(self) -> bool:
        return any(row.kind in (NEW, UPDATE) for row in self.rows)


def _programme_key(text: str) -> str:
    return " ".join(re.sub(r"[()\-/,]", " ", text).casefold().split())


class ProgrammeIndex:
    """The programmes of one school, found by crebo code or name, with or without BOL/BBL."""

    def __init__(self, programmes: Iterable[Programme]):
        self.by_id: dict[int, Programme] = {}
        self._ids: dict[str, set[int]] = defaultdict(set)
        for programme in programmes:
            self.by_id[programme.id] = programme
            for key in (
                programme.crebo,
                f"{programme.crebo} {programme.pathway}",
                programme.name,
                f"{programme.name} {programme.pathway}",
            ):
                self._ids[_programme_key(key)].add(programme.id)

    @classmethod
    def of_school(cls, school_id: int) -> ProgrammeIndex:
        return cls(db.session.scalars(select(Programme).where(Programme.school_id == school_id)))

    def find(self, text: str) -> tuple[Programme | None, str | None]:
        """The programme a cell names, or None and the reason."""
        ids = self._ids.get(_programme_key(text), set())
        if len(ids) == 1:
            return self.by_id[next(iter(ids))], None
        if ids:
            return None, _("Opleiding '%(value)s' is niet eenduidig; vermeld ook BOL of BBL, bijvoorbeeld '%(value)s BBL'.", value=_shorten(text))
        return None, _("Opleiding '%(value)s' bestaat niet bij je school.", value=_shorten(text))

    def label(self, programme_id: int | None) -> str:
        programme = self.by_id.get(programme_id) if programme_id is not None else None
        if programme is None:
            return "–"
        return f"{programme.name} ({programme.crebo}, {programme.pathway})"


def _names(row: CsvRow) -> tuple[str, str | None]:
    """First name and last name (None when the file gives none) of a row."""
    if "first_name" in row.values:
        last = " ".join(part for part in (row.get("infix"), row.get("last_name")) if part)
        return row.get("first_name"), last or None
    first, _space, last = " ".join(row.get("name").split()).partition(" ")
    if row.get("infix") or row.get("last_name"):
        last = " ".join(part for part in (last, row.get("infix"), row.get("last_name")) if part)
    return first, last or None


def _duplicates(keys: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = defaultdict(list)
    for key, line in keys:
        if key:
            lines[key].append(line)
    return {key: found for key, found in lines.items() if len(found) > 1}


def _lines(lines: Sequence[int], shown: int = 5) -> str:
    """Line numbers for a message, the first few only: a file may repeat one value 10,000 times."""
    text = ", ".join(map(str, lines[:shown]))
    if len(lines) > shown:
        text += " " + _("en nog %(count)s", count=format_number(len(lines) - shown))
    return text


def validate_rows(rows: Sequence[CsvRow], programmes: ProgrammeIndex) -> tuple[list[Candidate], list[RowResult]]:
    """Check every row on its own and against the rest of the file (no database)."""
    emails = _duplicates((normalise_email(row.get("email")), row.line) for row in rows)
    numbers = _duplicates((row.get("student_number"), row.line) for row in rows)
    candidates: list[Candidate] = []
    invalid: list[RowResult] = []
    for row in rows:
        reasons: list[str] = []
        first_name, last_name = _names(row)
        raw_email = row.get("email")
        email = normalise_email(raw_email)
        if not email:
            reasons.append(_("E-mailadres ontbreekt."))
        elif len(email) > MAX_EMAIL or not _valid_email(email):
            reasons.append(_("'%(value)s' is geen geldig e-mailadres.", value=_shorten(raw_email)))
        elif email in emails:
            reasons.append(_("Dit e-mailadres staat vaker in het bestand (regels %(lines)s).", lines=_lines(emails[email])))
        if not first_name:
            reasons.append(_("Voornaam ontbreekt."))
        elif len(first_name) > MAX_FIRST_NAME or (last_name and len(last_name) > MAX_LAST_NAME):
            reasons.append(_("De naam is te lang."))
        programme = None
        if not row.get("programme"):
            reasons.append(_("Opleiding ontbreekt."))
        else:
            programme, reason = programmes.find(row.get("programme"))
            if reason:
                reasons.append(reason)
        year = row.get("year")
        if not year:
            reasons.append(_("Leerjaar ontbreekt."))
        elif year not in YEARS:
            reasons.append(_("Leerjaar moet 1, 2, 3 of 4 zijn, niet '%(value)s'.", value=_shorten(year, 10)))
        number = row.get("student_number")
        if number and not STUDENT_NUMBER.match(number):
            reasons.append(
                _("Studentnummer '%(value)s' mag alleen cijfers, letters en streepjes bevatten (hoogstens 20 tekens).", value=_shorten(number, 24))
            )
        elif number in numbers:
            reasons.append(_("Dit studentnummer staat vaker in het bestand (regels %(lines)s).", lines=_lines(numbers[number])))
        if row.end_line > row.line:
            reasons.append(
                _("Deze rij loopt door tot regel %(end)s. Staat er een aanhalingsteken dat niet is afgesloten?", end=row.end_line)
            )
        if row.extra_cells:
            reasons.append(_("Deze rij heeft meer kolommen dan de kopregel. Staat er een scheidingsteken in een naam?"))
        if reasons:
            invalid.append(
                RowResult(
                    line=row.line,
                    kind=INVALID,
                    email=_shorten(raw_email, 60),
                    name=_shorten(" ".join(part for part in (first_name, last_name) if part), 60),
                    reasons=reasons,
                )
            )
            continue
        assert programme is not None
        candidates.append(
            Candidate(
                line=row.line,
                email=email,
                first_name=first_name,
                last_name=last_name,
                programme_id=programme.id,
                year=int(year),
                student_number=number or None,
            )
        )
    return candidates, invalid


def _valid_email(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), QUERY_CHUNK):
        yield values[start : start + QUERY_CHUNK]


def _school_students(school_id: int, emails: Sequence[str], numbers: Sequence[str]) -> tuple[dict[str, Existing], dict[str, Existing]]:
    """The school's students whose e-mail or student number occurs in the file, by each key."""
    by_email: dict[str, Existing] = {}
    by_number: dict[str, Existing] = {}
    base = (
        select(
            StudentProfile.user_id,
            User.email,
            User.first_name,
            User.last_name,
            StudentProfile.programme_id,
            StudentProfile.year,
            StudentProfile.student_number,
        )
        .join(User, User.id == StudentProfile.user_id)
        .where(StudentProfile.school_id == school_id)
    )
    for chunk in _chunks(emails):
        for row in db.session.execute(base.where(func.lower(User.email).in_(chunk))):
            student = Existing(*row)
            by_email[normalise_email(student.email)] = student
    for chunk in _chunks(numbers):
        for row in db.session.execute(base.where(StudentProfile.student_number.in_(chunk))):
            student = Existing(*row)
            by_number[student.student_number or ""] = student
    return by_email, by_number


def _taken_emails(emails: Sequence[str]) -> set[str]:
    """Which of these addresses belong to any account at all."""
    taken: set[str] = set()
    for chunk in _chunks(emails):
        taken.update(db.session.scalars(select(func.lower(User.email)).where(func.lower(User.email).in_(chunk))))
    return taken


def _changes(candidate: Candidate, student: Existing, programmes: ProgrammeIndex) -> list[Change]:
    changes = []
    if candidate.first_name != student.first_name:
        changes.append(Change("first_name", student.first_name, candidate.first_name, student.first_name, candidate.first_name))
    if candidate.last_name is not None and candidate.last_name != student.last_name:
        changes.append(Change("last_name", student.last_name, candidate.last_name, student.last_name or "–", candidate.last_name))
    if candidate.programme_id != student.programme_id:
        changes.append(
            Change(
                "programme_id",
                student.programme_id,
                candidate.programme_id,
                programmes.label(student.programme_id),
                programmes.label(candidate.programme_id),
            )
        )
    if candidate.year != student.year:
        changes.append(Change("year", student.year, candidate.year, str(student.year), str(candidate.year)))
    if candidate.student_number is not None and candidate.student_number != student.student_number:
        changes.append(
            Change("student_number", student.student_number, candidate.student_number, student.student_number or "–", candidate.student_number)
        )
    return changes


def compare(candidates: Sequence[Candidate], school_id: int, programmes: ProgrammeIndex) -> list[RowResult]:
    """What each valid row would do to the school's students: new, update, unchanged or invalid."""
    emails = sorted({c.email for c in candidates})
    numbers = sorted({c.student_number for c in candidates if c.student_number})
    by_email, by_number = _school_students(school_id, emails, numbers)
    taken = _taken_emails(emails)
    results = []
    for candidate in candidates:
        result = RowResult(
            line=candidate.line,
            kind=NEW,
            email=candidate.email,
            name=" ".join(part for part in (candidate.first_name, candidate.last_name) if part),
            programme=programmes.label(candidate.programme_id),
            year=str(candidate.year),
            student_number=candidate.student_number or "",
            candidate=candidate,
        )
        results.append(result)
        if candidate.programme_id not in programmes.by_id:
            result.kind, result.reasons = INVALID, [_("Deze opleiding bestaat niet (meer) bij je school.")]
            continue
        student = by_number.get(candidate.student_number) if candidate.student_number else None
        if student is not None and normalise_email(student.email) != candidate.email:
            result.kind = INVALID
            result.reasons = [
                _(
                    "Studentnummer %(number)s hoort bij een andere studente van je school (%(email)s).",
                    number=candidate.student_number,
                    email=student.email,
                )
            ]
            continue
        student = student or by_email.get(candidate.email)
        if student is None:
            if candidate.email in taken:
                # Never say whose address it is: it may belong to another school.
                result.kind = INVALID
                result.reasons = [_("Dit e-mailadres hoort al bij een ander account, niet bij een studente van je school.")]
            continue
        result.existing = student
        result.changes = _changes(candidate, student, programmes)
        result.kind = UPDATE if result.changes else UNCHANGED
    return results


def build_preview(parsed: ParsedFile, school_id: int) -> Preview:
    """Validate the parsed rows and compare them with the school's students; reads only."""
    programmes = ProgrammeIndex.of_school(school_id)
    candidates, invalid = validate_rows(parsed.rows, programmes)
    rows = invalid + compare(candidates, school_id, programmes)
    rows.sort(key=lambda row: row.line)
    return Preview(rows=rows, ignored_columns=parsed.ignored_columns)


# --- step 3: confirm and apply ----------------------------------------------------------


@dataclass
class ImportResult:
    new: int
    updated: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PLAN_SALT)


def fingerprint(rows: Iterable[RowResult]) -> str:
    """A digest of exactly what the rows would do (kind, student, changes with old values)."""
    outline = [
        [row.line, row.kind, row.user_id, [[c.field, c.old, c.new] for c in row.changes]]
        for row in sorted(rows, key=lambda r: r.line)
    ]
    return hashlib.sha256(json.dumps(outline, separators=(",", ":")).encode()).hexdigest()


def sign_plan(preview: Preview, school_id: int, user_id: int) -> str:
    """The token the confirm form carries: the changing rows, signed, compressed and timestamped."""
    rows = [row for row in preview.rows if row.kind in (NEW, UPDATE)]
    payload = {
        "school": school_id,
        "user": user_id,
        "rows": [row.candidate.to_list() for row in rows if row.candidate is not None],
        "fingerprint": fingerprint(rows),
    }
    return _serializer().dumps(payload)


def load_plan(token: str, school_id: int, user_id: int) -> tuple[list[Candidate], str]:
    """The rows and fingerprint of a token made for this school and coordinator, or ImportPlanError."""
    try:
        payload = _serializer().loads(token, max_age=PLAN_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise ImportPlanError(_("Deze voorbeeldweergave is verlopen. Upload het bestand opnieuw.")) from None
    except BadSignature:
        raise ImportPlanError(invalid_plan_message()) from None
    try:
        if payload["school"] != school_id or payload["user"] != user_id:
            raise ImportPlanError(invalid_plan_message())
        return [Candidate.from_list(values) for values in payload["rows"]], str(payload["fingerprint"])
    except (KeyError, TypeError, ValueError):
        raise ImportPlanError(invalid_plan_message()) from None


def invalid_plan_message() -> str:
    return _("De bevestiging is ongeldig. Er is niets opgeslagen; upload het bestand opnieuw.")


def apply_plan(token: str, school: School, invited_by: User) -> ImportResult:
    """Apply a confirmed import in one transaction, if it still does exactly what the preview showed.

    New rows become not yet activated student accounts, each with an activation e-mail in
    the outbox; updates change only the changed fields; one audit event describes it all.
    """
    candidates, expected = load_plan(token, school.id, invited_by.id)
    # One import per school at a time (PostgreSQL; SQLite serialises writers anyway).
    db.session.execute(select(School.id).where(School.id == school.id).with_for_update())
    programmes = ProgrammeIndex.of_school(school.id)
    rows = compare(candidates, school.id, programmes)
    if fingerprint(rows) != expected:
        db.session.rollback()
        if rows and all(row.kind == UNCHANGED for row in rows):
            raise ImportPlanError(_("Deze import is al uitgevoerd. Er is niets veranderd."))
        raise ImportPlanError(_changed_since_preview())
    new_rows = [row for row in rows if row.kind == NEW]
    updates = [row for row in rows if row.kind == UPDATE]
    if not new_rows and not updates:
        db.session.rollback()
        return ImportResult(0, 0)
    try:
        _write(school, new_rows, updates, invited_by)
        db.session.commit()
    except IntegrityError:
        # A concurrent change (another import, an invitation) took an address or number.
        db.session.rollback()
        log.warning("student import for school %s collided with a concurrent change", school.id)
        raise ImportPlanError(_changed_since_preview()) from None
    return ImportResult(new=len(new_rows), updated=len(updates))


def _changed_since_preview() -> str:
    return _(
        "Sinds de voorbeeldweergave is er iets veranderd bij de studentes van je school. "
        "Er is niets opgeslagen; upload het bestand opnieuw."
    )


def _write(school: School, new_rows: Sequence[RowResult], updates: Sequence[RowResult], invited_by: User) -> None:
    """Add the new students with their invitations, change the updated ones, and record it.

    Bulk statements (executemany, INSERT ... RETURNING) instead of one ORM flush per object.
    """
    new = [row.candidate for row in new_rows if row.candidate is not None]
    users: list[User] = []
    if new:
        # No sort_by_parameter_order: SQLite would then insert row by row. E-mails are unique.
        inserted = db.session.scalars(
            insert(User).returning(User),
            [{"email": c.email, "first_name": c.first_name, "last_name": c.last_name or ""} for c in new],
        )
        by_email = {user.email: user for user in inserted}
        users = [by_email[c.email] for c in new]
        db.session.execute(insert(UserRole), [{"user_id": user.id, "role": "student"} for user in users])
        db.session.execute(
            insert(StudentProfile),
            [
                {
                    "user_id": user.id,
                    "school_id": school.id,
                    "programme_id": c.programme_id,
                    "year": c.year,
                    "student_number": c.student_number,
                }
                for user, c in zip(users, new)
            ],
        )
    user_changes, profile_changes = [], []
    for row in updates:
        user_values: dict[str, Any] = {}
        profile_values: dict[str, Any] = {}
        for change in row.changes:
            (user_values if change.field in USER_FIELDS else profile_values)[change.field] = change.new
        if user_values:
            user_changes.append({"id": row.user_id, **user_values})
        if profile_values:
            profile_changes.append({"user_id": row.user_id, **profile_values})
    if user_changes:
        db.session.execute(update(User), user_changes)
    if profile_changes:
        db.session.execute(update(StudentProfile), profile_changes)
    send_activations(users, school_id=school.id, invited_by=invited_by, school_name=school.name)
    record("students.imported", school_id=school.id, new=len(new_rows), updated=len(updates))


def template_csv() -> str:
    """The example file: the expected header row, semicolon-separated (as Excel NL reads it)."""
    return ";".join(TEMPLATE_HEADERS) + "\r\n"
