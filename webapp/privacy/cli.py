"""`flask --app webapp purge-departed`: the retention rule, run by a daily job."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask


def init_cli(app: Flask) -> None:
    @app.cli.command("purge-departed")
    @click.option("--dry-run", is_flag=True, help="Show who would be erased, change nothing.")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="Act as if it is this date (YYYY-MM-DD); default: today.",
    )
    def purge_departed(dry_run: bool, today) -> None:
        """Erase students who left longer ago than their school's retention period."""
        from webapp.privacy import services

        day: date = today.date() if today is not None else services.local_today()
        items = services.purge_departed(day, dry_run=dry_run)
        verb = "Zou wissen" if dry_run else "Gewist"
        for item in items:
            what = "account" if item.what == "account" else "studentgegevens (account blijft: ook alumna)"
            click.echo(f"{verb}: gebruiker #{item.user_id}, {item.school}, {item.status} op {item.left_at.isoformat()}: {what}")
        undated = services.departed_without_date()
        if undated:
            click.echo(f"Let op: {undated} vertrokken studente(s) zonder vertrekdatum overgeslagen.")
        summary = "zouden worden gewist" if dry_run else "gewist"
        click.echo(f"{len(items)} studente(s) {summary} (peildatum {day.isoformat()}).")
