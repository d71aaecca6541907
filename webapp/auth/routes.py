"""Login, logout, password reset, activation and alumna registration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import bp, services, tokens
from webapp.auth.forms import AlumnaRegistrationForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from webapp.extensions import db, limiter
from webapp.forms import EmptyForm
from webapp.web import flash_message, redirect_to, render


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.start")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.start"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        matches = services.check_login_password(user, form.password.data or "")
        if matches and user.activated:
            login_user(user, remember=form.remember.data)
            services.note_login(user)
            return redirect_to(_safe_next(request.args.get("next")))
        if matches:
            form.email.errors.append(_("Dit account is nog niet geactiveerd. Gebruik de link uit je uitnodiging."))
        else:
            form.password.errors.append(_("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
        return render("auth/login.html", form=form, status=422)
    return render("auth/login.html", form=form, status=422 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash_message(_("Je bent uitgelogd."), "info")
    return redirect_to(url_for("auth.login"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash_message(
            _("Als er een account bij dit e-mailadres hoort, hebben we een link gestuurd om een nieuw wachtwoord te kiezen."),
            "info",
        )
        return redirect_to(url_for("auth.login"))
    return render("auth/forgot_password.html", form=form, status=422 if form.errors else 200)


def _token_problem(error: tokens.TokenError):
    return render("auth/token_problem.html", message=str(error), status=410 if error.args[0] is not tokens.INVALID else 404)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        invitation = tokens.load(token, "password_reset")
    except tokens.TokenError as error:
        return _token_problem(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(invitation, form.password.data)
        except tokens.TokenError as error:
            return _token_problem(error)
        flash_message(_("Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord."))
        return redirect_to(url_for("auth.login"))
    return render("auth/new_password.html", form=form, title=_("Nieuw wachtwoord kiezen"), status=422 if form.errors else 200)


@bp.route("/activeren/<token>", methods=["GET", "POST"])
def activate(token: str):
    try:
        invitation = tokens.load(token, "activate")
    except tokens.TokenError as error:
        return _token_problem(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.activate(invitation, form.password.data)
        except tokens.TokenError as error:
            return _token_problem(error)
        logout_user()
        login_user(user)
        services.note_login(user)
        flash_message(_("Welkom bij Kring, %(name)s! Je account is actief.", name=user.first_name))
        return redirect_to(url_for("main.start"))
    return render(
        "auth/new_password.html",
        form=form,
        title=_("Account activeren"),
        intro=_("Welkom %(name)s! Kies een wachtwoord om je account te activeren.", name=invitation.user.first_name if invitation.user else ""),
        status=422 if form.errors else 200,
    )


@bp.route("/aanmelden/<token>", methods=["GET", "POST"])
def register_alumna(token: str):
    try:
        invitation = tokens.load(token, "alumna")
    except tokens.TokenError as error:
        return _token_problem(error)
    existing = services.find_user(invitation.email)
    if existing is not None and existing.activated:
        # She already has an account (say, as coordinator): accept while logged in as herself.
        if not current_user.is_authenticated or current_user.id != existing.id:
            flash_message(_("Je hebt al een account bij Kring. Log in om de uitnodiging aan te nemen."), "info")
            return redirect(url_for("auth.login", next=request.path))
        form = EmptyForm()
        if form.validate_on_submit():
            try:
                services.register_alumna(invitation, first_name=existing.first_name, last_name=existing.last_name, password=None)
            except tokens.TokenError as error:
                return _token_problem(error)
            flash_message(_("Je bent nu ook lid van het alumninetwerk. Vul je profiel aan."))
            return redirect_to(url_for("main.start"))
        return render("auth/accept_alumna.html", form=form, invitation=invitation)
    form = AlumnaRegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_alumna(
                invitation,
                first_name=form.first_name.data.strip(),
                last_name=(form.last_name.data or "").strip(),
                password=form.password.data,
            )
        except tokens.TokenError as error:
            return _token_problem(error)
        logout_user()
        login_user(user)
        services.note_login(user)
        flash_message(_("Welkom in het alumninetwerk, %(name)s! Vul je profiel aan.", name=user.first_name))
        return redirect_to(url_for("main.start"))
    return render("auth/register_alumna.html", form=form, invitation=invitation, status=422 if form.errors else 200)


@bp.post("/taal")
def set_language():
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect_to(_safe_next(request.form.get("next")))
