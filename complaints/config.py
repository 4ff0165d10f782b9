"""Configuration in layers: these defaults, then instance/config.py, then COMPLAINTS_* variables."""

from __future__ import annotations

import json
import os

# Defaults. Anything here can be overridden by instance/config.py and by COMPLAINTS_<NAME>.
SECRET_KEY = None  # set per installation; `make run` writes one into instance/config.py
SQLALCHEMY_DATABASE_URI = None  # None: SQLite file in the instance folder
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
SQLALCHEMY_TRACK_MODIFICATIONS = False
WTF_CSRF_TIME_LIMIT = None  # a form stays valid for the whole session: officers keep tabs open
MAX_CONTENT_LENGTH = 25 * 1024 * 1024  # whole request; one attachment is limited below
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("pdf", "jpg", "png", "tif")  # scans of petitions, checked by content
ATTACHMENT_DIR = None  # None: <instance>/attachments; shared storage in multi-server deployments
PAGE_SIZE = 50
BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = ("vi", "en")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # True behind HTTPS (see README, deployment)
REMEMBER_COOKIE_HTTPONLY = True
DEMO_PASSWORD = "demo12345"  # noqa: S105  published in the README; seed-demo only


def from_environment(prefix: str = "COMPLAINTS_") -> dict:
    """Read COMPLAINTS_* variables; values that parse as JSON (numbers, true/false) are typed."""
    values: dict = {}
    for key, raw in os.environ.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix) :]
        try:
            values[name] = json.loads(raw)
        except ValueError:
            values[name] = raw
    # DATABASE_URL is the conventional name deployment tools set.
    if os.environ.get("DATABASE_URL") and "SQLALCHEMY_DATABASE_URI" not in values:
        values["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    return values
