"""Routes of the speeddates area: thin; the rules live in services.py.

Coordinator: /speeddates/ (list), /nieuw, /<id> (overview, tables), /<id>/bewerken, /<id>/openen,
/<id>/sluiten, /<id>/annuleren, /<id>/afronden, /<id>/tafels (add), /<id>/tafels/<host> (edit),
/<id>/tafels/<host>/verwijderen, /<id>/tafels/<host>/afmelden, /<id>/uitnodigen,
/<id>/aanmeldingen (+ /toevoegen, /<reg>/verwijderen), /<id>/indelen, /<id>/herstellen,
/<id>/schema (grid), /<id>/schema/verplaatsen, /<id>/schema/<slot>/losmaken, /<id>/publiceren,
/<id>/print, /<id>/vandaag (+ /ronde, /<reg>/afwezig).
Student: /speeddates/mijn, /<id>/aanmelden (page and POST), /<id>/afmelden, /<id>/voorkeuren,
/<id>/voorkeuren/<host>/<omhoog|omlaag|kiezen|weg>. Host (alumna or senior student): /<id>/tafel.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.extensions import db
from webapp.forms import EmptyForm, choices
from webapp.security import roles_required
from webapp.speeddates import bp, services
from webapp.speeddates.forms import EventForm, HostDetailsForm, HostForm, InviteForm, MoveForm
from webapp.speeddates.models import SpeeddateEvent, SpeeddateHost
from webapp.modeltools import utcnow
from webapp.timeutil import to_local
from webapp.web import coordinator_school_id, flash_message, get_in_school, is_htmx, redirect_to, render


@bp.app_context_processor
def speeddate_helpers():
    return {
        "speeddate_kind_label": services.kind_label,
        "speeddate_status_label": services.status_label,
        "speeddate_host_name": services.host_name,
        "speeddate_host_about": services.host_about,
        "speeddate_host_kind": lambda host: str(services.HOST_KIND_LABELS[services.host_kind(host)]),
        "speeddate_table": services.table_of,
        "speeddate_round_start": services.round_start,
        "speeddate_round_end": services.round_end,
        "speeddate_end": services.event_end,
        "speeddate_next_step": services.next_step,
        "speeddates_start": services.start_summary,
    }


def _csrf_or_400() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _event(event_id: int) -> SpeeddateEvent:
    return get_in_school(SpeeddateEvent, event_id)


def _host(event: SpeeddateEvent, host_id: int) -> SpeeddateHost:
    host = db.session.get(SpeeddateHost, host_id)
    if host is None or host.event_id != event.id:
        abort(404)
    return host


def _change_message(result: services.ChangeResult | None) -> str | None:
    if result is None:
        return None
    parts = [_("Het schema is hersteld: %(kept)s van de %(before)s gesprekken bleven gelijk, nu %(after)s gesprekken.", kept=result.kept, before=result.before, after=result.after)]
    if result.emails:
        parts.append(ngettext("%(num)s persoon kreeg een e-mail met het nieuwe schema.", "%(num)s mensen kregen een e-mail met hun nieuwe schema.", result.emails))
    return " ".join(parts)


# --- coordinator: list, new, edit ---------------------------------------------------------


@bp.get("/")
@roles_required("coordinator")
def index():
    state = "all" if request.args.get("status") == "all" else "active"
    page = services.events_page(coordinator_school_id(), state, max(1, request.args.get("page", 1, type=int) or 1))
    return render(
        "speeddates/index.html", "speeddates/_events.html", page=page, state=state, counts=services.counts(e.id for e in page.items)
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@roles_required("coordinator")
def new():
    form = EventForm()
    if request.method == "GET" and not form.title.data:
        form.title.data = str(services.KIND_TITLES["stage"])
    if form.validate_on_submit():
        try:
            event = services.create_event(coordinator_school_id(), current_user, form.values())
        except services.SpeeddateError as error:
            form.day.errors.append(str(error))
        else:
            flash_message(_("De speeddate staat klaar als concept. Voeg tafels toe en open dan de aanmelding."))
            return redirect_to(url_for("speeddates.event", event_id=event.id))
    return render("speeddates/event_form.html", form=form, event=None, locked=set(), status=422 if form.errors else 200)


@bp.route("/<int:event_id>/bewerken", methods=["GET", "POST"])
@roles_required("coordinator")
def edit(event_id: int):
    event = _event(event_id)
    if event.status in ("done", "cancelled"):
        flash_message(_("Een afgeronde of geannuleerde speeddate kun je niet meer wijzigen."), "error")
        return redirect_to(url_for("speeddates.event", event_id=event.id))
    locked = services.locked_fields(event)
    if request.method == "GET":
        start, deadline = to_local(event.starts_at), to_local(event.registration_deadline)
        form = EventForm(
            obj=event,
            data={"day": start.date(), "start": start.time(), "deadline_day": deadline.date(), "deadline_time": deadline.time()},
        )
    else:
        form = EventForm()
    if form.validate_on_submit():
        try:
            services.update_event(event, current_user, form.values())
        except services.SpeeddateError as error:
            form.day.errors.append(str(error))
        else:
            flash_message(_("De speeddate is opgeslagen."))
            return redirect_to(url_for("speeddates.event", event_id=event.id))
    return render("speeddates/event_form.html", form=form, event=event, locked=locked, status=422 if form.errors else 200)


# --- coordinator: one event and its tables ------------------------------------------------


def _host_form(event: SpeeddateEvent, form: HostForm | None = None) -> HostForm:
    form = form or HostForm(formdata=None)
    alumnae = services.alumna_candidates(event)
    students = services.student_host_candidates(event)
    form.alumna_id.choices = choices(
        [(0, _("Kies een alumna"))]
        + [(p.user_id, " · ".join(x for x in (p.user.full_name, p.job_title, p.employer) if x)) for p in alumnae]
    )
    form.student_id.choices = choices(
        [(0, _("Kies een studente"))]
        + [(p.user_id, f"{p.user.full_name} · {p.programme.name if p.programme else ''} · {_('jaar %(year)s', year=p.year)}") for p in students]
    )
    return form


def _event_page(event: SpeeddateEvent, status: int = 200, partial: str | None = None, host_form: HostForm | None = None):
    hosts = services.hosts_of(event)
    count = services.counts([event.id])[event.id]
    return render(
        "speeddates/event.html",
        partial,
        status=status,
        event=event,
        hosts=hosts,
        count=count,
        host_form=_host_form(event, host_form),
        audience=services.audience_labels(event),
        registration_open=services.registration_open(event),
        has_slots=event.status in services.SCHEDULED or event.status == "done",
    )


@bp.get("/<int:event_id>")
@roles_required("coordinator")
def event(event_id: int):
    return _event_page(_event(event_id), partial="speeddates/_hosts.html")


@bp.post("/<int:event_id>/tafels")
@roles_required("coordinator")
def add_host(event_id: int):
    event = _event(event_id)
    form = _host_form(event, HostForm())
    if form.validate_on_submit():
        try:
            host = services.add_host(event, current_user, form.person_values())
        except services.SpeeddateError as error:
            db.session.rollback()
            form.kind.errors = list(form.kind.errors) + [str(error)]
        else:
            flash_message(_("Tafel %(table)s is toegevoegd: %(name)s.", table=host.table_label, name=services.host_name(host)))
            if is_htmx():
                return _event_page(db.session.get(SpeeddateEvent, event_id), partial="speeddates/_hosts.html")
            return redirect(url_for("speeddates.event", event_id=event_id))
    return _event_page(event, status=422, partial="speeddates/_hosts.html", host_form=form)


@bp.route("/<int:event_id>/tafels/<int:host_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def edit_host(event_id: int, host_id: int):
    event = _event(event_id)
    host = _host(event, host_id)
    form = HostDetailsForm(obj=host, data={"seats": host.seats_per_round}) if request.method == "GET" else HostDetailsForm()
    if form.validate_on_submit():
        try:
            result = services.update_host(host, current_user, {"topic": form.topic.data, "company": form.company.data, "table_label": form.table_label.data, "seats": form.seats.data})
        except services.SpeeddateError as error:
            db.session.rollback()
            form.table_label.errors.append(str(error))
        else:
            flash_message(_change_message(result) or _("De tafel is opgeslagen."))
            return redirect_to(url_for("speeddates.event", event_id=event.id))
    return render("speeddates/host_form.html", form=form, event=event, host=host, status=422 if form.errors else 200)


@bp.post("/<int:event_id>/tafels/<int:host_id>/verwijderen")
@roles_required("coordinator")
def remove_host(event_id: int, host_id: int):
    event = _event(event_id)
    host = _host(event, host_id)
    _csrf_or_400()
    try:
        services.remove_host(host, current_user)
    except services.SpeeddateError as error:
        flash_message(str(error), "error")
    else:
        flash_message(_("De tafel is verwijderd."))
    if is_htmx():
        return _event_page(db.session.get(SpeeddateEvent, event_id), partial="speeddates/_hosts.html")
    return redirect(url_for("speeddates.event", event_id=event_id))


@bp.post("/<int:event_id>/tafels/<int:host_id>/afmelden")
@roles_required("coordinator")
def drop_host(event_id: int, host_id: int):
    return _host_change(event_id, host_id, services.drop_out_host, _("%(name)s is afgemeld."))


@bp.post("/<int:event_id>/tafels/<int:host_id>/terug")
@roles_required("coordinator")
def restore_host(event_id: int, host_id: int):
    return _host_change(event_id, host_id, services.restore_host, _("%(name)s doet weer mee."))


def _host_change(event_id: int, host_id: int, action, done_message: str):
    """A table drops out or comes back; the schedule is repaired and the message says what changed."""
    event = _event(event_id)
    host = _host(event, host_id)
    _csrf_or_400()
    try:
        result = action(host, current_user)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(done_message % {"name": services.host_name(host)} + " " + (_change_message(result) or ""))
    return redirect_to(url_for("speeddates.event", event_id=event_id))


def _simple_action(event_id: int, action, done_message: str, target: str = "speeddates.event"):
    event = _event(event_id)
    _csrf_or_400()
    try:
        action(event, current_user)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(done_message)
    return redirect_to(url_for(target, event_id=event_id))


@bp.post("/<int:event_id>/openen")
@roles_required("coordinator")
def open_registration(event_id: int):
    return _simple_action(event_id, services.open_registration, _("De aanmelding is open. Nodig nu studentes uit."))


@bp.post("/<int:event_id>/sluiten")
@roles_required("coordinator")
def close_registration(event_id: int):
    return _simple_action(event_id, services.close_registration, _("De aanmelding is gesloten. Maak nu het schema."))


@bp.post("/<int:event_id>/annuleren")
@roles_required("coordinator")
def cancel(event_id: int):
    return _simple_action(event_id, services.cancel_event, _("De speeddate is geannuleerd. Wie meedeed, krijgt een e-mail."))


@bp.post("/<int:event_id>/afronden")
@roles_required("coordinator")
def finish(event_id: int):
    return _simple_action(event_id, services.finish_event, _("De speeddate is afgerond. Bedankt!"))


# --- coordinator: invitations and registrations -------------------------------------------


@bp.route("/<int:event_id>/uitnodigen", methods=["GET", "POST"])
@roles_required("coordinator")
def invite(event_id: int):
    event = _event(event_id)
    form = InviteForm()
    form.programmes.choices = choices((p.id, f"{p.name} ({_('niveau')} {p.level}, {p.pathway})") for p in services.programmes_of(event.school_id))
    if form.validate_on_submit():
        try:
            counts = services.invite(event, current_user, form.programmes.data, form.years.data)
        except services.SpeeddateError as error:
            db.session.rollback()
            form.programmes.errors = list(form.programmes.errors) + [str(error)]
        else:
            message = ngettext("%(num)s studente kreeg een uitnodiging.", "%(num)s studentes kregen een uitnodiging.", counts["sent"])
            if counts["skipped_groups"]:
                message += " " + ngettext(
                    "%(num)s groep was al uitgenodigd en kreeg niets nieuws.", "%(num)s groepen waren al uitgenodigd en kregen niets nieuws.", counts["skipped_groups"]
                )
            if counts["not_activated"]:
                message += " " + ngettext(
                    "%(num)s studente heeft haar account nog niet geactiveerd.", "%(num)s studentes hebben hun account nog niet geactiveerd.", counts["not_activated"]
                )
            flash_message(message)
            return redirect_to(url_for("speeddates.event", event_id=event.id))
    return render(
        "speeddates/invite.html",
        form=form,
        event=event,
        audience=services.audience_labels(event),
        registration_open=services.registration_open(event),
        status=422 if form.errors else 200,
    )


@bp.get("/<int:event_id>/aanmeldingen")
@roles_required("coordinator")
def registrations(event_id: int):
    event = _event(event_id)
    q = request.args.get("q", "")[:100]
    found = services.student_search(event, q)
    if is_htmx() and request.headers.get("HX-Target") == "student-search":
        return render("speeddates/registrations.html", "speeddates/_student_search.html", event=event, q=q, found=found)
    return render(
        "speeddates/registrations.html",
        event=event,
        rows=services.registrations_view(event),
        hosts={h.id: h for h in services.hosts_of(event)},
        q=q,
        found=found,
    )


@bp.post("/<int:event_id>/aanmeldingen/toevoegen")
@roles_required("coordinator")
def add_registration(event_id: int):
    event = _event(event_id)
    _csrf_or_400()
    student_id = request.form.get("student_id", type=int)
    try:
        result = services.add_registration(event, current_user, student_id or 0)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_("De studente is aangemeld.") + " " + (_change_message(result) or ""))
    return redirect_to(url_for("speeddates.registrations", event_id=event_id))


@bp.post("/<int:event_id>/aanmeldingen/<int:registration_id>/verwijderen")
@roles_required("coordinator")
def remove_registration(event_id: int, registration_id: int):
    event = _event(event_id)
    _csrf_or_400()
    try:
        result = services.remove_registration(event, current_user, registration_id)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_("De aanmelding is verwijderd.") + " " + (_change_message(result) or ""))
    return redirect_to(url_for("speeddates.registrations", event_id=event_id))


# --- coordinator: the schedule ------------------------------------------------------------


@bp.post("/<int:event_id>/indelen")
@roles_required("coordinator")
def generate(event_id: int):
    event = _event(event_id)
    _csrf_or_400()
    try:
        figures = services.generate(event, current_user)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
        return redirect_to(url_for("speeddates.event", event_id=event_id))
    flash_message(
        _("Het schema is gemaakt: %(n)s gesprekken voor %(students)s studentes. Bekijk het en publiceer het.", n=figures["conversations"], students=figures["students"])
    )
    return redirect_to(url_for("speeddates.schedule", event_id=event_id))


@bp.post("/<int:event_id>/herstellen")
@roles_required("coordinator")
def repair(event_id: int):
    event = _event(event_id)
    _csrf_or_400()
    try:
        result = services.repair_now(event, current_user)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_change_message(result))
    return redirect_to(url_for("speeddates.schedule", event_id=event_id))


def _move_form(event: SpeeddateEvent, review: services.Review, form: MoveForm | None = None) -> MoveForm:
    form = form or MoveForm(formdata=None)
    form.student_id.choices = choices((row.user.id, row.user.full_name) for row in review.students if not row.no_show)
    form.round.choices = choices((r, _("Ronde %(round)s", round=r)) for r in review.rounds if r not in review.frozen)
    form.host_id.choices = choices(
        (h.id, f"{_('Tafel')} {services.table_of(h)} · {services.host_name(h)}") for h in review.hosts if not h.dropped_out
    )
    return form


def _schedule_page(event: SpeeddateEvent, status: int = 200, move_form: MoveForm | None = None, page: str = "speeddates/schedule.html", partial: str | None = None):
    review = services.review(event)
    form = _move_form(event, review, move_form)
    if move_form is None:
        form.student_id.data = request.args.get("student", type=int)
        form.round.data = request.args.get("round", type=int)
        form.host_id.data = request.args.get("host", type=int)
    figures = dict(event.figures or {})
    figures["at"] = services.parse_time(figures.get("at"))
    return render(page, partial, status=status, event=event, review=review, move_form=form, figures=figures)


@bp.get("/<int:event_id>/schema")
@roles_required("coordinator")
def schedule(event_id: int):
    event = _event(event_id)
    if event.status not in services.SCHEDULED + ("done",):
        flash_message(_("Er is nog geen schema."), "info")
        return redirect_to(url_for("speeddates.event", event_id=event_id))
    return _schedule_page(event)


@bp.route("/<int:event_id>/schema/verplaatsen", methods=["GET", "POST"])
@roles_required("coordinator")
def move(event_id: int):
    event = _event(event_id)
    if event.status not in services.SCHEDULED:
        flash_message(_("Er is nog geen schema."), "info")
        return redirect_to(url_for("speeddates.event", event_id=event_id))
    if request.method == "GET":
        return _schedule_page(event, page="speeddates/move.html", partial="speeddates/_move_form.html")
    review = services.review(event)
    form = _move_form(event, review, MoveForm())
    if form.validate_on_submit():
        try:
            result = services.move_meeting(event, current_user, form.student_id.data, form.round.data, form.host_id.data)
        except services.SpeeddateError as error:
            db.session.rollback()
            form.host_id.errors.append(str(error))
        else:
            message = _("Verplaatst en vastgezet: een nieuw schema of herstel houdt dit gesprek zo.")
            if result.emails:
                message += " " + ngettext("%(num)s persoon kreeg een e-mail met het nieuwe schema.", "%(num)s mensen kregen een e-mail met hun nieuwe schema.", result.emails)
            flash_message(message)
            return redirect_to(url_for("speeddates.schedule", event_id=event_id))
    return _schedule_page(event, status=422, move_form=form, page="speeddates/move.html", partial="speeddates/_move_form.html")


@bp.post("/<int:event_id>/schema/<int:slot_id>/losmaken")
@roles_required("coordinator")
def unpin(event_id: int, slot_id: int):
    event = _event(event_id)
    _csrf_or_400()
    try:
        services.unpin(event, current_user, slot_id)
    except services.SpeeddateError as error:
        flash_message(str(error), "error")
    else:
        flash_message(_("Het gesprek is losgemaakt: een nieuw schema mag het weer verplaatsen."))
    return redirect_to(url_for("speeddates.schedule", event_id=event_id))


@bp.post("/<int:event_id>/publiceren")
@roles_required("coordinator")
def publish(event_id: int):
    event = _event(event_id)
    _csrf_or_400()
    try:
        queued = services.publish(event, current_user)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(ngettext("Gepubliceerd. %(num)s persoon krijgt haar schema per e-mail.", "Gepubliceerd. %(num)s mensen krijgen hun schema per e-mail.", queued))
    return redirect_to(url_for("speeddates.schedule", event_id=event_id))


@bp.get("/<int:event_id>/print")
@roles_required("coordinator")
def print_view(event_id: int):
    event = _event(event_id)
    if event.status not in services.SCHEDULED + ("done",):
        flash_message(_("Er is nog geen schema."), "info")
        return redirect(url_for("speeddates.event", event_id=event_id))
    return render("speeddates/print.html", event=event, review=services.review(event))


# --- coordinator: on the day --------------------------------------------------------------


def _day_page(event: SpeeddateEvent, status: int = 200):
    return render(
        "speeddates/day.html",
        "speeddates/_day.html",
        status=status,
        event=event,
        review=services.review(event),
        clock_round=services.current_round(event),
    )


@bp.get("/<int:event_id>/vandaag")
@roles_required("coordinator")
def day(event_id: int):
    event = _event(event_id)
    if event.status not in ("published", "done"):
        flash_message(_("De dagpagina werkt zodra het schema gepubliceerd is."), "info")
        return redirect_to(url_for("speeddates.event", event_id=event_id))
    return _day_page(event)


@bp.post("/<int:event_id>/vandaag/ronde")
@roles_required("coordinator")
def start_round(event_id: int):
    event = _event(event_id)
    _csrf_or_400()
    number = request.form.get("round", type=int) or 0
    try:
        services.start_round(event, current_user, number)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_("Ronde %(n)s is gestart.", n=number))
    if is_htmx():
        return _day_page(db.session.get(SpeeddateEvent, event_id))
    return redirect(url_for("speeddates.day", event_id=event_id))


@bp.post("/<int:event_id>/vandaag/<int:registration_id>/afwezig")
@roles_required("coordinator")
def toggle_no_show(event_id: int, registration_id: int):
    event = _event(event_id)
    _csrf_or_400()
    absent = request.form.get("no_show") == "1"
    try:
        result = services.set_no_show(event, current_user, registration_id, absent)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message((_("Afwezig gemeld.") if absent else _("Weer aanwezig.")) + " " + (_change_message(result) or ""))
    if is_htmx():
        return _day_page(db.session.get(SpeeddateEvent, event_id))
    return redirect(url_for("speeddates.day", event_id=event_id))


# --- student: her events, registration and ranking ----------------------------------------


@bp.get("/mijn")
@roles_required("student", "alumna")
def mine():
    profile = services.student_profile(current_user)
    events = services.student_events(profile) if profile is not None else []
    registered = {e.id for e in events if services.registration_of(e, current_user.id) is not None}
    return render("speeddates/mine.html", events=events, registered=registered, tables=services.hosted_tables(current_user), now_utc=utcnow())


def _student_event(event_id: int):
    profile = services.student_profile(current_user)
    if profile is None:
        abort(403)
    event = db.session.get(SpeeddateEvent, event_id)
    if event is None or not services.may_student_see(event, profile):
        abort(404)
    return event, profile


def _signup_context(event: SpeeddateEvent, profile, error: str | None = None) -> dict:
    registration = services.registration_of(event, profile.user_id)
    hosts = services.active_hosts(event)
    by_id = {h.id: h for h in services.hosts_of(event)}
    order = services.ranking(registration)
    published = event.status in ("published", "done")
    blocked = registration is not None and services.consent_blocks(event, profile)
    return {
        "event": event,
        "profile": profile,
        "registration": registration,
        "hosts": hosts,
        "ranked": [by_id[h] for h in order if h in by_id],
        "unranked": [h for h in hosts if h.id not in order],
        "editable": services.registration_open(event),
        "limit": services.max_ranked(event),
        "lines": services.student_lines(event, profile.user_id) if published and registration is not None else [],
        "published": published,
        "blocked": blocked,
        "hosting": services.hosting_of(event, current_user),
        "error": error,
    }


@bp.get("/<int:event_id>/aanmelden")
@roles_required("student")
def signup(event_id: int):
    event, profile = _student_event(event_id)
    return render("speeddates/signup.html", "speeddates/_ranking.html", **_signup_context(event, profile))


@bp.post("/<int:event_id>/aanmelden")
@roles_required("student")
def register(event_id: int):
    event, profile = _student_event(event_id)
    _csrf_or_400()
    try:
        services.register(event, profile)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_("Je bent aangemeld. Kies nu met wie je het liefst praat."))
    return redirect_to(url_for("speeddates.signup", event_id=event_id))


@bp.post("/<int:event_id>/afmelden")
@roles_required("student")
def unregister(event_id: int):
    event, profile = _student_event(event_id)
    _csrf_or_400()
    try:
        services.unregister(event, profile)
    except services.SpeeddateError as error:
        db.session.rollback()
        flash_message(str(error), "error")
    else:
        flash_message(_("Je bent afgemeld."))
    return redirect_to(url_for("speeddates.mine") if not services.may_student_see(event, profile) else url_for("speeddates.signup", event_id=event_id))


def _ranking_answer(event: SpeeddateEvent, profile, error: str | None):
    """htmx: the ranking partial (422 with the message on error); a browser: back to the page."""
    if is_htmx():
        db.session.expire_all()
        return render("speeddates/signup.html", "speeddates/_ranking.html", status=422 if error else 200, **_signup_context(event, profile, error))
    if error:
        return render("speeddates/signup.html", status=422, **_signup_context(event, profile, error))
    flash_message(_("Je keuzes zijn opgeslagen."))
    return redirect(url_for("speeddates.signup", event_id=event.id))


@bp.post("/<int:event_id>/voorkeuren")
@roles_required("student")
def rank(event_id: int):
    event, profile = _student_event(event_id)
    _csrf_or_400()
    chosen: dict[int, int | None] = {}
    error = None
    for key, value in request.form.items():
        if not key.startswith("rank-"):
            continue
        try:
            chosen[int(key[5:])] = int(value) if value.strip() else None
        except ValueError:
            error = _("Kies voor elke tafel een keus uit de lijst.")
    if error is None:
        try:
            services.set_ranking(event, profile, chosen)
        except services.SpeeddateError as exc:
            db.session.rollback()
            error = str(exc)
    return _ranking_answer(event, profile, error)


@bp.post("/<int:event_id>/voorkeuren/<int:host_id>/<action>")
@roles_required("student")
def rank_step(event_id: int, host_id: int, action: str):
    event, profile = _student_event(event_id)
    if action not in ("omhoog", "omlaag", "kiezen", "weg"):
        abort(404)
    _csrf_or_400()
    error = None
    try:
        services.step_ranking(event, profile, host_id, action)
    except services.SpeeddateError as exc:
        db.session.rollback()
        error = str(exc)
    return _ranking_answer(event, profile, error)


# --- host: her table ----------------------------------------------------------------------


@bp.get("/<int:event_id>/tafel")
@roles_required("student", "alumna")
def my_table(event_id: int):
    event = db.session.get(SpeeddateEvent, event_id)
    host = services.hosting_of(event, current_user) if event is not None else None
    if host is None:
        abort(404)
    published = event.status in ("published", "done")
    return render(
        "speeddates/my_table.html", event=event, host=host, lines=services.host_lines(event, host) if published and not host.dropped_out else [], published=published
    )
