"""Use cases of periodic reception planning: set a unit's rule, plan the calendar from it,
publish the schedule.

Every function takes the acting user and plain data, checks the rules, writes the rows and the
audit event, and flushes; nothing here commits or reads the HTTP request. The reception pages
record what happened to each session (held, cancelled, postponed): this module only plans them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.core import audit
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.calendar import WorkCalendar
from complaints.core.db import utcnow
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date
from complaints.core.translate import L_, N_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.obligations import rules
from complaints.obligations.models import ReceptionRule, RuleType
from complaints.reception.models import (
    HostMode,
    Medium,
    ReceptionSession,
    SessionKind,
    SessionStatus,
)
from complaints.reception.operations import SESSION_FIELDS
from complaints.units.models import Unit, UnitLevel
from complaints.units.operations import subtree

# [2026] From 01/7/2026 a commune chair receives in person and may not delegate (NĐ 154/2026).
COMMUNE_NO_DELEGATION_FROM = date(2026, 7, 1)
MAX_RULE_DATES = 8  # per month: more is a typing error, not a reception schedule
WEEK_CHOICES = (1, 2, 3, 4, 5, -1)
RULE_FIELDS = (
    "unit_id",
    "rule_type",
    "weekday",
    "weeks",
    "days",
    "place",
    "host_name",
    "host_title",
    "host_mode",
    "valid_from",
    "valid_to",
    "note",
)


class ObligationError(OperationError):
    """A rule or a plan the rules refuse; `field` names the form field the message belongs to."""


@dataclass
class RuleData:
    unit: Unit
    rule_type: RuleType | str
    place: str
    host_name: str
    valid_from: date | None
    weekday: int | None = None
    weeks: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    host_title: str = ""
    host_mode: HostMode | str = HostMode.in_person
    valid_to: date | None = None
    note: str = ""


@dataclass
class PlanResult:
    created: list[ReceptionSession] = field(default_factory=list)
    skipped: list[tuple[Unit, date, str]] = field(default_factory=list)


# --- checks -------------------------------------------------------------------------------


def _check_actor(actor, unit: Unit | None) -> None:
    if not has_permission(actor, "obligations.manage"):
        raise ObligationError(_("Bạn không có quyền quản lý lịch tiếp công dân định kỳ."))
    if unit is None or not unit_in_scope(actor, unit):
        raise ObligationError(_("Đơn vị không thuộc phạm vi của bạn."), "unit_id")


def check_range(start: date | None, end: date | None) -> None:
    """A planning range: both ends, in order, at most MAX_MONTHS months."""
    if start is None:
        raise ObligationError(_("Nhập ngày bắt đầu."), "date_from")
    if end is None:
        raise ObligationError(_("Nhập ngày kết thúc."), "date_to")
    if end < start:
        raise ObligationError(_("“Đến ngày” phải sau hoặc bằng “Từ ngày”."), "date_to")
    if (end - start).days > 31 * rules.MAX_MONTHS:
        raise ObligationError(
            _(
                "Mỗi lần chỉ lập, công bố lịch tối đa %(MAX_MONTHS)s tháng.",
                MAX_MONTHS=rules.MAX_MONTHS,
            ),
            "date_to",
        )


def _clean_ints(values, allowed, label: str, name: str) -> list[int]:
    try:
        cleaned = sorted({int(v) for v in values or []}, key=lambda v: (v < 0, v))
    except (TypeError, ValueError):
        raise ObligationError(_("%(label)s không hợp lệ.", label=_(label)), name) from None
    if not cleaned:
        raise ObligationError(_("Chọn %(value)s.", value=_(label).lower()), name)
    if any(v not in allowed for v in cleaned):
        raise ObligationError(_("%(label)s không hợp lệ.", label=_(label)), name)
    if len(cleaned) > MAX_RULE_DATES:
        raise ObligationError(
            _("Tối đa %(MAX_RULE_DATES)s ngày tiếp mỗi tháng.", MAX_RULE_DATES=MAX_RULE_DATES), name
        )
    return cleaned


def _normalise(data: RuleData) -> dict:
    """The rule's columns from the data, or ObligationError naming the first faulty field."""
    try:
        kind = RuleType(data.rule_type)
    except ValueError:
        raise ObligationError(_("Chọn cách xác định ngày tiếp."), "rule_type") from None
    try:
        host_mode = HostMode(data.host_mode)
    except ValueError:
        raise ObligationError(
            _("Chọn Thủ trưởng trực tiếp tiếp hay ủy quyền."), "host_mode"
        ) from None
    values = {
        "rule_type": kind,
        "weekday": None,
        "weeks": [],
        "days": [],
        "place": (data.place or "").strip(),
        "host_name": (data.host_name or "").strip(),
        "host_title": (data.host_title or "").strip(),
        "host_mode": host_mode,
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "note": (data.note or "").strip(),
    }
    if kind in (RuleType.weekly, RuleType.nth_weekday):
        if data.weekday is None or not 0 <= int(data.weekday) <= 6:
            raise ObligationError(_("Chọn thứ trong tuần."), "weekday")
        values["weekday"] = int(data.weekday)
    if kind == RuleType.nth_weekday:
        values["weeks"] = _clean_ints(data.weeks, WEEK_CHOICES, N_("Tuần trong tháng"), "weeks")
    if kind == RuleType.month_days:
        values["days"] = _clean_ints(data.days, range(1, 32), N_("Ngày trong tháng"), "days")
    if not values["place"]:
        raise ObligationError(_("Nhập địa điểm tiếp công dân."), "place")
    if not values["host_name"]:
        raise ObligationError(_("Nhập họ tên người chủ trì tiếp."), "host_name")
    if data.valid_from is None:
        raise ObligationError(_("Nhập ngày bắt đầu áp dụng."), "valid_from")
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise ObligationError(_("Ngày hết hiệu lực phải sau ngày bắt đầu áp dụng."), "valid_to")
    unit = data.unit
    if unit.active_to is not None and data.valid_from > unit.active_to:
        raise ObligationError(
            _(
                "Đơn vị %(code)s đã thôi hoạt động từ %(active_to)s.",
                code=unit.code,
                active_to=fmt_date(unit.active_to),
            ),
            "valid_from",
        )
    if (
        host_mode == HostMode.delegated
        and unit.level == UnitLevel.commune
        and (data.valid_to is None or data.valid_to >= COMMUNE_NO_DELEGATION_FROM)
    ):
        raise ObligationError(
            _(
                "Từ 01/7/2026 Chủ tịch UBND cấp xã phải trực tiếp tiếp công dân định kỳ, "
                "không được ủy quyền: chọn “Thủ trưởng trực tiếp tiếp” hoặc cho quy định "
                "hết hiệu lực trước ngày đó."
            ),
            "host_mode",
        )
    return values


def _overlaps(unit_id: int, start: date, end: date | None, exclude_id: int | None):
    query = sa.select(ReceptionRule).where(
        ReceptionRule.unit_id == unit_id,
        sa.or_(ReceptionRule.valid_to.is_(None), ReceptionRule.valid_to >= start),
    )
    if end is not None:
        query = query.where(ReceptionRule.valid_from <= end)
    if exclude_id is not None:
        query = query.where(ReceptionRule.id != exclude_id)
    return list(db.session.scalars(query.order_by(ReceptionRule.valid_from)))


def _settle_overlaps(actor, unit: Unit, values: dict, exclude_id: int | None) -> None:
    """A new rule replaces the open-ended rule in force before it (closed the day before);
    any other overlap is refused: a unit follows one rule on any date."""
    for other in _overlaps(unit.id, values["valid_from"], values["valid_to"], exclude_id):
        if other.valid_to is None and other.valid_from < values["valid_from"]:
            before = audit.snapshot(other, RULE_FIELDS)
            other.valid_to = values["valid_from"] - timedelta(days=1)
            other.updated_at = utcnow()
            db.session.flush()
            b, a = audit.diff(before, audit.snapshot(other, RULE_FIELDS))
            audit.record(
                "reception_rule.closed",
                other,
                actor=actor,
                before=b,
                after=a,
                summary=f"Quy định lịch tiếp của {unit.code} hết hiệu lực từ "
                f"{fmt_date(values['valid_from'])} (thay bằng quy định mới)",
            )
            continue
        until = fmt_date(other.valid_to) if other.valid_to else "nay"
        raise ObligationError(
            _(
                "Trùng thời gian với quy định đang có (%(description)s, từ %(valid_from)s đến "
                "%(until)s). Sửa ngày hiệu lực của một trong hai.",
                description=other.description,
                valid_from=fmt_date(other.valid_from),
                until=until,
            ),
            "valid_from",
        )


# --- rules --------------------------------------------------------------------------------


def create_rule(actor, data: RuleData) -> ReceptionRule:
    """Set a unit's periodic reception rule from a date (the previous open rule ends then)."""
    _check_actor(actor, data.unit)
    values = _normalise(data)
    _settle_overlaps(actor, data.unit, values, None)
    rule = ReceptionRule(unit_id=data.unit.id, created_by_id=getattr(actor, "id", None), **values)
    rule.unit = data.unit
    db.session.add(rule)
    db.session.flush()
    audit.record(
        "reception_rule.created",
        rule,
        actor=actor,
        after=audit.snapshot(rule, RULE_FIELDS),
        summary=f"Quy định lịch tiếp định kỳ của {data.unit.code}: {rule.description}",
    )
    return rule


def update_rule(
    actor, rule: ReceptionRule, data: RuleData, *, expected_version: int | None = None
) -> ReceptionRule:
    """Edit a rule (sessions already planned from it stay as they are)."""
    _check_actor(actor, rule.unit)
    _check_actor(actor, data.unit)
    if expected_version is not None and int(expected_version) != rule.version:
        raise ObligationError(
            _("Quy định vừa được người khác sửa. Hãy tải lại trang để xem thay đổi rồi làm lại."),
            "version",
        )
    values = _normalise(data)
    if data.unit.id != rule.unit_id:
        raise ObligationError(_("Không thể chuyển quy định sang đơn vị khác."), "unit_id")
    _settle_overlaps(actor, data.unit, values, rule.id)
    before = audit.snapshot(rule, RULE_FIELDS)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()  # always an UPDATE, so the version check always runs
    db.session.flush()
    b, a = audit.diff(before, audit.snapshot(rule, RULE_FIELDS))
    audit.record(
        "reception_rule.updated",
        rule,
        actor=actor,
        before=b,
        after=a,
        summary=f"Sửa quy định lịch tiếp định kỳ của {rule.unit.code}: {rule.description}",
    )
    return rule


# --- planning and publishing --------------------------------------------------------------


def _units(unit: Unit, with_subunits: bool) -> list[Unit]:
    return subtree(unit) if with_subunits else [unit]


def plan_sessions(
    actor,
    unit: Unit,
    start: date,
    end: date,
    *,
    with_subunits: bool = False,
    calendar: WorkCalendar | None = None,
) -> PlanResult:
    """Create the planned periodic sessions the units' rules give between start and end: a
    named day off moves to the next working day; a day that already has a periodic session of
    the unit is left alone (planning twice creates nothing twice)."""
    _check_actor(actor, unit)
    check_range(start, end)
    units = {u.id: u for u in _units(unit, with_subunits)}
    cal = calendar or work_calendar()
    rule_rows = db.session.scalars(
        sa.select(ReceptionRule)
        .where(
            ReceptionRule.unit_id.in_(list(units)),
            ReceptionRule.valid_from <= end,
            sa.or_(
                ReceptionRule.valid_to.is_(None),
                ReceptionRule.valid_to >= start - timedelta(days=31),
            ),
        )
        .order_by(ReceptionRule.unit_id, ReceptionRule.valid_from)
    ).all()
    taken = set(
        db.session.execute(
            sa.select(ReceptionSession.unit_id, ReceptionSession.session_date).where(
                ReceptionSession.unit_id.in_(list(units)),
                ReceptionSession.kind == SessionKind.periodic,
                ReceptionSession.session_date.between(start, end),
            )
        ).all()
    )
    result = PlanResult()
    for rule in rule_rows:
        owner = units[rule.unit_id]
        for planned in rules.planned_days(rule, start, end, cal):
            day = planned.day
            if (owner.id, day) in taken:
                result.skipped.append((owner, day, L_("đã có buổi tiếp định kỳ ngày này")))
                continue
            if not owner.is_active_on(day):
                result.skipped.append((owner, day, L_("đơn vị không hoạt động vào ngày này")))
                continue
            host_mode = rule.host_mode
            if (
                host_mode == HostMode.delegated
                and owner.level == UnitLevel.commune
                and day >= COMMUNE_NO_DELEGATION_FROM
            ):
                result.skipped.append((owner, day, L_("cấp xã không được ủy quyền từ 01/7/2026")))
                continue
            session = ReceptionSession(
                unit_id=owner.id,
                kind=SessionKind.periodic,
                session_date=day,
                place=rule.place,
                host_mode=host_mode,
                host_name=rule.host_name,
                host_title=rule.host_title,
                medium=Medium.onsite,
                status=SessionStatus.planned,
                status_reason="",
                conclusion="",
                created_by_id=getattr(actor, "id", None),
            )
            session.unit = owner
            db.session.add(session)
            db.session.flush()
            moved = (
                f" (ngày {fmt_date(planned.named)} là ngày nghỉ, chuyển sang ngày làm việc kế tiếp)"
                if planned.named != day
                else ""
            )
            audit.record(
                "reception_session.planned",
                session,
                actor=actor,
                after={**audit.snapshot(session, SESSION_FIELDS), "rule_id": rule.id},
                summary=f"Lập lịch tiếp công dân định kỳ của {owner.code} ngày "
                f"{fmt_date(day)}{moved}",
            )
            taken.add((owner.id, day))
            result.created.append(session)
    result.created.sort(key=lambda s: (s.session_date, s.unit_id))
    return result


def publish_schedule(
    actor,
    unit: Unit,
    start: date,
    end: date,
    on: date | None,
    *,
    with_subunits: bool = False,
) -> list[ReceptionSession]:
    """Record that the schedule of the planned periodic sessions between start and end was
    published on `on` (sessions before that day, or already published, are left alone)."""
    _check_actor(actor, unit)
    check_range(start, end)
    if on is None:
        raise ObligationError(_("Nhập ngày công bố lịch tiếp."), "on")
    ids = [u.id for u in _units(unit, with_subunits)]
    sessions = db.session.scalars(
        sa.select(ReceptionSession)
        .where(
            ReceptionSession.unit_id.in_(ids),
            ReceptionSession.kind == SessionKind.periodic,
            ReceptionSession.status == SessionStatus.planned,
            ReceptionSession.published_on.is_(None),
            ReceptionSession.session_date.between(max(start, on), end),
        )
        .order_by(ReceptionSession.session_date, ReceptionSession.id)
    ).all()
    for session in sessions:
        session.published_on = on
        session.updated_at = utcnow()
        db.session.flush()
        audit.record(
            "reception_session.published",
            session,
            actor=actor,
            before={"published_on": None},
            after={"published_on": on.isoformat()},
            summary=f"Công bố lịch tiếp công dân ngày {fmt_date(session.session_date)} "
            f"của {session.unit.code} (công bố ngày {fmt_date(on)})",
        )
    return list(sessions)
