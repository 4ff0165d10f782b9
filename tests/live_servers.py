"""Real servers for the load and crash tests: gunicorn with several workers as a subprocess on
a database of its own, and a plain HTTP client that behaves like a browser (cookies, CSRF).

The database is a temporary SQLite file, or, when COMPLAINTS_TEST_DATABASE_URL is set, a
separate PostgreSQL database named after it (``<name>_<suffix>``) that is created for the test
and dropped after it: the session-wide test database is never touched.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from .conftest import TEST_AUDIT_KEY

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("COMPLAINTS_TEST_DATABASE_URL")
SECRET = "live-server-secret"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REGISTERED_RE = re.compile(r"Đã vào sổ đơn số ([A-Z0-9]+-\d{4}-\d+)\.")
ARTIFACTS = ROOT / "test-artifacts"


def gunicorn_path() -> Path:
    """The gunicorn of this virtual environment; its absence fails the test (never a skip)."""
    path = Path(sys.executable).parent / "gunicorn"
    if not path.exists():
        pytest.fail(f"gunicorn is not installed beside {sys.executable}: pip install -e '.[test]'")
    return path


@contextlib.contextmanager
def scratch_database(suffix: str, tmp_path: Path) -> Iterator[str]:
    """A database URL for one test: created empty here, dropped afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{suffix}.db'}"
        return
    base = sa.engine.make_url(PG_URL)
    name = f"{base.database}_{suffix}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _drop_database(conn, name)
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            _drop_database(conn, name)
        admin.dispose()


def _drop_database(conn: sa.Connection, name: str) -> None:
    """DROP DATABASE, ending the test's own leftover sessions (WITH FORCE). PostgreSQL 15 refuses
    FORCE to a role that is not a superuser when an autovacuum worker happens to be in the
    database; a plain DROP makes the autovacuum worker exit by itself, so it is tried then."""
    try:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except sa.exc.ProgrammingError as e:
        if "pg_signal_backend" not in str(e):
            raise
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


def dispose(app) -> None:
    """Close the test process's connections to an app's database (before it is dropped)."""
    from complaints.extensions import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def free_port() -> int:
    """A port nobody listens on now (gunicorn cannot bind port 0 and tell us which it got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a production-like process: only its own configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINTS_")}
    env.pop("DATABASE_URL", None)
    instance = tmp_path / "instance"  # empty: no instance/config.py of a developer is read
    instance.mkdir(exist_ok=True)
    env.update(
        COMPLAINTS_SECRET_KEY=SECRET,
        COMPLAINTS_AUDIT_KEY=TEST_AUDIT_KEY,
        COMPLAINTS_SQLALCHEMY_DATABASE_URI=database_url,
        COMPLAINTS_INSTANCE_PATH=str(instance),
        COMPLAINTS_ATTACHMENT_DIR=str(tmp_path / "attachments"),
        COMPLAINTS_HTTPS="false",  # plain http on 127.0.0.1, as `make run`
        PYTHONUNBUFFERED="1",
    )
    return env


class Gunicorn:
    """gunicorn with `workers` sync workers in its own process group, so that it can be
    stopped, or killed outright with every worker, by the id of the process we started."""

    def __init__(self, database_url: str, tmp_path: Path, workers: int = 4):
        self.env = server_env(database_url, tmp_path)
        self.workers = workers
        self.log_path = tmp_path / "gunicorn.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, ready_within: float = 120.0) -> Gunicorn:
        """Start and wait until a worker answers (bounded: a loaded 2-core machine is slow)."""
        self.port = free_port()
        log = open(self.log_path, "ab")  # noqa: SIM115  closed when the process ends
        self.proc = subprocess.Popen(
            [str(gunicorn_path()), "--workers", str(self.workers), "--bind", self.base,
             "--no-control-socket", "--timeout", "60", "--graceful-timeout", "10", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self._answers():
                return self
            try:  # the pause between tries, which also notices a server that died
                self.proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
        self.kill()
        pytest.fail(f"gunicorn did not answer within {ready_within} s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/login")
            return conn.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, nothing gets to clean up."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # a worker that outlived its master

    def stop(self) -> None:
        """A normal shutdown (SIGTERM), falling back to SIGKILL."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """A `flask --app complaints` command on the server's configuration."""
        return subprocess.run(
            [str(Path(sys.executable).parent / "flask"), "--app", "complaints", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


class ServerGone(Exception):
    """The server did not answer (refused, reset, timed out): the request is not acknowledged."""


class Browser:
    """One user's browser: its own cookies and CSRF tokens, plain HTTP/1.1 to the server."""

    def __init__(self, server: Gunicorn, timeout: float = 60.0):
        self.server = server
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        body = urlencode(form, doseq=True) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
        except OSError as e:  # refused, reset, timeout, or http.client's own errors
            raise ServerGone(str(e)) from e
        except http.client.HTTPException as e:
            raise ServerGone(str(e)) from e
        finally:
            conn.close()
        for header in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers, text

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        match = CSRF_RE.search(text)
        if status != 200 or not match:
            raise AssertionError(f"GET {path}: {status}, no form")
        return match.group(1)

    def login(self, username: str, password: str) -> int:
        token = self.csrf("/login")
        status, _, _ = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": password}
        )
        return status

    def flashes(self) -> list[str]:
        """The messages waiting in the signed session cookie (Flask's flash)."""
        from flask import Flask

        app = Flask("reader")
        app.secret_key = SECRET
        serializer = app.session_interface.get_signing_serializer(app)
        cookie = self.cookies.get("session")
        data = serializer.loads(cookie) if cookie else {}
        return [message for _, message in data.get("_flashes", [])]


def petition_form(unit_id: int, summary: str) -> dict:
    return {
        "unit_id": str(unit_id),
        "received_date": "02/03/2026",
        "source": "post",
        "source_body": "",
        "source_doc_no": "",
        "kind": "complaint",
        "field": "land",
        "summary": summary,
        "senders-0-full_name": "Nguyễn Văn Tải",
        "senders-0-address": "12 Trần Nguyên Hãn, Lê Chân, Hải Phòng",
        "senders-0-identity_no": "031088012345",
        "senders-0-phone": "0912 345 678",
        "signatory_count": "1",
        "register_no": "",
    }


@dataclass
class Ack:
    """A registration the server acknowledged: 302 to the petition, with its number."""

    token: str
    register_no: str
    location: str


@dataclass
class WriterLog:
    """What the clients saw: acknowledged writes, and requests left without an answer."""

    acks: list[Ack] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def acknowledged(self, ack: Ack) -> None:
        with self.lock:
            self.acks.append(ack)
            self.lock.notify_all()

    def wait_for_acks(self, n: int, timeout: float) -> bool:
        """Wait until `n` writes are acknowledged (False if `timeout` seconds pass first)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.acks) >= n, timeout=timeout)


def register_one(browser: Browser, unit_id: int, token: str, log: WriterLog) -> bool:
    """Open the form, post it; record an acknowledgement. False when the server is gone."""
    try:
        csrf = browser.csrf("/petitions/new")
        form = {**petition_form(unit_id, f"Đơn thử tải {token}: khiếu nại thu hồi đất"),
                "csrf_token": csrf}  # fmt: skip
        status, headers, _ = browser.request("POST", "/petitions/new", form)
    except (ServerGone, AssertionError):
        with log.lock:
            log.unanswered.append(token)
        return False
    if status != 302:
        with log.lock:
            log.refused.append((token, status))
        return True
    numbers = [m.group(1) for m in map(REGISTERED_RE.search, browser.flashes()) if m]
    assert numbers, f"302 without a register number for {token}"
    log.acknowledged(Ack(token, numbers[-1], headers["Location"]))
    return True


def run_writers(
    server: Gunicorn,
    users: list[str],
    password: str,
    unit_ids: list[int],
    *,
    threads: int,
    per_thread: int,
    stop: threading.Event | None = None,
    prefix: str = "",
    log: WriterLog | None = None,
) -> WriterLog:
    """`threads` browsers, each logged in as one of `users`, registering up to `per_thread`
    petitions in turn among `unit_ids`, until done, the server is gone or `stop` is set.
    Pass `log` to watch the acknowledgements from another thread while they come in."""
    log = log if log is not None else WriterLog()
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            browser = Browser(server)
            assert browser.login(users[i % len(users)], password) == 302
            for n in range(per_thread):
                if stop is not None and stop.is_set():
                    return
                token = f"{prefix}T{i:02d}-{n:04d}"
                if not register_one(browser, unit_ids[(i + n) % len(unit_ids)], token, log):
                    return
        except ServerGone:
            return
        except BaseException as e:
            errors.append(e)

    pool = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in pool), "a client thread hung"
    if errors:
        raise errors[0]
    return log


def check_register(app, acks: list[Ack]) -> dict:
    """Every acknowledged petition is stored exactly once under its number; numbers are unique
    and without gaps in each unit's series of the year. Returns figures for the report."""
    from complaints.extensions import db
    from complaints.petitions.models import Petition

    with app.app_context():
        db.session.remove()
        rows = db.session.execute(
            sa.select(
                Petition.register_no, Petition.summary, Petition.unit_id, Petition.register_year
            )
        ).all()
        db.session.remove()
    by_token: dict[str, list[str]] = {}
    for register_no, summary, _, _ in rows:
        match = re.search(r"Đơn thử tải (\S+):", summary)
        if match:
            by_token.setdefault(match.group(1), []).append(register_no)
    for ack in acks:
        assert by_token.get(ack.token) == [ack.register_no], (ack, by_token.get(ack.token))
    numbers = [r[0] for r in rows]
    assert len(numbers) == len(set(numbers)), "a register number was given twice"
    series: dict[tuple[int, int], list[int]] = {}
    for register_no, _, unit_id, year in rows:
        series.setdefault((unit_id, year), []).append(int(register_no.rsplit("-", 1)[1]))
    for key, seqs in series.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"gap in series {key}"
    return {"stored": len(rows), "acknowledged": len(acks), "series": len(series)}
