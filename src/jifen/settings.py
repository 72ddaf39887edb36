"""Settings for every Jifen process, driven by the environment (see CONTRACT.md).

Nothing secret lives here: the secret key comes from ``JIFEN_SECRET_KEY`` or is
generated once into the data directory.
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from jifen.lib.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("JIFEN_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env_str("JIFEN_SECRET_KEY", "")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Create the file with owner-only permissions before anything is written to it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
        except FileExistsError:  # another process won the race; use its key
            pass
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("JIFEN_DEBUG", False)
ALLOWED_HOSTS = env_list("JIFEN_ALLOWED_HOSTS", "127.0.0.1,localhost")
TESTING = "pytest" in sys.modules

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "jifen.lib",
    "jifen.api",
    "jifen.regions",
    "jifen.people",
    "jifen.audit",
    "jifen.points",
    "jifen.claims",
    "jifen.activities",
    "jifen.shop",
    "jifen.publicity",
    "jifen.requests",
    "jifen.incidents",
    "jifen.disclosure",
    "jifen.messages",
    "jifen.deliberation",
    "jifen.inspection",
    "jifen.witness",
    "jifen.units",
    "jifen.projects",
    "jifen.party",
    "jifen.contests",
    "jifen.property_review",
    "jifen.notices",
    "jifen.inbox",
    "jifen.imports",
    "jifen.ops",
    "jifen.web",
    "jifen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jifen.web.middleware.ContentSecurityPolicyMiddleware",  # before WhiteNoise: static too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jifen.audit.middleware.RequestContextMiddleware",
    "jifen.api.middleware.ApiErrorShapeMiddleware",
    "jifen.web.middleware.PasswordChangeMiddleware",
    "jifen.web.middleware.ConsentMiddleware",
]

ROOT_URLCONF = "jifen.urls"
WSGI_APPLICATION = "jifen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jifen.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("JIFEN_DATABASE_URL", f"sqlite:///{DATA_DIR / 'jifen.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL)


def _private_sqlite_file(name: str) -> None:
    """The database holds personal data: the owner's only, like the secret key. SQLite
    makes its file with the process's umask (commonly world-readable) and gives its -wal
    and -shm the database file's mode; so the file is made here, empty and 0600, before
    the first connection opens it (an empty file is a new database to SQLite), and an
    existing one — and any side file left beside it — is tightened to 0600."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:  # a directory not there or not ours: SQLite will say so itself
        return
    for each in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        try:
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
        except OSError:  # gone already, or another user's file: leave it as it is
            pass


if _db["ENGINE"] == "django.db.backends.sqlite3":
    _private_sqlite_file(str(_db["NAME"]))
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
    # BEGIN, so two writers queue instead of failing with "database is locked"
    # half-way through a transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that asks the kernel, not the server
        # (jifen/lib/db/postgresql/base.py).
        _db["ENGINE"] = "jifen.lib.db.postgresql"
    _db["CONN_MAX_AGE"] = env_int("JIFEN_CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People and login -----------------------------------------------------------
AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins allowed in the window (people/auth.py, docs/deployment.md): at a phone from
# one address, and from anywhere, before it is held back, right password included; from
# one address before it is busy and gets fewer failures at each phone — the address alone
# never holds back a right password.
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("JIFEN_LOGIN_THROTTLE_WINDOW", 15 * 60)
LOGIN_THROTTLE_PER_PHONE = env_int("JIFEN_LOGIN_THROTTLE_PER_PHONE", 5)
LOGIN_THROTTLE_PER_PHONE_ANYWHERE = env_int("JIFEN_LOGIN_THROTTLE_PER_PHONE_ANYWHERE", 15)
LOGIN_THROTTLE_PER_ADDRESS = env_int("JIFEN_LOGIN_THROTTLE_PER_ADDRESS", 30)
LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS = env_int(
    "JIFEN_LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS", 2
)
# Self-registrations in the same window, taken phone or not, at one phone and from one address.
REGISTER_THROTTLE_PER_PHONE = env_int("JIFEN_REGISTER_THROTTLE_PER_PHONE", 5)
REGISTER_THROTTLE_PER_ADDRESS = env_int("JIFEN_REGISTER_THROTTLE_PER_ADDRESS", 20)
API_TOKEN_DAYS = env_int("JIFEN_API_TOKEN_DAYS", 30)

# --- Security -----------------------------------------------------------------
# TLS, HSTS and the HTTPS redirect belong to the reverse proxy (docs/deployment.md).
# Behind such a proxy, JIFEN_HTTPS=1 marks the cookies secure and trusts its header.
HTTPS = env_bool("JIFEN_HTTPS", False)
# Set when a reverse proxy appends the client's address to X-Forwarded-For.
BEHIND_PROXY = env_bool("JIFEN_BEHIND_PROXY", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("JIFEN_CSRF_TRUSTED_ORIGINS", "")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Language and time -----------------------------------------------------------
LANGUAGE_CODE = env_str("JIFEN_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("JIFEN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Served by the app itself (no CDN, no separate web server needed on an intranet).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Reminders and decisions (jifen.lib.notify): console, email, or a dotted class path.
JIFEN_NOTIFY_BACKEND = env_str("JIFEN_NOTIFY_BACKEND", "memory" if TESTING else "console")
EMAIL_HOST = env_str("JIFEN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("JIFEN_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("JIFEN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("JIFEN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JIFEN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("JIFEN_EMAIL_FROM", "jifen@localhost")

MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "/media/"

# PDFs print in the Chinese font shipped in the package (jifen.lib.pdf); this names
# another TrueType file (.ttf/.ttc) instead. Empty: the bundled one.
JIFEN_PDF_FONT = env_str("JIFEN_PDF_FONT", "")

# --- Logging: never personal data ------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("JIFEN_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs request bodies of failed requests at DEBUG only; keep it above.
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "INFO"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
CSRF_FAILURE_VIEW = "jifen.web.views.errors.csrf_failure"
