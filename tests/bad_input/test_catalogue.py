"""The catalogue of forms stays complete: a new POST route must be listed as a form or a button."""

from __future__ import annotations

import inspect
import re

from tests.bad_input.catalogue import BUTTONS, FORMS


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}


def test_every_post_route_is_a_listed_form_or_button(app):
    posted = _post_endpoints(app)
    forms = {form.endpoint for form in FORMS}
    missing = posted - forms - BUTTONS
    assert not missing, f"POST routes without an entry in tests/bad_input/catalogue.py: {sorted(missing)}"
    gone = (forms | BUTTONS) - posted
    assert not gone, f"catalogue entries for routes that no longer exist: {sorted(gone)}"
    assert not forms & BUTTONS, "an endpoint is listed both as a form and as a button"


def test_buttons_read_no_input(app):
    """A view listed as a button reads no form field and builds no form but the CSRF-only EmptyForm."""
    for endpoint in sorted(BUTTONS):
        source = inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))
        assert "request.form" not in source and "request.files" not in source, f"{endpoint} reads the form: list it in FORMS"
        forms = set(re.findall(r"\b(\w+Form)\(", source)) - {"EmptyForm"}
        assert not forms, f"{endpoint} builds {sorted(forms)}: list it in FORMS"


def test_form_names_are_unique():
    names = [form.name for form in FORMS]
    assert len(names) == len(set(names))
