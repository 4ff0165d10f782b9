"""Reception pages: sessions, visits, the receipt (Mẫu 02/TCD) and the log (Mẫu 03/TCD)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from complaints.auth.models import User
from complaints.core import clock, confidentiality
from complaints.core.access import in_scope, require
from complaints.core.numbers import LOCAL_TZ, fmt_date
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.notices.render import place_name
from complaints.reception.forms import (
    LogFilterForm,
    SessionFilterForm,
    SessionForm,
    VisitForm,
)
from complaints.reception.models import (
    HostMode,
    Medium,
    ReceptionSession,
    RefusalGround,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.reception.operations import (
    PersonData,
    SessionData,
    VisitData,
    active_leaders,
    create_session,
    create_visit,
    day_off_notice,
    not_yet_held,
    publication_notice,
    session_problems,
    update_session,
    update_visit,
    visit_problems,
)
from complaints.reception.scope import sessions_of, sessions_visible, visits_of, visits_visible
from complaints.units.models import Unit, UnitLeader
from complaints.units.roles import receives_for
from complaints.web.helpers import filter_args, load, offer_units, paginate_register
from complaints.web.transaction import attempt

bp = Blueprint("reception", __name__, url_prefix="/reception")

MAX_ID = 2**31 - 1  # larger ids cannot exist (INTEGER keys); PostgreSQL would reject them
MAX_PAGE = 100_000
LOG_PRINT_CAP = 5000


# --- helpers ------------------------------------------------------------------------------


def _record_views(where: str, visits) -> None:
    """The protected identities this page showed are recorded (after rendering it)."""
    confidentiality.record_view(
        current_user, where=where, visits=confidentiality.shown_to(current_user, visits)
    )


def _error_target(form, name: str | None, rows: list[int] | None):
    """The field an operation error names ("persons.<i>.<field>" is the i-th filled row)."""
    if name and name.startswith("persons."):
        _, index, sub = name.split(".", 2)
        position = int(index)
        row = rows[position] if rows and position < len(rows) else position
        if row < len(form.persons.entries):
            return form.persons.entries[row].form[sub]
        return None
    if name and name != "persons" and name in form._fields:
        return form[name]
    return None


def _attach_errors(form, errors, rows: list[int] | None = None) -> list[str]:
    """Put each operation error beside its field; returns errors about the person list."""
    about_persons: list[str] = []
    for name, message in errors:
        target = _error_target(form, name, rows)
        if name == "persons":
            about_persons.append(message)
        elif target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]
    if any(n and n.startswith("persons") for n, _ in errors):
        form.form_errors.append(_("Danh sách người được tiếp còn lỗi: xem ghi chú ở từng dòng."))
    return about_persons


def _place_errors(form, error, rows: list[int] | None = None) -> list[str]:
    """A refused save: a lost update above the form, the rules' messages beside the fields."""
    if error.stale:
        form.form_errors.append(str(error))
        return []
    return _attach_errors(form, error.errors, rows)


def _preview_rules(form, problems, rows: list[int] | None = None) -> list[str]:
    """When the form already has errors, add the rules' messages for the other fields too, so
    that one round of corrections is enough. Nothing is written."""
    try:
        errors = problems()
    except (ValueError, TypeError, AttributeError):
        return []  # a field the rules need is itself invalid: its own error is shown
    fresh = []
    for name, message in errors:
        target = _error_target(form, name, rows)
        if target is None or not target.errors:
            fresh.append((name, message))
    return _attach_errors(form, fresh, rows)


def document_date_line(place: str, day: date) -> str:
    """ "Hải Phòng, ngày 05 tháng 01 năm 2026": days below 10 and months 1-2 take a leading
    zero in administrative documents (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place or '……'}, ngày {day.day:02d} tháng {month} năm {day.year}"


# --- sessions -----------------------------------------------------------------------------


@bp.get("/sessions")
@login_required
@require("reception.view")
def sessions():
    form = SessionFilterForm(formdata=request.args or None)
    offer_units(form.unit_id, units=receives_for(current_user))
    if form.unit_id.data is None:
        form.unit_id.data = current_user.unit_id
    ok = form.validate() if request.args else True
    query = (
        sa.select(ReceptionSession)
        .where(sessions_visible(current_user))
        .options(joinedload(ReceptionSession.unit))
        .order_by(ReceptionSession.session_date.desc(), ReceptionSession.id.desc())
    )
    if ok:
        query = query.where(sessions_of(_chosen_unit(form.unit_id.data), form.only_unit.data))
        if form.date_from.data:
            query = query.where(ReceptionSession.session_date >= form.date_from.data)
        if form.date_to.data:
            query = query.where(ReceptionSession.session_date <= form.date_to.data)
        if form.kind.data:
            query = query.where(ReceptionSession.kind == SessionKind(form.kind.data))
        if form.status.data:
            query = query.where(ReceptionSession.status == SessionStatus(form.status.data))
    else:
        query = query.where(sa.false())
    page = paginate_register(query)
    ids = [s.id for s in page.items]
    counts = dict(
        db.session.execute(
            sa.select(Visit.session_id, sa.func.count(Visit.id))
            .where(Visit.session_id.in_(ids))
            .group_by(Visit.session_id)
        ).all()
    )
    return render_template(
        "reception/sessions.html", form=form, page=page, counts=counts, args=filter_args(form)
    )


def _chosen_unit(unit_id: int | None) -> Unit:
    """The unit a list's filter chose (one of its choices), else the user's own."""
    return (db.session.get(Unit, unit_id) if unit_id else None) or current_user.unit


def _leader_choices(units: list[Unit], record: ReceptionSession | None) -> list[SelectChoice]:
    """The active leaders of the units a session may be filed under, grouped by unit ("Trần
    Quang Vinh — Chủ tịch"), and the recorded host of the session edited."""
    choices = [SelectChoice(0, _("— Đơn vị chưa ghi danh sách lãnh đạo: nhập họ tên —"))]
    # the leaders of every unit offered, in one query (not one per unit)
    db.session.scalars(
        sa.select(Unit)
        .where(Unit.id.in_([u.id for u in units]))
        .options(selectinload(Unit.leaders))
    ).all()
    for unit in units:
        leaders = active_leaders(unit)
        kept = record.host_leader if record is not None else None
        if kept is not None and kept.unit_id == unit.id and kept not in leaders:
            leaders.append(kept)  # the recorded host, though no longer in office
        for leader in leaders:
            choices.append(
                SelectChoice(
                    leader.id,
                    f"{leader.full_name} — {leader.title}",
                    {"data-unit": str(unit.id)},
                    optgroup=f"{unit.code} · {unit.name}",
                )
            )
    return choices


def _session_data(form: SessionForm, unit: Unit) -> SessionData:
    leader_id = form.host_leader_id.data
    return SessionData(
        unit=unit,
        kind=SessionKind(form.kind.data),
        session_date=form.session_date.data,
        place=form.place.data or "",
        host_mode=HostMode(form.host_mode.data) if form.host_mode.data else None,
        host_leader=db.session.get(UnitLeader, leader_id) if leader_id else None,
        host_name=form.host_name.data or "",
        host_title=form.host_title.data or "",
        medium=Medium(form.medium.data),
        status=SessionStatus(form.status.data),
        status_reason=form.status_reason.data or "",
        postponed_to=form.postponed_to.data,
        published_on=form.published_on.data,
        conclusion=form.conclusion.data or "",
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
@require("reception.edit")
def session_form(session_id: int | None = None):
    record = load(ReceptionSession, session_id) if session_id else None
    form = SessionForm(obj=record)
    # His units and the authorities they receive for; the operation checks the one chosen.
    units = receives_for(current_user)
    if record is not None and record.unit not in units:
        units.append(record.unit)
    offer_units(form.unit_id, units=units)
    form.host_leader_id.choices = _leader_choices(units, record)
    if record is None and not form.is_submitted():
        form.unit_id.data = current_user.unit_id
        form.kind.data = SessionKind.regular.value
        form.status.data = SessionStatus.planned.value
        form.session_date.data = clock.today()
        form.host_name.data = current_user.full_name
        form.host_title.data = current_user.title
    status = 200
    if form.validate_on_submit():
        # Any unit of the choices (his or one he receives for): the operation checks it.
        unit = db.session.get(Unit, form.unit_id.data)
        data = _session_data(form, unit)
        with attempt(form, place=_place_errors) as saved:
            if record is None:
                record = create_session(current_user, data)
            else:
                version = form.version.data if form.version.data is not None else 0
                update_session(current_user, record, data, expected_version=version)
        if saved.ok:
            flash(
                _("Đã lưu buổi tiếp công dân ngày %(value)s.", value=form.session_date._value()),
                "success",
            )
            return redirect(url_for("reception.session_detail", session_id=record.id))
        status = saved.status
    elif form.is_submitted() and form.unit_id.data is not None and not form.unit_id.errors:
        unit = db.session.get(Unit, form.unit_id.data)
        _preview_rules(form, lambda: session_problems(_session_data(form, unit), record))
    return render_template("reception/session_form.html", form=form, record=record), status


@bp.get("/sessions/<int:session_id>")
@login_required
@require("reception.view")
def session_detail(session_id: int):
    record = load(ReceptionSession, session_id)
    creator = db.session.get(User, record.created_by_id) if record.created_by_id else None
    visits = record.visits
    reader = confidentiality.reader().load(visits)
    html = render_template(
        "reception/session.html",
        record=record,
        visits=visits,
        conclusion=reader.text_across(visits, record.conclusion),
        creator=creator,
        publication_notice=publication_notice(record),
        day_off_notice=day_off_notice(record.session_date),
        not_yet=not_yet_held(record.session_date) if record.accepts_visits else None,
    )
    _record_views("trang buổi tiếp", visits)
    return html


# --- visits -------------------------------------------------------------------------------


def _visit_data(form: VisitForm) -> tuple[VisitData, list[int]]:
    filled = form.filled_persons()
    persons = [
        PersonData(
            full_name=f.full_name.data or "",
            address=f.address.data or "",
            identity_no=f.identity_no.data or "",
            phone=f.phone.data or "",
            is_representative=bool(f.is_representative.data),
        )
        for _, f in filled
    ]
    data = VisitData(
        kind=PetitionKind(form.kind.data),
        content=form.content.data or "",
        outcome=VisitOutcome(form.outcome.data),
        persons=persons,
        people_count=form.people_count.data,
        is_delegation=bool(form.is_delegation.data),
        is_repeat=form.visit_round.data == "repeat",
        previous_resolver=form.previous_resolver.data or "",
        competent={"yes": True, "no": False}.get(form.competent.data),
        outcome_body=form.outcome_body.data or "",
        outcome_doc_no=form.outcome_doc_no.data or "",
        refusal_ground=RefusalGround(form.refusal_ground.data)
        if form.refusal_ground.data
        else None,
        refusal_detail=form.refusal_detail.data or "",
        documents_received=form.documents_received.data or "",
        follow_up=form.follow_up.data or "",
        note=form.note.data or "",
    )
    return data, [i for i, _ in filled]


def _visit_form_page(form: VisitForm, record: ReceptionSession, visit: Visit | None):
    """Validate and save a visit form, or render it with its errors beside the fields."""
    status, about_persons = 200, []
    if form.validate_on_submit():
        data, rows = _visit_data(form)
        placed: list[str] = []
        with attempt(form, place=lambda f, e: placed.extend(_place_errors(f, e, rows))) as saved:
            if visit is None:
                visit = create_visit(current_user, record, data)
            else:
                version = form.version.data if form.version.data is not None else 0
                update_visit(current_user, visit, data, expected_version=version)
        if saved.ok:
            flash(_("Đã lưu lượt tiếp công dân."), "success")
            return redirect(url_for("reception.visit_detail", visit_id=visit.id))
        status, about_persons = saved.status, placed
    elif form.is_submitted():
        try:
            data, rows = _visit_data(form)
        except (ValueError, TypeError):
            pass  # an invalid choice: its own error is shown
        else:
            about_persons = _preview_rules(form, lambda: visit_problems(data), rows)
    return render_template(
        "reception/visit_form.html",
        form=form,
        record=record,
        visit=visit,
        about_persons=about_persons,
    ), status


@bp.route("/sessions/<int:session_id>/visits/new", methods=["GET", "POST"])
@login_required
@require("reception.edit")
def visit_new(session_id: int):
    record = load(ReceptionSession, session_id)
    not_yet = not_yet_held(record.session_date)
    if not_yet and request.method == "GET":
        flash(not_yet, "info")
        return redirect(url_for("reception.session_detail", session_id=record.id))
    if not record.accepts_visits and request.method == "GET":
        flash(
            _(
                "Buổi tiếp đã %(status)s: không thể ghi lượt tiếp vào buổi này.",
                status=record.status.label.translated().lower(),
            ),
            "warning",
        )
        return redirect(url_for("reception.session_detail", session_id=record.id))
    return _visit_form_page(VisitForm(), record, None)


@bp.route("/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
@require("reception.edit")
def visit_edit(visit_id: int):
    visit = load(Visit, visit_id)
    if not confidentiality.may_see_identity(current_user, visit):
        abort(403)  # the form would show the denouncer's identity
    form = VisitForm(obj=visit)
    if not form.is_submitted():
        form.visit_round.data = "repeat" if visit.is_repeat else "first"
        form.competent.data = {True: "yes", False: "no"}.get(visit.competent, "")
        while len(form.persons.entries) < len(visit.persons) + 2:
            form.persons.append_entry()
    answer = _visit_form_page(form, visit.session, visit)
    if isinstance(answer, tuple):  # the form is shown (not a redirect after saving)
        _record_views("sửa lượt tiếp", [visit])  # with the persons
    return answer


@bp.get("/visits/<int:visit_id>")
@login_required
@require("reception.view")
def visit_detail(visit_id: int):
    visit = load(Visit, visit_id)
    from complaints.petitions.models import Petition

    petitions = db.session.scalars(
        sa.select(Petition.register_no)
        .where(Petition.visit_id == visit.id, in_scope(current_user, Petition.unit_id))
        .order_by(Petition.id)
    ).all()
    html = render_template(
        "reception/visit.html", visit=visit, record=visit.session, petitions=petitions
    )
    _record_views("trang lượt tiếp", [visit])
    return html


@bp.get("/visits/<int:visit_id>/receipt")
@login_required
@require("reception.view")
def receipt(visit_id: int):
    """Giấy biên nhận (Mẫu 02/TCD) of the papers a citizen handed in, to print and sign."""
    visit = load(Visit, visit_id)
    receiver = db.session.get(User, visit.created_by_id) if visit.created_by_id else None
    # The hour is known when the visit was recorded on its day; otherwise it is written by hand.
    recorded = visit.created_at.astimezone(LOCAL_TZ) if visit.created_at else None
    documents = confidentiality.reader().text(visit, visit.documents_received)
    html = render_template(
        "reception/receipt.html",
        visit=visit,
        record=visit.session,
        receiver=receiver,
        documents=[d for d in documents.splitlines() if d.strip()],
        date_line=document_date_line(place_name(visit.unit), visit.visit_date),
        received_at=recorded if recorded and recorded.date() == visit.visit_date else None,
    )
    _record_views("giấy biên nhận", [visit])
    return html


# --- the reception log (sổ tiếp công dân, Mẫu 03/TCD) -------------------------------------


def _register_nos(visits) -> dict[int, list[str]]:
    """The register numbers of the petitions received at these visits, in one query: the log's
    column 11 names the petition, so the office finds it in the register from the log."""
    from complaints.petitions.models import Petition

    found: dict[int, list[str]] = {}
    ids = [v.id for v in visits]
    if ids:
        rows = db.session.execute(
            sa.select(Petition.visit_id, Petition.register_no)
            .where(Petition.visit_id.in_(ids))
            .order_by(Petition.register_no)
        )
        for visit_id, register_no in rows:
            found.setdefault(visit_id, []).append(register_no)
    return found


@bp.get("/log")
@login_required
@require("reception.view")
def log():
    formdata = request.args
    if not formdata:
        # Opening the log shows the current month, through the same path as a typed range.
        today = clock.today()
        formdata = MultiDict(
            {"date_from": fmt_date(today.replace(day=1)), "date_to": fmt_date(today)}
        )
    form = LogFilterForm(formdata=formdata)
    offer_units(form.unit_id, units=receives_for(current_user))
    if form.unit_id.data is None:
        form.unit_id.data = current_user.unit_id
    printing = request.args.get("all") == "1"
    page = rows = None
    truncated = False
    if form.validate():
        query = (
            sa.select(Visit)
            .where(
                visits_visible(current_user),
                visits_of(_chosen_unit(form.unit_id.data), form.only_unit.data),
                Visit.visit_date >= form.date_from.data,
                Visit.visit_date <= form.date_to.data,
            )
            .options(joinedload(Visit.unit))
            .order_by(Visit.visit_date, Visit.id)
        )
        if printing:
            rows = db.session.scalars(query.limit(LOG_PRINT_CAP + 1)).unique().all()
            truncated = len(rows) > LOG_PRINT_CAP
            rows = rows[:LOG_PRINT_CAP]
        else:
            page = paginate_register(query)
            rows = page.items
    unit = db.session.get(Unit, form.unit_id.data) if not form.unit_id.errors else None
    confidentiality.reader().load(rows or [])
    html = render_template(
        "reception/log.html",
        register_nos=_register_nos(rows or []),
        form=form,
        page=page,
        rows=rows,
        first_no=((page.page - 1) * page.per_page) if page else 0,
        printing=printing,
        truncated=truncated,
        cap=LOG_PRINT_CAP,
        unit=unit or current_user.unit,
        args=filter_args(form),
    )
    _record_views("sổ tiếp công dân", rows or [])
    return html
