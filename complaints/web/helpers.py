"""What every blueprint's views share: paging, the user's units as choices, loading a record
of the user's units, the filter as query arguments, permissions, and putting an operation's
refusal beside its fields. One copy each; the views import them from here."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import date
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from wtforms import SelectChoice

from complaints.core.access import PERMISSIONS, has_permission, load_scoped
from complaints.core.db import MAX_ID, MAX_PAGE, ListPage, count_up_to
from complaints.core.errors import OperationError
from complaints.core.translate import gettext as _
from complaints.extensions import db


def page_number(name: str = "page") -> int:
    """The page asked for in the query string, between 1 and MAX_PAGE."""
    page = request.args.get(name, 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def paginate(query, name: str = "page", per_page: int | None = None):
    """One page of a query (Flask-SQLAlchemy's pagination, for the pager macro)."""
    return db.paginate(
        query,
        page=page_number(name),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
    )


class CappedPagination(SelectPagination):
    """A page of a query whose count stops at `count_to` (counted_page): the search of a
    common word would otherwise count every matching row of ten years to print its total.
    `capped` says the total is "more than count_to"; a last page counts nothing."""

    def _query_count(self) -> int:
        self.capped = False
        if (self.items and len(self.items) < self.per_page) or (not self.items and self.page == 1):
            return self._query_offset + len(self.items)  # the last page: nothing to count
        total, self.capped = count_up_to(
            self._query_args["session"], self._query_args["select"], self._query_args["count_to"]
        )
        return total

    @property
    def more(self) -> bool:
        """Whether rows follow this page: known when the count reaches past the page (the
        API's pages, counted_page's `past_cap`)."""
        return self.capped or self.total > self._query_offset + len(self.items)


def paginate_list(items: list, name: str = "page") -> ListPage:
    """A page of an already ordered list (ListPage), the number asked for kept within its
    pages."""
    per_page = current_app.config["PAGE_SIZE"]
    number = min(page_number(name), max(1, -(-len(items) // per_page)))
    return ListPage(
        items[(number - 1) * per_page : number * per_page], number, per_page, len(items)
    )


# How a long list counts its total: the config keys of its cap and of how many pages past the
# page shown it counts (None: up to the cap). Registers (of petitions, the reception log, the
# sessions) and the API's lists of a country's centre hold millions; so do search results.
COUNTED = {
    "register": ("REGISTER_COUNT_CAP", None),
    "search": ("SEARCH_COUNT_CAP", "SEARCH_PAGES_AHEAD"),
}


def counted_page(
    query, counted: str, page: int, per_page: int, *, past_cap: bool = False
) -> CappedPagination:
    """One page of a long list, its total counted as COUNTED says for its kind (`counted`):
    the rule of the pages and of the API. The pages go as far as the cap (a page number past
    it shows the last one); with `past_cap` (the API, whose client reads a register to its
    end) any page is served, and its count reaches one row past it, so that whether another
    page follows is known."""
    page, count_to = count_limits(counted, page, per_page, past_cap=past_cap)
    return CappedPagination(
        select=query,
        session=db.session(),
        count_to=count_to,
        page=page,
        per_page=per_page,
        error_out=False,
    )


def count_limits(
    counted: str, page: int, per_page: int, *, past_cap: bool = False
) -> tuple[int, int]:
    """COUNTED's rule for a page of a long list of its kind: (the page number, kept within the
    cap's pages unless `past_cap`; how far its total is counted). For a list that pages
    itself (the case list: cases.queries.next_due_page) as for counted_page."""
    config = current_app.config
    cap_key, ahead_key = COUNTED[counted]
    cap = config[cap_key]
    if not past_cap:
        page = min(page, max(1, -(-cap // per_page)))
    count_to = cap if ahead_key is None else min(cap, (page + config[ahead_key]) * per_page)
    if past_cap:
        count_to = max(count_to, page * per_page)
    return page, count_to


def paginate_register(query, name: str = "page"):
    """One page of a register's list (the register of petitions, the reception log, the
    sessions), its total counted up to REGISTER_COUNT_CAP: a country's centre lists millions."""
    return counted_page(query, "register", page_number(name), current_app.config["PAGE_SIZE"])


def paginate_search(query, name: str):
    """One page of search results, its pages going as far as SEARCH_COUNT_CAP results, its
    total counted SEARCH_PAGES_AHEAD pages past the page shown ("Trang 1/3 · hơn 150 kết
    quả"): the count of a common name walks the newest rows until it has found them all, and
    a thousand took 150 ms of a 240 ms page at 1,000,000 petitions (bench/README.md)."""
    return counted_page(query, "search", page_number(name), current_app.config["PAGE_SIZE"])


def load(model: Any, object_id: int | str | None, user: Any = None, *, acting: bool = False):
    """A record of the user's units by id, or 404 (also for ids no INTEGER key can hold);
    `acting`: 403 for a unit that only follows it (core/access.load_scoped)."""
    try:
        object_id = int(object_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        abort(404)
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return load_scoped(model, object_id, user, acting=acting)


# A unit select offers at most this many units (a province's tree is a few hundred; a country's
# centre has some 4,300, a page of options weighing megabytes). Past it: the levels nearest
# the top that fit, and around the unit chosen its ancestors and its units one level down, so
# that choosing a province and pressing the button offers the province's units.
UNIT_CHOICES_MAX = 400


def within_reach(units: list, keep: int | str | None = None) -> list:
    """The units (ordered as a tree) a select offers: all of them up to UNIT_CHOICES_MAX, else
    those of the top levels that fit in it and, around the unit `keep` (an id or a code), its
    ancestors, itself and its units one level down."""
    if len(units) <= UNIT_CHOICES_MAX:
        return units
    per_depth = Counter(u.depth for u in units)
    reach, offered = min(per_depth), 0
    for depth in sorted(per_depth):
        if offered + per_depth[depth] > UNIT_CHOICES_MAX:
            break
        reach, offered = depth, offered + per_depth[depth]
    chosen = next((u for u in units if keep is not None and keep in (u.id, u.code)), None)

    def near(u) -> bool:
        return chosen is not None and (chosen.path.startswith(u.path) or u.parent_id == chosen.id)

    return [u for u in units if u.depth <= reach or near(u)]


def unit_choices(
    blank: str | None = None,
    *,
    with_paths: bool = False,
    by: str = "id",
    units: list | None = None,
    active_on: date | None = None,
    keep: int | None = None,
    chosen: int | str | None = None,
) -> UnitChoices:
    """The user's unit and every unit below it, indented by depth ("— HPLC · UBND phường...").

    `blank`: a first choice meaning "all units" (value 0, or "" when chosen by code);
    `by`: "id" or "code"; `with_paths`: each option carries data-path for the page's script;
    `units`: the units to offer when a page offers only some of the user's; `active_on`: only
    the units that exist on that day (a form giving new work or a new account), and the unit
    `keep` (the record's current one) even if dissolved since.
    Filters and reports offer every unit: history keeps its dissolved units. A tree larger
    than UNIT_CHOICES_MAX offers its top levels and the units around `chosen` (the field's
    value: offer_units), else `keep` (within_reach)."""
    from complaints.units.operations import subtree

    root = current_user.unit
    choices = [] if blank is None else [SelectChoice(0 if by == "id" else "", blank)]
    offered = [
        u
        for u in (units if units is not None else subtree(root))
        if active_on is None or u.id == keep or u.is_active_on(active_on)
    ]
    reached = within_reach(offered, chosen if chosen is not None else keep)
    for u in reached:
        label = ("— " * (u.depth - root.depth)) + f"{u.code} · {u.name}"
        extra = {"data-path": u.path} if with_paths else {}
        choices.append(SelectChoice(getattr(u, by), label, extra))
    return UnitChoices(choices, offered=len(offered), partial=len(reached) < len(offered))


class UnitChoices(list):
    """unit_choices' answer: the choices, and whether they are only part of the units (a tree
    larger than UNIT_CHOICES_MAX) of how many."""

    def __init__(self, choices: list, offered: int, partial: bool):
        super().__init__(choices)
        self.offered, self.partial = offered, partial


def offer_units(field: Any, blank: str | None = None, **kwargs: Any) -> None:
    """The field's choices: the user's units (unit_choices), around the one it holds (the
    value asked or posted, or the record's) when the tree is too large to offer whole, and
    then a line under the field saying so."""
    field.choices = unit_choices(blank, chosen=field.data or None, **kwargs)
    if field.choices.partial:
        field.description = _(
            "Danh sách rút gọn (%(count)s đơn vị): các cấp trên cùng và các đơn vị quanh đơn vị "
            "đang chọn. Chọn một đơn vị rồi lọc (xem) lại để hiện các đơn vị trực thuộc.",
            count=field.choices.offered,
        )


def units_clause(column: Any, unit_id: int | None, only_unit: bool = False):
    """Records of the chosen unit (one of the user's choices; none: the user's own), alone or
    with its sub-units."""
    from complaints.units.models import Unit

    unit = db.session.get(Unit, unit_id) if unit_id else current_user.unit
    if only_unit:
        return column == unit.id
    return column.in_(unit.subtree_ids())


def filter_args(form) -> dict[str, str]:
    """A filter form as query arguments, for the pager's and the print button's links."""
    args = {}
    for name, f in form._fields.items():
        if name in ("csrf_token", "submit"):
            continue
        if f.type == "BooleanField":
            if f.data:
                args[name] = "y"
        elif f.type == "VNDateField":
            if f._value():
                args[name] = f._value()
        elif f.data not in (None, "", []):
            args[name] = str(f.data)
    return args


def require_any(*permissions: str):
    """View decorator: 403 unless the user holds one of the permissions."""
    for permission in permissions:
        if permission not in PERMISSIONS:
            raise KeyError(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not any(has_permission(current_user, p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permissions = permissions  # read by permission-matrix tests
        return wrapped

    return decorator


def put_error(
    form, error: OperationError, mapping: dict | None = None, default: str | None = None
) -> None:
    """Put each message of an operation's refusal beside its field (above the form when the
    field is not on it: the version, or the record as a whole)."""
    for field, message in error.errors:
        name = (mapping or {}).get(field, field) or default
        if name and name != "version" and name in form._fields:
            target = form[name]
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def submitted(form) -> bool:
    """validate_on_submit(), with an error of the hidden version shown above the form."""
    ok = form.validate_on_submit()
    if not ok and "version" in form._fields and form.version.errors:
        form.form_errors.extend(form.version.errors)
    return ok
