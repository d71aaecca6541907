"""Every Dutch text of the interface has an English translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_english_catalogue_covers_every_message(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert len(wanted) > 150, "extraction found too few texts"
    with (ROOT / "webapp/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, (list, tuple)) else m.string)
    }
    missing = sorted(wanted - translated)
    assert not missing, f"{len(missing)} texts lack an English translation (run `make translations-update`): {missing[:10]}"


def test_english_pages_use_the_catalogue(client):
    client.post_form("/taal", {"locale": "en"})
    text = client.get("/wachtwoord-vergeten").get_data(as_text=True)
    assert "Forgot" in text or "forgot" in text
    assert "Wachtwoord vergeten" not in text
