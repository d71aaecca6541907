"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_DATABASE_URL
from webapp import create_app
from webapp.extensions import db


def _compare(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def _upgrade_and_compare(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        assert _compare(url) == []
        downgrade(revision="base")
        engine = create_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        db.engine.dispose()


def test_upgrade_on_empty_sqlite_matches_models(tmp_path):
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'fresh.sqlite'}")


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to check PostgreSQL")
def test_upgrade_on_empty_postgresql_matches_models():
    url = make_url(TEST_DATABASE_URL)
    name = f"kring_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_and_compare(url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
