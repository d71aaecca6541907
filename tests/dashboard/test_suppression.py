"""Small groups get no percentage, and no hidden small figure can be worked out from the shown ones."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.dashboard.services import ALL, MIN_GROUP, CohortRow, RetentionCube, Share, Table


def test_share_shows_a_percentage_from_five_studentes():
    assert MIN_GROUP == 5
    four, five = Share(3, 4), Share(3, 5)
    assert four.percent is None and four.reason == "small" and not four.shown
    assert five.percent == 60 and five.shown and five.reason is None
    assert Share(0, 0).percent is None and Share(0, 0).reason == "empty"
    # Rounded half up, as people expect.
    assert Share(1, 8).percent == 13 and Share(1, 200).percent == 1 and Share(2, 3).percent is None


def test_csv_leaves_hidden_figures_empty():
    table = Table("t", "t", ["Groep", "Behoud"], [["a", Share(3, 4)], ["b", Share(4, 5)], ["c", None]])
    header, rows = table.csv_rows()
    assert header == ["Groep", "Behoud %", "Behoud n"]
    assert rows == [["a", "", ""], ["b", 80, 5], ["c", "", ""]]
    assert table.csv().startswith("\ufeffGroep;Behoud %;Behoud n\r\n")


def _row(programme, year, took, n, retained):
    return CohortRow(1, programme, year, took, n, retained, 0, 0, 0)


def test_a_group_of_four_is_hidden_and_a_group_of_five_shown():
    cube = RetentionCube([_row(10, 1, True, 4, 3), _row(10, 1, False, 20, 18), _row(11, 1, True, 5, 5), _row(11, 1, False, 20, 19)])
    assert cube.get(10, 1, "took").percent is None and cube.get(10, 1, "took").reason == "small"
    assert cube.get(11, 1, "took").percent is not None or cube.get(11, 1, "took").reason == "complement"
    # The four cannot be worked out: something else in each of her sums is hidden as well.
    assert cube.get(10, 1, "not").percent is None or cube.get(10, 1, "all").percent is None


def test_a_small_group_with_a_shown_total_hides_its_partner():
    cube = RetentionCube([_row(10, 1, True, 3, 1), _row(10, 1, False, 12, 12)])
    took, not_took, everyone = cube.cells(10, 1).values()
    assert took.percent is None and took.reason == "small"
    # took + not = all: with 'all' shown, 'not' must be hidden too (else 'took' = all - not).
    assert (not_took.percent is None) or (everyone.percent is None)
    assert cube.get(ALL, ALL, "all").percent is None or cube.get(ALL, ALL, "not").percent is None


# --- property: nothing small can be derived -------------------------------------------------


def _span_contains(rows: list[list[int]], vector: list[int]) -> bool:
    """Exact: is `vector` a rational combination of `rows`? (Gauss-Jordan with fractions.)"""
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        v = [Fraction(x) for x in row]
        for pivot, b in basis:
            if v[pivot]:
                factor = v[pivot]
                v = [x - factor * y for x, y in zip(v, b)]
        lead = next((i for i, x in enumerate(v) if x), None)
        if lead is None:
            continue
        v = [x / v[lead] for x in v]
        basis = [(p, [x - b[lead] * y for x, y in zip(b, v)]) for p, b in basis]
        basis.append((lead, v))
    target = [Fraction(x) for x in vector]
    for pivot, b in basis:
        if target[pivot]:
            factor = target[pivot]
            target = [x - factor * y for x, y in zip(target, b)]
    return not any(target)


rows_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.integers(1, 3), st.booleans(), st.integers(0, 12), st.floats(0, 1)),
    min_size=1,
    max_size=14,
)


@settings(max_examples=120, deadline=None)
@given(rows_strategy)
def test_no_hidden_small_figure_follows_from_the_shown_figures(raw):
    merged: dict[tuple, list[int]] = {}
    for programme, year, took, n, share in raw:
        cell = merged.setdefault((programme, year, took), [0, 0])
        cell[1] += n
        cell[0] += round(n * share)
    rows = [_row(p, y, t, n, min(r, n)) for (p, y, t), (r, n) in merged.items()]
    cube = RetentionCube(rows)
    base = [(p, y, "took" if t else "not") for (p, y, t), (_r, n) in merged.items() if n > 0]

    def vector(key):
        return [int((key[0] == ALL or key[0] == b[0]) and (key[1] == ALL or key[1] == b[1]) and (key[2] == "all" or key[2] == b[2])) for b in base]

    programmes = sorted({b[0] for b in base})
    years = sorted({b[1] for b in base})
    cells = [(p, y, t) for p in programmes + [ALL] for y in years for t in ("took", "not", "all")]
    cells += [(ALL, ALL, t) for t in ("took", "not", "all")]
    shown, small_hidden = [], []
    for key in cells:
        share = cube.get(*key)
        if share.n == 0:
            continue
        if share.n < MIN_GROUP:
            assert share.percent is None, key
        if share.percent is None:
            if share.n < MIN_GROUP:
                small_hidden.append(key)
        else:
            shown.append(vector(key))
    for key in small_hidden:
        assert not _span_contains(shown, vector(key)), f"{key} can be worked out from the shown figures"
