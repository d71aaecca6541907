"""Routes of the buddies area: thin; the work (and the access rules) is in services.

Coordinator: overview, a new run with its weights, the proposal with row actions (lock, never
together), approval, every run kept, ending a pair. Studente: her buddy page, ending her pair,
asking for a (new) buddy.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.buddies import bp, services
from webapp.buddies.forms import EndPairForm, WeightsForm
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.buddies.reasons import reason_texts
from webapp.extensions import db
from webapp.forms import EmptyForm
from webapp.people.models import StudentProfile
from webapp.security import roles_required
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


@bp.app_context_processor
def buddies_helpers():
    def buddies_start():
        if not current_user.is_authenticated:
            return {}
        return services.start_summary(current_user)

    # Reasons are stored as data and put into words in the current locale (an e-mail's is its recipient's).
    return {"buddies_start": buddies_start, "buddy_reasons": reason_texts}


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- coordinator ----------------------------------------------------------------------------------


@bp.get("")
@roles_required("coordinator")
def overview():
    return render("buddies/overview.html", form=EmptyForm(), **services.overview(coordinator_school_id()))


def _weights_page(form: WeightsForm, status: int = 200, problem: str | None = None):
    school_id = coordinator_school_id()
    inputs = services.gather(school_id)
    return render(
        "buddies/new_run.html",
        "buddies/_weights_form.html",
        status=status,
        form=form,
        problem=problem,
        mentees=len(inputs.mentees),
        buddies=len(inputs.buddies),
        locked=len(inputs.locked),
        forbidden=len(inputs.forbidden),
        proposal=services.current_proposal(school_id),
    )


@bp.route("/indelen", methods=["GET", "POST"])
@roles_required("coordinator")
def new_run():
    school_id = coordinator_school_id()
    if request.method == "GET":
        form = WeightsForm(formdata=None)
        source = request.args.get("run", type=int)
        if source:
            weights = services.weights_of(get_in_school(MatchRun, source))
            for name, value in weights.to_dict().items():
                form[name].data = value
        return _weights_page(form)
    form = WeightsForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _weights_page(form, 422)
    try:
        run = services.run_match(school_id, current_user, form.weights())
    except services.BuddyError as error:
        db.session.rollback()
        return _weights_page(form, 422, problem=str(error))
    figures = run.figures or {}
    flash_message(
        _(
            "Nieuw voorstel: %(matched)s koppel(s), %(unmatched)s studente(s) zonder buddy.",
            matched=figures.get("matched", 0),
            unmatched=figures.get("unmatched", 0),
        )
    )
    dropped = (run.settings or {}).get("dropped_locks") or []
    if dropped:
        flash_message(
            _("%(count)s vastgezet koppel kon niet blijven staan; zie het voorstel.", count=len(dropped)), "info"
        )
    return redirect_to(url_for("buddies.run", run_id=run.id))


@bp.get("/rondes")
@roles_required("coordinator")
def runs():
    page = services.runs_page(coordinator_school_id(), request.args.get("page", 1, type=int) or 1)
    return render("buddies/runs.html", "buddies/_runs_results.html", page=page, args=lambda **kw: kw)


@bp.get("/rondes/<int:run_id>")
@roles_required("coordinator")
def run(run_id: int):
    found = get_in_school(MatchRun, run_id)
    view = services.run_view(found)
    return render("buddies/run.html", view=view, run=found, form=EmptyForm(), weights=services.weights_of(found))


@bp.post("/rondes/<int:run_id>/goedkeuren")
@roles_required("coordinator")
def approve(run_id: int):
    found = get_in_school(MatchRun, run_id)
    _check_csrf()
    try:
        result = services.approve_run(found, current_user)
    except services.BuddyError as error:
        flash_message(str(error), "error")
        return redirect_to(url_for("buddies.run", run_id=run_id))
    flash_message(
        _(
            "Goedgekeurd: %(count)s koppel(s) zijn actief. Beide studentes van elk koppel krijgen een e-mail om kennis te maken.",
            count=len(result.activated),
        )
    )
    for pair, problem in result.skipped:
        flash_message(_("Een koppel is niet doorgegaan: %(problem)s.", problem=problem), "info")
    return redirect_to(url_for("buddies.run", run_id=run_id))


@bp.post("/rondes/<int:run_id>/weggooien")
@roles_required("coordinator")
def discard(run_id: int):
    found = get_in_school(MatchRun, run_id)
    _check_csrf()
    try:
        services.discard_run(found, current_user)
    except services.BuddyError as error:
        flash_message(str(error), "error")
        return redirect_to(url_for("buddies.run", run_id=run_id))
    flash_message(_("Het voorstel is weggegooid. Uitgesloten koppels blijven uitgesloten."), "info")
    return redirect_to(url_for("buddies.overview"))


def _row_response(pair: BuddyPair, problem: str | None = None):
    """After a row action: the row again for htmx, else back to the proposal."""
    if problem is not None and not is_htmx():
        flash_message(problem, "error")
    if is_htmx():
        return render(
            "buddies/_pair_row.html",
            "buddies/_pair_row.html",
            row=services.pair_row(pair),
            form=EmptyForm(),
            editable=True,
            problem=problem,
        )
    return redirect(url_for("buddies.run", run_id=pair.match_run_id, _anchor=f"koppel-{pair.id}") if pair.match_run_id else url_for("buddies.overview"))


@bp.post("/koppels/<int:pair_id>/vastzetten")
@roles_required("coordinator")
def lock_pair(pair_id: int):
    pair = get_in_school(BuddyPair, pair_id)
    _check_csrf()
    try:
        services.toggle_lock(pair)
    except services.BuddyError as error:
        return _row_response(pair, str(error))
    return _row_response(pair)


@bp.post("/koppels/<int:pair_id>/nooit-samen")
@roles_required("coordinator")
def forbid_pair(pair_id: int):
    pair = get_in_school(BuddyPair, pair_id)
    _check_csrf()
    try:
        services.forbid_pair(pair, current_user)
    except services.BuddyError as error:
        return _row_response(pair, str(error))
    flash_message(_("Deze twee worden nooit meer samen voorgesteld. Deel opnieuw in om een andere buddy te zoeken."), "info")
    return _row_response(pair)


@bp.post("/uitsluitingen/<int:forbid_id>/opheffen")
@roles_required("coordinator")
def allow_pair(forbid_id: int):
    row = get_in_school(BuddyForbiddenPair, forbid_id)
    _check_csrf()
    services.allow_pair(row, current_user)
    flash_message(_("De uitsluiting is opgeheven: dit koppel kan weer worden voorgesteld."), "info")
    back = request.form.get("next", "")
    proposal = services.current_proposal(coordinator_school_id())
    if back == "run" and proposal is not None:
        return redirect_to(url_for("buddies.run", run_id=proposal.id))
    return redirect_to(url_for("buddies.overview"))


def _end_page(pair: BuddyPair, form: EndPairForm, by: str, status: int = 200, problem: str | None = None):
    profiles = services.profiles_of([pair.buddy_id, pair.mentee_id])
    if by == "coordinator":
        form.wants_new.label.text = _("Zet de mentee weer op de wachtlijst voor een nieuwe buddy")
        action = url_for("buddies.end_pair", pair_id=pair.id)
        back = url_for("buddies.overview")
    else:
        action = url_for("buddies.end_mine", pair_id=pair.id)
        back = url_for("buddies.mine")
    return render(
        "buddies/end.html",
        "buddies/_end_form.html",
        status=status,
        pair=pair,
        form=form,
        by=by,
        action=action,
        back=back,
        problem=problem,
        buddy=profiles.get(pair.buddy_id),
        mentee=profiles.get(pair.mentee_id),
    )


def _end(pair: BuddyPair, by: str, done_url: str):
    form = EndPairForm()
    if request.method == "GET":
        return _end_page(pair, EndPairForm(formdata=None), by)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _end_page(pair, form, by, 422)
    try:
        services.end_pair(
            pair,
            current_user,
            form.reason.data,
            by=by,
            wants_new=bool(form.wants_new.data) and by in ("mentee", "coordinator"),
            stop_volunteering=bool(form.stop_volunteering.data) and by == "buddy",
        )
    except services.BuddyError as error:
        return _end_page(pair, form, by, 409, problem=str(error))
    flash_message(_("Het koppel is beëindigd."), "info")
    return redirect_to(done_url)


@bp.route("/koppels/<int:pair_id>/beeindigen", methods=["GET", "POST"])
@roles_required("coordinator")
def end_pair(pair_id: int):
    pair = get_in_school(BuddyPair, pair_id)
    if pair.status != "active":
        flash_message(_("Dit koppel is niet (meer) actief."), "info")
        return redirect_to(url_for("buddies.overview"))
    return _end(pair, "coordinator", url_for("buddies.overview"))


# --- studente ------------------------------------------------------------------------------------


def _own_profile() -> StudentProfile:
    profile = db.session.get(StudentProfile, current_user.id)
    if profile is None:
        abort(404)
    return profile


@bp.get("/mijn-buddy")
@roles_required("student")
def mine():
    _own_profile()
    return render("buddies/mine.html", form=EmptyForm(), **services.student_overview(current_user))


@bp.route("/mijn-buddy/<int:pair_id>/stoppen", methods=["GET", "POST"])
@roles_required("student")
def end_mine(pair_id: int):
    pair = services.own_active_pair(pair_id, current_user)
    if pair is None:
        abort(404)
    return _end(pair, services.role_in(pair, current_user), url_for("buddies.mine"))


def _wish_response(problem: str | None = None):
    if problem is not None and not is_htmx():
        flash_message(problem, "error")
    if is_htmx():
        return render("buddies/_wish.html", "buddies/_wish.html", form=EmptyForm(), problem=problem, **services.student_overview(current_user))
    return redirect(url_for("buddies.mine"))


@bp.post("/mijn-buddy/aanvragen")
@roles_required("student")
def ask():
    profile = _own_profile()
    _check_csrf()
    try:
        services.ask_for_buddy(profile)
    except services.BuddyError as error:
        return _wish_response(str(error))
    flash_message(_("Je staat op de wachtlijst voor een buddy. Je krijgt een e-mail zodra je coördinator je heeft ingedeeld."))
    return _wish_response()


@bp.post("/mijn-buddy/intrekken")
@roles_required("student")
def withdraw():
    profile = _own_profile()
    _check_csrf()
    services.withdraw_wish(profile)
    flash_message(_("Je staat niet meer op de wachtlijst voor een buddy."), "info")
    return _wish_response()
