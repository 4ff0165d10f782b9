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
# A form sent over MAX_CONTENT_LENGTH is read through up to this size, its files dropped, to
# give it back with what was typed (complaints/web/uploads.py); beyond it the plain 413 page.
# A proxy in front must let such a request through (docs/deploy.md, client_max_body_size).
UPLOAD_REFUSED_READ_MAX = 100 * 1024 * 1024
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("pdf", "jpg", "png", "tif")  # scans of petitions, checked by content
ATTACHMENT_DIR = None  # None: <instance>/attachments; shared storage in multi-server deployments
PAGE_SIZE = 50
# The search page's results go up to this many ("more than 1,000"): counting every
# petition a common word matches would read a province's ten years (web/helpers.py). Each
# page counts them only this many pages past itself ("Trang 1/3 · hơn 150 kết quả").
SEARCH_COUNT_CAP = 1000
SEARCH_PAGES_AHEAD = 2
# The register's pager likewise counts up to this many ("more than 10,000"): a province's
# whole register is a million rows, whose count took as long as the rest of the page ten
# times over; a date, kind or unit filter under the cap gives the exact total (bench/README.md).
# The reception log's and sessions' pagers too: a country's half year is 1.25 million visits.
REGISTER_COUNT_CAP = 10_000
# A petition transferred to a unit of the tree: the result is awaited this many calendar days
# after the transfer when the handler sets no deadline (petitions/transfers.py says why 30).
TRANSFER_ANSWER_DAYS = 30
BABEL_DEFAULT_LOCALE = "vi"
BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LANGUAGES = ("vi", "en")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
# Served over HTTPS (production, behind nginx): cookies are sent only over HTTPS (Secure) and
# browsers are told to keep to HTTPS (HSTS). `make run` serves http://127.0.0.1 and sets
# COMPLAINTS_HTTPS=false; so must any other plain-http setup, or the login cookie is dropped.
HTTPS = True
PROXY_COUNT = 0  # trusted reverse proxies in front (nginx: 1), for the client's address
# Login throttle, counted in the database across workers (complaints/security.py).
LOGIN_MAX_FAILURES_PER_USER = 5
LOGIN_MAX_FAILURES_PER_IP = 50  # one office often shares one address
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
# The audit log's anchors (complaints/core/audit.py). The key signs the chain's head and its
# checkpoints and is never stored in the database: AUDIT_KEY (COMPLAINTS_AUDIT_KEY), else the
# file AUDIT_KEY_FILE (None: <instance>/audit.key, which `make run` writes once).
AUDIT_KEY = None
AUDIT_KEY_FILE = None
# The newest checkpoint, kept outside the database (None: <instance>/audit-anchor.json).
AUDIT_ANCHOR_FILE = None
AUDIT_CHECKPOINT_EVERY = 100  # a signed checkpoint every so many events
# A login session ends after this many minutes without a request (a working day: an officer
# who leaves at noon is still logged in after lunch, not the next morning). The signed cookie's
# own lifetime (PERMANENT_SESSION_LIFETIME) is derived from it (complaints/security.py).
SESSION_IDLE_MINUTES = 480
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
