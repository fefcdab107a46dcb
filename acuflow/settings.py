"""Settings, read from the environment with strict parsing.

A bad value stops start-up with a clear message instead of running half-configured.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from acuflow.core import languages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ACUFLOW_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")


def envpositive(name: str, default: str) -> int:
    value = envint(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more, not {value!r}")
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envurl(name: str, default: str) -> str:
    """An absolute http(s) base URL without a trailing slash (links in emails)."""
    value = os.environ.get(name, default).strip()
    if not value.startswith(("http://", "https://")) or value.endswith("/"):
        raise ImproperlyConfigured(
            f"{name} must start with http:// or https:// and not end with '/', not {value!r}"
        )
    if not value.split("://", 1)[1] or any(c.isspace() for c in value):
        raise ImproperlyConfigured(f"{name} must name a host, not {value!r}")
    return value


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _create_private(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


def _create_private(path: Path, text: str = "") -> None:
    """Create `path` readable by its owner only (0600) from the first byte on: no window
    in which another local user could open it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def envproxies(name: str) -> list[str]:
    """Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For is believed."""
    values = envlist(name, "")
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, not {value!r}")
    return values


def envheader(name: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER: the header a trusted proxy sets to `https`, such as
    X-Forwarded-Proto. Only set it when the proxy always sets or strips that header."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not all(c.isalnum() or c == "-" for c in value):
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto")
    return ("HTTP_" + value.upper().replace("-", "_"), "https")


# EMAIL_TIMEOUT: seconds an SMTP connection waits for the server (connect, each reply).
# Named SMTP_TIMEOUT here: Django refuses its old EMAIL_* settings beside MAILERS.
SMTP_TIMEOUT = envpositive("EMAIL_TIMEOUT", "10")


def _email_settings(url: str) -> dict[str, object]:
    """EMAIL_URL: smtp://user:pass@host:587?tls=1, smtps://..., console://, locmem://,
    dummy://, as the default entry of MAILERS (Django 6.1's mail configuration)."""
    parsed = urlparse(url)
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {sorted(backends)}: {url!r}")
    options: dict[str, object] = {}
    if parsed.scheme in {"smtp", "smtps"}:
        query = parse_qs(parsed.query)
        options = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "username": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "use_ssl": parsed.scheme == "smtps",
            "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
            # Every connect, command and reply waits at most this long: a mail server
            # that never answers cannot hang the worker.
            "timeout": SMTP_TIMEOUT,
        }
    return {"BACKEND": backends[parsed.scheme], "OPTIONS": options}


CACHE_TABLE = "acuflow_cache"


def _cache_settings(url: str) -> dict[str, object]:
    """CACHE_URL (or REDIS_URL): redis://host:6379/0, rediss://... for Redis; empty or
    db:// for the database table. The cache holds the throttle's counts, so it must be
    shared by every worker process: no per-process memory cache."""
    scheme = urlparse(url).scheme if url else "db"
    if scheme == "db" and url in {"", "db://"}:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Room for every live throttle ticket: culling would forget attempts.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    if scheme in {"redis", "rediss"}:
        if importlib.util.find_spec("redis") is None:
            raise ImproperlyConfigured(
                "CACHE_URL/REDIS_URL names Redis: install its client (pip install redis)"
            )
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"CACHE_URL must be db:// or redis://host:port/db, not {url!r}")


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Base of absolute links in emails sent without a request (waitlist offers, reminders).
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "pgtrigger",  # append-only audit tables on PostgreSQL
    "csp",
    # acuflow apps, one per domain; `acuflow demo` loads each app's demo.py in this order.
    "acuflow.core",
    "acuflow.accounts",
    "acuflow.audit",
    "acuflow.patients",
    "acuflow.info",
    "acuflow.public",
    "acuflow.portal",
    "acuflow.assessment",
    "acuflow.protocols",
    "acuflow.scheduling",
    "acuflow.charting",
    "acuflow.datagen",
    "acuflow.outcomes",
    "acuflow.reports",
    "acuflow.analytics",
    "acuflow.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "acuflow.core.security.SecurityMiddleware",  # security events, no-store, Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "acuflow.core.bounds.InputBoundsMiddleware",  # NUL, JSON depth and size: 4xx, not 500
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "acuflow.accounts.middleware.OTPMiddleware",  # django-otp's, its lookup compiled once
    "acuflow.accounts.gate.GateMiddleware",  # signed in = both factors; idle timeout
    "acuflow.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: the first to see a view's exception; a deadlock is retried once, then 409.
    "acuflow.core.reliability.RetryConflictMiddleware",
]

ROOT_URLCONF = "acuflow.urls"
WSGI_APPLICATION = "acuflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "acuflow.core.context_processors.acuflow",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'acuflow.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except Exception as exc:  # dj-database-url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    # IMMEDIATE transactions take the write lock up front: a check-then-insert inside
    # one transaction cannot race another writer (the SQLite side of no double booking).
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db.setdefault("TEST", {})["NAME"] = os.environ.get("ACUFLOW_TEST_SQLITE_NAME") or None
    if not _db["TEST"]["NAME"]:
        _db["TEST"].pop("NAME")
    if str(_db["NAME"]).startswith(str(VAR_DIR)):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _create_private(Path(_db["NAME"]))  # SQLite keeps these permissions for -wal/-shm
elif "TEST_DATABASE_NAME" in os.environ:
    _db.setdefault("TEST", {})["NAME"] = os.environ["TEST_DATABASE_NAME"]
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Rate limits (acuflow.core.throttle) count in this cache, shared by all workers.
CACHES = {
    "default": _cache_settings(
        (os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "").strip()
    ),
    # Rendered parts of a record (acuflow.audit.sections), in each process's memory: their
    # keys come from the audit trail, so no process needs to hear of another's writes,
    # and no patient data goes to a shared store. Bounded: a 1,000-session course's
    # outcome part is about 0.3 MB.
    "sections": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "acuflow-sections",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "acuflow.accounts.backends.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

# Repeated failed logins: 5 failures for one email from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "acuflow.core.security.axes_client_address"

OTP_TOTP_ISSUER = "acuflow"

LANGUAGE_CODE = "en"
LANGUAGES = languages.LANGUAGES  # the one list: acuflow/core/languages.py
# Catalogs live in each app (acuflow/<app>/locale) and are also listed here: of two apps
# that translate the same text, the one listed first in INSTALLED_APPS wins, so Django's
# own apps came before ours (django.contrib.sessions' "Sessions" made the Norwegian report
# say "Økter" against the glossary's "Behandlinger"). LOCALE_PATHS outrank every app; in
# INSTALLED_APPS order, which still decides between two acuflow apps.
LOCALE_PATHS: list[Path] = [
    path
    for app in INSTALLED_APPS
    if app.startswith("acuflow.")
    and (path := BASE_DIR.joinpath(*app.split("."), "locale")).is_dir()
]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

MAILERS = {"default": _email_settings(os.environ.get("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "acuflow <noreply@acuflow.example>")

# Staff sessions end after SESSION_IDLE_MINUTES without a request and at most
# SESSION_ABSOLUTE_HOURS after sign-in (acuflow.accounts.gate).
SESSION_IDLE_MINUTES = envpositive("SESSION_IDLE_MINUTES", "30")
SESSION_ABSOLUTE_HOURS = 12
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
SESSION_ENGINE = "acuflow.accounts.sessions"  # database sessions, the lookup compiled once
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS: browsers refuse plain HTTP to this host for a year.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # the clinic's other hosts are not ours to decide
# Reverse proxies whose X-Forwarded-For names the client (acuflow.core.security).
TRUSTED_PROXIES = envproxies("TRUSTED_PROXIES")
SECURE_PROXY_SSL_HEADER = envheader("SECURE_PROXY_SSL_HEADER")

# Content-Security-Policy (django-csp): scripts only from our own static files or with
# the response's nonce, no inline handlers, no eval. Styles allow 'unsafe-inline':
# templates position calendar blocks and chart bars with style="" attributes, which a
# nonce cannot cover, and htmx adds its indicator style element.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # the response's nonce, for a script that needs one
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

NINJA_PAGINATION_MAX_LIMIT = 1000

# Background work (appointment reminders) goes through Django's tasks framework into a
# database queue; `acuflow worker` runs it. No broker to operate.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
