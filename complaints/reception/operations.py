"""Use cases of citizen reception: open and edit sessions, record and edit visits.

Every function takes the acting user and plain data, checks the rules of the Law on Citizen
Reception (LTCD 2013) and of NĐ 154/2026, writes the rows and the audit event, and flushes.
Nothing here commits or reads the HTTP request: the web views, the CLI and tests call it alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from complaints.calendar.operations import work_calendar
from complaints.core import audit, clock, confidentiality
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.db import utcnow
from complaints.core.errors import OperationError, StaleError
from complaints.core.identity import identity_problem, normalise_identity
from complaints.core.numbers import fmt_date
from complaints.core.text import fold
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.obligations.rules import (
    PUBLISH_WORKING_DAYS,
    publication_owed,
    published_on_time,
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
    VisitPerson,
)
from complaints.units.models import Unit, UnitLeader, UnitLevel
from complaints.units.roles import may_receive_for, receiving_unit

# A group of this many people with one content is a delegation (đoàn đông người).
DELEGATION_MIN_PEOPLE = 5
# Representatives a delegation appoints (LTCD Art 29-30): 5-10 people appoint 1 or 2, more than
# 10 may appoint more but at most 5; at least one in any case.
SMALL_DELEGATION_MAX_PEOPLE = 10
SMALL_DELEGATION_MAX_REPS = 2
LARGE_DELEGATION_MAX_REPS = 5
# [2026] From 01/7/2026 a commune chair receives twice a month in person and may not delegate.
COMMUNE_NO_DELEGATION_FROM = date(2026, 7, 1)

# Outcomes that name the body the citizen is sent to (guided) or the petition goes to.
OUTCOMES_WITH_BODY = frozenset({VisitOutcome.guided, VisitOutcome.transferred})

SESSION_FIELDS = (
    "unit_id",
    "kind",
    "session_date",
    "place",
    "host_mode",
    "host_leader_id",
    "host_name",
    "host_title",
    "medium",
    "status",
    "status_reason",
    "postponed_to",
    "published_on",
    "conclusion",
    "recorded_by_unit_id",
)
VISIT_FIELDS = (
    "session_id",
    "unit_id",
    "visit_date",
    "kind",
    "content",
    "people_count",
    "is_delegation",
    "is_repeat",
    "previous_resolver",
    "competent",
    "outcome",
    "outcome_body",
    "outcome_doc_no",
    "refusal_ground",
    "refusal_detail",
    "documents_received",
    "follow_up",
    "note",
)
PERSON_FIELDS = ("full_name", "address", "identity_no", "phone", "is_representative")
PROTECTED_PERSON_FIELDS = ("full_name", "address", "identity_no", "phone")
AUDIT_REDACTED = str(confidentiality.MASK)

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"\+?[0-9]{8,15}")


class ReceptionError(OperationError):
    """Reception data the rules refuse. ``errors`` lists (field, Vietnamese message) pairs;
    a field of None concerns the record as a whole, "persons.<i>.<name>" a person row."""


class StaleEditError(StaleError, ReceptionError):
    """The record changed since the user opened it: their edit is not applied."""


# --- plain data ---------------------------------------------------------------------------


@dataclass
class SessionData:
    unit: Unit
    kind: SessionKind
    session_date: date
    place: str
    host_name: str
    host_title: str = ""
    host_mode: HostMode | None = None
    # A leader's session (periodic, ad hoc) of a unit whose leaders are recorded: its host is
    # one of them (the head in person, a deputy by delegation); his name and title are copied.
    host_leader: UnitLeader | None = None
    medium: Medium = Medium.onsite
    status: SessionStatus = SessionStatus.planned
    status_reason: str = ""
    postponed_to: date | None = None
    published_on: date | None = None
    conclusion: str = ""


@dataclass
class PersonData:
    full_name: str
    address: str = ""
    identity_no: str = ""
    phone: str = ""
    is_representative: bool = False


@dataclass
class VisitData:
    kind: PetitionKind
    content: str
    outcome: VisitOutcome
    persons: list[PersonData] = field(default_factory=list)
    people_count: int = 1
    is_delegation: bool = False
    is_repeat: bool = False
    previous_resolver: str = ""
    competent: bool | None = None
    outcome_body: str = ""
    outcome_doc_no: str = ""
    refusal_ground: RefusalGround | None = None
    refusal_detail: str = ""
    documents_received: str = ""
    follow_up: str = ""
    note: str = ""


# --- checks -------------------------------------------------------------------------------


def _check_actor(actor, unit: Unit | None) -> None:
    """The actor records reception, and the session is filed under a unit he receives for:
    one of his units, or the authority they advise (units/roles.py receives_for)."""
    if not has_permission(actor, "reception.edit"):
        raise ReceptionError(_("Bạn không có quyền ghi sổ tiếp công dân."))
    if not may_receive_for(actor, unit):
        raise ReceptionError(_("Đơn vị không thuộc phạm vi của bạn."), field="unit_id")


def _check_keeper(actor, record: ReceptionSession | Visit) -> None:
    """The actor records reception for one of the units that keep this record: its unit, or
    the unit that recorded its session for the authority it receives for."""
    if not has_permission(actor, "reception.edit"):
        raise ReceptionError(_("Bạn không có quyền ghi sổ tiếp công dân."))
    if not any(unit_in_scope(actor, u) for u in record.scope_units()):
        raise ReceptionError(_("Đơn vị không thuộc phạm vi của bạn."), field="unit_id")


def active_leaders(unit: Unit | None) -> list[UnitLeader]:
    """The leaders a session of this unit may be hosted by (the head first)."""
    return [x for x in unit.leaders if x.active] if unit is not None else []


def _host_errors(data: SessionData, session: ReceptionSession | None) -> list:
    """A leader's session of a unit whose leaders are recorded is hosted by one of them: its
    head in person, or a deputy (not the head) by delegation. A unit without leaders recorded
    keeps the host's name and title as typed."""
    kind, leader = SessionKind(data.kind), data.host_leader
    if kind == SessionKind.regular or data.unit is None:
        return []
    leaders = active_leaders(data.unit)
    kept = session is not None and session.unit_id == data.unit.id
    if leader is None:
        if not leaders or (kept and session.host_leader_id is None):
            return []  # no leaders recorded, or a session recorded before they were
        return [
            (
                "host_leader_id",
                _(
                    "Chọn người chủ trì trong danh sách lãnh đạo của %(unit)s.",
                    unit=data.unit.name,
                ),
            )
        ]
    if leader.unit_id != data.unit.id or not (
        leader.active or (kept and session.host_leader_id == leader.id)
    ):
        return [
            (
                "host_leader_id",
                _(
                    "%(name)s không phải lãnh đạo đương nhiệm của %(unit)s: chọn người chủ trì "
                    "trong danh sách lãnh đạo của đơn vị tổ chức tiếp.",
                    name=leader.full_name,
                    unit=data.unit.name,
                ),
            )
        ]
    if data.host_mode is None:
        return []  # its own message (choose in person or by delegation)
    mode = HostMode(data.host_mode)
    if mode == HostMode.in_person and not leader.is_head:
        return [
            (
                "host_leader_id",
                _(
                    "Thủ trưởng trực tiếp tiếp: người chủ trì là người đứng đầu %(unit)s, không "
                    "phải %(name)s (%(title)s). Cấp phó chủ trì thì chọn “Ủy quyền tiếp”.",
                    unit=data.unit.name,
                    name=leader.full_name,
                    title=leader.title,
                ),
            )
        ]
    if mode == HostMode.delegated and leader.is_head:
        return [
            (
                "host_leader_id",
                _(
                    "%(name)s là người đứng đầu %(unit)s: ủy quyền tiếp thì chọn cấp phó được "
                    "ủy quyền.",
                    name=leader.full_name,
                    unit=data.unit.name,
                ),
            )
        ]
    return []


def not_yet_held(day: date) -> str | None:
    """A session dated after today has not taken place: nobody was received at it yet, so it
    can be neither held nor hold visits (they would enter the 03/TCD log). The reason, or
    None from the session's day on."""
    today = clock.today()
    if day <= today:
        return None
    return _(
        "Buổi tiếp ngày %(day)s chưa diễn ra (hôm nay là %(today)s): lượt tiếp được ghi từ "
        "ngày tiếp trở đi.",
        day=fmt_date(day),
        today=fmt_date(today),
    )


def day_off_notice(day: date | None) -> str | None:
    """A warning, not a refusal: a session on a day the working calendar has off (weekend,
    public holiday, a day off the administrator added) may be a typing slip, or a reception
    held on a day off on purpose."""
    if day is None or work_calendar().is_working_day(day):
        return None
    if day.weekday() == 6:
        what = _("Chủ nhật")
    elif day.weekday() == 5:
        what = _("thứ Bảy")
    else:
        what = _("ngày nghỉ (lễ, Tết hoặc nghỉ theo lịch làm việc)")
    return _(
        "Ngày %(day)s là %(what)s, không phải ngày làm việc: kiểm tra lại ngày tiếp.",
        day=fmt_date(day),
        what=what,
    )


def publication_notice(record: ReceptionSession) -> str | None:
    """A warning when a leader's periodic schedule was published late or not recorded; the
    rule of "on time" is obligations/rules.published_on_time."""
    if record.kind != SessionKind.periodic:
        return None
    if record.published_on is None:
        if not publication_owed(record.status.value):
            return None
        return _("Chưa ghi ngày công bố lịch tiếp định kỳ.")
    if record.status == SessionStatus.cancelled:
        return None
    cal = work_calendar()
    if published_on_time(record.published_on, record.session_date, cal):
        return None
    days = cal.working_days_between(record.published_on, record.session_date)
    return _(
        "Lịch tiếp công bố muộn: %(days)s ngày làm việc trước buổi tiếp (phải ít nhất "
        "%(PUBLISH_WORKING_DAYS)s ngày làm việc).",
        days=max(days, 0),
        PUBLISH_WORKING_DAYS=PUBLISH_WORKING_DAYS,
    )


def _session_errors(data: SessionData, session: ReceptionSession | None) -> list:
    errors: list[tuple[str | None, str]] = _host_errors(data, session)
    kind, status = SessionKind(data.kind), SessionStatus(data.status)
    unchanged = (
        session is not None
        and session.unit_id == getattr(data.unit, "id", None)
        and session.session_date == data.session_date
    )
    if data.unit is not None and not unchanged and not data.unit.is_active_on(data.session_date):
        errors.append(
            (
                "unit_id",
                _("Đơn vị %(code)s không hoạt động vào ngày tiếp đã chọn.", code=data.unit.code),
            )
        )
    if not (data.place or "").strip():
        errors.append(("place", _("Nhập địa điểm tiếp công dân.")))
    chosen = kind != SessionKind.regular and data.host_leader is not None  # named by the list
    if not chosen and not (data.host_name or "").strip():
        who = (
            _("cán bộ trực tiếp công dân")
            if kind == SessionKind.regular
            else _("người chủ trì (Thủ trưởng hoặc người được ủy quyền)")
        )
        errors.append(("host_name", _("Nhập họ tên %(who)s.", who=who)))
    if kind != SessionKind.regular:
        if data.host_mode is None:
            errors.append(
                (
                    "host_mode",
                    _(
                        "Buổi tiếp định kỳ, đột xuất: chọn Thủ trưởng trực tiếp tiếp "
                        "hay ủy quyền tiếp."
                    ),
                )
            )
        elif (
            HostMode(data.host_mode) == HostMode.delegated
            and kind == SessionKind.periodic
            and data.unit is not None
            and data.unit.level == UnitLevel.commune
            and data.session_date >= COMMUNE_NO_DELEGATION_FROM
        ):
            errors.append(
                (
                    "host_mode",
                    _(
                        "Từ 01/7/2026 Chủ tịch UBND cấp xã phải trực tiếp tiếp công dân định kỳ, "
                        "không được ủy quyền."
                    ),
                )
            )
    if status == SessionStatus.held and data.session_date is not None:
        future = not_yet_held(data.session_date)
        if future:
            advice = _("Lập lịch trước thì chọn trạng thái “Dự kiến”.")
            errors.append(("status", f"{future} {advice}"))
    if status in (SessionStatus.cancelled, SessionStatus.postponed):
        if not (data.status_reason or "").strip():
            verb = _("hủy") if status == SessionStatus.cancelled else _("hoãn")
            errors.append(("status_reason", _("Ghi rõ lý do %(verb)s buổi tiếp.", verb=verb)))
        if session is not None and session.visits:
            errors.append(
                (
                    "status",
                    _(
                        "Buổi tiếp đã có %(visits)s lượt tiếp: không thể chuyển sang “%(label)s”.",
                        visits=len(session.visits),
                        label=status.label,
                    ),
                )
            )
    if data.postponed_to is not None:
        if status != SessionStatus.postponed:
            errors.append(("postponed_to", _("Chỉ ghi ngày tiếp mới khi buổi tiếp bị hoãn.")))
        elif data.postponed_to <= data.session_date:
            errors.append(("postponed_to", _("Ngày tiếp mới phải sau ngày tiếp đã hoãn.")))
    if data.published_on is not None and data.published_on > data.session_date:
        errors.append(("published_on", _("Ngày công bố lịch tiếp không được sau ngày tiếp.")))
    if (data.conclusion or "").strip():
        if kind == SessionKind.regular:
            errors.append(
                (
                    "conclusion",
                    _(
                        "Thông báo kết luận chỉ lập cho buổi tiếp của "
                        "Thủ trưởng (định kỳ, đột xuất)."
                    ),
                )
            )
        elif status != SessionStatus.held:
            errors.append(
                ("conclusion", _("Chỉ ghi thông báo kết luận khi buổi tiếp đã diễn ra (Đã tiếp)."))
            )
    return errors


def normalise_phone(text: str | None) -> str:
    return _PHONE_SEPARATORS.sub("", text or "")


def representative_limit(people_count: int) -> int:
    """Most representatives a delegation of this size may appoint."""
    if people_count <= SMALL_DELEGATION_MAX_PEOPLE:
        return SMALL_DELEGATION_MAX_REPS
    return LARGE_DELEGATION_MAX_REPS


def clean_persons(persons: list[PersonData]) -> list[PersonData]:
    """The persons as stored: names and addresses trimmed, identity and phone numbers normalised."""
    return [
        PersonData(
            full_name=(p.full_name or "").strip(),
            address=(p.address or "").strip(),
            identity_no=normalise_identity(p.identity_no),
            phone=normalise_phone(p.phone),
            is_representative=bool(p.is_representative),
        )
        for p in persons
    ]


def _visit_errors(data: VisitData, persons: list[PersonData]) -> list:
    errors: list[tuple[str | None, str]] = []
    outcome = VisitOutcome(data.outcome)
    refused = outcome == VisitOutcome.refused
    if not (data.content or "").strip():
        errors.append(("content", _("Nhập nội dung tóm tắt.")))

    # The persons received: at least one, each named, identity where the law asks for it.
    if not persons:
        errors.append(("persons.0.full_name", _("Nhập họ tên ít nhất một người được tiếp.")))
    seen: dict[str, int] = {}
    for i, p in enumerate(persons):
        if not p.full_name:
            errors.append((f"persons.{i}.full_name", _("Nhập họ tên.")))
        if p.identity_no:
            problem = identity_problem(p.identity_no)
            if problem:
                errors.append((f"persons.{i}.identity_no", problem))
            elif p.identity_no in seen:
                errors.append(
                    (
                        f"persons.{i}.identity_no",
                        _(
                            "Số giấy tờ trùng với người ở dòng %(seen)s.",
                            seen=seen[p.identity_no] + 1,
                        ),
                    )
                )
            else:
                seen[p.identity_no] = i
        elif not refused and (p.is_representative or not data.is_delegation):
            # The officer must establish who is received (LTCD Art 25); in a delegation, who
            # represents it. A refused person may not have shown any paper.
            who = _("người đại diện") if data.is_delegation else _("người được tiếp")
            errors.append(
                (
                    f"persons.{i}.identity_no",
                    _("Nhập số CCCD/định danh cá nhân hoặc hộ chiếu của %(who)s.", who=who),
                )
            )
        if p.phone and not _PHONE.fullmatch(p.phone):
            errors.append((f"persons.{i}.phone", _("Số điện thoại chỉ gồm 8 đến 15 chữ số.")))

    # Number of people and the delegation.
    count = data.people_count
    if count is None or count < 1:
        errors.append(("people_count", _("Số người phải từ 1 trở lên.")))
        count = max(len(persons), 1)
    elif count < len(persons):
        errors.append(
            (
                "people_count",
                _(
                    "Số người (%(count)s) ít hơn số người đã ghi tên (%(persons)s).",
                    count=count,
                    persons=len(persons),
                ),
            )
        )
    if data.is_delegation and count < DELEGATION_MIN_PEOPLE:
        errors.append(
            (
                "is_delegation",
                _(
                    "Đoàn đông người phải có từ "
                    "%(DELEGATION_MIN_PEOPLE)s người trở lên cùng một nội "
                    "dung (đang ghi %(count)s người).",
                    DELEGATION_MIN_PEOPLE=DELEGATION_MIN_PEOPLE,
                    count=count,
                ),
            )
        )
    elif not data.is_delegation and count >= DELEGATION_MIN_PEOPLE:
        errors.append(
            (
                "is_delegation",
                _(
                    "Từ %(DELEGATION_MIN_PEOPLE)s người trở lên cùng "
                    "một nội dung là đoàn đông người: "
                    "đánh dấu ô này và chỉ định người đại diện.",
                    DELEGATION_MIN_PEOPLE=DELEGATION_MIN_PEOPLE,
                ),
            )
        )
    reps = sum(1 for p in persons if p.is_representative)
    if data.is_delegation and count >= DELEGATION_MIN_PEOPLE and not refused:
        limit = representative_limit(count)
        if reps < 1:
            errors.append(
                (
                    "persons",
                    _(
                        "Đoàn đông người phải cử ít nhất 1 người đại diện: đánh dấu người đại diện "
                        "trong danh sách."
                    ),
                )
            )
        elif reps > limit:
            size = (
                _(
                    "từ %(DELEGATION_MIN_PEOPLE)s đến %(SMALL_DELEGATION_MAX_PEOPLE)s người",
                    DELEGATION_MIN_PEOPLE=DELEGATION_MIN_PEOPLE,
                    SMALL_DELEGATION_MAX_PEOPLE=SMALL_DELEGATION_MAX_PEOPLE,
                )
                if count <= SMALL_DELEGATION_MAX_PEOPLE
                else _(
                    "trên %(SMALL_DELEGATION_MAX_PEOPLE)s người",
                    SMALL_DELEGATION_MAX_PEOPLE=SMALL_DELEGATION_MAX_PEOPLE,
                )
            )
            errors.append(
                (
                    "persons",
                    _(
                        "Đoàn %(size)s cử không quá %(limit)s người đại "
                        "diện (Luật Tiếp công dân); đang "
                        "đánh dấu %(reps)s người.",
                        size=size,
                        limit=limit,
                        reps=reps,
                    ),
                )
            )

    # The outcome and what it needs.
    if refused:
        if data.refusal_ground is None:
            errors.append(("refusal_ground", _("Chọn căn cứ từ chối tiếp công dân.")))
        elif (
            RefusalGround(data.refusal_ground) == RefusalGround.other
            and not (data.refusal_detail or "").strip()
        ):
            errors.append(("refusal_detail", _("Ghi rõ lý do từ chối.")))
    if outcome in OUTCOMES_WITH_BODY and not (data.outcome_body or "").strip():
        what = (
            _("hướng dẫn công dân đến") if outcome == VisitOutcome.guided else _("chuyển đơn đến")
        )
        errors.append(("outcome_body", _("Nhập cơ quan, đơn vị %(what)s.", what=what)))
    return errors


def session_problems(data: SessionData, session: ReceptionSession | None = None) -> list:
    """The rules a session's data breaks, as (field, message) pairs; nothing is written."""
    return _session_errors(data, session)


def visit_problems(data: VisitData) -> list:
    """The rules a visit's data breaks, as (field, message) pairs; nothing is written."""
    return _visit_errors(data, clean_persons(data.persons))


def _raise_if(errors: list) -> None:
    if errors:
        raise ReceptionError(errors=errors)


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleEditError(
            _(
                "Bản ghi vừa được người khác sửa trong lúc bạn nhập. Thay đổi của bạn chưa được "
                "lưu: hãy mở lại bản mới nhất, xem thay đổi rồi nhập lại."
            )
        )


# --- sessions -----------------------------------------------------------------------------


def _apply_session(actor, session: ReceptionSession, data: SessionData) -> None:
    kind = SessionKind(data.kind)
    status = SessionStatus(data.status)
    if session.unit_id != data.unit.id or not unit_in_scope(actor, data.unit):
        # Filed under the authority the actor's unit receives for: that unit keeps it too.
        # An edit that keeps the unit keeps who recorded it.
        recorder = receiving_unit(actor, data.unit)
        session.recorded_by_unit = recorder
        session.recorded_by_unit_id = recorder.id if recorder is not None else None
    session.unit = data.unit
    session.unit_id = data.unit.id
    session.kind = kind
    session.session_date = data.session_date
    session.place = data.place.strip()
    session.host_mode = None if kind == SessionKind.regular else HostMode(data.host_mode)
    leader = data.host_leader if kind != SessionKind.regular else None
    session.host_leader = leader
    session.host_leader_id = leader.id if leader is not None else None
    if leader is not None:  # as on the day: a later change of leaders keeps the record
        session.host_name, session.host_title = leader.full_name, leader.title
    else:
        session.host_name = data.host_name.strip()
        session.host_title = (data.host_title or "").strip()
    session.medium = Medium(data.medium)
    session.status = status
    keeps_reason = status in (SessionStatus.cancelled, SessionStatus.postponed)
    session.status_reason = (data.status_reason or "").strip() if keeps_reason else ""
    session.postponed_to = data.postponed_to if status == SessionStatus.postponed else None
    session.published_on = data.published_on
    session.conclusion = (data.conclusion or "").strip()


def create_session(actor, data: SessionData) -> ReceptionSession:
    """Open (plan or record) a reception session of one of the actor's units."""
    _check_actor(actor, data.unit)
    _raise_if(_session_errors(data, None))
    session = ReceptionSession(created_by_id=actor.id)
    _apply_session(actor, session, data)
    db.session.add(session)
    db.session.flush()
    audit.record(
        "reception_session.created",
        session,
        actor=actor,
        after=audit.snapshot(session, SESSION_FIELDS),
        summary=f"Tạo buổi tiếp công dân {session.kind.label.lower()} ngày "
        f"{fmt_date(session.session_date)}",
    )
    return session


def update_session(
    actor, session: ReceptionSession, data: SessionData, *, expected_version: int | None
) -> ReceptionSession:
    """Edit a session; its visits follow its date and unit (a visit's date is its session's)."""
    _check_keeper(actor, session)
    _check_actor(actor, data.unit)
    _check_version(session, expected_version)
    _raise_if(_session_errors(data, session))
    before = audit.snapshot(session, SESSION_FIELDS)
    visits = list(session.visits)  # loaded before the changes: one UPDATE, one version step
    _apply_session(actor, session, data)
    session.updated_at = utcnow()  # always an UPDATE, so the version check always runs
    for visit in visits:
        if visit.visit_date != session.session_date or visit.unit_id != session.unit_id:
            visit.visit_date = session.session_date
            visit.unit_id = session.unit_id
            visit.unit = session.unit
    db.session.flush()
    b, a = audit.diff(before, audit.snapshot(session, SESSION_FIELDS))
    audit.record(
        "reception_session.updated",
        session,
        actor=actor,
        before=b,
        after=a,
        summary=f"Sửa buổi tiếp công dân ngày {fmt_date(session.session_date)}",
    )
    return session


# --- visits -------------------------------------------------------------------------------


def _persons_snapshot(visit: Visit) -> list[dict]:
    rows = [audit.snapshot(p, PERSON_FIELDS) for p in visit.persons]
    if confidentiality.is_protected(visit):
        # The audit log is read by administrators: a denouncer's identity stays out of it.
        for row in rows:
            for key in PROTECTED_PERSON_FIELDS:
                row[key] = AUDIT_REDACTED if row[key] else ""
    return rows


def _visit_snapshot(visit: Visit) -> dict:
    data = audit.snapshot(visit, VISIT_FIELDS)
    data["persons"] = _persons_snapshot(visit)
    return data


def _search_text(visit: Visit) -> str:
    parts = [visit.content]
    for p in visit.persons:
        parts += [p.full_name, p.identity_no, p.address]
    return fold(" ".join(x for x in parts if x))


def apply_visit(visit: Visit, data: VisitData, persons: list[PersonData]) -> None:
    """Write a visit's data and its (cleaned) persons onto the visit, with its search text."""
    outcome = VisitOutcome(data.outcome)
    was = visit.kind
    visit.kind = PetitionKind(data.kind)
    if PetitionKind.denunciation in (was, visit.kind):
        visit.denounced = True  # once a denunciation, always protected
    visit.content = data.content.strip()
    visit.people_count = data.people_count
    visit.is_delegation = bool(data.is_delegation)
    visit.is_repeat = bool(data.is_repeat)
    visit.previous_resolver = (data.previous_resolver or "").strip()
    visit.competent = data.competent
    visit.outcome = outcome
    # Fields of other outcomes are dropped so the log never shows a stale body or ground.
    with_body = outcome in OUTCOMES_WITH_BODY
    visit.outcome_body = (data.outcome_body or "").strip() if with_body else ""
    visit.outcome_doc_no = (data.outcome_doc_no or "").strip() if with_body else ""
    refused = outcome == VisitOutcome.refused
    visit.refusal_ground = RefusalGround(data.refusal_ground) if refused else None
    visit.refusal_detail = (data.refusal_detail or "").strip() if refused else ""
    visit.documents_received = "\n".join(
        line.strip() for line in (data.documents_received or "").splitlines() if line.strip()
    )
    visit.follow_up = (data.follow_up or "").strip()
    visit.note = (data.note or "").strip()
    # Replace the rows in place: same number of rows keeps their ids.
    for i, p in enumerate(persons):
        if i < len(visit.persons):
            row = visit.persons[i]
        else:
            row = VisitPerson()
            visit.persons.append(row)
        row.position = i
        row.full_name = p.full_name
        row.address = p.address
        row.identity_no = p.identity_no
        row.phone = p.phone
        row.is_representative = p.is_representative
    del visit.persons[len(persons) :]
    visit.search_text = _search_text(visit)


def create_visit(actor, session: ReceptionSession, data: VisitData) -> Visit:
    """Record one visit (lượt tiếp) in a session; its date is the session's date."""
    _check_keeper(actor, session)
    if not session.accepts_visits:
        raise ReceptionError(
            _(
                "Buổi tiếp ngày %(session_date)s đã %(status)s: "
                "không thể ghi lượt tiếp vào buổi này.",
                session_date=fmt_date(session.session_date),
                status=session.status.label.translated().lower(),
            )
        )
    future = not_yet_held(session.session_date)
    if future:
        raise ReceptionError(future)
    persons = clean_persons(data.persons)
    _raise_if(_visit_errors(data, persons))
    visit = Visit(
        session=session,
        unit_id=session.unit_id,
        unit=session.unit,
        visit_date=session.session_date,
        created_by_id=actor.id,
    )
    apply_visit(visit, data, persons)
    db.session.add(visit)
    if session.status == SessionStatus.planned:
        # Receiving someone is what makes a planned session a held one.
        before = audit.snapshot(session, ("status",))
        session.status = SessionStatus.held
        db.session.flush()
        audit.record(
            "reception_session.updated",
            session,
            actor=actor,
            before=before,
            after=audit.snapshot(session, ("status",)),
            summary=f"Buổi tiếp ngày {fmt_date(session.session_date)} đã tiếp công dân",
        )
    db.session.flush()
    audit.record(
        "visit.created",
        visit,
        actor=actor,
        after=_visit_snapshot(visit),
        summary=f"Ghi lượt tiếp ngày {fmt_date(visit.visit_date)}: {visit.kind.label}, "
        f"{visit.people_count} người",
    )
    return visit


def update_visit(actor, visit: Visit, data: VisitData, *, expected_version: int | None) -> Visit:
    """Edit a visit, refusing it when someone else changed the visit since it was opened."""
    _check_keeper(actor, visit)
    _check_version(visit, expected_version)
    persons = clean_persons(data.persons)
    _raise_if(_visit_errors(data, persons))
    before = _visit_snapshot(visit)
    raw_before = [audit.snapshot(p, PERSON_FIELDS) for p in visit.persons]
    apply_visit(visit, data, persons)
    # Person rows carry no version: touching the visit row makes every edit check and bump it.
    visit.updated_at = utcnow()
    db.session.flush()
    b, a = audit.diff(before, _visit_snapshot(visit))
    if "persons" not in a and raw_before != [
        audit.snapshot(p, PERSON_FIELDS) for p in visit.persons
    ]:
        b["persons"] = a["persons"] = "đã sửa thông tin người tố cáo (bảo mật)"
    audit.record(
        "visit.updated",
        visit,
        actor=actor,
        before=b,
        after=a,
        summary=f"Sửa lượt tiếp ngày {fmt_date(visit.visit_date)}",
    )
    _refresh_petitions_of(visit)
    return visit


def _refresh_petitions_of(visit: Visit) -> None:
    """The persons of a visit are identities of its petitions' matter: their public search
    texts are stripped of them again."""
    from complaints.petitions.models import Petition
    from complaints.petitions.operations import refresh_matter_texts

    for petition in db.session.scalars(sa.select(Petition).where(Petition.visit_id == visit.id)):
        refresh_matter_texts(petition)


# --- an old reception log brought in (complaints/registers/) -------------------------------


def session_for_log(actor_id: int | None, unit, day: date, kind: SessionKind) -> tuple:
    """The held (or planned, now held) session of the unit, day and kind a logged visit goes
    into, or one opened for the log (its host as the log names it); (session, new)."""
    session = db.session.scalar(
        sa.select(ReceptionSession)
        .where(
            ReceptionSession.unit_id == unit.id,
            ReceptionSession.session_date == day,
            ReceptionSession.kind == kind,
            ReceptionSession.status.in_((SessionStatus.held, SessionStatus.planned)),
        )
        .order_by(ReceptionSession.id)
        .limit(1)
    )
    if session is not None:
        if session.status == SessionStatus.planned:
            session.status = SessionStatus.held
        return session, False
    leader = kind != SessionKind.regular
    session = ReceptionSession(
        unit_id=unit.id,
        kind=kind,
        session_date=day,
        place="Theo sổ tiếp công dân",
        host_mode=HostMode.in_person if leader else None,
        host_name="Lãnh đạo (theo sổ cũ)" if leader else "Theo sổ tiếp công dân",
        status=SessionStatus.held,
        created_by_id=actor_id,
    )
    db.session.add(session)
    db.session.flush()
    return session, True


def record_logged_visit(actor_id: int | None, session: ReceptionSession, data: VisitData) -> Visit:
    """A visit as an old reception log records it, in its session: the log's data under the
    rules a visit is recorded under (refused with their messages); the import records the
    file as one audit event, not each visit."""
    persons = clean_persons(data.persons)
    _raise_if(_visit_errors(data, persons))
    visit = Visit(
        session=session,
        unit_id=session.unit_id,
        unit=session.unit,
        visit_date=session.session_date,
        created_by_id=actor_id,
    )
    apply_visit(visit, data, persons)
    db.session.add(visit)
    db.session.flush()
    return visit
