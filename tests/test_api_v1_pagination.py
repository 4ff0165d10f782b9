"""The API's long lists (petitions, cases, sessions, and searches of them) count their total as
the pages do (web.helpers.counted_page): up to a cap, `total_exact` saying whether it was
reached, every page still served and `has_next` exact, so that a client reads a list to its end
however long it is."""

from __future__ import annotations

import pytest

from complaints.core.access import Role

from . import api_v1_support as support
from .api_v1_support import ok, user
from .test_search_index import _walk_along_the_key

api, world = support.api, support.world


@pytest.fixture()
def caller(api, world):
    roles = (Role.petition_handler, Role.case_handler, Role.leader, Role.reception_officer)
    return api.as_user(user(world["units"]["province"], *roles))


def _walk(caller, path: str, **params) -> tuple[list[tuple], list[int]]:
    """Every page of a list, one row a page, following has_next: (total, total_exact,
    has_next) of each page, and the ids in the order read."""
    pages, ids, number = [], [], 1
    while True:
        data = ok(caller.get(path, page=number, per_page=1, **params))
        pages.append((data["total"], data["total_exact"], data["has_next"]))
        ids += [item["id"] for item in data["items"]]
        if not data["has_next"]:
            return pages, ids
        number += 1
        assert number < 20, "has_next never ends"


LISTS = [
    ("/petitions", {}, "REGISTER_COUNT_CAP"),
    ("/petitions", {"q": "thu hoi dat"}, "SEARCH_COUNT_CAP"),
    ("/cases", {}, "REGISTER_COUNT_CAP"),
    ("/sessions", {}, "REGISTER_COUNT_CAP"),
]


@pytest.mark.parametrize("path,params,cap", LISTS)
def test_a_long_list_counts_to_its_cap_and_is_read_to_its_end(
    caller, app, monkeypatch, path, params, cap
):
    everything = ok(caller.get(path, per_page=100, **params))
    n = everything["total"]
    assert n >= 2 and everything["total_exact"] and not everything["has_next"]
    expected = [item["id"] for item in everything["items"]]

    monkeypatch.setitem(app.config, cap, 1)
    monkeypatch.setitem(app.config, "SEARCH_PAGES_AHEAD", 0)
    pages, ids = _walk(caller, path, **params)
    assert ids == expected  # nothing lost, nothing twice, in the list's order
    # Each page counts one row past itself: "more than k" at page k until the last, exact there.
    assert pages == [(k, False, True) for k in range(1, n)] + [(n, True, False)]
    past = ok(caller.get(path, page=n + 1, per_page=1, **params))
    assert (past["items"], past["total"], past["total_exact"], past["has_next"]) == (
        [],
        n,
        True,
        False,
    )


def test_a_search_counts_pages_ahead_of_the_page_asked(caller, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_PAGES_AHEAD", 1)
    first = ok(caller.get("/petitions", q="thu hoi dat", per_page=1))
    assert (first["total"], first["total_exact"], first["pages"], first["has_next"]) == (
        2,
        False,
        2,
        True,
    )
    monkeypatch.setitem(app.config, "SEARCH_PAGES_AHEAD", 2)  # three rows: all counted
    first = ok(caller.get("/petitions", q="thu hoi dat", per_page=1))
    assert (first["total"], first["total_exact"], first["has_next"]) == (3, True, True)


@pytest.mark.parametrize(
    "walk", [None, 50_000, 2], ids=["index", "newest-along-the-key", "key-then-index"]
)
def test_a_filtered_search_counts_what_it_lists(caller, monkeypatch, walk):
    """The API's filters are part of the search, so that its count (on PostgreSQL, a common
    term's count along the key: search_index.COUNT_BY) counts the rows it lists."""
    _walk_along_the_key(monkeypatch, walk)
    every = ok(caller.get("/petitions", q="thu hoi dat", per_page=100))["items"]
    kinds = {p["kind"] for p in every}
    assert len(kinds) > 1 and len(every) >= 3
    for kind in kinds:
        listed = [p["id"] for p in every if p["kind"] == kind]
        data = ok(caller.get("/petitions", q="thu hoi dat", kind=kind, per_page=len(listed)))
        assert [p["id"] for p in data["items"]] == listed
        assert (data["total"], data["total_exact"], data["has_next"]) == (len(listed), True, False)
