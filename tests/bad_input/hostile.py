"""Hostile values, and the kinds of form fields whose valid values a form body mixes them with.

A form body is drawn per example. One in five is entirely valid (valid text includes markup
and SQL that fit the field), so that posts that get saved, and the pages that show what was
saved, are exercised as well as refusals; two in five are valid but for one field, which gets
a hostile value aimed at its kind or is left out; in the rest every field gets a valid value, a
hostile value, several values where one is expected, or is left out.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
# A response that contains one of these came from our payloads, unescaped.
MARKERS = ("<script>alert", "<img src=x", "<svg onload")

MARKUP = [SCRIPT, IMG, SVG, "<b>vet</b>", "</textarea><script>alert(1)</script>", "<!--", "]]>", "&lt;script&gt;", "&amp;"]
SQL = ["'; DROP TABLE users; --", "1' OR '1'='1", "1; SELECT pg_sleep(5) --", "%' OR 1=1 --", "\\", "%", "_", "' UNION SELECT password_hash FROM users --"]
UNICODE = [
    "\x00",
    "a\x00b",
    "\x00" + SCRIPT,
    "\u202eKring\u202c",  # right-to-left override
    "\u200f\u200e\u200b",
    "👩‍🔧⚡🔧",
    "e\u0301\u0301\u0301\u0301",  # combining accents
    "Zoë Ñandú Ærø",
    "\ufeffBOM",
    "\u2028\u2029",
    "𝕂𝕣𝕚𝕟𝕘",
    "\x1b[31mrood",
    "\x07\x08\x0c",
    "ﷺ",
    "\ud7ff\ue000\uffff",
]
BLANK = ["", " ", "   \t\n", "\u00a0", "\r\n\r\n"]
NUMBERS = ["-1", "0", "-999999999", "99999999999999999999999999", "9223372036854775808", "1e309", "NaN", "inf", "1.5", "0x1F", "+5", " 7 ", "1_000", "٣", "½"]
DATES = ["0001-01-01", "8999-12-31", "1900-02-29", "9999-12-31", "2026-02-30", "31-12-2026", "2026/01/01", "1970-01-01", "10000-01-01", "-0001-01-01", "2026-1-1"]
TIMES = ["24:00", "23:59:59", "-1:00", "12:60", "noon", "00:00", "99:99"]
TEMPLATES = ["{{ 7*7 }}", "{% include 'base.html' %}", "%(name)s", "%s%s%s%n", "${7*7}", "{0}"]
URLS = ["../../etc/passwd", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example", "http://", "mailto:x@example.org"]
WORDS = ["null", "None", "undefined", "true", "false", "[]", "{}", "abc", "a@b", "@", "ja", "nee", "on", "y"]
FIXED = MARKUP + SQL + UNICODE + BLANK + NUMBERS + DATES + TIMES + TEMPLATES + URLS + WORDS


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


long_text = st.builds(_repeat, st.sampled_from(["a", "é", "👩‍🔧", SCRIPT, "x ", "\x00"]), st.integers(10_001, 20_000))
hostile_text = st.one_of(
    st.sampled_from(FIXED),
    long_text,
    st.text(max_size=40),  # any unicode, control characters included
    st.builds(lambda a, b: a + b, st.sampled_from(MARKUP + SQL + UNICODE), st.text(max_size=10)),
)


@dataclass(frozen=True)
class Upload:
    """A file for a multipart post."""

    content: bytes
    filename: str = "bestand.csv"

    def open(self):
        return io.BytesIO(self.content), self.filename


OMIT = object()


@dataclass(frozen=True)
class Field:
    """A form field: a function from the scene to a strategy of its valid values.

    `edge`: hostile values aimed at this kind of field (far dates for a date, huge numbers for
    a number), tried more often than the general ones.
    """

    valid: Callable[[Any], st.SearchStrategy]
    upload: bool = False
    edge: tuple[str, ...] = ()


def _fits(max_len: int, required: bool) -> list[str]:
    samples = ["Zonnepanelen", "Zoë", "Kring Techniek", "👩‍🔧 monteur", "Robotica & domotica", SCRIPT, IMG, SVG, SQL[0], SQL[1], "%(name)s {{ 7*7 }}"]
    if not required:
        samples.append("")
    return [s for s in samples if len(s) <= max_len]


def text(max_len: int, required: bool = False) -> Field:
    """Free text up to max_len characters; markup and SQL that fit are valid text too."""
    letters = st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=min(max_len, 30))
    if required:
        letters = letters.filter(str.strip)
    edge = [_repeat("é", max_len), _repeat("x", max_len)]
    too_long = (_repeat("é", max_len + 1), _repeat(SCRIPT, max_len + 1))
    return Field(lambda scene: st.one_of(st.sampled_from(_fits(max_len, required) + edge), letters), edge=too_long)


EMAILS = ("a" * 250 + "@example.org", "x@" + "a" * 250 + ".org", "<script>@example.org", "x@example.org\r\nBcc: y@example.org", "x\x00@example.org", "@example.org", "x@localhost")
IDS = ("0", "-1", "2147483648", "99999999999999999999", "1.0", "1e3", "0x10")


def email() -> Field:
    return Field(lambda scene: st.builds("nieuw{}@example.org".format, st.integers(1, 10**9)), edge=EMAILS)


def integer(low: int, high: int) -> Field:
    return Field(lambda scene: st.integers(low, high).map(str), edge=(str(low - 1), str(high + 1), *NUMBERS))


def choice(values: Callable[[Any], list] | list) -> Field:
    """One of the values offered by the form (a list, or a function of the scene)."""
    get = values if callable(values) else (lambda scene: values)
    return Field(lambda scene: st.sampled_from([str(v) for v in get(scene)]), edge=IDS + ("", "other", SCRIPT))


def multi(values: Callable[[Any], list] | list) -> Field:
    """Checkboxes: some of the offered values (none ticked is left to the mixed bodies, which leave fields out)."""
    get = values if callable(values) else (lambda scene: values)
    return Field(lambda scene: st.lists(st.sampled_from([str(v) for v in get(scene)]), min_size=1, max_size=3, unique=True), edge=IDS)


def day(first: int = 1, last: int = 120) -> Field:
    """A date from `first` to `last` days from today."""
    return Field(lambda scene: st.integers(first, last).map(lambda n: (date.today() + timedelta(days=n)).isoformat()), edge=tuple(DATES))


def clock(part: str = "any") -> Field:
    """A time of day; a start ("morning") is always before an end ("afternoon")."""
    times = {"morning": ["08:30", "09:00", "10:30", "11:45"], "afternoon": ["12:15", "13:00", "15:00", "16:45"]}
    return Field(lambda scene: st.sampled_from(times.get(part) or times["morning"] + times["afternoon"]), edge=("00:00", "23:59", *TIMES))


def flag() -> Field:
    """A checkbox: ticked ("y") or left out."""
    return Field(lambda scene: st.sampled_from(["y", OMIT]))


def const(value: str | Callable[[Any], str]) -> Field:
    return Field(lambda scene: st.just(value(scene) if callable(value) else value))


def password() -> Field:
    return Field(lambda scene: st.sampled_from(["correct horse battery", "een lange zin van woorden"]))


def upload(valid: Callable[[Any], list[bytes]]) -> Field:
    return Field(lambda scene: st.sampled_from(valid(scene)).map(Upload), upload=True)


hostile_file = st.one_of(
    st.sampled_from(
        [
            b"",
            b"\x00\x00\x00\x00",
            b"PK\x03\x04" + b"\x00" * 64,  # a spreadsheet
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            b"\xff\xfe" + "voornaam\temail\n".encode("utf-16-le"),
            b"voornaam;achternaam;e-mail;opleiding;leerjaar\n" + ";".join([SCRIPT, IMG, "x@example.org", "25604", "2"]).encode() + b"\n",
            b"email\n" + "\n".join(["a\x00b@example.org", SCRIPT + "@example.org", "'; DROP TABLE users; --"]).encode(),
            b"email\n" + b"x" * 200_000 + b"\n",  # one cell larger than the csv module allows
            b'"unclosed quote\n' * 50,
            b"\xe9\xe8\x80\x81\n" * 10,
            ("voornaam,e-mail\n" + "Zo\u00eb,zoe@example.org\n" * 3).encode("cp1252"),
        ]
    ),
    st.binary(max_size=300),
).map(Upload)

# Where a single value is expected, several.
many_values = st.lists(st.one_of(hostile_text, st.sampled_from(["1", "2", "y"])), min_size=2, max_size=3)


def hostile_value(field: Field) -> st.SearchStrategy:
    if field.upload:
        return st.one_of(hostile_file, hostile_text)
    if field.edge:
        return st.one_of(st.sampled_from(field.edge), hostile_text, many_values)
    return st.one_of(hostile_text, many_values)


def form_body(fields: dict[str, Field], scene) -> st.SearchStrategy[dict]:
    """A whole form: all valid; valid but for one field; or every field valid, hostile, repeated or left out."""

    def mixed(field: Field) -> st.SearchStrategy:
        return st.one_of(field.valid(scene), hostile_value(field), st.just(OMIT))

    valid = st.fixed_dictionaries({name: field.valid(scene) for name, field in fields.items()})
    anything = st.fixed_dictionaries({name: mixed(field) for name, field in fields.items()})

    @st.composite
    def one_bad(draw):
        body = draw(valid)
        name = draw(st.sampled_from(sorted(fields)))
        body[name] = draw(st.one_of(hostile_value(fields[name]), st.just(OMIT)))
        return body

    drawn = st.one_of(valid, one_bad(), one_bad(), anything, anything)
    return drawn.map(lambda body: {name: value for name, value in body.items() if value is not OMIT})


json_value = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


def json_body(body: dict) -> st.SearchStrategy[dict]:
    """The same form as a JSON document, some values of the wrong JSON type."""
    plain = {name: value for name, value in body.items() if not isinstance(value, Upload)}
    return st.fixed_dictionaries({name: st.one_of(st.just(value), json_value) for name, value in plain.items()})


def as_post_data(body: dict) -> dict:
    """The body as the test client wants it (files opened, lists kept as repeated keys)."""
    return {name: value.open() if isinstance(value, Upload) else value for name, value in body.items()}
