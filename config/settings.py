"""Settings for every environment, read from the environment.

DJANGO_ENV selects the defaults: `development` (the default: SQLite, in-process tasks, console email),
`production` (every secret required, HTTPS enforced) or `test`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production", "test"), "development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long in production.")
else:
    # Only ever used on a developer's machine or in tests: production refuses to start without its own key.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "development-only-key-" + "x" * 40)

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be on in production.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required in production (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "axes",
    "django_celery_beat",
    "access",
    "procore_sync",
    "erp_integrations",
    "qbxml",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", "" if PRODUCTION else _default_db)
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required in production, e.g. postgres://user:pass@host:5432/db")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two workflow steps on one item are
    # serialised instead of one failing with "database is locked" halfway through.
    # WAL lets pages read while the Web Connector's answers are written; synchronous=NORMAL drops the fsync
    # of every commit. A power cut can lose the last commits but never corrupts the file, and a lost
    # commit of an answer is what the connector's look-ups before re-adding exist for.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one user name from one address,
# that pair waits AXES_COOLOFF_TIME. Keyed on the pair, not the address alone, so one mistyped password
# cannot lock out a whole office behind one NAT address, nor can a stranger lock out a user by name alone.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The same limits hold the Web Connector endpoint's sign-ins (qbxml.services.authenticate).
# The largest call the Web Connector may post (its answers carry whole QuickBooks lists): the endpoint
# reads bodies up to it, answers larger ones with a SOAP fault, and the proxy in front must allow it.
QBWC_MAX_BODY_BYTES = env_int("QBWC_MAX_BODY_MB", 40, minimum=1) * 1024 * 1024
# A Web Connector session silent this long is taken to have died: another may start. (It calls every few
# seconds while it works; an ERP Integrations admin may release the connection sooner.)
QBWC_SESSION_IDLE_SECONDS = env_int("QBWC_SESSION_IDLE_SECONDS", 120, minimum=10)
# An import page's answer this large is written by a task while the Web Connector is told NoOp, so that its
# call never waits long enough to time out.
QBWC_WRITE_LATER_BYTES = env_int("QBWC_WRITE_LATER_KB", 2048, minimum=1) * 1024

SIGN_IN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
SIGN_IN_COOLOFF = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = SIGN_IN_COOLOFF
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no start-up banner on every command; lockouts are still logged
# How many reverse proxies stand between the browser and the application server (1 for nginx as in
# docs/deploy.md): the address is then read from X-Forwarded-For, else every sign-in seems to come
# from the proxy and the pair above degrades to the user name alone.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "erp_integrations.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QuickBooks Desktop bridge API",
    "DESCRIPTION": "Project records, the accounting acceptance workflow and the QuickBooks Desktop connector.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation pages' scripts and styles come from the product's own static files (offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A contract's, a change order's and an invoice's statuses are one choice set each, whichever side (the
    # subcontractor's or the owner's) the record is on: one enum each.
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "procore_sync.models.Commitment.Status",
        "ChangeOrderStatusEnum": "procore_sync.models.CommitmentChangeOrder.Status",
        "InvoiceStatusEnum": "procore_sync.models.SubcontractorInvoice.Status",
    },
}

# One cache every process shares: the API's throttles and the Web Connector's per-ticket errors must count
# the same in every gunicorn worker. Redis where CACHE_URL names it (production); else the database, which
# every process already shares (its table is made by `migrate`).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a Redis URL: use redis://HOST:6379/1")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "qb_bridge_cache"}
}

# Celery: with no broker configured, tasks run in-process so a new user needs nothing but Python.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL is required in production, e.g. redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process; an in-memory broker keeps Celery from looking for one on localhost.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "qb-bridge@localhost")
# The accounting approvers' daily summary, at this hour of TIME_ZONE. Everything Celery beat runs (this
# digest, each connection's scheduled imports) is a row of django-celery-beat's tables, kept in step by
# `qbxml.schedules` at every `migrate` and beat start: the admin shows it all in one place.
DAILY_DIGEST_HOUR = env_int("DAILY_DIGEST_HOUR", 7, minimum=0)
if DAILY_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"DAILY_DIGEST_HOUR={DAILY_DIGEST_HOUR} is not an hour of the day (0 to 23).")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The address people open the site at, for the links in e-mails (a task has no request to read it from).
# In production, the first allowed host over HTTPS unless told otherwise.
_site_host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ""
if PRODUCTION and (_site_host.startswith(".") or _site_host == "*"):
    SITE_URL = env_str("SITE_URL")  # a wildcard host names no address: required then
else:
    SITE_URL = env_str("SITE_URL", f"https://{_site_host}" if PRODUCTION else "http://127.0.0.1:8000")
SITE_URL = SITE_URL.rstrip("/")
if urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).netloc:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} is not an address: use https://qb.example.com")

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    },
}
