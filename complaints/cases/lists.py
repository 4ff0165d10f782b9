"""The case lists: open cases (with filters), the user's own, and overdue or due soon."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_login import current_user, login_required

from complaints.cases.forms import AGE_BUCKETS, CaseFilterForm, DueFilterForm
from complaints.cases.models import Case, due_soon_case, overdue_case
from complaints.cases.queries import (
    DUE_SOON_DAYS,
    CaseFilter,
    DueFilter,
    ageing_counts,
    case_where,
    due_base,
    due_shown,
    list_options,
    next_due_page,
    owed,
    with_related,
)
from complaints.cases.views import all_units, bp, handler_choices
from complaints.core import clock, confidentiality
from complaints.core.access import has_permission, require
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.petitions import pending, transfers
from complaints.web.helpers import count_limits, filter_args, page_number, paginate


def _buckets(counts: dict[str, int]) -> list[dict]:
    """The ageing buckets of ageing_counts' counts, labelled."""
    return [{"key": k, "label": label, "count": counts[k]} for k, label in AGE_BUCKETS]


def _case_filter_form() -> CaseFilterForm:
    form = CaseFilterForm(formdata=request.args or None)
    all_units(form.unit_id)
    blank = [(0, _("Tất cả")), (-1, _("Chưa giao người xử lý"))]
    handler_choices(form.assignee_id, blank, form.unit_id)
    return form


def _filter(form: CaseFilterForm) -> CaseFilter:
    return CaseFilter(
        state=form.state.data or None,
        closed=bool(form.closed.data),
        kind=form.kind.data or None,
        field=form.field.data or None,
        unit_id=form.unit_id.data or None,
        assignee_id=form.assignee_id.data or None,
        age=form.age.data or None,
        overdue=bool(form.overdue.data),
        due_within=form.due_within.data,
        q=form.q.data or None,
    )


def _case_list(template: str, title: str, base: list, *, mine: bool = False):
    t = clock.today()
    form = _case_filter_form()
    ok = form.validate() if request.args else True
    if ok:
        where = case_where(current_user, _filter(form), t, base)
    else:
        where = [Case.visible_to(current_user), *base, sa.false()]
    buckets = _buckets(ageing_counts(where, t))
    # Listing open cases only, the ageing buckets partition the list: their sum is its length,
    # and counting the open cases once is enough.
    only_open = ok and not form.state.data and not form.closed.data
    per_page = current_app.config["PAGE_SIZE"]
    # with the finished cases, a centre's list holds hundreds of thousands: counted as a register
    number, count_to = count_limits("register", page_number(), per_page)
    page = next_due_page(
        where,
        page=number,
        per_page=per_page,
        overdue_on=t if ok and form.overdue.data else None,
        total=sum(b["count"] for b in buckets) if only_open else None,
        count_to=count_to,
    )
    confidentiality.reader().load(page.items)
    return render_template(
        template,
        title=title,
        form=form,
        page=page,
        args=filter_args(form),
        buckets=buckets,
        mine=mine,
        endpoint=request.endpoint,
    )


@bp.get("/")
@login_required
@require("case.view")
def index():
    """Vụ việc đang giải quyết: the open cases of the user's units, with filters."""
    return _case_list("cases/list.html", _("Vụ việc đang giải quyết"), [])


@bp.get("/mine")
@login_required
@require("case.view")
def mine():
    """Vụ việc của tôi: the cases assigned to the user."""
    return _case_list(
        "cases/list.html", _("Vụ việc của tôi"), [Case.assignee_id == current_user.id], mine=True
    )


# The late transfers shown on the overdue page, the oldest deadline first.
LATE_TRANSFERS = 100


@bp.get("/overdue")
@login_required
@require("case.view")
def overdue():
    """Quá hạn / sắp đến hạn: open cases with a duty overdue or falling due within N days."""
    t = clock.today()
    form = DueFilterForm(formdata=request.args or None)
    all_units(form.unit_id)
    ok = form.validate() if request.args else True
    if ok:
        show = "overdue" if form.only_overdue.data else "soon" if form.only_soon.data else ""
        f = DueFilter(
            days=form.days.data if form.days.data is not None else DUE_SOON_DAYS,
            show=show,
            kind=form.kind.data or None,
            unit_id=form.unit_id.data or None,
        )
        base = due_base(current_user, f)
    else:
        f = DueFilter()
        base = [*due_base(current_user, f), sa.false()]
    days, horizon = f.days, t + timedelta(days=f.days)
    late = overdue_case(t)
    soon = due_soon_case(t, horizon)
    query = (
        sa.select(Case)
        .where(*base, due_shown(f, t))
        .options(*list_options())
        .order_by(Case.next_due, Case.id)
    )
    page = paginate(query)
    with_related(page.items)
    confidentiality.reader().load(page.items)
    # the heading's counts and the ageing buckets, the open cases read once
    counted = ageing_counts(base, t, also={"overdue": late, "soon": soon})
    petitions = None
    late_transfers: list = []
    # Who may read the queue (the dashboard's petition tiles open it) sees its counts here too.
    if has_permission(current_user, "petition.queue"):
        petitions = pending.count(pending.where(current_user), t)
        # Petitions the user's units transferred inside the system whose answer is late
        # (petitions/transfers.py): the sender's duty to urge, beside the cases' duties.
        late_transfers = list(
            db.session.scalars(transfers.overdue_query(current_user, t).limit(LATE_TRANSFERS))
        )
        confidentiality.reader().load([x.sender for x in late_transfers])
    return render_template(
        "cases/overdue.html",
        form=form,
        page=page,
        days=days,
        counts={"overdue": counted["overdue"], "soon": counted["soon"]},
        owed={c.id: owed(c, horizon) for c in page.items},
        buckets=_buckets(counted),
        bucket_args={
            k: v for k, v in (("kind", form.kind.data), ("unit_id", form.unit_id.data)) if ok and v
        },
        petitions=petitions,
        late_transfers=late_transfers,
        late_transfers_max=LATE_TRANSFERS,
        today=t,
        args=filter_args(form),
        discipline_days=pending.DISCIPLINE_DAYS,
    )
