"""Hardening shared by every response: cookie flags, security headers, proxy addresses, and
the login throttle (failed attempts counted in the database, so the limit holds across
gunicorn workers).

Why a small after_request rather than flask-talisman: its last release is from 2023 and what
we need is a handful of fixed headers; writing them here keeps the policy readable in one place.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import Flask, flash, request, session
from flask_login import logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from complaints.core import audit, clock, throttle
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext

# Scripts and styles only from the app's own files: no inline <script>, no on*= handlers, no
# style="" attributes in templates (a test in tests/test_security_headers.py keeps it so).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()"
)
HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the body are not ours
# The session's last activity is rewritten at most this often: a new cookie on every request
# would be of no use, and the idle limit is counted in minutes anyway.
SEEN_STEP = timedelta(minutes=1)
SEEN_KEY = "_seen"


def init_app(app: Flask) -> None:
    """Apply the cookie policy, trust the configured proxies, add the security headers."""
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")

    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        # Behind nginx: the client's address and scheme come from X-Forwarded-For/-Proto, set
        # by exactly `proxies` trusted hops. Without this every client would count as the
        # proxy's address in the per-address login limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    idle = timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]))
    # The signed cookie is refused by Flask past this age, whatever it says: it is re-signed
    # whenever the last activity is rewritten, so an active session never reaches it, and a
    # cookie kept from before cannot be replayed for Flask's default 31 days.
    app.config["PERMANENT_SESSION_LIFETIME"] = idle + SEEN_STEP

    @app.before_request
    def _idle_sessions():
        _end_idle_session(timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"])))

    https = bool(app.config.get("HTTPS"))

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Every page built from the database may carry personal data (names, identity numbers,
        # scans): no copy in the browser's or a proxy's cache. Only the static files and a
        # response that declares itself public may be cached.
        cache = response.cache_control
        if request.endpoint != "static" and not (cache.public or cache.no_store):
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response


# --- idle sessions ---------------------------------------------------------------------------


def session_started() -> None:
    """Called at login: the session's idle time counts from now."""
    session[SEEN_KEY] = clock.now().isoformat()


def _end_idle_session(idle: timedelta) -> None:
    """Log out a session idle for longer than `idle` (clock.now(), so tests move the time);
    otherwise note this request as its last activity. A logged-in session without a last
    activity (a cookie from before this rule) is ended too."""
    if "_user_id" not in session:
        return
    now = clock.now()
    try:
        seen = datetime.fromisoformat(session[SEEN_KEY])
    except (KeyError, TypeError, ValueError):
        seen = None
    if seen is None or now - seen > idle:
        logout_user()
        session.pop(SEEN_KEY, None)
        minutes = int(idle.total_seconds() // 60)
        flash(
            gettext(
                "Phiên làm việc đã kết thúc vì không thao tác quá %(minutes)s phút. "
                "Vui lòng đăng nhập lại.",
                minutes=minutes,
            ),
            "warning",
        )
    elif now - seen >= SEEN_STEP:
        session[SEEN_KEY] = now.isoformat()


# --- login throttle --------------------------------------------------------------------------


def _user_key(username: str) -> str:
    return f"login:user:{username}"


def _ip_key(ip: str) -> str:
    return f"login:ip:{ip}"


def _limits(config) -> tuple[int, int, timedelta]:
    return (
        int(config["LOGIN_MAX_FAILURES_PER_USER"]),
        int(config["LOGIN_MAX_FAILURES_PER_IP"]),
        timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"])),
    )


def _wait(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return f"{fmt_date(until)[-5:]} (khoảng {minutes} phút nữa)"


def _user_message(limit: int, window: timedelta, until: datetime, now: datetime) -> str:
    return (
        f"Tên đăng nhập này đã nhập sai mật khẩu {limit} lần trong "
        f"{int(window.total_seconds() // 60)} phút, nên tạm thời bị khóa đăng nhập để bảo vệ "
        f"tài khoản. Vui lòng thử lại sau {_wait(until, now)}. Nếu quên mật khẩu, hãy liên hệ "
        "quản trị hệ thống."
    )


def _ip_message(limit: int, window: timedelta, until: datetime, now: datetime) -> str:
    return (
        f"Có quá nhiều lần đăng nhập sai từ máy tính này ({limit} lần trong "
        f"{int(window.total_seconds() // 60)} phút). Vui lòng thử lại sau {_wait(until, now)}."
    )


def login_refusal(config, username: str, ip: str, now: datetime) -> str | None:
    """Why a login attempt is refused before the password is even checked, or None."""
    user_limit, ip_limit, window = _limits(config)
    until = throttle.blocked(_user_key(username), user_limit, window, now)
    if until is not None:
        return _user_message(user_limit, window, until, now)
    until = throttle.blocked(_ip_key(ip), ip_limit, window, now)
    if until is not None:
        return _ip_message(ip_limit, window, until, now)
    return None


def login_failed(config, username: str, ip: str, user, now: datetime) -> str | None:
    """Count a failed login; when it reaches a limit, record the lock-out and say so.

    The count and the lock-out events are committed at once (throttle.keep): the failure that
    reaches a limit is answered 429, which would roll the request's transaction back."""
    user_limit, ip_limit, window = _limits(config)
    throttle.hit(_user_key(username), now)
    throttle.hit(_ip_key(ip), now)
    # Attempts older than any window are of no use: keep the table small.
    throttle.prune(now - max(window, timedelta(days=1)))
    message = None
    if throttle.count(_ip_key(ip), window, now) == ip_limit:
        until = throttle.blocked(_ip_key(ip), ip_limit, window, now)
        audit.record(
            "auth.ip_locked",
            entity_type="client_address",
            summary=f"Tạm khóa đăng nhập từ địa chỉ {ip} sau {ip_limit} lần sai",
            after={"ip": ip, "failures": ip_limit, "until": until, "last_username": username},
        )
        message = _ip_message(ip_limit, window, until, now)
    if throttle.count(_user_key(username), window, now) == user_limit:
        until = throttle.blocked(_user_key(username), user_limit, window, now)
        audit.record(
            "auth.login_locked",
            entity_type="user_account",
            entity_id=getattr(user, "id", None),
            unit_id=getattr(user, "unit_id", None),
            summary=f"Tạm khóa đăng nhập tên {username} sau {user_limit} lần sai mật khẩu",
            after={"username": username, "ip": ip, "failures": user_limit, "until": until},
        )
        message = _user_message(user_limit, window, until, now)
    throttle.keep()
    return message


def login_succeeded(username: str) -> None:
    """A correct password clears the account's count (not the address's: an attacker holding
    one valid account must not be able to wipe the count of the address he guesses from)."""
    throttle.reset(_user_key(username))
