"""Processing petitions (xử lý đơn): the queue of petitions waiting, nearest deadline first,
and the page that classifies a petition and records its outcome (accepting opens or joins a
case). The addresses stay under /cases/process, where the offices have them."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from complaints.calendar.operations import work_calendar
from complaints.cases.models import Case, Deadline
from complaints.core import clock, confidentiality
from complaints.core.access import may_open, require
from complaints.core.forms import pairs_choices
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.notices import registry
from complaints.petitions import pending as queue
from complaints.petitions import transfers
from complaints.petitions.duplicates import related_elsewhere, suggest_cases
from complaints.petitions.forms import PendingFilterForm, ProcessingForm
from complaints.petitions.models import (
    IneligibleReason,
    Petition,
    PetitionStatus,
    ProcessingOutcome,
)
from complaints.petitions.processing import (
    ProcessingError,
    ProcessingInput,
    allowed_outcomes,
    cannot_process,
    process,
)
from complaints.units import roles
from complaints.units.models import Unit
from complaints.web.helpers import (
    ListPage,
    filter_args,
    load,
    offer_units,
    page_number,
    submitted,
)
from complaints.web.transaction import attempt

bp = Blueprint("processing", __name__, url_prefix="/cases/process")


@bp.get("")
@login_required
@require("petition.queue")
def pending():
    """Đơn chờ xử lý: registered petitions of the user's units, the nearest deadline first."""
    t = clock.today()
    form = PendingFilterForm(formdata=request.args or None)
    offer_units(form.unit_id, _("Tất cả đơn vị"))
    offer_units(form.processed_by, _("Tất cả đơn vị"))
    ok = form.validate() if request.args else True
    f = queue.PendingFilter()
    if ok:
        f = queue.PendingFilter(
            kind=form.kind.data or None,
            unit_id=form.unit_id.data or None,
            processed_by=form.processed_by.data or None,
            overdue=bool(form.overdue.data),
            discipline=bool(form.discipline.data),
        )
    keys = queue.keys(queue.where(current_user, *f.conditions(), *([] if ok else [sa.false()])))
    counts = queue.counts(keys, t)
    keys = queue.narrow(keys, f, t)
    per_page = current_app.config["PAGE_SIZE"]
    number = page_number()
    chosen = keys[(number - 1) * per_page : number * per_page]
    loaded = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Petition)
            .where(Petition.id.in_([k.id for k in chosen]))
            .options(joinedload(Petition.unit))
        )
    }
    confidentiality.reader().load(loaded.values())
    rows = []
    for k in chosen:
        waited = (t - k.received).days
        rows.append(
            {
                "petition": loaded[k.id],
                "due": k.due,
                "estimated": k.estimated,
                "left": (k.due - t).days if k.due else None,
                "waited": waited,
                "discipline": queue.is_discipline(k, t),
            }
        )
    return render_template(
        "petitions/pending.html",
        form=form,
        page=ListPage(rows, number, per_page, len(keys)),
        rows=rows,
        counts=counts,
        args=filter_args(form),
        discipline_days=queue.DISCIPLINE_DAYS,
    )


def _outcome_matrix(petition: Petition) -> dict[str, list[str]]:
    """The outcomes each classification leaves open, for the form's choices and its script."""
    matrix = {}
    for e in ("yes", "no"):
        for c in ("yes", "no"):
            outcomes = allowed_outcomes(petition, e == "yes", c == "yes")
            matrix[f"{e}-{c}"] = [o.value for o in outcomes]
    return matrix


def _join_target(form, offered: dict[int, Case], record: Petition) -> Case | None:
    """The case an accepted petition joins: a typed case number, a suggestion, or none."""
    if form.join_case_no.data:
        case = db.session.scalar(
            sa.select(Case).where(
                Case.case_no == form.join_case_no.data.upper(),
                Case.joinable_from(current_user, record.unit),
            )
        )
        if case is None:
            raise ProcessingError(
                _(
                    "Không tìm thấy vụ việc số %(data)s trong các đơn vị của bạn.",
                    data=form.join_case_no.data,
                ),
                "join_case_no",
            )
        return case
    if form.join.data in (None, "", "new"):
        return None
    try:
        return offered[int(form.join.data)]
    except (KeyError, ValueError):
        raise ProcessingError(_("Vụ việc được chọn không hợp lệ."), "join") from None


@bp.route("/<int:petition_id>", methods=["GET", "POST"])
@login_required
@require("petition.process")
def petition(petition_id: int):
    """Classify a petition and decide its outcome; accepting opens or joins a case."""
    record = load(Petition, petition_id)
    done = record.status != PetitionStatus.registered
    matrix = _outcome_matrix(record)
    possible = {o for values in matrix.values() for o in values}
    form = ProcessingForm()
    form.outcome.choices = pairs_choices(
        [("", _("— Chọn hướng xử lý —"))]
        + [(o.value, o.label) for o in ProcessingOutcome if o.value in possible]
    )
    suggestions = [] if done else suggest_cases(record, current_user)
    elsewhere = [] if done else related_elsewhere(record, current_user)
    offered = {
        s.case.id: s.case for s in suggestions if s.case.is_open and s.case.kind == record.kind
    }
    reader = confidentiality.reader().load([record, *offered.values()])
    form.join.choices = pairs_choices(
        [("new", _("Mở vụ việc mới"))]
        + [
            (
                str(c.id),
                _(
                    "Nhập vào vụ việc %(case_no)s: %(title)s",
                    case_no=c.case_no,
                    title=reader.text(c, c.title),
                ),
            )
            for c in offered.values()
        ]
    )
    choices = roles.authorities(record.unit)
    form.authority_id.choices = [
        (u.id, _("%(name)s (mặc định)", name=u.name) if i == 0 else u.name)
        for i, u in enumerate(choices)
    ]
    targets = roles.transfer_targets(record.unit)
    form.target_id.choices = [(0, _("— Cơ quan ngoài hệ thống: ghi tên ở ô dưới —"))] + [
        (u.id, f"{'— ' * max(u.depth, 0)}{u.code} · {u.name}") for u in targets
    ]
    if not form.is_submitted():
        form.version.data = record.version
        form.on.data = clock.today()
        form.join.data = "new"
        form.authority_id.data = choices[0].id
    status = 200
    if form.is_submitted() and done:
        form.form_errors.append(
            _(
                "Đơn đã được xử lý (%(label)s); không xử lý lại.",
                label=record.outcome.label if record.outcome else "",
            )
        )
        status = 409
    elif submitted(form):
        eligible = form.eligible.data == "yes"
        joins = {"join_case": "join_case_no" if form.join_case_no.data else "join"}
        with attempt(form, mapping=joins) as saved:
            data = ProcessingInput(
                eligible=eligible,
                competent=form.competent.data == "yes",
                outcome=form.outcome.data,
                on=form.on.data,
                reasons=() if eligible else tuple(form.reasons.data or ()),
                doc_no=form.doc_no.data or "",
                body=form.body.data or "",
                note=form.note.data or "",
                join_case=(
                    _join_target(form, offered, record)
                    if form.outcome.data == ProcessingOutcome.accept.value
                    else None
                ),
                case_title=form.case_title.data or "",
                # one of the choices offered (the form checked), which may lie above the
                # user's units: the committee its inspectorate advises
                authority=db.session.get(Unit, form.authority_id.data or 0),
                authority_ground=form.authority_ground.data or "",
                # one of the units offered (the form checked); the operation checks again
                target=(
                    db.session.get(Unit, form.target_id.data)
                    if form.target_id.data
                    and form.outcome.data in {o.value for o in transfers.HAND_OFF}
                    else None
                ),
                answer_due=form.answer_due.data,
            )
            process(current_user, record, data, expected_version=form.version.data)
        if saved.ok:
            flash(
                _(
                    "Đã xử lý đơn %(register_no)s: %(label)s.",
                    register_no=record.register_no,
                    label=record.outcome.label,
                ),
                "success",
            )
            # The case page, when the user may open it: a case the Thanh tra's handler
            # accepts for the city from the Ban TCD's register is not his unit's until the
            # leader assigns it; he stays on the petition's result.
            if record.case_id and may_open(current_user, record.case):
                return redirect(url_for("cases.case_page", case_id=record.case_id))
            return redirect(url_for("processing.petition", petition_id=record.id))
        status = saved.status
    # its earliest active stored deadline (a processed petition's, met), as the queue's
    stored = db.session.scalar(
        sa.select(Deadline)
        .where(Deadline.petition_id == record.id, Deadline.active.is_(True))
        .order_by(Deadline.due)
        .limit(1)
    )
    t = clock.today()
    due_on = (
        stored.due
        if stored
        else queue.processing_due(record.kind, record.received_date, work_calendar())
    )
    html = render_template(
        "petitions/process.html",
        petition=record,
        form=form,
        done=done,
        suggestions=suggestions,
        elsewhere=elsewhere,
        cannot_process=cannot_process,
        offered=offered,
        matrix=json.dumps(matrix),
        stored_deadline=stored,
        due=due_on,
        left=(due_on - t).days if due_on else None,
        waited=(t - record.received_date).days,
        discipline_days=queue.DISCIPLINE_DAYS,
        notices=registry.petition_links(record) if done else [],
        answer_days=transfers.answer_days(),
        reasons=IneligibleReason,
    )
    shown = [p for p in confidentiality.shown_to(current_user, [record]) if p.senders]
    confidentiality.record_view(current_user, where="xử lý đơn", petitions=shown)
    return html, status
