"""Pages of petition processing and case work: the lists, the case page, its steps, the calendar."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from wtforms import SelectChoice

from complaints.auth.models import User, UserRole
from complaints.cases import deadlines as case_deadlines
from complaints.cases import operations as ops
from complaints.cases.deadlines import work_calendar
from complaints.cases.forms import (
    ACTION_FIELDS,
    AGE_BUCKETS,
    DECISION_DOC_TYPES,
    DEFAULT_DOC_TYPES,
    NOTE_LABELS,
    REQUIRED_FIELDS,
    ApologySentForm,
    AssignForm,
    CalendarOverrideForm,
    CaseFilterForm,
    CsrfOnlyForm,
    DueFilterForm,
    FlagsForm,
    MergeForm,
    PendingFilterForm,
    ProcessingForm,
    SplitForm,
    StepForm,
)
from complaints.cases.models import (
    CITIZEN_PERIODS as _CITIZEN_PERIODS,
)
from complaints.cases.models import (
    CLOSED_STATES,
    ApologyLetter,
    CalendarOverride,
    Case,
    CaseEvent,
    CaseState,
    ComplexityCriterion,
    Deadline,
    due_soon_case,
    overdue_case,
    owed_duties,
    owes_duty,
)
from complaints.cases.workflow import ACTIONS, WorkflowError, allowed_actions, check
from complaints.core import clock, confidentiality
from complaints.core.access import (
    Role,
    has_permission,
    in_scope,
    load_scoped,
    require,
)
from complaints.core.calendar import WorkCalendar
from complaints.core.errors import OperationError
from complaints.core.forms import pairs_choices
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int, round_decimal
from complaints.core.text import like_pattern
from complaints.core.translate import L_, N_
from complaints.core.translate import gettext as _
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions.duplicates import suggest_cases
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
    process,
)
from complaints.units.models import Unit
from complaints.units.operations import subtree
from complaints.web import error_response

bp = Blueprint("cases", __name__, url_prefix="/cases")

MAX_ID = 2**31 - 1  # larger ids cannot exist (INTEGER keys); PostgreSQL would reject them
MAX_PAGE = 100_000
# An officer who leaves a petition unprocessed this many days faces discipline (DOMAIN §7).
DISCIPLINE_DAYS = 45
# Periods that run for the citizen (to lodge a second complaint...), not duties of the unit:
# they are shown on the case page but never make a case overdue.
CITIZEN_PERIODS = frozenset(_CITIZEN_PERIODS)
# The states of a case still running, as a list the indexes on (unit, state) can seek.
OPEN_STATES = tuple(s for s in CaseState if s not in CLOSED_STATES)
CASE_ROLES = (Role.case_handler, Role.petition_handler, Role.leader)
STALE = N_("Vụ việc vừa được người khác cập nhật. Hãy tải lại trang để xem thay đổi rồi làm lại.")
MERGE_CANDIDATES = 200

EVENT_LABELS = {a.name: a.label for a in ACTIONS.values()} | {
    "open": L_("Mở vụ việc"),
    "assign": L_("Giao xử lý"),
    "flags": L_("Mức độ phức tạp, vùng sâu vùng xa"),
    "merge_in": L_("Gộp vụ việc khác vào"),
    "merge_out": L_("Gộp vào vụ việc khác"),
    "split_in": L_("Tách từ vụ việc khác"),
    "split_out": L_("Tách đơn sang vụ việc mới"),
    "petition_joined": L_("Nhập đơn vào vụ việc"),
    "link": L_("Liên kết với vụ việc lần đầu"),
    "reclassify": L_("Đổi loại vụ việc theo đơn"),
}
DAY_TYPES = {"working": L_("ngày làm việc"), "calendar": L_("ngày")}


# --- links to notices, identities ------------------------------------------------------


@dataclass(frozen=True)
class NoticeLink:
    label: str
    url: str
    docx_url: str


CASE_NOTICES = {
    "acceptance": L_("Thông báo thụ lý"),
    "refusal": L_("Thông báo không thụ lý"),
    "extension": L_("Quyết định gia hạn giải quyết"),
    "result": L_("Quyết định, kết luận, văn bản trả lời"),
    "publication": L_("Thông báo công khai kết luận"),
}
PETITION_NOTICES = {"transfer": L_("Phiếu chuyển đơn"), "guidance": L_("Văn bản hướng dẫn")}


def notice_link(owner: str, owner_id: int, notice: str | None, label: str) -> NoticeLink:
    """Links to a notice of the notices blueprint, built from its URL patterns (print and Word).

    owner is "case" or "petition" (with the notice's name) or "apology" (notice None)."""
    path = f"{request.script_root}/notices/{owner}/{owner_id}" + (f"/{notice}" if notice else "")
    return NoticeLink(label, path, f"{path}?format=docx")


def case_notices(case: Case) -> list[NoticeLink]:
    """The notices that the case's state makes relevant."""
    names = []
    if case.accepted_on is not None:
        names.append("acceptance")
    if case.state == CaseState.not_accepted:
        names.append("refusal")
    if case.extensions:
        names.append("extension")
    if case.decided_on is not None:
        names.append("result")
    published_states = {CaseState.sent, CaseState.published, CaseState.enforced}
    if (
        case.kind == PetitionKind.denunciation
        and case.decided_on is not None
        and case.state in published_states
    ):
        names.append("publication")
    return [notice_link("case", case.id, n, CASE_NOTICES[n]) for n in names]


def petition_notices(petition: Petition) -> list[NoticeLink]:
    name = {ProcessingOutcome.transfer: "transfer", ProcessingOutcome.guide: "guidance"}.get(
        petition.outcome
    )
    return [notice_link("petition", petition.id, name, PETITION_NOTICES[name])] if name else []


def _record_views(where: str, petitions, *, case_file: bool = False) -> None:
    """The protected identities the page showed are recorded (after rendering it)."""
    shown = confidentiality.shown_to(current_user, petitions, case_file=case_file)
    shown = [p for p in shown if p.senders]
    confidentiality.record_view(current_user, where=where, petitions=shown)


# --- small helpers ------------------------------------------------------------------------


def _load(model, object_id: int):
    if object_id > MAX_ID:
        abort(404)
    return load_scoped(model, object_id)


def _page() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def _paginate(query):
    return db.paginate(
        query, page=_page(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )


def _unit_choices(blank: str | None = None, *, with_paths: bool = False) -> list[SelectChoice]:
    root = current_user.unit
    choices = [] if blank is None else [SelectChoice(0, blank)]
    for u in subtree(root):
        label = ("— " * (u.depth - root.depth)) + f"{u.code} · {u.name}"
        choices.append(SelectChoice(u.id, label, {"data-path": u.path} if with_paths else {}))
    return choices


def _subtree_clause(column, unit_id: int):
    """Records of the chosen unit (already one of the user's choices) and of its sub-units."""
    unit = db.session.get(Unit, unit_id)
    return column.in_(unit.subtree_ids())


def _handlers() -> list[User]:
    """Active users of the user's units who can work cases, for assignment and filters."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                in_scope(current_user, User.unit_id),
                User.active.is_(True),
                User.id.in_(sa.select(UserRole.user_id).where(UserRole.role.in_(CASE_ROLES))),
            )
            .order_by(User.full_name, User.id)
        )
    )


def _filter_args(form) -> dict:
    """The filter as query arguments, for the pager's links."""
    args = {}
    for name, f in form._fields.items():
        if f.type == "BooleanField":
            if f.data:
                args[name] = "y"
        elif f.data not in (None, ""):
            args[name] = str(f.data)
    return args


def _put_error(form, error, mapping: dict | None = None, default: str | None = None) -> None:
    """Put an operation's error beside its field (or above the form when it has none)."""
    name = (mapping or {}).get(error.field, error.field) or default
    if name and name != "version" and name in form._fields:
        target = form[name]
        target.errors = [*target.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _submitted(form) -> bool:
    """validate_on_submit(), with an error of the hidden version shown above the form."""
    ok = form.validate_on_submit()
    if not ok and "version" in form._fields and form.version.errors:
        form.form_errors.extend(form.version.errors)
    return ok


def _stale(form, record) -> bool:
    return form.version.data is not None and form.version.data != record.version


def deadline_status(d: Deadline, day: date) -> tuple[str, str]:
    """(css class, Vietnamese text) for a deadline as of day."""
    if d.met_on is not None:
        late = (d.met_on - d.due).days
        text = _("Đã thực hiện %(day)s", day=fmt_date(d.met_on))
        return (
            ("late", _("%(text)s, trễ %(late)s ngày", text=text, late=late))
            if late > 0
            else ("met", _("%(text)s, đúng hạn", text=text))
        )
    if not d.active:
        return ("retired", _("Không còn áp dụng"))
    left = (d.due - day).days
    if d.step in CITIZEN_PERIODS:
        return (
            "info",
            _("Đã hết") if left < 0 else _("Còn %(left)s ngày (thời hạn của công dân)", left=left),
        )
    if left < 0:
        return ("overdue", _("Quá hạn %(left)s ngày", left=-left))
    if left == 0:
        return ("due", _("Hết hạn hôm nay"))
    return ("due" if left <= 7 else "ok", _("Còn %(left)s ngày", left=left))


def next_duty(case: Case) -> Deadline | None:
    """The nearest open deadline the unit owes (from the loaded deadlines: no query)."""
    duties = owed(case)
    return duties[0] if duties else None


def _money(value) -> str:
    return fmt_int(int(value or 0))


def _area(value) -> str:
    return fmt_decimal(round_decimal(Decimal(value or 0), 1), 1)


@bp.context_processor
def _helpers():
    return {
        "today": clock.today(),
        "deadline_status": deadline_status,
        "next_duty": next_duty,
        "event_label": lambda name: EVENT_LABELS.get(name, name),
        "state_label": lambda value: CaseState(value).label if value else "",
        "day_type_label": lambda value: DAY_TYPES.get(value, value),
        "money": _money,
        "area": _area,
    }


# --- petitions waiting to be processed ----------------------------------------------------


def processing_due(kind: PetitionKind, received: date, cal: WorkCalendar) -> date | None:
    """The processing deadline the engine gives a petition (as petition_deadline() would)."""
    return case_deadlines.processing_due(kind.value, received, cal)


@dataclass(frozen=True)
class PendingKey:
    id: int
    received: date
    due: date | None
    estimated: bool  # no stored deadline yet: the engine's date, stored when processed


def pending_keys(where: list) -> list[PendingKey]:
    """The processing due date of every pending petition, nearest first: the stored deadline,
    or the one the engine gives for the kind and date of receipt (computed once per pair,
    never written on a GET). The database cannot apply the working-day calendar, so the
    ordering is done here on these small tuples; pages then load only their own rows."""
    stored = (
        sa.select(sa.func.min(Deadline.due))
        .where(Deadline.petition_id == Petition.id, Deadline.active.is_(True))
        .correlate(Petition)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Petition.id, Petition.kind, Petition.received_date, stored).where(*where)
    ).all()
    cal: WorkCalendar | None = None
    computed: dict[tuple, date | None] = {}
    keys = []
    for pid, kind, received, due in rows:
        estimated = due is None
        if estimated:
            if (kind, received) not in computed:
                cal = cal or work_calendar()
                computed[kind, received] = processing_due(kind, received, cal)
            due = computed[kind, received]
        keys.append(PendingKey(pid, received, due, estimated))
    keys.sort(key=lambda k: (k.due is None, k.due or k.received, k.received, k.id))
    return keys


def pending_counts(keys: list[PendingKey]) -> dict:
    t = clock.today()
    discipline = t - timedelta(days=DISCIPLINE_DAYS)
    return {
        "total": len(keys),
        "overdue": sum(1 for k in keys if k.due is not None and k.due < t),
        "discipline": sum(1 for k in keys if k.received <= discipline),
    }


@dataclass
class ListPage:
    """A page of an already ordered list of keys, shaped like Flask-SQLAlchemy's pagination
    for the pager() macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def _pending_where(form=None, ok: bool = True) -> list:
    where = [
        Petition.status == PetitionStatus.registered,
        in_scope(current_user, Petition.unit_id),
    ]
    if form is not None and ok:
        if form.kind.data:
            where.append(Petition.kind == PetitionKind(form.kind.data))
        if form.unit_id.data:
            where.append(_subtree_clause(Petition.unit_id, form.unit_id.data))
    elif not ok:
        where.append(sa.false())
    return where


@bp.get("/process")
@login_required
@require("petition.process")
def pending():
    """Đơn chờ xử lý: registered petitions of the user's units, the nearest deadline first."""
    t = clock.today()
    form = PendingFilterForm(formdata=request.args or None)
    form.unit_id.choices = _unit_choices(_("Tất cả đơn vị"))
    ok = form.validate() if request.args else True
    keys = pending_keys(_pending_where(form, ok))
    counts = pending_counts(keys)
    if ok and form.overdue.data:
        keys = [k for k in keys if k.due is not None and k.due < t]
    per_page = current_app.config["PAGE_SIZE"]
    number = _page()
    chosen = keys[(number - 1) * per_page : number * per_page]
    loaded = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Petition)
            .where(Petition.id.in_([k.id for k in chosen]))
            .options(joinedload(Petition.unit))
        )
    }
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
                "discipline": waited >= DISCIPLINE_DAYS,
            }
        )
    return render_template(
        "cases/pending.html",
        form=form,
        page=ListPage(rows, number, per_page, len(keys)),
        rows=rows,
        counts=counts,
        args=_filter_args(form),
        discipline_days=DISCIPLINE_DAYS,
    )


def _outcome_matrix(petition: Petition) -> dict[str, list[str]]:
    """The outcomes each classification leaves open, for the form's choices and its script."""
    matrix = {}
    for e in ("yes", "no"):
        for c in ("yes", "no"):
            outcomes = allowed_outcomes(petition, e == "yes", c == "yes")
            matrix[f"{e}-{c}"] = [o.value for o in outcomes]
    return matrix


def _join_target(form, petition: Petition, offered: dict[int, Case]) -> Case | None:
    """The case an accepted petition joins: a typed case number, a suggestion, or none."""
    if form.join_case_no.data:
        case = db.session.scalar(
            sa.select(Case).where(
                Case.case_no == form.join_case_no.data.upper(),
                in_scope(current_user, Case.unit_id),
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


@bp.route("/process/<int:petition_id>", methods=["GET", "POST"])
@login_required
@require("petition.process")
def process_petition(petition_id: int):
    """Classify a petition and decide its outcome; accepting opens or joins a case."""
    petition = _load(Petition, petition_id)
    done = petition.status != PetitionStatus.registered
    matrix = _outcome_matrix(petition)
    possible = {o for values in matrix.values() for o in values}
    form = ProcessingForm()
    form.outcome.choices = pairs_choices(
        [("", _("— Chọn hướng xử lý —"))]
        + [(o.value, o.label) for o in ProcessingOutcome if o.value in possible]
    )
    suggestions = [] if done else suggest_cases(petition, current_user)
    offered = {
        s.case.id: s.case for s in suggestions if s.case.is_open and s.case.kind == petition.kind
    }
    form.join.choices = pairs_choices(
        [("new", _("Mở vụ việc mới"))]
        + [
            (
                str(c.id),
                _("Nhập vào vụ việc %(case_no)s: %(title)s", case_no=c.case_no, title=c.title),
            )
            for c in offered.values()
        ]
    )
    if not form.is_submitted():
        form.version.data = petition.version
        form.on.data = clock.today()
        form.join.data = "new"
    status = 200
    if form.is_submitted() and done:
        form.form_errors.append(
            _(
                "Đơn đã được xử lý (%(label)s); không xử lý lại.",
                label=petition.outcome.label if petition.outcome else "",
            )
        )
        status = 409
    elif _submitted(form):
        eligible = form.eligible.data == "yes"
        try:
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
                    _join_target(form, petition, offered)
                    if form.outcome.data == ProcessingOutcome.accept.value
                    else None
                ),
                case_title=form.case_title.data or "",
            )
            process(current_user, petition, data, expected_version=form.version.data)
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e, {"join_case": "join_case_no" if form.join_case_no.data else "join"})
            status = 409 if e.field == "version" else 200
        else:
            flash(
                _(
                    "Đã xử lý đơn %(register_no)s: %(label)s.",
                    register_no=petition.register_no,
                    label=petition.outcome.label,
                ),
                "success",
            )
            if petition.case_id:
                return redirect(url_for("cases.case_page", case_id=petition.case_id))
            return redirect(url_for("cases.process_petition", petition_id=petition.id))
    stored = db.session.scalar(
        sa.select(Deadline)
        .where(Deadline.petition_id == petition.id, Deadline.active.is_(True))
        .limit(1)
    )
    t = clock.today()
    due_on = (
        stored.due
        if stored
        else processing_due(petition.kind, petition.received_date, work_calendar())
    )
    html = render_template(
        "cases/process.html",
        petition=petition,
        form=form,
        done=done,
        suggestions=suggestions,
        offered=offered,
        matrix=json.dumps(matrix),
        stored_deadline=stored,
        due=due_on,
        left=(due_on - t).days if due_on else None,
        waited=(t - petition.received_date).days,
        discipline_days=DISCIPLINE_DAYS,
        notices=petition_notices(petition) if done else [],
        reasons=IneligibleReason,
    )
    _record_views("xử lý đơn", [petition])
    return html, status


# --- case lists ---------------------------------------------------------------------------


def _age_cutoffs(t: date) -> tuple[date, date, date]:
    return t - timedelta(days=30), t - timedelta(days=60), t - timedelta(days=90)


def _age_clause(bucket: str, t: date):
    c30, c60, c90 = _age_cutoffs(t)
    return {
        "le30": Case.received_on >= c30,
        "31_60": (Case.received_on < c30) & (Case.received_on >= c60),
        "61_90": (Case.received_on < c60) & (Case.received_on >= c90),
        "gt90": Case.received_on < c90,
    }[bucket]


def ageing_buckets(where: list) -> list[dict]:
    """Open cases by time since receipt (≤30, 31–60, 61–90, >90 days): one SQL aggregate."""
    t = clock.today()
    where = [*where, Case.state.not_in(CLOSED_STATES)]
    columns = [
        sa.func.coalesce(sa.func.sum(sa.case((_age_clause(key, t), 1), else_=0)), 0)
        for key, _label in AGE_BUCKETS
    ]
    row = db.session.execute(sa.select(*columns).where(*where)).one()
    return [
        {"key": key, "label": label, "count": count}
        for (key, label), count in zip(AGE_BUCKETS, row, strict=True)
    ]


def owed(case: Case, horizon: date | None = None) -> list[Deadline]:
    """The case's duties still owed (due by `horizon`), nearest first, from its loaded
    deadlines. The lists load the active ones by case (ix_deadline_case_open) and choose here:
    asking SQL for the unmet ones too made SQLite read the 150,000 unmet deadlines of a
    province through ix_deadline_open_due instead (140 ms at 1M petitions)."""
    return owed_duties(case.deadlines, horizon)


def _case_options():
    """The active deadlines of a page of cases in one query (units and users: _with_related);
    a list shows neither the summary nor the search text (all the petitions' words)."""
    return (
        selectinload(Case.deadlines.and_(Deadline.active.is_(True))),
        defer(Case.summary),
        defer(Case.search_text),
        defer(Case.decision_summary),
    )


def _with_related(cases: list[Case]) -> list[Case]:
    """Give a page of cases its units and users: those the session holds (the filter form
    has just loaded the user's units and handlers) and the others in one query per kind,
    never a query per row. Joined into the list's statement they made PostgreSQL join every
    candidate case before keeping the page's 50; selectinload queries again what the session
    already holds."""
    for model, attrs in ((Unit, ("unit", "assigned_unit")), (User, ("assignee",))):
        ids = {getattr(c, f"{a}_id") for c in cases for a in attrs} - {None}
        found = {}
        for i in ids:
            held = db.session.identity_map.get(identity_key(model, i))
            if held is not None:
                found[i] = held
        if ids - found.keys():
            query = sa.select(model).where(model.id.in_(ids - found.keys()))
            if model is User:
                query = query.options(lazyload(User.roles))  # a name is shown, not the roles
            found.update((o.id, o) for o in db.session.scalars(query))
        for c in cases:
            for a in attrs:
                set_committed_value(c, a, found.get(getattr(c, f"{a}_id")))
    return cases


def _case_filter_form():
    form = CaseFilterForm(formdata=request.args or None)
    form.unit_id.choices = _unit_choices(_("Tất cả đơn vị"))
    handlers = _handlers()
    form.assignee_id.choices = pairs_choices(
        [(0, _("Tất cả")), (-1, _("Chưa giao người xử lý"))]
        + [(u.id, f"{u.full_name} ({u.unit.code})") for u in handlers]
    )
    return form


def _case_where(form, ok: bool, base: list) -> list:
    t = clock.today()
    where = [Case.visible_to(current_user), *base]
    if not ok:
        return [*where, sa.false()]
    if form.state.data:
        where.append(Case.state == CaseState(form.state.data))
    elif not form.closed.data:
        where.append(Case.state.in_(OPEN_STATES))
    if form.kind.data:
        where.append(Case.kind == PetitionKind(form.kind.data))
    if form.field.data:
        where.append(Case.field == Field(form.field.data))
    if form.unit_id.data:
        where.append(_subtree_clause(Case.unit_id, form.unit_id.data))
    if form.assignee_id.data == -1:
        where.append(Case.assignee_id.is_(None))
    elif form.assignee_id.data:
        where.append(Case.assignee_id == form.assignee_id.data)
    if form.age.data:
        where.append(_age_clause(form.age.data, t))
    if form.overdue.data:
        where.append(overdue_case(t))
    if form.due_within.data is not None:
        horizon = t + timedelta(days=form.due_within.data)
        where.append(owes_duty(Deadline.due >= t, Deadline.due <= horizon))
    if form.q.data:
        where.append(_text_clause(form.q.data))
    return where


def _text_clause(q: str, user=None):
    """Folded search on the case's search text. Who may not see denouncers finds a case of a
    denunciation's matter only by its number or by what its petitions say stripped of the
    identities, never by a sender's name (core/confidentiality.py)."""
    pattern = like_pattern(q)
    matches = Case.search_text.like(pattern, escape="\\")
    public = sa.or_(
        sa.func.lower(Case.case_no).like(pattern, escape="\\"),
        sa.exists().where(
            Petition.case_id == Case.id, Petition.public_search_text.like(pattern, escape="\\")
        ),
    )
    return confidentiality.visible_clause(user or current_user, Case, matches, public)


def next_due_page(
    where: list, *, overdue_on: date | None = None, total: int | None = None
) -> ListPage:
    """The cases of `where`, nearest duty deadline first (then by date received), one page.

    The cases owing a duty come first, in the order of their next_due (the partial index
    ix_case_file_next_due holds only them: a few thousand of hundreds of thousands of cases),
    then the cases owing none, by date received. `overdue_on`: the filter keeps only cases with
    a duty due before that day, so no case without a duty can qualify. `total`: the number of
    cases of `where` when the caller already knows it.
    """
    page = _page()
    per_page = current_app.config["PAGE_SIZE"]
    offset = (page - 1) * per_page
    with_duty = sa.select(Case).where(Case.next_due.is_not(None), *where)
    if overdue_on is not None:
        with_duty = with_duty.where(Case.next_due < overdue_on)
    items = list(
        db.session.scalars(
            with_duty.options(*_case_options())
            .order_by(Case.next_due, Case.received_on, Case.id)
            .offset(offset)
            .limit(per_page)
        )
    )
    if len(items) < per_page and overdue_on is None:
        if items or offset == 0:
            before = offset + len(items)
        else:
            before = db.session.scalar(
                sa.select(sa.func.count(Case.id)).where(Case.next_due.is_not(None), *where)
            )
        without_duty = (
            sa.select(Case)
            .where(Case.next_due.is_(None), *where)
            .options(*_case_options())
            .order_by(Case.received_on, Case.id)
            .offset(max(0, offset - before))
            .limit(per_page - len(items))
        )
        items += db.session.scalars(without_duty)
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count(Case.id)).where(*where))
    return ListPage(_with_related(items), page, per_page, total)


def _case_list(template: str, title: str, base: list, *, mine: bool = False):
    form = _case_filter_form()
    ok = form.validate() if request.args else True
    where = _case_where(form, ok, base)
    buckets = ageing_buckets(where)
    # Listing open cases only, the ageing buckets partition the list: their sum is its length,
    # and counting the open cases once is enough.
    only_open = ok and not form.state.data and not form.closed.data
    page = next_due_page(
        where,
        overdue_on=clock.today() if ok and form.overdue.data else None,
        total=sum(b["count"] for b in buckets) if only_open else None,
    )
    return render_template(
        template,
        title=title,
        form=form,
        page=page,
        args=_filter_args(form),
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


@bp.get("/overdue")
@login_required
@require("case.view")
def overdue():
    """Quá hạn / sắp đến hạn: open cases with a duty overdue or falling due within N days."""
    t = clock.today()
    form = DueFilterForm(formdata=request.args or None)
    form.unit_id.choices = _unit_choices(_("Tất cả đơn vị"))
    ok = form.validate() if request.args else True
    days = form.days.data if ok and form.days.data is not None else 7
    horizon = t + timedelta(days=days)
    base = [Case.visible_to(current_user), Case.state.not_in(CLOSED_STATES)]
    if not ok:
        base.append(sa.false())
    else:
        if form.kind.data:
            base.append(Case.kind == PetitionKind(form.kind.data))
        if form.unit_id.data:
            base.append(_subtree_clause(Case.unit_id, form.unit_id.data))
    late = overdue_case(t)
    soon = due_soon_case(t, horizon)
    shown = late if ok and form.only_overdue.data else (late | soon)
    query = (
        sa.select(Case)
        .where(*base, shown)
        .options(*_case_options())
        .order_by(Case.next_due, Case.id)
    )
    page = _paginate(query)
    _with_related(page.items)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((soon, 1), else_=0)), 0),
        ).where(*base)
    ).one()
    petitions = None
    if has_permission(current_user, "petition.process"):
        petitions = pending_counts(pending_keys(_pending_where()))
    return render_template(
        "cases/overdue.html",
        form=form,
        page=page,
        days=days,
        counts={"overdue": row[0], "soon": row[1]},
        owed={c.id: owed(c, horizon) for c in page.items},
        buckets=ageing_buckets(base),
        bucket_args={
            k: v for k, v in (("kind", form.kind.data), ("unit_id", form.unit_id.data)) if ok and v
        },
        petitions=petitions,
        args=_filter_args(form),
        discipline_days=DISCIPLINE_DAYS,
    )


# --- the case page ------------------------------------------------------------------------


def _render_case(case: Case, failed: dict[int, ApologySentForm] | None = None):
    """The case page; a failed inline form (apology letter sent) comes back with its errors."""
    t = clock.today()
    petitions = ops.case_petitions(case)
    reader = confidentiality.reader().load([case, *petitions])
    events = db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.occurred_on, CaseEvent.id)
    ).all()
    deadlines = list(case.deadlines)
    letters = db.session.scalars(
        sa.select(ApologyLetter)
        .where(ApologyLetter.case_id == case.id)
        .options(joinedload(ApologyLetter.deadline))
        .order_by(ApologyLetter.id)
    ).all()
    # Each branch an index seek; an empty IN list would turn the OR into a scan of all cases.
    linked = [Case.parent_case_id == case.id, Case.merged_into_id == case.id]
    if case.parent_case_id or case.merged_into_id:
        linked.append(Case.id.in_([i for i in (case.parent_case_id, case.merged_into_id) if i]))
    related = db.session.scalars(sa.select(Case).where(sa.or_(*linked))).all()
    sent_forms = {letter.id: ApologySentForm(formdata=None) for letter in letters}
    for letter in letters:
        sent_forms[letter.id].on.data = t
    sent_forms.update(failed or {})
    actions = allowed_actions(case.kind.value, case.state) if case.state else []
    html = render_template(
        "cases/case.html",
        case=case,
        petitions=petitions,
        events=events,
        documents=[e for e in events if e.doc_no],
        active=[d for d in deadlines if d.active],
        retired=[d for d in deadlines if not d.active],
        missed=ops.missed_deadlines_without_letter(case, t),
        letters=letters,
        letter_links={
            letter.id: notice_link("apology", letter.id, None, _("Thư xin lỗi"))
            for letter in letters
        },
        sent_forms=sent_forms,
        button=CsrfOnlyForm(formdata=None),
        related=related,
        actions=actions,
        notices=case_notices(case) if has_permission(current_user, "notice.print") else [],
        criteria=[ComplexityCriterion(c).label for c in case.complexity_criteria or []],
        content=ops.verifier_content(case) if not reader.sees(case) else case.summary,
    )
    _record_views("hồ sơ vụ việc", petitions, case_file=True)
    return html


@bp.get("/<int:case_id>")
@login_required
@require("case.view")
def case_page(case_id: int):
    return _render_case(_load(Case, case_id))


def _round2_choices():
    return _unit_choices(_("— Không mở (người khiếu nại khởi kiện hoặc cấp khác giải quyết) —"))


def _step_input(form: StepForm, name: str) -> ops.StepInput:
    """Only the fields the action asks for travel to the operation."""
    wanted = ACTION_FIELDS[name]

    def get(field: str):
        return form[field].data if field in wanted else None

    round2 = None
    if "round2_unit" in wanted and form.round2_unit.data:
        round2 = _load(Unit, form.round2_unit.data)
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


@bp.route("/<int:case_id>/action/<name>", methods=["GET", "POST"])
@login_required
@require("case.work")
def action(case_id: int, name: str):
    """One workflow step: the form shows what this step needs; the operation checks the law."""
    case = _load(Case, case_id)
    act = ACTIONS.get(name)
    if act is None:
        return error_response(404, _("Thao tác không tồn tại: %(name)s.", name=name[:40]))
    form = StepForm()
    form.round2_unit.choices = _round2_choices()
    if not form.is_submitted():
        form.version.data = case.version
        form.on.data = clock.today()
        form.doc_type.data = DECISION_DOC_TYPES.get(
            (name, case.kind.value), DEFAULT_DOC_TYPES.get(name, "")
        )
    try:
        check(case.kind.value, case.state, name, round=case.round)
    except WorkflowError as e:
        if form.is_submitted() and _stale(form, case):
            return error_response(409, STALE)
        return error_response(400, str(e))
    status = 200
    if _submitted(form):
        try:
            ops.perform(
                current_user,
                case,
                name,
                _step_input(form, name),
                expected_version=form.version.data,
            )
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e)
            status = 409 if e.field == "version" else 200
        else:
            flash(
                _("Đã ghi nhận: %(label)s (%(case_no)s).", label=act.label, case_no=case.case_no),
                "success",
            )
            return redirect(url_for("cases.case_page", case_id=case.id))
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
    """A leader assigns the case to a unit of their tree and a handler of that unit."""
    case = _load(Case, case_id)
    form = AssignForm()
    form.unit_id.choices = _unit_choices(with_paths=True)
    handlers = _handlers()
    form.assignee_id.choices = pairs_choices([(0, _("— Chưa giao người cụ thể —"))])
    for u in handlers:
        choice = pairs_choices([(u.id, f"{u.full_name} · {u.title} ({u.unit.code})")])[0]
        choice.render_kw = {"data-unit-path": u.unit.path}
        form.assignee_id.choices.append(choice)
    if not form.is_submitted():
        form.version.data = case.version
        form.unit_id.data = case.assigned_unit_id or case.unit_id
        form.assignee_id.data = case.assignee_id or 0
        form.on.data = clock.today()
        form.verifier_summary.data = ops.verifier_content(case)
    status = 200
    if _submitted(form):
        unit = _load(Unit, form.unit_id.data)
        assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
        try:
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
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e)
            status = 409 if e.field == "version" else 200
        else:
            flash(_("Đã giao xử lý vụ việc %(case_no)s.", case_no=case.case_no), "success")
            return redirect(url_for("cases.case_page", case_id=case.id))
    return render_template("cases/assign.html", case=case, form=form), status


@bp.route("/<int:case_id>/flags", methods=["GET", "POST"])
@login_required
@require("case.assign")
def flags(case_id: int):
    """A leader records the complexity (with its criteria) and the remote-area flag."""
    case = _load(Case, case_id)
    form = FlagsForm()
    if not form.is_submitted():
        form.version.data = case.version
        form.complexity.data = case.complexity.value
        form.criteria.data = list(case.complexity_criteria or [])
        form.remote_area.data = case.remote_area
        form.on.data = clock.today()
    status = 200
    if _submitted(form):
        try:
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
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e)
            status = 409 if e.field == "version" else 200
        else:
            flash(
                _("Đã cập nhật mức độ phức tạp của vụ việc %(case_no)s.", case_no=case.case_no),
                "success",
            )
            return redirect(url_for("cases.case_page", case_id=case.id))
    return render_template("cases/flags.html", case=case, form=form), status


@bp.route("/<int:case_id>/merge", methods=["GET", "POST"])
@login_required
@require("case.merge")
def merge(case_id: int):
    """Merge other cases of the same unit and kind into this one."""
    case = _load(Case, case_id)
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
    form = MergeForm()
    form.case_ids.choices = pairs_choices(
        [
            (
                c.id,
                _(
                    "%(case_no)s · %(title)s (%(state)s)",
                    case_no=c.case_no,
                    title=c.title,
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
    if _submitted(form):
        try:
            if _stale(form, case):
                raise ops.CaseError(STALE, "version")
            sources = _merge_sources(form, candidates)
            ops.merge(current_user, case, sources, form.on.data)
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e, default="case_ids")
            status = 409 if e.field == "version" else 200
        else:
            flash(
                _(
                    "Đã gộp %(sources)s vụ việc vào %(case_no)s.",
                    sources=len(sources),
                    case_no=case.case_no,
                ),
                "success",
            )
            return redirect(url_for("cases.case_page", case_id=case.id))
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
    case = _load(Case, case_id)
    petitions = ops.case_petitions(case)
    form = SplitForm()
    form.petition_ids.choices = pairs_choices(
        [
            (
                p.id,
                _(
                    "%(register_no)s · nhận %(day)s · %(summary)s",
                    register_no=p.register_no,
                    day=fmt_date(p.received_date),
                    summary=p.summary[:120],
                ),
            )
            for p in petitions
        ]
    )
    if not form.is_submitted():
        form.version.data = case.version
        form.on.data = clock.today()
    status = 200
    if _submitted(form):
        chosen = set(form.petition_ids.data or [])
        try:
            if _stale(form, case):
                raise ops.CaseError(STALE, "version")
            new = ops.split(
                current_user,
                case,
                [p for p in petitions if p.id in chosen],
                form.on.data,
                form.title.data,
            )
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e, default="petition_ids")
            status = 409 if e.field == "version" else 200
        else:
            flash(_("Đã tách đơn sang vụ việc mới %(case_no)s.", case_no=new.case_no), "success")
            return redirect(url_for("cases.case_page", case_id=new.id))
    return render_template("cases/split.html", case=case, form=form), status


@bp.post("/<int:case_id>/apology/<int:deadline_id>")
@login_required
@require("case.work")
def prepare_apology(case_id: int, deadline_id: int):
    """Prepare the apology letter for a deadline owed to the citizen that was missed."""
    case = _load(Case, case_id)
    deadline = db.session.get(Deadline, deadline_id) if deadline_id <= MAX_ID else None
    if deadline is None or deadline.case_id != case.id:
        abort(404)
    try:
        ops.prepare_apology(current_user, case, deadline, clock.today())
        db.session.commit()
    except OperationError as e:
        db.session.rollback()
        flash(str(e), "danger")
    else:
        flash(_("Đã chuẩn bị thư xin lỗi: %(label)s.", label=deadline.label), "success")
    return redirect(url_for("cases.case_page", case_id=case.id) + "#apology")


@bp.post("/apology/<int:letter_id>/sent")
@login_required
@require("case.work")
def apology_sent(letter_id: int):
    """Record the day the apology letter was sent."""
    letter = db.session.get(ApologyLetter, letter_id) if letter_id <= MAX_ID else None
    if letter is None:
        abort(404)
    case = _load(Case, letter.case_id)
    form = ApologySentForm()
    if form.validate_on_submit():
        try:
            ops.mark_apology_sent(current_user, letter, form.on.data)
            db.session.commit()
        except OperationError as e:
            db.session.rollback()
            _put_error(form, e, default="on")
        else:
            flash(_("Đã ghi nhận ngày gửi thư xin lỗi."), "success")
            return redirect(url_for("cases.case_page", case_id=case.id) + "#apology")
    return _render_case(case, {letter_id: form})


# --- administrator: extra days off and make-up working days -------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
@require("calendar.manage")
def calendar():
    """Ngày nghỉ, ngày làm bù: the overrides every working-day deadline counts with."""
    form = CalendarOverrideForm()
    status = 200
    if form.validate_on_submit():
        try:
            ops.add_calendar_override(
                current_user,
                day=form.day.data,
                working=form.working.data == "working",
                note=form.note.data,
            )
            db.session.commit()
        except ops.CalendarError as e:
            db.session.rollback()
            _put_error(form, e)
        else:
            flash(_("Đã lưu điều chỉnh lịch ngày %(day)s.", day=fmt_date(form.day.data)), "success")
            return redirect(url_for("cases.calendar"))
    page = _paginate(sa.select(CalendarOverride).order_by(CalendarOverride.day.desc()))
    return render_template(
        "cases/calendar.html", form=form, page=page, button=CsrfOnlyForm(formdata=None)
    ), status


@bp.post("/calendar/<day>/delete")
@login_required
@require("calendar.manage")
def calendar_delete(day: str):
    try:
        row = db.session.get(CalendarOverride, date.fromisoformat(day))
    except ValueError:
        row = None
    if row is None:
        abort(404)
    ops.delete_calendar_override(current_user, row)
    db.session.commit()
    flash(_("Đã xoá điều chỉnh lịch ngày %(day)s.", day=fmt_date(row.day)), "success")
    return redirect(url_for("cases.calendar"))
