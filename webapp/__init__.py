"""Kring: mentoring circles, guest lessons, speeddates and buddies for studentes in technology."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

INSTANCE_PATH = Path(__file__).resolve().parent.parent / "instance"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The app factory: defaults from the environment, then the overrides (tests)."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from webapp import config

    app.config.from_mapping(config.from_environment(INSTANCE_PATH))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    if overrides:
        app.config.from_mapping(overrides)
    config.apply_cookie_policy(app.config)
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from webapp import database, extensions, models  # noqa: F401  (models register with the metadata)

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).resolve().parent.parent / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.htmx.init_app(app)
    extensions.limiter.init_app(app)

    from webapp import i18n, security, web

    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)

    from webapp import errors

    errors.init_app(app)

    from webapp.admin import bp as admin_bp
    from webapp.auth import bp as auth_bp
    from webapp.buddies import bp as buddies_bp
    from webapp.circles import bp as circles_bp
    from webapp.dashboard import bp as dashboard_bp
    from webapp.guest_lessons import bp as guest_lessons_bp
    from webapp.main import bp as main_bp
    from webapp.outbox import bp as outbox_bp
    from webapp.people import bp as people_bp
    from webapp.people import profile_bp
    from webapp.privacy import bp as privacy_bp
    from webapp.speeddates import bp as speeddates_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(profile_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(privacy_bp)
    for area in (circles_bp, guest_lessons_bp, speeddates_bp, buddies_bp, dashboard_bp):
        app.register_blueprint(area)

    from webapp import cli

    cli.init_app(app)
    return app
