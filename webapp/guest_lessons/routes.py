"""Routes of the guest_lessons area: thin; the rules live in services.py.

Coordinator: /gastlessen/ (list), /nieuw, /<id> (status, offers, ranked suggestions),
/<id>/uitnodigen, /<id>/bewerken, /<id>/aanbod/<offer>/bevestigen, /<id>/annuleren,
/<id>/afronden, /<id>/feedbacklinks (printable, .txt). Alumna: /prikbord (her board),
/prikbord/<id> (a request; offer, not for me, withdraw), /mijn (her lessons and feedback).
Anyone with a link: /feedback/<token> (anonymous, single use).
"""

from __future__ import annotations

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth import tokens
from webapp.extensions import db, limiter
from webapp.forms import EmptyForm, choices
from webapp.guest_lessons import bp, services
from webapp.guest_lessons.forms import (
    CancelForm,
    ChangeForm,
    DoneForm,
    FeedbackForm,
    InviteForm,
    LessonForm,
    MoreLinksForm,
    OfferForm,
    WithdrawForm,
)
from webapp.guest_lessons.models import ACTIVITY_KINDS, GuestLesson
from webapp.security import roles_required
from webapp.timeutil import to_local
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


@bp.app_context_processor
def guest_lesson_helpers():
    return {
        "lesson_kind_label": services.kind_label,
        "lesson_status_label": lambda status: str(services.STATUS_LABELS.get(status, status)),
        "offer_status_label": lambda status: str(services.OFFER_STATUS_LABELS.get(status, status)),
        "guest_lessons_start": services.start_summary,
    }


def _kind_arg(value: str | None) -> str | None:
    return value if value in ACTIVITY_KINDS else None


# --- coordinator: the list and a new request --------------------------------------------


@bp.get("/")
@roles_required("coordinator")
def index():
    state = request.args.get("status", "active")
    state = state if state in ("active", "all", "open", "offered", "confirmed", "done", "cancelled") else "active"
    kind = _kind_arg(request.args.get("kind"))
    page = services.lessons_page(coordinator_school_id(), state, kind, max(1, request.args.get("page", 1, type=int) or 1))
    return render(
        "guest_lessons/index.html",
        "guest_lessons/_lessons_results.html",
        page=page,
        state=state,
        kind=kind,
        offer_counts=services.offer_counts(l.id for l in page.items),
    )


def _lesson_form(lesson: GuestLesson | None = None, **kwargs) -> LessonForm:
    form = LessonForm(**kwargs)
    form.programme_id.choices = choices(
        [(0, _("Geen bepaalde opleiding"))]
        + [(p.id, f"{p.name} ({_('niveau')} {p.level}, {p.pathway})") for p in services.programmes_of(coordinator_school_id())]
    )
    if lesson is not None:
        form.options_locked = services.options_locked(lesson)
    return form


def _form_data(form: LessonForm) -> dict:
    return {
        "kind": form.kind.data,
        "topic": form.topic.data,
        "programme_id": form.programme_id.data,
        "class_name": form.class_name.data,
        "year": form.year.data,
        "student_count": form.student_count.data,
        "place": form.place.data,
        "description": form.description.data,
    }


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required("coordinator")
def new():
    form = _lesson_form()
    if request.method == "GET":
        form.kind.data = _kind_arg(request.args.get("soort")) or "guest_lesson"
    if form.validate_on_submit():
        try:
            lesson = services.create_lesson(coordinator_school_id(), current_user, _form_data(form), form.option_moments())
        except services.GuestLessonError as error:
            form.topic.errors.append(str(error))
        else:
            flash_message(_("Het verzoek staat klaar. Nodig hieronder alumnae uit die passen."))
            return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson.id))
    return render("guest_lessons/form.html", form=form, lesson=None, status=422 if form.errors else 200)


# --- coordinator: one request -----------------------------------------------------------


def _lesson_page(lesson: GuestLesson, status: int = 200, partial: str | None = None, **forms):
    offers = services.offers_of(lesson)
    suggestions = services.suggestions(lesson)
    profiles = services.alumna_profiles(o.alumna_id for o in offers)
    feedback = services.feedback_summaries([lesson.id]).get(lesson.id) if lesson.status == "done" else None
    return render(
        "guest_lessons/lesson.html",
        partial,
        status=status,
        lesson=lesson,
        offers=offers,
        profiles=profiles,
        suggestions=suggestions,
        options_in_future=services.eligible_alumnae_query(lesson) is not None,
        invite_form=forms.get("invite_form") or InviteForm(),
        confirm_form=EmptyForm(),
        cancel_form=forms.get("cancel_form") or CancelForm(),
        done_form=forms.get("done_form") or DoneForm(data={"link_count": lesson.student_count or 25}),
        may_mark_done=services.may_mark_done(lesson),
        feedback=feedback,
        link_count=services.feedback_link_count(lesson) if lesson.status == "done" else 0,
    )


@bp.get("/<int:lesson_id>")
@roles_required("coordinator")
def lesson(lesson_id: int):
    return _lesson_page(get_in_school(GuestLesson, lesson_id), partial="guest_lessons/_people.html")


@bp.post("/<int:lesson_id>/uitnodigen")
@roles_required("coordinator")
def invite(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    form = InviteForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = request.form.getlist("alumna_id", type=int) or request.form.getlist("alumna_ids", type=int)
    try:
        invited = services.invite(lesson, chosen, current_user)
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
    else:
        names = ", ".join(u.first_name for u in invited)
        flash_message(_("Uitgenodigd: %(names)s. Ze krijgen een e-mail met een link naar dit verzoek.", names=names))
    if is_htmx():
        return _lesson_page(db.session.get(GuestLesson, lesson_id), partial="guest_lessons/_people.html")
    return redirect(url_for("guest_lessons.lesson", lesson_id=lesson_id))


@bp.route("/<int:lesson_id>/bewerken", methods=["GET", "POST"])
@roles_required("coordinator")
def edit(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    if lesson.status == "confirmed":
        return _change(lesson)
    if lesson.status not in services.OPEN_STATUSES:
        flash_message(_("Een afgeronde of geannuleerde activiteit kun je niet meer wijzigen."), "error")
        return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson.id))
    if request.method == "GET":
        form = _lesson_form(lesson, obj=lesson, data=_option_data(lesson))
    else:
        form = _lesson_form(lesson)
    if form.validate_on_submit():
        try:
            services.update_lesson(lesson, current_user, _form_data(form), None if form.options_locked else form.option_moments())
        except services.GuestLessonError as error:
            form.topic.errors.append(str(error))
        else:
            flash_message(_("Het verzoek is opgeslagen."))
            return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson.id))
    return render("guest_lessons/form.html", form=form, lesson=lesson, status=422 if form.errors else 200)


def _option_data(lesson: GuestLesson) -> dict:
    data = {"programme_id": lesson.programme_id or 0, "year": lesson.year or 0}
    for number, option in enumerate(lesson.options[:3], start=1):
        start, end = to_local(option.starts_at), to_local(option.ends_at)
        data.update({f"date{number}": start.date(), f"start{number}": start.time(), f"end{number}": end.time()})
    return data


def _change(lesson: GuestLesson):
    if request.method == "GET":
        start, end = to_local(lesson.starts_at), to_local(lesson.ends_at)
        form = ChangeForm(data={"date1": start.date(), "start1": start.time(), "end1": end.time(), "place": lesson.place})
    else:
        form = ChangeForm()
    if form.validate_on_submit():
        starts_at, ends_at = form.moment
        try:
            services.change_lesson(lesson, current_user, starts_at, ends_at, form.place.data, form.note.data)
        except services.GuestLessonError as error:
            form.date1.errors.append(str(error))
        else:
            flash_message(_("De wijziging is opgeslagen en naar de alumna en jou gestuurd, met een nieuwe agenda-uitnodiging."))
            return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson.id))
    offer = services.confirmed_offer(lesson)
    return render("guest_lessons/change.html", form=form, lesson=lesson, offer=offer, status=422 if form.errors else 200)


@bp.post("/<int:lesson_id>/aanbod/<int:offer_id>/bevestigen")
@roles_required("coordinator")
def confirm(lesson_id: int, offer_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        offer = services.confirm_offer(lesson, offer_id, current_user)
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
    else:
        flash_message(
            _("Bevestigd: %(name)s. Jullie krijgen allebei een e-mail met een agenda-uitnodiging; de anderen zijn bedankt.", name=offer.alumna.first_name)
        )
    return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson_id))


@bp.post("/<int:lesson_id>/annuleren")
@roles_required("coordinator")
def cancel(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _lesson_page(lesson, status=422, cancel_form=form)
    try:
        services.cancel_lesson(lesson, current_user, form.reason.data or "")
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
    else:
        flash_message(_("Geannuleerd. Wie betrokken was, krijgt een e-mail."))
    return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson_id))


@bp.post("/<int:lesson_id>/afronden")
@roles_required("coordinator")
def mark_done(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    form = DoneForm()
    if not form.validate_on_submit():
        return _lesson_page(lesson, status=422, done_form=form)
    try:
        made = services.mark_done(lesson, current_user, form.link_count.data)
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
        return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson_id))
    if not made:
        flash_message(_("Afgerond. Je hebt geen feedbacklinks gemaakt; dat kan later nog."))
        return redirect_to(url_for("guest_lessons.lesson", lesson_id=lesson_id))
    flash_message(_("Afgerond. Deel de %(count)s feedbacklinks uit in de klas.", count=made))
    return redirect_to(url_for("guest_lessons.feedback_links", lesson_id=lesson_id))


@bp.route("/<int:lesson_id>/feedbacklinks", methods=["GET", "POST"])
@roles_required("coordinator")
def feedback_links(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    if lesson.status != "done":
        abort(404)
    form = MoreLinksForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                made = services.add_feedback_links(lesson, current_user, form.count.data)
            except services.GuestLessonError as error:
                flash_message(str(error), "error")
            else:
                flash_message(_("%(count)s extra links gemaakt.", count=made))
            return redirect_to(url_for("guest_lessons.feedback_links", lesson_id=lesson_id))
        status = 422
    return render(
        "guest_lessons/feedback_links.html", lesson=lesson, links=services.feedback_links(lesson), form=form, status=status
    )


@bp.get("/<int:lesson_id>/feedbacklinks.txt")
@roles_required("coordinator")
def feedback_links_txt(lesson_id: int):
    lesson = get_in_school(GuestLesson, lesson_id)
    if lesson.status != "done":
        abort(404)
    links = services.feedback_links(lesson)
    lines = [f"{services.kind_label(lesson.kind)}: {lesson.topic}", _("Elke link werkt één keer. De antwoorden zijn anoniem."), ""]
    lines += [f"{number}. {url}" for number, url in links.links]
    return Response(
        "\r\n".join(lines) + "\r\n",
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="feedbacklinks-{lesson.id}.txt"', "Cache-Control": "no-store"},
    )


# --- alumna: board, a request, her lessons ----------------------------------------------


def _own_profile():
    profile = services.own_profile(current_user)
    if profile is None:
        abort(403)
    return profile


@bp.get("/prikbord")
@roles_required("alumna")
def board():
    profile = _own_profile()
    kind = _kind_arg(request.args.get("kind"))
    fit = "mine" if request.args.get("fit") == "mine" else "all"
    result = services.board(profile, kind=kind, fit=fit)
    return render("guest_lessons/board.html", "guest_lessons/_board_results.html", board=result, kind=kind, fit=fit, profile=profile)


def _request_page(lesson: GuestLesson, profile, status: int = 200, offer_form: OfferForm | None = None, **extra):
    offer = services.offer_of(lesson, profile.user_id)
    reason = services.blocking_reason(profile, lesson)
    free = services.available_options(profile, lesson) if reason is None else []
    if offer_form is None:
        offer_form = OfferForm(data={"option_id": free[0].id if len(free) == 1 else None})
    offer_form.option_id.choices = _option_choices(free)
    feedback = None
    if offer is not None and offer.status == "confirmed" and lesson.status == "done":
        feedback = services.feedback_summaries([lesson.id]).get(lesson.id)
    return render(
        "guest_lessons/request.html",
        status=status,
        lesson=lesson,
        offer=offer,
        reason=reason,
        offer_form=offer_form,
        decline_form=EmptyForm(),
        withdraw_form=extra.get("withdraw_form") or WithdrawForm(),
        feedback=feedback,
        coordinators=services._coordinators(lesson) if offer is not None and offer.status == "confirmed" else [],
    )


def _option_choices(options):
    from flask_babel import format_datetime, format_time

    return choices(
        (o.id, f"{format_datetime(o.starts_at, 'EEEE d MMMM y, HH:mm')}–{format_time(o.ends_at, 'HH:mm')}") for o in options
    )


def _visible_request(lesson_id: int):
    profile = _own_profile()
    lesson = db.session.get(GuestLesson, lesson_id)
    if lesson is None:
        abort(404)
    if not services.may_see(profile, lesson):
        offer = services.offer_of(lesson, profile.user_id)
        if offer is None:
            abort(404)
        # Invited earlier, but it no longer fits her: say why, without the request's details.
        return profile, lesson, render(
            "guest_lessons/not_available.html", lesson=lesson, reason=services.blocking_reason(profile, lesson), status=410
        )
    return profile, lesson, None


@bp.get("/prikbord/<int:lesson_id>", endpoint="request")
@roles_required("alumna")
def request_detail(lesson_id: int):
    profile, lesson, refusal = _visible_request(lesson_id)
    return refusal or _request_page(lesson, profile)


@bp.post("/prikbord/<int:lesson_id>/aanbieden")
@roles_required("alumna")
def offer(lesson_id: int):
    profile, lesson, refusal = _visible_request(lesson_id)
    if refusal:
        return refusal
    free = services.available_options(profile, lesson)
    form = OfferForm()
    form.option_id.choices = _option_choices(free)
    if form.validate_on_submit():
        try:
            services.make_offer(lesson, profile, form.option_id.data, form.message.data or "")
        except services.GuestLessonError as error:
            form.option_id.errors.append(str(error))
        else:
            flash_message(_("Dank je wel! De school krijgt bericht en laat je weten of het doorgaat."))
            return redirect_to(url_for("guest_lessons.request", lesson_id=lesson_id))
    return _request_page(lesson, profile, status=422, offer_form=form)


@bp.post("/prikbord/<int:lesson_id>/past-niet")
@roles_required("alumna")
def decline(lesson_id: int):
    profile, lesson, _refusal = _visible_request(lesson_id)  # an invitation can be declined even when it no longer fits
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.decline(lesson, profile)
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
        return redirect_to(url_for("guest_lessons.request", lesson_id=lesson_id))
    flash_message(_("Genoteerd. Dit verzoek staat niet meer op je prikbord."))
    return redirect_to(url_for("guest_lessons.board"))


@bp.post("/prikbord/<int:lesson_id>/terugtrekken")
@roles_required("alumna")
def withdraw(lesson_id: int):
    profile, lesson, refusal = _visible_request(lesson_id)
    if refusal:
        return refusal
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _request_page(lesson, profile, status=422, withdraw_form=form)
    try:
        services.withdraw(lesson, profile, form.reason.data or "")
    except services.GuestLessonError as error:
        flash_message(str(error), "error")
    else:
        flash_message(_("Je aanbod is ingetrokken. De school krijgt bericht."))
    return redirect_to(url_for("guest_lessons.request", lesson_id=lesson_id))


@bp.get("/mijn")
@roles_required("alumna")
def mine():
    _own_profile()
    groups = services.my_lessons(current_user)
    feedback = services.feedback_summaries(o.lesson_id for o in groups["past"])
    return render("guest_lessons/mine.html", groups=groups, feedback=feedback)


# --- anyone with a link: anonymous feedback ---------------------------------------------

_LINK_PROBLEMS = {
    "used": lambda: _("Met deze link is al feedback gegeven. Elke link werkt één keer. Bedankt!"),
    "expired": lambda: _("Deze link is verlopen. Vraag je docent om een nieuwe link."),
    "invalid": lambda: _("Deze link werkt niet. Controleer of je de hele link hebt overgenomen."),
}


def _link_problem(error: tokens.TokenError):
    cause = error.args[0] if error.args else None
    reason = "used" if cause in (tokens.USED, tokens.WITHDRAWN) else "expired" if cause is tokens.EXPIRED else "invalid"
    return render("guest_lessons/feedback_problem.html", message=_LINK_PROBLEMS[reason](), status=404 if reason == "invalid" else 410)


@bp.route("/feedback/<token>", methods=["GET", "POST"])
@limiter.limit("300 per minute", methods=["POST"])  # a whole class answers at once, from one school address
def feedback(token: str):
    try:
        _invitation, lesson = services.feedback_invitation(token)
    except tokens.TokenError as error:
        return _link_problem(error)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            services.submit_feedback(token, int(form.rating.data), form.comment.data or "")
        except tokens.TokenError as error:
            return _link_problem(error)
        return render("guest_lessons/feedback_thanks.html", lesson=lesson)
    return render("guest_lessons/feedback.html", form=form, lesson=lesson, status=422 if form.errors else 200)
