"""Routes of the circles area: thin; the work (and the access rules) is in services."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth import tokens
from webapp.circles import bp, formation, services
from webapp.circles.forms import CircleForm, InviteForm, MeetingForm, NoteForm
from webapp.circles.models import CIRCLE_STATUSES, CircleMeeting, MentoringCircle
from webapp.extensions import db, limiter
from webapp.forms import EmptyForm, choices
from webapp.people.models import Programme, StudentProfile
from webapp.security import roles_required
from webapp.timeutil import to_local
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


@bp.app_context_processor
def circles_helpers():
    def circles_start():
        if not current_user.is_authenticated:
            return {}
        return services.start_summary(current_user)

    return {"circles_start": circles_start}


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- studentes -----------------------------------------------------------------------------------


def _student_circle(circle_id: int) -> MentoringCircle:
    circle = db.session.get(MentoringCircle, circle_id)
    if circle is None or not services.can_view_as_student(circle, current_user):
        abort(404)
    return circle


@bp.get("/")
@roles_required("student")
def browse():
    return render("circles/browse.html", **services.student_overview(current_user))


@bp.get("/<int:circle_id>")
@roles_required("student", "coordinator", "alumna")
def circle(circle_id: int):
    found = db.session.get(MentoringCircle, circle_id)
    if found is not None and not current_user.has_role("student"):
        # Links in e-mail lead here; staff see their own page of the circle.
        if current_user.has_role("alumna") and found.mentor_id == current_user.id:
            return redirect(url_for("circles.mentor_circle", circle_id=circle_id))
        if current_user.has_role("coordinator"):
            return redirect(url_for("circles.manage_circle", circle_id=get_in_school(MentoringCircle, circle_id).id))
    if not current_user.has_role("student"):
        abort(404)
    found = _student_circle(circle_id)
    card = services.card_for(found, current_user)
    joined = card.status == "joined"
    return render(
        "circles/circle.html",
        card=card,
        circle=found,
        mentor=services._mentor_profile(found),  # noqa: SLF001
        meetings=services.meetings_of(found.id) if joined else [],
        fellows=[m.student for m in services.members(found.id)] if joined else [],
    )


def _card_response(circle: MentoringCircle, problem: services.CircleError | None = None):
    if problem is not None and not is_htmx():
        flash_message(str(problem), "error")
    if is_htmx():
        card = services.card_for(circle, current_user)
        if problem is not None:
            card.problem = problem
        return render("circles/_card.html", "circles/_card.html", card=card, detail=request.form.get("detail") == "1")
    if request.form.get("detail") == "1" and services.can_view_as_student(circle, current_user):
        return redirect(url_for("circles.circle", circle_id=circle.id))
    return redirect(url_for("circles.browse"))


@bp.post("/<int:circle_id>/aanmelden")
@roles_required("student")
def join(circle_id: int):
    found = _student_circle(circle_id)
    _check_csrf()
    try:
        membership = services.join_circle(found, current_user)
    except services.CircleError as error:
        return _card_response(found, error)
    if membership.status == "joined":
        flash_message(_("Je doet mee met %(name)s. Je krijgt een e-mail met de bijeenkomsten.", name=found.name))
    elif membership.status == "waitlisted":
        flash_message(
            _(
                "%(name)s is vol. Je staat op de wachtlijst (plek %(position)s). Komt er een plek vrij, dan krijg je een e-mail.",
                name=found.name,
                position=services.waitlist_position(membership),
            ),
            "info",
        )
    return _card_response(found)


@bp.post("/<int:circle_id>/afmelden")
@roles_required("student")
def leave(circle_id: int):
    found = _student_circle(circle_id)
    _check_csrf()
    try:
        services.leave_circle(found, current_user, current_user)
    except services.CircleError as error:
        return _card_response(found, error)
    flash_message(_("Je bent afgemeld voor %(name)s.", name=found.name), "info")
    return _card_response(found)


@bp.post("/<int:circle_id>/afslaan")
@roles_required("student")
def decline(circle_id: int):
    found = _student_circle(circle_id)
    _check_csrf()
    services.decline_as_student(found, current_user)
    flash_message(_("Je hebt de uitnodiging voor %(name)s afgeslagen.", name=found.name), "info")
    if is_htmx():
        return render("circles/_declined.html", "circles/_declined.html", circle=found)
    return redirect(url_for("circles.browse"))


@bp.post("/aanvraag")
@roles_required("student")
def request_circle():
    _check_csrf()
    problem = None
    if request.form.get("wil") == "nee":
        services.withdraw_request(current_user)
        flash_message(_("Je aanvraag is ingetrokken."), "info")
    else:
        try:
            services.request_circle(current_user)
        except services.CircleError as error:
            problem = error
            if not is_htmx():
                flash_message(str(error), "error")
        else:
            flash_message(_("Je coördinator weet nu dat je in een kring wilt. Je krijgt een e-mail zodra je bent ingedeeld."))
    if is_htmx():
        return render(
            "circles/_request.html", "circles/_request.html", request_row=services.circle_request_of(current_user.id), problem=problem
        )
    return redirect(url_for("circles.browse"))


# --- invitation links (no login: the signed single-use token is the key) ---------------------------


def _token_problem(error: tokens.TokenError):
    return render("auth/token_problem.html", message=str(error), status=404 if error.args[0] is tokens.INVALID else 410)


@bp.route("/uitnodiging/<token>/<any(ja, nee):answer>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def invitation(token: str, answer: str):
    try:
        view = services.load_invitation(token)
    except tokens.TokenError as error:
        return _token_problem(error)
    form = EmptyForm()
    accept = answer == "ja"
    problem = None
    if form.validate_on_submit():
        try:
            membership = services.answer_invitation(view, accept)
        except tokens.TokenError as error:
            return _token_problem(error)
        except services.CircleError as error:
            problem = error
        else:
            position = services.waitlist_position(membership) if membership is not None else None
            return render("circles/invitation_done.html", view=view, membership=membership, accept=accept, position=position)
    elif accept:
        problem = services.join_problem(view.circle, db.session.get(StudentProfile, view.student.id), invited=True)
    return render(
        "circles/invitation.html",
        view=view,
        form=form,
        accept=accept,
        token=token,
        problem=problem,
        mentor=services._mentor_profile(view.circle),  # noqa: SLF001
        status=409 if problem is not None and request.method == "POST" else 200,
    )


# --- the coordinator -----------------------------------------------------------------------------


def _programmes() -> list[Programme]:
    return list(db.session.scalars(db.select(Programme).where(Programme.school_id == coordinator_school_id()).order_by(Programme.name)))


def _circle_form(form: CircleForm, circle: MentoringCircle | None, programme_id: int | None = None) -> list[services.MentorSuggestion]:
    programmes = _programmes()
    form.programme_id.choices = choices([(0, _("Alle opleidingen"))] + [(p.id, f"{p.name} ({p.pathway})") for p in programmes])
    if programme_id is None:
        programme_id = form.programme_id.data if form.programme_id.data else (circle.programme_id if circle else None)
    # Picked from the school's own list: a posted number is not validated yet at this point.
    programme = next((p for p in programmes if p.id == programme_id), None)
    year = circle.school_year if circle else services.current_school_year()
    suggestions = services.mentor_suggestions(coordinator_school_id(), programme, year, keep_id=circle.mentor_id if circle else None)
    form.mentor_id.choices = choices(
        [(0, _("Nog geen mentor"))] + [(s.user.id, s.label()) for s in suggestions if s.available or (circle and s.user.id == circle.mentor_id)]
    )
    return suggestions


def _circle_data(form: CircleForm) -> dict:
    return {
        "name": form.name.data,
        "theme": form.theme.data,
        "description": form.description.data,
        "programme_id": form.programme_id.data or None,
        "capacity": form.capacity.data,
        "mentor_id": form.mentor_id.data or None,
        "invite_only": form.invite_only.data,
        "open_now": form.open_now.data,
    }


@bp.get("/beheer")
@roles_required("coordinator")
def manage():
    status = request.args.get("status") or None
    if status not in CIRCLE_STATUSES:
        status = None
    years = services.school_years_of(coordinator_school_id())
    year = request.args.get("jaar") or services.current_school_year()
    if year not in years and year != "alle":
        year = services.current_school_year()
    circles = services.circles_of_school(coordinator_school_id(), status, None if year == "alle" else year)
    ids = [c.id for c in circles]
    return render(
        "circles/manage.html",
        "circles/_manage_results.html",
        circles=circles,
        status=status,
        year=year,
        years=years,
        waiting=services.waitlist_counts(ids),
        upcoming=services.next_meetings(ids),
        summary=services.coordinator_summary(coordinator_school_id()),
    )


@bp.route("/beheer/nieuw", methods=["GET", "POST"])
@roles_required("coordinator")
def new():
    form = CircleForm()
    suggestions = _circle_form(form, None)
    if form.validate_on_submit():
        try:
            created = services.create_circle(coordinator_school_id(), _circle_data(form), current_user)
        except services.CircleError as error:
            form[error.field or "name"].errors.append(str(error))
        else:
            flash_message(_("De kring %(name)s is aangemaakt.", name=created.name))
            return redirect_to(url_for("circles.manage_circle", circle_id=created.id))
    return render("circles/circle_form.html", form=form, circle=None, suggestions=suggestions, status=422 if form.errors else 200)


@bp.get("/beheer/mentoren")
@roles_required("coordinator")
def mentor_options():
    """The mentor field for the chosen programme (htmx swaps it when the programme changes)."""
    circle = None
    circle_id = request.args.get("circle_id", type=int)
    if circle_id:
        circle = get_in_school(MentoringCircle, circle_id)
    form = CircleForm(formdata=None)
    programme_id = request.args.get("programme_id", type=int) or 0
    suggestions = _circle_form(form, circle, programme_id)
    form.mentor_id.data = request.args.get("mentor_id", type=int) or (circle.mentor_id if circle else 0)
    return render("circles/_mentor_field.html", "circles/_mentor_field.html", form=form, circle=circle, suggestions=suggestions)


def _manage_page(circle: MentoringCircle, status: int = 200, **extra):
    return render(
        "circles/manage_circle.html",
        circle=circle,
        joined=services.members(circle.id),
        waitlist=services.members(circle.id, ("waitlisted",)),
        invited=services.members(circle.id, ("invited",)),
        former=services.members(circle.id, ("left", "declined")),
        meetings=services.meetings_of(circle.id),
        attendance=services.attendance_table(circle),
        form=EmptyForm(),
        status=status,
        **extra,
    )


@bp.get("/beheer/<int:circle_id>")
@roles_required("coordinator")
def manage_circle(circle_id: int):
    return _manage_page(get_in_school(MentoringCircle, circle_id))


@bp.route("/beheer/<int:circle_id>/bewerken", methods=["GET", "POST"])
@roles_required("coordinator")
def edit(circle_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    if request.method == "GET":
        form = CircleForm(obj=circle)
        form.programme_id.data = circle.programme_id or 0
        form.mentor_id.data = circle.mentor_id or 0
    else:
        form = CircleForm()
    suggestions = _circle_form(form, circle)
    if form.validate_on_submit():
        try:
            services.update_circle(circle, _circle_data(form), current_user)
        except services.CircleError as error:
            form[error.field or "name"].errors.append(str(error))
        else:
            flash_message(_("De kring %(name)s is opgeslagen.", name=circle.name))
            return redirect_to(url_for("circles.manage_circle", circle_id=circle.id))
    return render("circles/circle_form.html", form=form, circle=circle, suggestions=suggestions, status=422 if form.errors else 200)


@bp.post("/beheer/<int:circle_id>/openen")
@roles_required("coordinator")
def open_circle(circle_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    _check_csrf()
    services.open_circle(circle)
    flash_message(_("%(name)s staat open voor aanmelding.", name=circle.name))
    return redirect_to(url_for("circles.manage_circle", circle_id=circle.id))


@bp.post("/beheer/<int:circle_id>/sluiten")
@roles_required("coordinator")
def close_circle(circle_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    _check_csrf()
    services.close_circle(circle)
    flash_message(_("%(name)s is afgesloten.", name=circle.name), "info")
    return redirect_to(url_for("circles.manage_circle", circle_id=circle.id))


@bp.route("/beheer/<int:circle_id>/uitnodigen", methods=["GET", "POST"])
@roles_required("coordinator")
def invite(circle_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    rows = services.invitable_students(circle)
    form = InviteForm()
    form.student_ids.choices = choices((profile.user_id, profile.user.full_name) for profile, _reason in rows)
    if form.validate_on_submit():
        try:
            invited, skipped = services.invite_students(circle, form.student_ids.data, current_user)
        except services.CircleError as error:
            form.student_ids.errors.append(str(error))
        else:
            if invited:
                flash_message(_("%(count)s studente(s) uitgenodigd. Ze krijgen een e-mail met een link om ja of nee te zeggen.", count=len(invited)))
            if skipped:
                flash_message(
                    _("Niet uitgenodigd (eerst toestemming van een ouder nodig): %(names)s.", names=", ".join(u.first_name for u in skipped)),
                    "info",
                )
            return redirect_to(url_for("circles.manage_circle", circle_id=circle.id))
    return render("circles/invite.html", circle=circle, rows=rows, form=form, status=422 if form.errors else 200)


@bp.post("/beheer/<int:circle_id>/leden/<int:student_id>/verwijderen")
@roles_required("coordinator")
def remove_member(circle_id: int, student_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    _check_csrf()
    membership = services.membership_of(circle.id, student_id)
    if membership is None:
        abort(404)
    try:
        promoted = services.leave_circle(circle, membership.student, current_user)
    except services.CircleError as error:
        flash_message(str(error), "error")
    else:
        flash_message(_("%(name)s is uit de kring gehaald.", name=membership.student.first_name), "info")
        if promoted is not None:
            flash_message(_("%(name)s schuift door van de wachtlijst en krijgt een e-mail.", name=promoted.student.first_name))
    if is_htmx():
        return render(
            "circles/_members.html",
            "circles/_members.html",
            circle=circle,
            joined=services.members(circle.id),
            waitlist=services.members(circle.id, ("waitlisted",)),
            invited=services.members(circle.id, ("invited",)),
            former=services.members(circle.id, ("left", "declined")),
            form=EmptyForm(),
        )
    return redirect(url_for("circles.manage_circle", circle_id=circle.id))


# --- meetings --------------------------------------------------------------------------------------


def _meeting_data(form: MeetingForm) -> dict:
    return {
        "day": form.day.data,
        "start": form.start.data,
        "end": form.end.data,
        "place": form.place.data,
        "video_url": form.video_url.data,
        "topic": form.topic.data,
    }


@bp.route("/beheer/<int:circle_id>/bijeenkomsten/nieuw", methods=["GET", "POST"])
@roles_required("coordinator")
def new_meeting(circle_id: int):
    circle = get_in_school(MentoringCircle, circle_id)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            services.plan_meeting(circle, _meeting_data(form), current_user)
        except services.CircleError as error:
            form.day.errors.append(str(error))
        else:
            flash_message(_("De bijeenkomst is gepland. De studentes en de mentor krijgen een e-mail met een agenda-afspraak."))
            return redirect_to(url_for("circles.manage_circle", circle_id=circle.id))
    return render("circles/meeting_form.html", form=form, circle=circle, meeting=None, status=422 if form.errors else 200)


def _coordinator_meeting(meeting_id: int) -> CircleMeeting:
    meeting = db.session.get(CircleMeeting, meeting_id)
    if meeting is None:
        abort(404)
    get_in_school(MentoringCircle, meeting.circle_id)
    return meeting


@bp.route("/bijeenkomsten/<int:meeting_id>/bewerken", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_meeting(meeting_id: int):
    meeting = _coordinator_meeting(meeting_id)
    if request.method == "GET":
        starts, ends = to_local(meeting.starts_at), to_local(meeting.ends_at)
        form = MeetingForm(
            data={"day": starts.date(), "start": starts.time().replace(tzinfo=None), "end": ends.time().replace(tzinfo=None),
                  "place": meeting.place, "video_url": meeting.video_url or "", "topic": meeting.topic}
        )
    else:
        form = MeetingForm()
    if form.validate_on_submit():
        try:
            changed = services.update_meeting(meeting, _meeting_data(form), current_user)
        except services.CircleError as error:
            form.day.errors.append(str(error))
        else:
            if changed:
                flash_message(_("De bijeenkomst is gewijzigd. Iedereen krijgt een bijgewerkte agenda-afspraak."))
            else:
                flash_message(_("Er was niets veranderd."), "info")
            return redirect_to(url_for("circles.manage_circle", circle_id=meeting.circle_id))
    return render("circles/meeting_form.html", form=form, circle=meeting.circle, meeting=meeting, status=422 if form.errors else 200)


@bp.post("/bijeenkomsten/<int:meeting_id>/afgelasten")
@roles_required("coordinator")
def cancel_meeting(meeting_id: int):
    meeting = _coordinator_meeting(meeting_id)
    _check_csrf()
    services.cancel_meeting(meeting, current_user)
    flash_message(_("De bijeenkomst is afgelast. Iedereen krijgt bericht en de afspraak verdwijnt uit hun agenda."), "info")
    return redirect_to(url_for("circles.manage_circle", circle_id=meeting.circle_id))


def _staff_meeting(meeting_id: int) -> tuple[CircleMeeting, str]:
    meeting = db.session.get(CircleMeeting, meeting_id)
    role = services.can_manage_meeting(meeting, current_user) if meeting is not None else None
    if role is None:
        abort(404)
    return meeting, role


@bp.get("/bijeenkomsten/<int:meeting_id>")
@roles_required("coordinator", "alumna")
def meeting(meeting_id: int):
    found, role = _staff_meeting(meeting_id)
    note_form = NoteForm(note=found.mentor_note) if role == "mentor" else None
    return render(
        "circles/meeting.html",
        meeting=found,
        circle=found.circle,
        role=role,
        rows=services.attendance_rows(found),
        started=services.meeting_has_started(found),
        note_form=note_form,
        form=EmptyForm(),
    )


@bp.post("/bijeenkomsten/<int:meeting_id>/aanwezigheid/<int:student_id>")
@roles_required("coordinator", "alumna")
def attendance(meeting_id: int, student_id: int):
    found, _role = _staff_meeting(meeting_id)
    _check_csrf()
    present = request.form.get("aanwezig") == "1"
    problem = None
    try:
        services.set_attendance(found, student_id, present, current_user)
    except services.CircleError as error:
        problem = error
        if error.code == "not_member":
            abort(404)
        flash_message(str(error), "error")
    if is_htmx():
        row = next(((user, mark) for user, mark in services.attendance_rows(found) if user.id == student_id), None)
        if row is None:
            abort(404)
        return render(
            "circles/_attendance_row.html", "circles/_attendance_row.html", meeting=found, user=row[0], mark=row[1],
            started=services.meeting_has_started(found), form=EmptyForm(), problem=problem,
        )
    return redirect(url_for("circles.meeting", meeting_id=found.id))


@bp.post("/bijeenkomsten/<int:meeting_id>/notitie")
@roles_required("alumna")
def note(meeting_id: int):
    found, role = _staff_meeting(meeting_id)
    if role != "mentor":
        abort(404)
    form = NoteForm()
    saved = False
    if form.validate_on_submit():
        services.save_note(found, form.note.data, current_user)
        saved = True
        if not is_htmx():
            flash_message(_("Je notitie is opgeslagen."))
            return redirect(url_for("circles.meeting", meeting_id=found.id))
    return render(
        "circles/meeting.html", "circles/_note.html", meeting=found, circle=found.circle, role=role,
        rows=services.attendance_rows(found), started=services.meeting_has_started(found),
        note_form=form, form=EmptyForm(), saved=saved, status=422 if form.errors else 200,
    )


# --- the mentor --------------------------------------------------------------------------------------


@bp.get("/mentor")
@roles_required("alumna")
def mentoring():
    circles = services.mentor_circles(current_user)
    ids = [c.id for c in circles]
    return render("circles/mentoring.html", circles=circles, upcoming=services.next_meetings(ids))


@bp.get("/mentor/<int:circle_id>")
@roles_required("alumna")
def mentor_circle(circle_id: int):
    found = db.session.get(MentoringCircle, circle_id)
    if found is None or found.mentor_id != current_user.id or found.status == "draft":
        abort(404)
    return render(
        "circles/mentor_circle.html",
        circle=found,
        people=services.mentor_member_views(found, current_user),
        meetings=services.meetings_of(found.id),
        attendance=services.attendance_table(found),
    )


# --- the formation helper ----------------------------------------------------------------------------


@bp.route("/beheer/indelen", methods=["GET", "POST"])
@roles_required("coordinator")
def formation_helper():
    school_id = coordinator_school_id()
    year = services.current_school_year()
    form = EmptyForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        draft = formation.draft_from_form(school_id, year, request.form)
        if request.form.get("actie") == "aanmaken":
            try:
                created = formation.create(school_id, year, draft, current_user)
            except formation.FormationProblem as problem:
                draft.errors = problem.messages
                status = 422
            else:
                flash_message(
                    _("%(circles)s kring(en) aangemaakt met %(students)s studentes. Iedereen krijgt een e-mail.",
                      circles=len(created), students=sum(c.seats_taken for c in created))
                )
                return redirect_to(url_for("circles.manage"))
    else:
        sizes, error = formation.Sizes.parse(request.args)
        if error:
            draft = formation.Draft(sizes, formation.gather(school_id, year), [], [], errors=[error])
            status = 422
        else:
            draft = formation.propose(school_id, year, sizes)
    return render("circles/formation.html", draft=draft, form=form, year=year, status=status)
