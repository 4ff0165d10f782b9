"""Many officers registering petitions at once, against gunicorn with 4 workers (separate
processes, as in production), on SQLite or PostgreSQL: every acknowledged petition is stored
exactly once, register numbers are unique and without gaps. And the login throttle, kept in the
database, holds whichever worker answers."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent, verify
from complaints.extensions import db

from . import factories
from .conftest import make_app
from .live_servers import (
    ARTIFACTS,
    PG_URL,
    Browser,
    Gunicorn,
    check_register,
    dispose,
    run_writers,
    scratch_database,
)

THREADS = 16
PER_THREAD = 20  # 320 petitions
WORKERS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated database of its own with a province and four officers, and gunicorn on it."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    with scratch_database("gunicorn", tmp) as url:
        app = make_app(tmp, url)
        server = Gunicorn(url, tmp, workers=WORKERS)
        try:
            with app.app_context():
                factories.bind(db.session)
                units = factories.province_tree()
                users = [
                    factories.UserFactory(
                        username=f"tiepdan{i}",
                        unit=units["province"],
                        roles=[Role.reception_officer],
                    ).username
                    for i in range(4)
                ]
                unit_ids = [units["province"].id, units["commune"].id]
                db.session.commit()
                db.session.remove()
            server.start()
            yield {"app": app, "server": server, "users": users, "unit_ids": unit_ids}
        finally:
            server.stop()
            dispose(app)


def test_concurrent_registrations_are_each_stored_once_with_gapless_numbers(world):
    started = time.monotonic()
    log = run_writers(
        world["server"],
        world["users"],
        factories.PASSWORD,
        world["unit_ids"],
        threads=THREADS,
        per_thread=PER_THREAD,
    )
    elapsed = time.monotonic() - started
    assert not log.unanswered and not log.refused, (log.unanswered[:5], log.refused[:5])
    assert len(log.acks) == THREADS * PER_THREAD
    figures = check_register(world["app"], log.acks)
    assert figures["stored"] == THREADS * PER_THREAD
    with world["app"].app_context():
        result = verify()
        registered = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.kind == "petition.registered")
        )
        db.session.remove()
    assert result.ok, result
    assert registered == THREADS * PER_THREAD
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"assurance-load-{'postgresql' if PG_URL else 'sqlite'}.json").write_text(
        json.dumps(
            {
                "database": "postgresql" if PG_URL else "sqlite",
                "workers": WORKERS,
                "client_threads": THREADS,
                "acknowledged": len(log.acks),
                "stored": figures["stored"],
                "lost": len(log.acks) - figures["stored"],
                "audit_events_checked": result.checked,
                "seconds": round(elapsed, 1),
            },
            indent=2,
        )
    )


def test_login_throttle_holds_across_workers(world):
    """Each attempt on a new connection, so the four workers share them: the sixth and later
    attempts are refused by whichever worker answers, even with the right password."""
    statuses = [Browser(world["server"]).login("tiepdan3", "sai-mat-khau") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    later = [Browser(world["server"]).login("tiepdan3", factories.PASSWORD) for _ in range(8)]
    assert later == [429] * 8
    assert Browser(world["server"]).login("tiepdan2", factories.PASSWORD) == 302
