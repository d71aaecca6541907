"""Command-line tools: `flask --app webapp create-admin|seed-demo|send-mail`."""

from __future__ import annotations

import getpass

import click
from flask import Flask
from sqlalchemy import select

from webapp.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--first-name", default="Beheer", show_default=True)
    @click.option("--password", envvar="KRING_ADMIN_PASSWORD", help="Read from KRING_ADMIN_PASSWORD, else asked.")
    def create_admin(email: str, first_name: str, password: str | None) -> None:
        """Create an admin account (or give an existing account the admin role)."""
        from webapp.auth.models import User
        from webapp.auth.services import find_user, normalise_email

        user = find_user(email)
        if user is None:
            if not password:
                password = getpass.getpass("Wachtwoord: ")
            if len(password) < 10:
                raise click.ClickException("Het wachtwoord moet minstens 10 tekens hebben.")
            user = User(email=normalise_email(email), first_name=first_name, activated=True)
            user.set_password(password)
            db.session.add(user)
        user.add_role("admin")
        db.session.commit()
        click.echo(f"{user.email} is admin.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing when the database already has schools.")
    @click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True)
    def seed_demo(if_empty: bool, size: str) -> None:
        """Fill an empty database with realistic demo data and demo accounts."""
        from webapp import demo
        from webapp.people.models import School

        if db.session.scalar(select(School.id).limit(1)) is not None:
            if if_empty:
                click.echo("De database heeft al gegevens; demo-data overgeslagen.")
                return
            raise click.ClickException("De database is niet leeg; seed-demo vult alleen een lege database.")
        counts = demo.seed(size=size)
        click.echo("Demo-data aangemaakt: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
        click.echo(f"Demo-accounts (wachtwoord: {demo.DEMO_PASSWORD}):")
        for role, email in demo.DEMO_ACCOUNTS.items():
            click.echo(f"  {role:12} {email}")

    @app.cli.command("send-mail")
    @click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
    @click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
    def send_mail(once: bool, interval: float, batch: int) -> None:
        """Deliver queued e-mail from the outbox (a worker; several may run at once)."""
        from webapp.outbox import worker

        if once:
            worker.run_periodic_jobs()
            result = worker.drain(batch)
            click.echo(f"{result.sent} verstuurd, {result.failed} later opnieuw, {result.gave_up} opgegeven.")
            return
        worker.run_forever(interval=interval, limit=batch)

    from webapp.privacy.cli import init_cli as init_privacy_cli

    init_privacy_cli(app)
