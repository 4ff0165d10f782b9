"""The steps taken on a case: a workflow action, assignment, complexity, merge, split, and the
apology letters for a missed deadline. Each page shows what its step needs; the operation
(cases/operations.py) checks the law and the request commits once (web/transaction.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from complaints.auth.models import User
from complaints.cases import apology, merging
from complaints.cases import operations as ops
from complaints.cases.forms import (
    ACTION_FIELDS,
    DECISION_DOC_TYPES,
    DEFAULT_DOC_TYPES,
    NOTE_LABELS,
    REQUIRED_FIELDS,
    ApologySentForm,
    AssignForm,
    FlagsForm,
    MergeForm,
    SplitForm,
    StepForm,
)
from complaints.cases.models import ApologyLetter, Case, CaseState, Deadline
from complaints.cases.page import render_case
from complaints.cases.queries import handlers
from complaints.cases.views import STALE, bp
from complaints.cases.workflow import ACTIONS, WorkflowError, check, step_label
from complaints.core import clock, confidentiality
from complaints.core.access import in_scope, require
from complaints.core.db import MAX_ID
from complaints.core.forms import pairs_choices
from complaints.core.numbers import fmt_date
from complaints.core.text import shorten
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit
from complaints.web import error_response
from complaints.web.helpers import load, offer_units, submitted
from complaints.web.transaction import attempt

MERGE_CANDIDATES = 200


def _step_input(form: StepForm, name: str) -> ops.StepInput:
    """Only the fields the action asks for travel to the operation."""
    wanted = ACTION_FIELDS[name]

    def get(field: str):
        return form[field].data if field in wanted else None

    round2 = None
    if "round2_unit" in wanted and form.round2_unit.data:
        round2 = load(Unit, form.round2_unit.data)
    return ops.StepInput(
        on=form.on.data,
        doc_no=get("doc_no") or "",
        doc_type=get("doc_type") or "",
        note=get("note") or "",
        outcome=get("outcome") or None,
        reason=get("reason") or None,
        body=get("body") or "",
        contents=get("contents") or "",
        money_to_recover=get("money_to_recover"),
        money_to_return=get("money_to_return"),
        land_to_recover_m2=get("land_to_recover_m2"),
        land_to_return_m2=get("land_to_return_m2"),
        people_to_discipline=get("people_to_discipline"),
        money_recovered=get("money_recovered"),
        land_recovered_m2=get("land_recovered_m2"),
        round2_unit=round2,
    )


def _done(message: str, case: Case, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("cases.case_page", case_id=case.id) + anchor)


@bp.route("/<int:case_id>/action/<name>", methods=["GET", "POST"])
@login_required
@require("case.work")
def action(case_id: int, name: str):
    """One workflow step: the form shows what this step needs; the operation checks the law."""
    case = load(Case, case_id, acting=True)
    act = ACTIONS.get(name)
    if act is None:
        return error_response(404, _("Thao tác không tồn tại: %(name)s.", name=name[:40]))
    form = StepForm()
    offer_units(
        form.round2_unit, _("— Không mở (người khiếu nại khởi kiện hoặc cấp khác giải quyết) —")
    )
    if not form.is_submitted():
        form.version.data = case.version
        form.on.data = clock.today()
        form.doc_type.data = DECISION_DOC_TYPES.get(
            (name, case.kind.value), DEFAULT_DOC_TYPES.get(name, "")
        )
    try:
        check(case.kind.value, case.state, name, round=case.round)
    except WorkflowError as e:
        stale = form.version.data is not None and form.version.data != case.version
        if form.is_submitted() and stale:
            return error_response(409, _(STALE))
        return error_response(400, str(e))
    status = 200
    if submitted(form):
        with attempt(form) as saved:
            ops.perform(
                current_user,
                case,
                name,
                _step_input(form, name),
                expected_version=form.version.data,
            )
        if saved.ok:
            return _done(
                _(
                    "Đã ghi nhận: %(label)s (%(case_no)s).",
                    label=step_label(act, current_user),
                    case_no=case.case_no,
                ),
                case,
            )
        status = saved.status
    required = {f for f, actions in REQUIRED_FIELDS.items() if name in actions}
    if name in NOTE_LABELS:
        form.note.label.text = NOTE_LABELS[name]
    return render_template(
        "cases/action.html",
        case=case,
        action=act,
        form=form,
        fields=ACTION_FIELDS[name],
        required=required,
    ), status


@bp.route("/<int:case_id>/assign", methods=["GET", "POST"])
@login_required
@require("case.assign")
def assign(case_id: int):
    """A leader assigns the case to a unit of their tree and a handler of that unit; for a
    denunciation, with the content the verifier reads, stripped of the denouncer."""
    case = load(Case, case_id, acting=True)
    form = AssignForm()
    offer_units(
        form.unit_id,
        with_paths=True,
        active_on=clock.today(),
        keep=case.assigned_unit_id or case.unit_id,
    )
    form.assignee_id.choices = pairs_choices([(0, _("— Chưa giao người cụ thể —"))])
    for u in handlers(current_user):
        choice = pairs_choices([(u.id, f"{u.full_name} · {u.title} ({u.unit_code})")])[0]
        choice.render_kw = {"data-unit-path": u.unit_path}
        form.assignee_id.choices.append(choice)
    if not form.is_submitted():
        form.version.data = case.version
        form.unit_id.data = case.assigned_unit_id or case.unit_id
        form.assignee_id.data = case.assignee_id or 0
        form.on.data = clock.today()
        form.verifier_summary.data = ops.verifier_content(case)
    status = 200
    if submitted(form):
        unit = load(Unit, form.unit_id.data)
        assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
        with attempt(form) as saved:
            ops.assign(
                current_user,
                case,
                unit=unit,
                assignee=assignee,
                on=form.on.data,
                note=form.note.data or "",
                verifier_summary=form.verifier_summary.data,
                expected_version=form.version.data,
            )
        if saved.ok:
            return _done(_("Đã giao xử lý vụ việc %(case_no)s.", case_no=case.case_no), case)
        status = saved.status
    return render_template("cases/assign.html", case=case, form=form), status


@bp.route("/<int:case_id>/flags", methods=["GET", "POST"])
@login_required
@require("case.assign")
def flags(case_id: int):
    """A leader records the complexity (with its criteria) and the remote-area flag."""
    case = load(Case, case_id, acting=True)
    form = FlagsForm()
    if not form.is_submitted():
        form.version.data = case.version
        form.complexity.data = case.complexity.value
        form.criteria.data = list(case.complexity_criteria or [])
        form.remote_area.data = case.remote_area
        form.on.data = clock.today()
    status = 200
    if submitted(form):
        with attempt(form) as saved:
            ops.set_flags(
                current_user,
                case,
                complexity=form.complexity.data,
                criteria=form.criteria.data or [],
                remote_area=form.remote_area.data,
                on=form.on.data,
                note=form.note.data or "",
                expected_version=form.version.data,
            )
        if saved.ok:
            return _done(
                _("Đã cập nhật mức độ phức tạp của vụ việc %(case_no)s.", case_no=case.case_no),
                case,
            )
        status = saved.status
    return render_template("cases/flags.html", case=case, form=form), status


@bp.route("/<int:case_id>/merge", methods=["GET", "POST"])
@login_required
@require("case.merge")
def merge(case_id: int):
    """Merge other cases of the same unit and kind into this one."""
    case = load(Case, case_id, acting=True)
    if case.state == CaseState.merged:
        return error_response(
            400, _("Vụ việc %(case_no)s đã được gộp vào vụ việc khác.", case_no=case.case_no)
        )
    candidates = db.session.scalars(
        sa.select(Case)
        .where(
            in_scope(current_user, Case.unit_id),
            Case.unit_id == case.unit_id,
            Case.kind == case.kind,
            Case.id != case.id,
            Case.state != CaseState.merged,
        )
        .order_by(Case.received_on.desc(), Case.id.desc())
        .limit(MERGE_CANDIDATES)
    ).all()
    reader = confidentiality.reader().load(candidates)
    form = MergeForm()
    form.case_ids.choices = pairs_choices(
        [
            (
                c.id,
                _(
                    "%(case_no)s · %(title)s (%(state)s)",
                    case_no=c.case_no,
                    title=reader.text(c, c.title),
                    state=c.state.label,
                ),
            )
            for c in candidates
        ]
    )
    if not form.is_submitted():
        form.version.data = case.version
        form.on.data = clock.today()
    status = 200
    if submitted(form):
        with attempt(form, default="case_ids") as saved:
            sources = _merge_sources(form, candidates)
            merging.merge(
                current_user, case, sources, form.on.data, expected_version=form.version.data
            )
        if saved.ok:
            return _done(
                _(
                    "Đã gộp %(sources)s vụ việc vào %(case_no)s.",
                    sources=len(sources),
                    case_no=case.case_no,
                ),
                case,
            )
        status = saved.status
    return render_template("cases/merge.html", case=case, form=form), status


def _merge_sources(form: MergeForm, candidates: list[Case]) -> list[Case]:
    by_id = {c.id: c for c in candidates}
    sources = [by_id[i] for i in form.case_ids.data or []]
    typed = [n.strip().upper() for n in (form.case_nos.data or "").replace(";", ",").split(",")]
    typed = [n for n in typed if n]
    if typed:
        found = {
            c.case_no: c
            for c in db.session.scalars(
                sa.select(Case).where(Case.case_no.in_(typed), in_scope(current_user, Case.unit_id))
            )
        }
        missing = [n for n in typed if n not in found]
        if missing:
            raise ops.CaseError(
                _(
                    "Không tìm thấy vụ việc số %(missing)s trong các đơn vị của bạn.",
                    missing=", ".join(missing),
                ),
                "case_nos",
            )
        sources += [found[n] for n in typed if found[n] not in sources]
    if not sources:
        raise ops.CaseError(_("Chọn ít nhất một vụ việc để gộp."), "case_ids")
    return sources


@bp.route("/<int:case_id>/split", methods=["GET", "POST"])
@login_required
@require("case.merge")
def split(case_id: int):
    """Split petitions on another matter out of the case into a new case."""
    case = load(Case, case_id, acting=True)
    petitions = ops.case_petitions(case)
    reader = confidentiality.reader().load(petitions, case_file=True)
    form = SplitForm()
    form.petition_ids.choices = pairs_choices(
        [
            (
                p.id,
                _(
                    "%(register_no)s · nhận %(day)s · %(summary)s",
                    register_no=p.register_no,
                    day=fmt_date(p.received_date),
                    summary=shorten(reader.text(p, p.summary, case_file=True), 120),
                ),
            )
            for p in petitions
        ]
    )
    if not form.is_submitted():
        form.version.data = case.version
        form.on.data = clock.today()
    status = 200
    if submitted(form):
        chosen = set(form.petition_ids.data or [])
        with attempt(form, default="petition_ids") as saved:
            new = merging.split(
                current_user,
                case,
                [p for p in petitions if p.id in chosen],
                form.on.data,
                form.title.data,
                expected_version=form.version.data,
            )
        if saved.ok:
            flash(_("Đã tách đơn sang vụ việc mới %(case_no)s.", case_no=new.case_no), "success")
            return redirect(url_for("cases.case_page", case_id=new.id))
        status = saved.status
    return render_template("cases/split.html", case=case, form=form), status


@bp.post("/<int:case_id>/apology/<int:deadline_id>")
@login_required
@require("case.work")
def prepare_apology(case_id: int, deadline_id: int):
    """Prepare the apology letter for a deadline owed to the citizen that was missed."""
    case = load(Case, case_id, acting=True)
    deadline = db.session.get(Deadline, deadline_id) if deadline_id <= MAX_ID else None
    if deadline is None or deadline.case_id != case.id:
        abort(404)
    with attempt() as saved:
        apology.prepare_apology(current_user, case, deadline, clock.today())
    if not saved.ok:
        flash(str(saved.error), "danger")
        return redirect(url_for("cases.case_page", case_id=case.id) + "#apology")
    return _done(_("Đã chuẩn bị thư xin lỗi: %(label)s.", label=deadline.label), case, "#apology")


@bp.post("/apology/<int:letter_id>/sent")
@login_required
@require("case.work")
def apology_sent(letter_id: int):
    """Record the day the apology letter was sent."""
    letter = db.session.get(ApologyLetter, letter_id) if letter_id <= MAX_ID else None
    if letter is None:
        abort(404)
    case = load(Case, letter.case_id, acting=True)
    form = ApologySentForm()
    if form.validate_on_submit():
        with attempt(form, default="on") as saved:
            apology.mark_apology_sent(current_user, letter, form.on.data)
        if saved.ok:
            return _done(_("Đã ghi nhận ngày gửi thư xin lỗi."), case, "#apology")
    return render_case(case, {letter_id: form})
