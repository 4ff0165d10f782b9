"""Every tile of the dashboard opens the list of exactly what it counts (issue 14, item 9):
for each role that has a dashboard, its own and a sub-unit's, the test follows each tile's
link and reads the list's total. The hand-built province of test_dashboard.py, with a Ban
Tiếp công dân whose petitions the inspectorate processes and cases the chairman gave the
inspectorate to verify: the tiles' numbers differ, so a link to the wrong list shows."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date

import pytest

from complaints.core.access import Role
from complaints.extensions import db as _db

from . import factories
from .factories_cases import petition as make_petition
from .test_dashboard import board_data, today  # noqa: F401  fixtures

D = date
TILES = ("open", "overdue", "due_soon", "petitions_overdue", "discipline")


@pytest.fixture()
def tiles_data(db, province, board_data):  # noqa: F811
    """board_data, plus: the Ban TCD (HPBTCD) whose petitions the inspectorate processes, two
    of them late (one > 45 days), one of the inspectorate's own late; cases A, D (overdue), B
    (due within 7 days) and C given to the inspectorate to verify."""
    hp, ttr = province["province"], province["inspectorate"]
    btcd = factories.UnitFactory(
        code="HPBTCD", name="Ban Tiếp công dân thành phố", parent=hp, level=ttr.level
    )
    btcd.processing_unit_id = ttr.id
    make_petition(btcd, received=D(2026, 5, 1), summary="Đơn ở Ban TCD, để lâu")
    make_petition(btcd, received=D(2026, 6, 1), summary="Đơn ở Ban TCD, quá hạn xử lý")
    make_petition(ttr, received=D(2026, 6, 1), summary="Đơn của Thanh tra, quá hạn xử lý")
    for key in ("A", "D", "B", "C"):
        board_data[key].assigned_unit_id = ttr.id
    _db.session.flush()
    return {**province, "btcd": btcd}


def _tiles(html: str) -> dict[str, tuple[int, str | None]]:
    """Each tile's number and the address it links to (None: no link)."""
    found = {}
    for key, value, label in re.findall(
        r'data-kpi="(\w+)">\s*<span class="kpi-value">([\d.]+)</span>\s*'
        r'<span class="kpi-label">(.*?)</span>',
        html,
        re.S,
    ):
        link = re.search(r'href="([^"]+)"', label)
        found[key] = (int(value.replace(".", "")), html_lib.unescape(link[1]) if link else None)
    assert tuple(found) == TILES, found
    return found


def _total(web, url: str) -> int:
    page = web.get(url)
    assert page.status_code == 200, url
    total = re.search(r"([\d.]+) bản ghi</", page.get_data(as_text=True))
    assert total, url
    return int(total[1].replace(".", ""))


def _check(web, url: str) -> dict[str, int]:
    """Each tile's number, once checked against the total of the list it links to."""
    tiles = _tiles(web.get(url).get_data(as_text=True))
    for key, (count, link) in tiles.items():
        assert link, key
        assert _total(web, link) == count, (url, key, link)
    return {k: c for k, (c, _link) in tiles.items()}


def _link(web, url: str, key: str) -> str:
    return _tiles(web.get(url).get_data(as_text=True))[key][1]


@pytest.mark.parametrize("role", [Role.leader, Role.report_maker])
def test_each_tile_opens_the_list_it_counts(
    web,
    login_as,
    board_data,  # noqa: F811
    tiles_data,
    today,  # noqa: F811
    role,
):
    p = tiles_data
    login_as(role)
    own = _check(web, "/dashboard/")
    assert own == {
        "open": 6,
        "overdue": 3,
        "due_soon": 1,
        "petitions_overdue": 5,
        "discipline": 2,
    }
    assert len(set(own.values())) == len(own)  # a tile linked to another's list would show
    if role == Role.leader:
        # A sub-unit's dashboard: its cases, and the petitions it processes (the inspectorate's
        # queue holds the Ban TCD's).
        commune = _check(web, f"/dashboard/?unit_id={p['commune'].id}")
        assert commune == {
            "open": 2,
            "overdue": 1,
            "due_soon": 1,
            "petitions_overdue": 0,
            "discipline": 0,
        }
        inspectorate = _check(web, f"/dashboard/?unit_id={p['inspectorate'].id}")
        assert (inspectorate["petitions_overdue"], inspectorate["discipline"]) == (3, 1)
        # The due-soon tile's list holds no overdue case (it said 9 and opened 72 cases).
        soon = web.get(_link(web, "/dashboard/", "due_soon")).get_data(as_text=True)
        assert {k for k, c in board_data.items() if c.case_no in soon} == {"B"}
        both = web.get("/cases/overdue?days=7&only_overdue=y&only_soon=y")
        assert "không chọn cả hai" in both.get_data(as_text=True)


def test_the_inspectorates_own_dashboard_counts_its_queue(web, login_as, tiles_data, today):  # noqa: F811
    """The inspectorate's leader: the cases he was given to verify, and the petitions his unit
    processes, those received by the Ban TCD included, as in his queue."""
    login_as(Role.leader, unit=tiles_data["inspectorate"])
    got = _check(web, "/dashboard/")
    assert got == {
        "open": 4,
        "overdue": 2,
        "due_soon": 1,
        "petitions_overdue": 3,
        "discipline": 1,
    }
    queue = web.get("/cases/process").get_data(as_text=True)
    assert "3 đơn chờ xử lý" in queue and "HPBTCD" in queue


def test_the_queue_counted_by_the_database_equals_its_keys(db, province):
    # The tiles and the overdue page count the queue in SQL (pending.count); the queue page
    # counts the keys it loads (pending.counts): the same numbers, with the engine's dates
    # where no deadline is stored yet (most of these petitions), the earliest active stored
    # one not met yet where there is one (every fourth: past or not yet on the days below; an
    # inactive one beside it is not its deadline, nor a met one).
    from datetime import timedelta

    from complaints.cases.models import Deadline
    from complaints.core.vocab import PetitionKind
    from complaints.petitions import pending
    from complaints.petitions.models import Petition, PetitionStatus

    unit = province["inspectorate"]
    kinds = [PetitionKind.complaint, PetitionKind.denunciation, PetitionKind.feedback]
    for i in range(18):
        received = date(2026, 1, 5) + timedelta(days=7 * i)
        p = make_petition(unit, kind=kinds[i % 3], received=received)
        if i % 4 == 0:
            db.session.flush()
            for due, active, met_on in (
                (received + timedelta(days=40 + 3 * i), True, None),
                (received, False, None),
                (received + timedelta(days=1), True, received),
            ):
                db.session.add(
                    Deadline(
                        petition_id=p.id, unit_id=unit.id, step="process", label="Xử lý đơn",
                        start=received, due=due, days=10, day_type="work", rule="test",
                        basis="test", active=active, met_on=met_on,
                    )
                )  # fmt: skip
    db.session.flush()
    where = [Petition.unit_id == unit.id, Petition.status == PetitionStatus.registered]
    seen = set()
    for t in (date(2026, 2, 1), date(2026, 3, 20), date(2026, 5, 4), date(2026, 7, 30)):
        counted = pending.count(where, t)
        assert counted == pending.counts(pending.keys(where), t)
        seen.add((counted["overdue"], counted["discipline"]))
    assert len(seen) == 4  # the days chosen give different numbers: the test compares something
    stored = [k for k in pending.keys(where) if not k.estimated]
    # the active one not met: neither the inactive one (received) nor the met one (received + 1)
    assert len(stored) == 5 and all(k.due >= k.received + timedelta(days=40) for k in stored)
