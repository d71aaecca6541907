"""The ranking of suggested alumnae: plain data in, order and reasons out (no app, no database)."""

from __future__ import annotations

from webapp.guest_lessons.ranking import OTHER, SAME_PROGRAMME, SAME_SECTOR, Candidate, RequestFacts, rank, same_programme

REQUEST = RequestFacts(year=2026, programme_id=10, crebo="25604", programme_name="Software developer", sector="ict", sector_label="ICT")


def test_same_programme_first_then_same_sector_then_recent_graduates_first():
    candidates = [
        Candidate(1, "Anna", graduated_year=2015, programme_id=10, sector="ict"),  # same programme, long ago
        Candidate(2, "Bo", graduated_year=2025, programme_name="Netwerkbeheerder", sector="ict"),  # same sector, recent
        Candidate(3, "Cato", graduated_year=2023, programme_id=10, sector="ict"),  # same programme, 3 years ago
        Candidate(4, "Dewi", graduated_year=2026, programme_name="Monteur", sector="elektrotechniek"),  # other, newest
        Candidate(5, "Esra", graduated_year=2023, crebo="25604", sector="ict", used=2),  # same programme elsewhere (crebo)
        Candidate(6, "Fenna", graduated_year=2024, programme_name="software developer ", sector="ict"),  # same name
        Candidate(7, "Gul", graduated_year=None, sector="ict"),  # same sector, year unknown: last of her tier
    ]
    ranked = rank(REQUEST, candidates)
    # Same programme: Fenna (2 years ago), then Cato and Esra (3 years; Cato has more room left), then Anna (11).
    # Same sector: Bo (1 year), Gul (unknown). Then the rest: Dewi.
    assert [s.candidate.name for s in ranked] == ["Fenna", "Cato", "Esra", "Anna", "Bo", "Gul", "Dewi"]
    assert [s.tier for s in ranked] == [SAME_PROGRAMME] * 4 + [SAME_SECTOR] * 2 + [OTHER]


def test_each_suggestion_says_why_in_dutch():
    ranked = rank(
        REQUEST,
        [
            Candidate(1, "Anna", graduated_year=2024, programme_id=10, sector="ict", used=2, max_per_year=4),
            Candidate(2, "Bo", graduated_year=2025, sector="ict", used=0, max_per_year=1),
            Candidate(3, "Cato", graduated_year=2026, sector="bouw", used=0, max_per_year=3),
        ],
    )
    reasons = {s.candidate.name: [str(r) for r in s.reasons] for s in ranked}
    assert reasons["Anna"] == ["zelfde opleiding", "2 jaar geleden afgestudeerd", "nog 2 van de 4 keer dit schooljaar"]
    assert reasons["Bo"] == ["zelfde sector: ICT", "1 jaar geleden afgestudeerd", "nog 1 van de 1 keer dit schooljaar"]
    assert reasons["Cato"] == ["dit jaar afgestudeerd", "nog 3 van de 3 keer dit schooljaar"]


def test_more_room_left_breaks_a_tie_then_the_name():
    ranked = rank(
        REQUEST,
        [
            Candidate(1, "Zoë", graduated_year=2023, sector="ict", used=0),
            Candidate(2, "Yara", graduated_year=2023, sector="ict", used=3),
            Candidate(3, "Anouk", graduated_year=2023, sector="ict", used=0),
        ],
    )
    assert [s.candidate.name for s in ranked] == ["Anouk", "Zoë", "Yara"]


def test_a_request_without_programme_ranks_by_recency_only():
    request = RequestFacts(year=2026)
    ranked = rank(request, [Candidate(1, "Oud", graduated_year=2010, sector="ict"), Candidate(2, "Nieuw", graduated_year=2025, sector="bouw")])
    assert [s.candidate.name for s in ranked] == ["Nieuw", "Oud"]
    assert all(s.tier == OTHER for s in ranked)


def test_same_programme_needs_a_real_match():
    assert same_programme(REQUEST, Candidate(1, "A", programme_id=10))
    assert same_programme(REQUEST, Candidate(1, "A", crebo="25604"))
    assert same_programme(REQUEST, Candidate(1, "A", programme_name="Software  Developer"))
    assert not same_programme(REQUEST, Candidate(1, "A", crebo="25605", programme_name="Netwerkbeheerder"))
    assert not same_programme(RequestFacts(year=2026), Candidate(1, "A", programme_name=""))
