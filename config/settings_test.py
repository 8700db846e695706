"""Test settings: the same settings, with fast hashing, local email and in-process tasks by default.

DATABASE_URL and CELERY_BROKER_URL from the environment still apply, so the same suite runs on
PostgreSQL and against a real Redis broker.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ENV", "test")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Tests that need a real broker start their own worker; everything else runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
