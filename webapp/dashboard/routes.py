"""Routes of the dashboard area: thin; the figures live in services.py.

Coordinator (her own school) and admin (any school with ?school=<id>):
  /dashboard/                      the dashboard: a skeleton whose panels load lazily with htmx
  /dashboard/paneel/<name>         one panel (kerncijfers, deelname, behoud, doelen, te-doen);
                                   the htmx partial, or a full page when opened directly
  /dashboard/csv/<dataset>.csv     the numbers behind a chart or table
Coordinator only:
  /dashboard/doelen                targets: set (form) and list with progress
  /dashboard/doelen/<id>/verwijderen
Admin only:
  /dashboard/netwerk               the network view (lazy panel), /dashboard/netwerk/paneel, /dashboard/netwerk.csv
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from webapp.dashboard import bp, services, snapshots
from webapp.dashboard.forms import TargetForm
from webapp.dashboard.models import Target
from webapp.extensions import db
from webapp.forms import EmptyForm
from webapp.people.models import School
from webapp.security import roles_required
from webapp.web import coordinator_school_id, flash_message, get_in_school, redirect_to, render

PANELS = {
    "kerncijfers": _l("Kerncijfers"),
    "deelname": _l("Deelname per opleiding en leerjaar"),
    "behoud": _l("Behoud"),
    "doelen": _l("Doelen"),
    "te-doen": _l("Te doen en binnenkort"),
}
DATASETS = {
    "kerncijfers": "kerncijfers",
    "deelname-trend": "kerncijfers",
    "deelname": "deelname",
    "deelname-leerjaar": "deelname",
    "behoud": "behoud",
    "behoud-leerjaar": "behoud",
    "behoud-trend": "behoud",
    "doelen": "doelen",
}


@bp.app_context_processor
def dashboard_helpers():
    def maybe_url(endpoint: str, **values) -> str | None:
        """A link into another area, or None while that page does not exist (yet)."""
        try:
            return url_for(endpoint, **values)
        except BuildError:
            return None

    return {"dashboard_url": maybe_url, "dashboard_start": _start_summary}


def _start_summary() -> dict | None:
    """What a coordinator sees first on the start page: the to-do counts."""
    if not (current_user.is_authenticated and current_user.has_role("coordinator")):
        return None
    from webapp.people.models import CoordinatorProfile

    profile = db.session.get(CoordinatorProfile, current_user.id)
    if profile is None:
        return None
    return services.start_counts(profile.school_id)


def _viewed_school() -> tuple[School | None, dict]:
    """The school whose dashboard is shown, and the URL arguments that keep it.

    A coordinator sees her own school; an admin picks one with ?school=<id>. None: an admin
    without a school (she is sent to the network view).
    """
    requested = request.args.get("school", type=int)
    if requested is not None and current_user.has_role("admin"):
        school = db.session.get(School, requested)
        if school is None:
            abort(404)
        return school, {"school": school.id}
    if current_user.has_role("coordinator"):
        return db.session.get(School, coordinator_school_id()), {}
    return None, {}


def _school_year_arg() -> services.SchoolYear | None:
    return services.SchoolYear.parse(request.args.get("schooljaar"))


def _panel_context(name: str, school: School, scope: dict) -> dict:
    today = date.today()
    own_school = not scope  # a coordinator's own dashboard (not an admin looking at a school)
    if name == "kerncijfers":
        data = services.overview(school.id, today)
    elif name == "deelname":
        data = services.participation(school.id, today)
    elif name == "behoud":
        data = services.retention(school.id, _school_year_arg(), today, with_names=own_school)
        scope = {**scope, "schooljaar": data["sy"].label}
    elif name == "doelen":
        items = services.progress(school.id, today)
        current = services.SchoolYear.of(today)
        data = {
            "items": items,
            "current": current,
            "tables": {"doelen": services.targets_table(items)},
        }
    else:
        data = services.todo(school.id)
    return {"name": name, "title": PANELS[name], "school": school, "scope": scope, "own_school": own_school, **data}


@bp.get("/")
@roles_required("coordinator", "admin")
def index():
    school, scope = _viewed_school()
    if school is None:
        return redirect(url_for("dashboard.network"))
    current = services.SchoolYear.of(date.today())
    return render(
        "dashboard/index.html",
        school=school,
        scope=scope,
        panels=PANELS,
        current=current,
        own_school=not scope,
    )


@bp.get("/paneel/<name>")
@roles_required("coordinator", "admin")
def panel(name: str):
    if name not in PANELS:
        abort(404)
    school, scope = _viewed_school()
    if school is None:
        return redirect(url_for("dashboard.network"))
    context = _panel_context(name, school, scope)
    return render("dashboard/panel.html", f"dashboard/_panel_{name.replace('-', '_')}.html", **context)


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.get("/csv/<dataset>.csv")
@roles_required("coordinator", "admin")
def csv(dataset: str):
    if dataset not in DATASETS:
        abort(404)
    school, scope = _viewed_school()
    if school is None:
        abort(404)
    context = _panel_context(DATASETS[dataset], school, scope)
    table = context["tables"][dataset]
    suffix = f"-{context['sy'].label}" if "sy" in context else ""
    return _csv(table.csv(), f"{dataset}{suffix}.csv")


# --- targets ---------------------------------------------------------------------------------


def _target_form(**kwargs) -> TargetForm:
    years = [y.label for y in services.target_years()]
    form = TargetForm(services.METRIC_LABELS, years, **kwargs)
    if request.method == "GET" and not form.school_year.data:
        form.school_year.data = services.SchoolYear.of(date.today()).label
    return form


def _targets_page(form: TargetForm, status: int = 200):
    school_id = coordinator_school_id()
    items = services.progress(school_id)
    return render(
        "dashboard/targets.html",
        "dashboard/_targets_body.html",
        status=status,
        form=form,
        items=items,
        delete_form=EmptyForm(),
        school=db.session.get(School, school_id),
    )


@bp.route("/doelen", methods=["GET", "POST"])
@roles_required("coordinator")
def targets():
    form = _target_form()
    if form.validate_on_submit():
        sy = services.SchoolYear.parse(form.school_year.data)
        try:
            target, created = services.set_target(coordinator_school_id(), form.metric.data, sy, form.value.data, current_user)
        except services.TargetError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            label = services.METRIC_LABELS[target.metric]
            if created:
                flash_message(_("Doel opgeslagen: %(label)s in %(year)s, %(value)s%%.", label=label, year=target.school_year, value=target.value))
            else:
                flash_message(_("Doel aangepast: %(label)s in %(year)s is nu %(value)s%%.", label=label, year=target.school_year, value=target.value))
            return redirect_to(url_for("dashboard.targets"))
    if request.method == "POST":
        return _targets_page(form, status=422)
    return _targets_page(form)


@bp.post("/doelen/<int:target_id>/verwijderen")
@roles_required("coordinator")
def delete_target(target_id: int):
    target = get_in_school(Target, target_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    services.delete_target(target)
    flash_message(_("Het doel is verwijderd."))
    return redirect_to(url_for("dashboard.targets"))


# --- the admin's network view ----------------------------------------------------------------


def _network_context() -> dict:
    sort = request.args.get("sort", "school")
    data = services.network(_school_year_arg(), sort, fresh=request.args.get("bijwerken") == "1")
    minutes = -(-int(snapshots.max_age().total_seconds()) // 60)  # rounded up
    return {**data, "columns": services.NETWORK_COLUMNS, "labels": services.NETWORK_LABELS, "max_age_minutes": minutes}


@bp.get("/netwerk")
@roles_required("admin")
def network():
    sy = _school_year_arg()
    args = {k: v for k, v in {"schooljaar": sy.label if sy else None, "sort": request.args.get("sort")}.items() if v}
    return render("dashboard/network.html", panel_url=url_for("dashboard.network_panel", **args))


@bp.get("/netwerk/paneel")
@roles_required("admin")
def network_panel():
    return render("dashboard/network_panel.html", "dashboard/_network.html", **_network_context())


@bp.get("/netwerk.csv")
@roles_required("admin")
def network_csv():
    context = _network_context()
    return _csv(context["tables"]["netwerk"].csv(), f"netwerk-{context['sy'].label}.csv")
