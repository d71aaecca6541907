"""Configuration read from environment variables, with safe development defaults."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_bool(name: str) -> bool | None:
    """A yes/no setting, or None when the environment does not say."""
    return None if os.environ.get(name) is None else _bool(name)


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """PostgreSQL URLs use the psycopg 3 driver, whichever spelling they come in."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping for the app factory."""
    mail_server = os.environ.get("MAIL_SERVER", "")
    database_url = normalise_database_url(os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'kring.sqlite'}")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # JSON columns keep accents readable (and searchable) instead of \u escapes.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "json_serializer": lambda obj: json.dumps(obj, ensure_ascii=False)},
        "MAIL_SERVER": mail_server or "localhost",
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Kring <noreply@kring.local>"),
        "MAIL_SUPPRESS_SEND": False,
        # Without a mail server, the worker delivers into the development mailbox.
        "MAIL_TRANSPORT": os.environ.get("MAIL_TRANSPORT") or ("smtp" if mail_server else "mailbox"),
        "MAIL_DEV_MAILBOX": _bool("MAIL_DEV_MAILBOX", default=not mail_server),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "14")),
        # The network view's figures are computed at most this often (seconds; 0: on every view).
        "NETWORK_FIGURES_MAX_AGE": int(os.environ.get("NETWORK_FIGURES_MAX_AGE", "300")),
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "2")),
        # argon2id for new password hashes (webapp.auth.passwords); OWASP's recommended figures.
        "ARGON2_MEMORY_KIB": int(os.environ.get("ARGON2_MEMORY_KIB", "19456")),
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "2")),
        "ARGON2_PARALLELISM": int(os.environ.get("ARGON2_PARALLELISM", "1")),
        # None: decided by `apply_cookie_policy` once debug and testing are known.
        "SESSION_COOKIE_SECURE": _optional_bool("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_SECURE": _optional_bool("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Uploads (CSV files) are small; the student import sets its own, larger limit.
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def secure_cookies_by_default(base_url: str, *, debug: bool, testing: bool) -> bool:
    """Cookies go over HTTPS only, except when the app is served over plain HTTP on this machine.

    That is: always when BASE_URL is https://; not in debug mode (`make run`), not in tests,
    and not with a BASE_URL of http://127.0.0.1 or http://localhost (a local run without debug,
    such as the load benchmark). Everywhere else, production included, they are Secure.
    """
    if base_url.startswith("https://"):
        return True
    return not (debug or testing or urlsplit(base_url).hostname in LOCAL_HOSTS)


def apply_cookie_policy(config) -> None:
    """Fill in SESSION_COOKIE_SECURE and REMEMBER_COOKIE_SECURE where nothing set them."""
    default = secure_cookies_by_default(config["BASE_URL"], debug=bool(config.get("DEBUG")), testing=bool(config.get("TESTING")))
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(name) is None:
            config[name] = default
