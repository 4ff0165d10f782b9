"""Pages of periodic reception: the plan and who is behind, the units' rules, planning and
publishing the calendar."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from complaints.calendar.operations import work_calendar
from complaints.core import clock
from complaints.core.access import has_permission, in_scope, require
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.obligations import compliance, rules
from complaints.obligations.forms import ObligationFilterForm, PlanForm, PublishForm, RuleForm
from complaints.obligations.models import ReceptionRule, RuleType
from complaints.obligations.operations import (
    RuleData,
    create_rule,
    plan_sessions,
    publish_schedule,
    update_rule,
)
from complaints.reception.models import HostMode, ReceptionSession, periodic_session
from complaints.units.models import Unit
from complaints.units.operations import subtree
from complaints.web.helpers import load, offer_units, paginate, paginate_list
from complaints.web.transaction import attempt

bp = Blueprint("obligations", __name__, url_prefix="/obligations")

MONTHS_BACK = 5  # the default range: five months back to next month
UNITS_PAGE = "pu"  # the page of the units' table (the plan's is "page")
MONTHS_AHEAD = 1


def _shift_month(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _home() -> str:
    """Where a planner goes after a change: the overview, or the rules for administrators."""
    if has_permission(current_user, "obligations.view"):
        return url_for("obligations.index")
    return url_for("obligations.rules")


# --- the overview -------------------------------------------------------------------------


@bp.get("/")
@login_required
@require("obligations.view")
def index():
    """Lịch tiếp công dân định kỳ: who is behind, month by month, and the plan."""
    t = clock.today()
    units = subtree(current_user.unit)
    form = ObligationFilterForm(formdata=request.args or None)
    offer_units(form.unit_id, units=units)
    ok = form.validate() if request.args else True
    first, last = _shift_month(t, -MONTHS_BACK), _shift_month(t, MONTHS_AHEAD)
    span = MONTHS_BACK + MONTHS_AHEAD
    root = current_user.unit
    if ok:
        chosen_from, chosen_to = form.month_from.data, form.month_to.data
        if chosen_from and chosen_to:
            first, last = chosen_from, chosen_to
        elif chosen_from:
            first, last = chosen_from, _shift_month(chosen_from, span)
        elif chosen_to:
            first, last = _shift_month(chosen_to, -span), chosen_to
        if form.unit_id.data:
            root = db.session.get(Unit, form.unit_id.data)  # one of the choices: in scope
            units = [u for u in units if u.path.startswith(root.path)]
    if not form.is_submitted() and not request.args:
        form.month_from.data, form.month_to.data = first, last
    end = rules.month_bounds(last.year, last.month)[1]
    cal = work_calendar()
    ids = root.subtree_ids()  # the units offered, as a subquery: a country has thousands
    table = compliance.behind_table(units, first, end, t, cal, ids=ids) if ok else []
    shown = [r for r in table if r.behind] if ok and form.only_behind.data else table
    units_page = paginate_list(shown, UNITS_PAGE)  # a country's centre has thousands
    months = compliance.months_between(first, end)

    plan_query = (
        sa.select(ReceptionSession)
        .where(
            ReceptionSession.unit_id.in_(ids),
            in_scope(current_user, ReceptionSession.unit_id),
            periodic_session(),
            ReceptionSession.session_date.between(first, end),
            sa.true() if ok else sa.false(),
        )
        .options(joinedload(ReceptionSession.unit))
        .order_by(ReceptionSession.session_date, ReceptionSession.unit_id, ReceptionSession.id)
    )
    page = paginate(plan_query)
    plan = [{"session": s, "publication": _publication(s, t, cal)} for s in page.items]
    rule_rows = db.session.scalars(
        sa.select(ReceptionRule)
        .where(
            ReceptionRule.unit_id.in_(ids),
            sa.or_(ReceptionRule.valid_to.is_(None), ReceptionRule.valid_to >= first),
            ReceptionRule.valid_from <= end,
        )
        .options(joinedload(ReceptionRule.unit))
        .order_by(ReceptionRule.unit_id, ReceptionRule.valid_from)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "obligations/index.html",
        form=form,
        root=root,
        months=months,
        table=units_page,
        units_param=UNITS_PAGE,
        unit_args={k: v for k, v in request.args.items() if k != UNITS_PAGE},
        units_total=len(table),
        behind_total=sum(1 for r in table if r.behind),
        page=page,
        plan=plan,
        rules=rule_rows,
        minimums=rules.LEGAL_MINIMUMS,
        today=t,
        args=args,
        publish_days=rules.PUBLISH_WORKING_DAYS,
    )


def _publication(session: ReceptionSession, t: date, cal) -> tuple[str, str]:
    """(css class, text) of a session's publication against the 5-working-day rule."""
    deadline = rules.publication_deadline(session.session_date, cal)
    if session.published_on is None:
        if not rules.publication_owed(session.status.value):
            return ("muted", "—")
        if deadline < t:
            return ("due-overdue", _("Chưa công bố (quá hạn công bố)"))
        return ("due-due", _("Chưa công bố · hạn %(day)s", day=fmt_date(deadline)))
    published = fmt_date(session.published_on)
    if rules.published_on_time(session.published_on, session.session_date, cal):
        return ("due-ok", _("Đúng hạn (%(day)s)", day=published))
    return ("due-overdue", _("Công bố muộn (%(day)s)", day=published))


# --- rules --------------------------------------------------------------------------------


@bp.get("/rules", endpoint="rules")
@login_required
@require("obligations.manage")
def rules_page():
    """The periodic reception rules of the user's units, current and past."""
    rows = db.session.scalars(
        sa.select(ReceptionRule)
        .where(in_scope(current_user, ReceptionRule.unit_id))
        .options(joinedload(ReceptionRule.unit))
        .order_by(ReceptionRule.unit_id, ReceptionRule.valid_from.desc())
    ).all()
    return render_template("obligations/rules.html", rules=rows, today=clock.today())


def _rule_data(form: RuleForm, unit: Unit) -> RuleData:
    return RuleData(
        unit=unit,
        rule_type=form.rule_type.data,
        weekday=int(form.weekday.data) if form.weekday.data else None,
        weeks=form.week_list(),
        days=form.day_list() if form.rule_type.data == RuleType.month_days.value else [],
        place=form.place.data or "",
        host_name=form.host_name.data or "",
        host_title=form.host_title.data or "",
        host_mode=form.host_mode.data,
        valid_from=form.valid_from.data,
        valid_to=form.valid_to.data,
        note=form.note.data or "",
    )


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
@require("obligations.manage")
def rule_form(rule_id: int | None = None):
    """Set or edit a unit's periodic reception rule."""
    rule = load(ReceptionRule, rule_id) if rule_id else None
    form = RuleForm()
    units = subtree(current_user.unit)
    offer_units(form.unit_id, units=units)
    if rule is not None and not form.is_submitted():
        form.unit_id.data = rule.unit_id
        form.rule_type.data = rule.rule_type.value
        form.weekday.data = "" if rule.weekday is None else str(rule.weekday)
        form.weeks.data = [str(w) for w in rule.weeks or []]
        form.days.data = ", ".join(str(d) for d in rule.days or [])
        form.place.data, form.host_name.data = rule.place, rule.host_name
        form.host_title.data, form.host_mode.data = rule.host_title, rule.host_mode.value
        form.valid_from.data, form.valid_to.data = rule.valid_from, rule.valid_to
        form.note.data, form.version.data = rule.note, rule.version
    elif rule is None and not form.is_submitted():
        form.unit_id.data = current_user.unit_id
        form.rule_type.data = RuleType.nth_weekday.value
        form.weekday.data, form.weeks.data = "1", ["-1"]
        form.host_mode.data = HostMode.in_person.value
        form.valid_from.data = clock.today()
    status = 200
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        with attempt(form, default="rule_type") as saved:
            data = _rule_data(form, unit)
            if rule is None:
                rule = create_rule(current_user, data)
            else:
                update_rule(current_user, rule, data, expected_version=form.version.data)
        if saved.ok:
            flash(
                _(
                    "Đã lưu quy định lịch tiếp của %(code)s: %(description)s.",
                    code=unit.code,
                    description=rule.description,
                ),
                "success",
            )
            return redirect(url_for("obligations.rules"))
        status = saved.status  # a lost update: 409, as on every other edit page
    return render_template("obligations/rule_form.html", form=form, rule=rule), status


# --- planning and publishing --------------------------------------------------------------


@bp.route("/plan", methods=["GET", "POST"])
@login_required
@require("obligations.manage")
def plan():
    """Plan the calendar from the units' rules for a range of dates."""
    form = PlanForm()
    offer_units(form.unit_id)
    if not form.is_submitted():
        t = clock.today()
        nxt = _shift_month(t, 1)
        form.unit_id.data = current_user.unit_id
        form.date_from.data = nxt
        form.date_to.data = _shift_month(nxt, 12) - timedelta(days=1)
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        with attempt(form, default="date_from") as saved:
            result = plan_sessions(
                current_user,
                unit,
                form.date_from.data,
                form.date_to.data,
                with_subunits=form.with_subunits.data,
            )
        if saved.ok:
            message = _("Đã lập %(created)s buổi tiếp định kỳ.", created=len(result.created))
            if result.skipped:
                message += _(
                    " Bỏ qua %(skipped)s ngày (đã có lịch hoặc không hợp lệ).",
                    skipped=len(result.skipped),
                )
            if not result.created and not result.skipped:
                message += _(" Không có quy định lịch tiếp nào áp dụng trong khoảng ngày này.")
            flash(message, "success" if result.created else "info")
            return redirect(_home())
    return render_template("obligations/plan.html", form=form, publish=False)


@bp.route("/publish", methods=["GET", "POST"])
@login_required
@require("obligations.manage")
def publish():
    """Record the publication of the planned schedule (at least 5 working days ahead)."""
    form = PublishForm()
    offer_units(form.unit_id)
    if not form.is_submitted():
        t = clock.today()
        form.unit_id.data = current_user.unit_id
        form.on.data = t
        form.date_from.data = t
        form.date_to.data = _shift_month(t, 3) - timedelta(days=1)
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        with attempt(form, default="on") as saved:
            sessions = publish_schedule(
                current_user,
                unit,
                form.date_from.data,
                form.date_to.data,
                form.on.data,
                with_subunits=form.with_subunits.data,
            )
        if saved.ok:
            flash(
                _("Đã ghi nhận công bố lịch của %(sessions)s buổi tiếp.", sessions=len(sessions)),
                "success",
            )
            return redirect(_home())
    return render_template("obligations/plan.html", form=form, publish=True)
