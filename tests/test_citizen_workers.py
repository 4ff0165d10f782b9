"""The citizen's rate limit against gunicorn with 4 workers (separate processes, as in
production), on SQLite or PostgreSQL: simultaneous wrong guesses on one receipt code are
counted exactly, and every worker refuses the code once its limit is reached."""

from __future__ import annotations

import re
import threading

import pytest

from complaints.citizen import codes
from complaints.extensions import db

from . import factories
from .conftest import make_app
from .factories_cases import petition as make_petition
from .live_servers import Browser, Gunicorn, scratch_database

WORKERS = 4
GUESSES = 12


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("citizen_workers")
    with scratch_database("citizen", tmp) as url:
        app = make_app(tmp, url)
        with app.app_context():
            factories.bind(db.session)
            units = factories.province_tree()
            p = make_petition(
                units["province"], senders=(("Nguyễn Văn An", "Lê Chân", "031085001234"),)
            )
            code = codes.display(p.receipt_code)
            db.session.commit()
            db.session.remove()
        server = Gunicorn(url, tmp, workers=WORKERS).start()
        try:
            yield {"server": server, "code": code}
        finally:
            server.stop()
            with app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()


def _answer(html: str) -> str:
    match = re.search(r'<div class="c-msg c-err" role="alert">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def test_simultaneous_guesses_are_counted_exactly_across_workers(world):
    server, code = world["server"], world["code"]
    browsers = [Browser(server) for _ in range(GUESSES)]
    tokens = [b.csrf("/tra-cuu") for b in browsers]
    start = threading.Barrier(GUESSES)
    statuses: list[int] = [0] * GUESSES

    def guess(i: int) -> None:
        start.wait()
        status, _, _ = browsers[i].request(
            "POST", "/tra-cuu", {"csrf_token": tokens[i], "code": code, "digits": f"{i:04d}"}
        )
        statuses[i] = status

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # Exactly five wrong guesses are let through and counted; the others wait 15 minutes.
    assert sorted(statuses) == [200] * 5 + [429] * (GUESSES - 5), statuses
    # Now even the right digits are refused, by whichever worker answers.
    for _ in range(WORKERS * 2):
        b = Browser(server)
        status, _, html = b.request(
            "POST", "/tra-cuu", {"csrf_token": b.csrf("/tra-cuu"), "code": code, "digits": "1234"}
        )
        assert status == 429 and "Vui lòng thử lại sau" in _answer(html)
