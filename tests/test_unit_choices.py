"""A unit select offers a province's whole tree, and a country's centre (some 4,300 units) its
top levels and the units around the one chosen (web/helpers.within_reach, offer_units)."""

from __future__ import annotations

import re

import pytest

from complaints.core.access import Role
from complaints.units.models import UnitLevel
from complaints.web import helpers

from .factories import UnitFactory


@pytest.fixture()
def deep(db, province):
    """Two wards under HPLC: the province's tree has three levels, seven units."""
    lc = province["commune"]
    return [
        UnitFactory(code=f"HPLC{n}", name=f"Tổ dân phố {n}", level=UnitLevel.commune, parent=lc)
        for n in (1, 2)
    ]


def offered(html: str, name: str = "unit_id") -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>(?:[—\s]*)([A-Z0-9]+) ·", select)


def test_a_tree_that_fits_is_offered_whole(db, web, login_as, province, deep):
    login_as(Role.leader)
    html = web.get("/cases/").get_data(as_text=True)
    assert "Danh sách rút gọn" not in html
    assert sorted(offered(html)) == ["HP", "HPHA", "HPLC", "HPLC1", "HPLC2", "HPSTNMT", "HPTTR"]


def test_a_large_tree_offers_its_top_levels_and_around_the_chosen_unit(
    db, web, login_as, province, deep, monkeypatch
):
    monkeypatch.setattr(helpers, "UNIT_CHOICES_MAX", 5)  # the province and its four units fit
    login_as(Role.leader)
    top = ["HP", "HPHA", "HPLC", "HPSTNMT", "HPTTR"]
    html = web.get("/cases/").get_data(as_text=True)
    assert sorted(offered(html)) == top
    assert "Danh sách rút gọn (7 đơn vị)" in html  # said under the field
    # choosing HPLC (and pressing Xem) offers its units one level down
    lc = province["commune"]
    html = web.get(f"/cases/?unit_id={lc.id}").get_data(as_text=True)
    assert sorted(offered(html)) == ["HP", "HPHA", "HPLC", "HPLC1", "HPLC2", "HPSTNMT", "HPTTR"]
    codes = offered(html)  # in the tree's order: its units right under it
    assert codes[codes.index("HPLC") + 1 : codes.index("HPLC") + 3] == ["HPLC1", "HPLC2"]
    assert f'<option selected value="{lc.id}"' in html or f'value="{lc.id}" selected' in html
    # a unit deeper than the top levels (a link from the dashboard) is offered and filters
    ward = deep[0]
    page = web.get(f"/cases/?unit_id={ward.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "HPLC1" in offered(html) and "HPLC2" not in offered(html)
    assert "Bộ lọc còn lỗi" not in html
    # by code (the reports' picker), the same
    html = web.get("/reports/?form=01-XLD&unit=HPLC1").get_data(as_text=True)
    assert "HPLC1" in offered(html, "unit") and "HPLC2" not in offered(html, "unit")


def test_within_reach_keeps_the_tree_order(db, province, deep, monkeypatch):
    from complaints.units.operations import subtree

    units = subtree(province["province"])
    monkeypatch.setattr(helpers, "UNIT_CHOICES_MAX", 1)  # not even the first level fits
    assert [u.code for u in helpers.within_reach(units)] == ["HP"]
    near = helpers.within_reach(units, "HPLC")
    assert [u.code for u in near] == ["HP", "HPLC", "HPLC1", "HPLC2"]
    assert [u.code for u in helpers.within_reach(units, deep[1].id)] == ["HP", "HPLC", "HPLC2"]
    monkeypatch.setattr(helpers, "UNIT_CHOICES_MAX", 100)
    assert helpers.within_reach(units, "HPLC") == units


def test_a_large_tree_offers_the_handlers_of_the_units_it_offers(
    db, web, login_as, province, deep, monkeypatch
):
    """The case list's handler filter: a country's centre has thousands of handlers; past the
    limit it offers those of the units the unit filter offers, and the one chosen."""
    from .factories import UserFactory

    def handler(unit, name):
        return UserFactory(unit=unit, full_name=name, roles=[Role.case_handler])

    at_top = [handler(province["province"], f"Cán bộ tỉnh {n}") for n in range(3)]
    below = [handler(deep[0], "Cán bộ tổ một"), handler(deep[1], "Cán bộ tổ hai")]
    login_as(Role.leader)  # a handler too: six of them, and the filter's limit is five
    monkeypatch.setattr(helpers, "UNIT_CHOICES_MAX", 5)

    def names(html):
        select = re.search(r'<select[^>]*name="assignee_id".*?</select>', html, re.S).group(0)
        return re.findall(r"<option[^>]*>([^<(]+) \(", select)

    top = names(web.get("/cases/").get_data(as_text=True))
    assert {u.full_name for u in at_top} <= set(top) and not {u.full_name for u in below} & set(top)
    around = names(web.get(f"/cases/?unit_id={province['commune'].id}").get_data(as_text=True))
    assert {u.full_name for u in below} <= set(around)
    page = web.get(f"/cases/?assignee_id={below[0].id}")  # the one chosen, whatever the unit
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bộ lọc còn lỗi" not in html
    assert "Cán bộ tổ một" in names(html) and "Cán bộ tổ hai" not in names(html)
    monkeypatch.setattr(helpers, "UNIT_CHOICES_MAX", 400)
    every = names(web.get("/cases/").get_data(as_text=True))
    assert {u.full_name for u in at_top + below} <= set(every)
