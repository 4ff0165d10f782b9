"""Statutory deadlines for petitions and cases, as a versioned table of rules.

Each rule is data: what it applies to, from which date it is in force, how many days of which
type, and its legal basis. A deadline is computed from the rule in force on the date of the
triggering event, and keeps the rule id so that a later change of the law (e.g. NĐ 155/2026 from
01/7/2026) never rewrites deadlines already set. See DOMAIN.md section 7.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from complaints.core.calendar import WorkCalendar
from complaints.core.translate import N_

__all__ = [
    "COMPLEXITIES",
    "EARLIEST",
    "KINDS",
    "RULES",
    "STEPS",
    "BeforeRules",
    "Deadline",
    "DeadlineError",
    "Rule",
    "compute",
    "extends_by_complexity",
    "find_rule",
]

KINDS = ("complaint", "denunciation", "feedback", "any")
STEPS = (
    "reply_after_reception",
    "process",
    "accept",
    "transfer",
    "notify_acceptance",
    "resolve",
    "send_decision",
    "lodge_round2",
    "send_conclusion",
    "publish_conclusion",
    "review_followup",
    "limitation",
)
COMPLEXITIES = ("normal", "complex", "especially_complex")
DAY_TYPES = ("calendar", "working")

# The Law on Complaints knows a single "complex" level: an especially complex complaint gets the
# same limit as a complex one.
_COMPLEXITY_ALIASES = {"complaint": {"especially_complex": "complex"}}

# Dates the laws took effect.
_LKN_2011 = date(2012, 7, 1)  # Luật Khiếu nại 2011
_LTCD_2013 = date(2014, 7, 1)  # Luật Tiếp công dân 2013
_LTC_2011 = date(2012, 7, 1)  # Luật Tố cáo 2011, until the Luật Tố cáo 2018 replaced it
_LTC_2018 = date(2019, 1, 1)  # Luật Tố cáo 2018
_ND_155_2026 = date(2026, 7, 1)  # Nghị định 155/2026/NĐ-CP


class DeadlineError(ValueError):
    """A deadline asked for something the rule table does not cover."""


class BeforeRules(DeadlineError):
    """The triggering date is before the earliest rule the table knows for the step: no legal
    deadline is computed (imported history), the caller stores none."""

    def __init__(self, message: str, earliest: date):
        super().__init__(message)
        self.earliest = earliest


@dataclass(frozen=True)
class Rule:
    """One row of the rule table: a limit in force from valid_from until valid_to (excluded)."""

    id: str
    kind: str
    step: str
    label: str
    days: int | None  # None: no statutory limit, the unit sets it (compute's feedback_days)
    day_type: str
    basis: str
    valid_from: date
    valid_to: date | None = None
    round: int | None = None  # None: any round
    complexity: str | None = None  # None: any complexity
    remote: bool | None = None  # None: remote area or not
    max_days: int | None = None  # the longest the limit may be extended to, when the law says
    # Days one extension decision adds (the law allows one). None: the extensions are the
    # complexity ladder of the rules themselves (Luật Tố cáo 2018, see extends_by_complexity).
    extension: int | None = None

    def applies_to(self, round: int, complexity: str, remote: bool) -> bool:
        """True if the rule covers this round, complexity and remote flag."""
        return (
            (self.round is None or self.round == round)
            and (self.complexity is None or self.complexity == complexity)
            and (self.remote is None or self.remote == remote)
        )

    def in_force(self, start: date) -> bool:
        """True if the rule governs a period triggered on start."""
        return self.valid_from <= start and (self.valid_to is None or start < self.valid_to)


_LKN_ACCEPT = N_("Thụ lý giải quyết khiếu nại")
_LKN_R1 = N_("Giải quyết khiếu nại lần đầu")
_LKN_R2 = N_("Giải quyết khiếu nại lần hai")
_LTC_ACCEPT = N_("Xử lý ban đầu thông tin tố cáo, thụ lý tố cáo")
_LTC_TRANSFER = N_("Chuyển đơn tố cáo không thuộc thẩm quyền")
_LTC_RESOLVE = N_("Giải quyết tố cáo")

RULES: tuple[Rule, ...] = (
    # Any kind of petition.
    Rule("any.reply_after_reception.2014", "any", "reply_after_reception",
         N_("Trả lời việc tiếp nhận, xử lý nội dung trình bày khi tiếp công dân"),
         10, "working", "Khoản 1 Điều 28 Luật Tiếp công dân 2013", _LTCD_2013),
    Rule("any.process.2014", "any", "process", N_("Xử lý đơn"),
         10, "working", "Thực tiễn xử lý đơn; khoản 1 Điều 28 Luật Tiếp công dân 2013",
         _LTCD_2013),
    # Complaints (khiếu nại).
    Rule("complaint.accept.2012", "complaint", "accept", _LKN_ACCEPT,
         10, "working", "Điều 27 Luật Khiếu nại 2011; Điều 5 Thông tư 07/2013/TT-TTCP",
         _LKN_2011, _ND_155_2026),
    Rule("complaint.accept.2026", "complaint", "accept", _LKN_ACCEPT,
         7, "working", "Nghị định 155/2026/NĐ-CP", _ND_155_2026),
    Rule("complaint.resolve.r1.normal.2012", "complaint", "resolve", _LKN_R1,
         30, "calendar", "Điều 28 Luật Khiếu nại 2011", _LKN_2011,
         round=1, complexity="normal", remote=False),
    Rule("complaint.resolve.r1.complex.2012", "complaint", "resolve", _LKN_R1,
         45, "calendar", "Điều 28 Luật Khiếu nại 2011", _LKN_2011,
         round=1, complexity="complex", remote=False),
    Rule("complaint.resolve.r1.remote.2012", "complaint", "resolve", _LKN_R1,
         45, "calendar", "Điều 28 Luật Khiếu nại 2011", _LKN_2011,
         round=1, complexity="normal", remote=True),
    Rule("complaint.resolve.r1.remote_complex.2012", "complaint", "resolve", _LKN_R1,
         60, "calendar", "Điều 28 Luật Khiếu nại 2011", _LKN_2011,
         round=1, complexity="complex", remote=True),
    Rule("complaint.resolve.r2.normal.2012", "complaint", "resolve", _LKN_R2,
         45, "calendar", "Điều 37 Luật Khiếu nại 2011", _LKN_2011,
         round=2, complexity="normal", remote=False),
    Rule("complaint.resolve.r2.complex.2012", "complaint", "resolve", _LKN_R2,
         60, "calendar", "Điều 37 Luật Khiếu nại 2011", _LKN_2011,
         round=2, complexity="complex", remote=False),
    Rule("complaint.resolve.r2.remote.2012", "complaint", "resolve", _LKN_R2,
         60, "calendar", "Điều 37 Luật Khiếu nại 2011", _LKN_2011,
         round=2, complexity="normal", remote=True),
    Rule("complaint.resolve.r2.remote_complex.2012", "complaint", "resolve", _LKN_R2,
         70, "calendar", "Điều 37 Luật Khiếu nại 2011", _LKN_2011,
         round=2, complexity="complex", remote=True),
    Rule("complaint.send_decision.r1.2012", "complaint", "send_decision",
         N_("Gửi quyết định giải quyết khiếu nại lần đầu"),
         3, "working", "Điều 32 Luật Khiếu nại 2011", _LKN_2011, round=1),
    # Not in DOMAIN.md's table: the Law gives the round-2 decision its own sending period.
    Rule("complaint.send_decision.r2.2012", "complaint", "send_decision",
         N_("Gửi quyết định giải quyết khiếu nại lần hai"),
         7, "working", "Điều 40 Luật Khiếu nại 2011", _LKN_2011, round=2),
    Rule("complaint.lodge_round2.2012", "complaint", "lodge_round2", N_("Khiếu nại lần hai"),
         30, "calendar", "Điều 33 Luật Khiếu nại 2011", _LKN_2011, remote=False),
    Rule("complaint.lodge_round2.remote.2012", "complaint", "lodge_round2", N_("Khiếu nại lần hai"),
         45, "calendar", "Điều 33 Luật Khiếu nại 2011", _LKN_2011, remote=True),
    Rule("complaint.limitation.2012", "complaint", "limitation", N_("Thời hiệu khiếu nại"),
         90, "calendar", "Điều 9 Luật Khiếu nại 2011", _LKN_2011),
    # Denunciations (tố cáo). "process" is the same initial processing as "accept".
    # Luật Tố cáo 2011 (Luật số 03/2011/QH13), 01/7/2012 - 31/12/2018: 10 days to check the
    # denouncer and decide on acceptance, up to 15 when it must be checked in several places
    # (max_days); 60 days to resolve, 90 for a complex case, one extension of at most 30 days,
    # 60 for a complex case (the extension field). The law counts these in days, not working
    # days. Article 20 (point a of clause 1: accept; point b: transfer within 5 working days)
    # and Article 21 (resolution) were checked against the law's text. The law sets no period
    # for notifying the acceptance (Art 20 only asks the reasons for not accepting, on
    # request) nor for sending or publishing the conclusion (Art 27, 30): none is computed for
    # those steps before 2019.
    Rule("denunciation.accept.2012", "denunciation", "accept", _LTC_ACCEPT,
         10, "calendar", "Điểm a khoản 1 Điều 20 Luật Tố cáo 2011", _LTC_2011, _LTC_2018,
         max_days=15),
    Rule("denunciation.process.2012", "denunciation", "process", _LTC_ACCEPT,
         10, "calendar", "Điểm a khoản 1 Điều 20 Luật Tố cáo 2011", _LTC_2011, _LTC_2018,
         max_days=15),
    Rule("denunciation.transfer.2012", "denunciation", "transfer", _LTC_TRANSFER,
         5, "working", "Điểm b khoản 1 Điều 20 Luật Tố cáo 2011", _LTC_2011, _LTC_2018),
    Rule("denunciation.resolve.normal.2012", "denunciation", "resolve", _LTC_RESOLVE,
         60, "calendar", "Điều 21 Luật Tố cáo 2011 (gia hạn một lần, không quá 30 ngày)",
         _LTC_2011, _LTC_2018, complexity="normal", max_days=90, extension=30),
    Rule("denunciation.resolve.complex.2012", "denunciation", "resolve", _LTC_RESOLVE,
         90, "calendar", "Điều 21 Luật Tố cáo 2011 (gia hạn một lần, không quá 60 ngày)",
         _LTC_2011, _LTC_2018, complexity="complex", max_days=150, extension=60),
    # The 2011 law knows one "complex" level: an especially complex case is a complex one.
    Rule("denunciation.resolve.especially_complex.2012", "denunciation", "resolve",
         _LTC_RESOLVE, 90, "calendar",
         "Điều 21 Luật Tố cáo 2011 (gia hạn một lần, không quá 60 ngày)",
         _LTC_2011, _LTC_2018, complexity="especially_complex", max_days=150, extension=60),
    Rule("denunciation.accept.2019", "denunciation", "accept", _LTC_ACCEPT,
         7, "working", "Khoản 1 Điều 24 Luật Tố cáo 2018", _LTC_2018, max_days=10),
    Rule("denunciation.process.2019", "denunciation", "process", _LTC_ACCEPT,
         7, "working", "Khoản 1 Điều 24 Luật Tố cáo 2018", _LTC_2018, max_days=10),
    Rule("denunciation.transfer.2019", "denunciation", "transfer", _LTC_TRANSFER,
         5, "working", "Khoản 2 Điều 24 Luật Tố cáo 2018", _LTC_2018),
    Rule("denunciation.notify_acceptance.2019", "denunciation", "notify_acceptance",
         N_("Thông báo việc thụ lý tố cáo"),
         5, "working", "Khoản 3 Điều 29 Luật Tố cáo 2018", _LTC_2018),
    # The complexity already includes the extensions Art 30 allows (the extension decision
    # itself is recorded on the case).
    Rule("denunciation.resolve.normal.2019", "denunciation", "resolve", _LTC_RESOLVE,
         30, "calendar", "Điều 30 Luật Tố cáo 2018", _LTC_2018, complexity="normal"),
    Rule("denunciation.resolve.complex.2019", "denunciation", "resolve", _LTC_RESOLVE,
         60, "calendar", "Điều 30 Luật Tố cáo 2018 (gia hạn một lần, không quá 30 ngày)",
         _LTC_2018, complexity="complex"),
    Rule("denunciation.resolve.especially_complex.2019", "denunciation", "resolve",
         _LTC_RESOLVE, 90, "calendar",
         "Điều 30 Luật Tố cáo 2018 (gia hạn hai lần, mỗi lần không quá 30 ngày)",
         _LTC_2018, complexity="especially_complex"),
    Rule("denunciation.send_conclusion.2019", "denunciation", "send_conclusion",
         N_("Gửi kết luận nội dung tố cáo"),
         5, "working", "Khoản 3 Điều 35 Luật Tố cáo 2018", _LTC_2018),
    Rule("denunciation.publish_conclusion.2019", "denunciation", "publish_conclusion",
         N_("Công khai kết luận nội dung tố cáo"),
         7, "working", "Điều 40 Luật Tố cáo 2018", _LTC_2018),
    Rule("denunciation.review_followup.2019", "denunciation", "review_followup",
         N_("Xem xét tố cáo tiếp"),
         20, "calendar", "Điều 37 Luật Tố cáo 2018", _LTC_2018),
    # Feedback (kiến nghị, phản ánh): no statutory limit.
    Rule("feedback.resolve.unit", "feedback", "resolve", N_("Giải quyết kiến nghị, phản ánh"),
         None, "calendar", "Quy định của đơn vị", _LTCD_2013),
)  # fmt: skip

_BY_STEP: dict[tuple[str, str], tuple[Rule, ...]] = {}
for _rule in RULES:
    _BY_STEP[_rule.kind, _rule.step] = (*_BY_STEP.get((_rule.kind, _rule.step), ()), _rule)
del _rule

# The earliest date the table has a rule for, of any step: before it, no legal deadline at all.
EARLIEST = min(r.valid_from for r in RULES)

_DEFAULT_CALENDAR = WorkCalendar()


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: the period ends at the end of the day `due`."""

    due: date
    days: int  # the period applied: the rule's days plus extension_days, in day_type units
    day_type: str
    basis: str
    rule: str
    label: str

    def as_dict(self) -> dict[str, str | int]:
        """JSON-ready form, as stored with the case."""
        return {
            "due": self.due.isoformat(),
            "days": self.days,
            "day_type": self.day_type,
            "basis": self.basis,
            "rule": self.rule,
            "label": self.label,
        }


def find_rule(
    kind: str,
    step: str,
    start: date,
    *,
    round: int = 1,
    complexity: str = "normal",
    remote: bool = False,
) -> Rule:
    """The rule in force on start for this kind, step, round, complexity and remote flag."""
    if kind not in KINDS:
        raise DeadlineError(f"Loại đơn không hợp lệ: {kind!r} (chọn một trong {', '.join(KINDS)})")
    if step not in STEPS:
        raise DeadlineError(f"Bước xử lý không hợp lệ: {step!r}")
    if round not in (1, 2) or isinstance(round, bool):
        raise DeadlineError(f"Lần giải quyết không hợp lệ: {round!r} (chỉ có lần 1 hoặc lần 2)")
    if complexity not in COMPLEXITIES:
        choices = ", ".join(COMPLEXITIES)
        raise DeadlineError(
            f"Mức độ phức tạp không hợp lệ: {complexity!r} (chọn một trong {choices})"
        )
    if not isinstance(remote, bool):
        raise DeadlineError(f"Cờ vùng sâu, vùng xa phải là True hoặc False: {remote!r}")
    if not isinstance(start, date):
        raise DeadlineError(f"Ngày bắt đầu tính thời hạn không hợp lệ: {start!r}")
    if isinstance(start, datetime):
        start = start.date()

    # A kind without its own rule for the step uses the rule common to every petition.
    candidates = _BY_STEP.get((kind, step)) or _BY_STEP.get(("any", step), ())
    complexity = _COMPLEXITY_ALIASES.get(kind, {}).get(complexity, complexity)
    applicable = [r for r in candidates if r.applies_to(round, complexity, remote)]
    if not applicable:
        raise DeadlineError(
            f"Không có quy định thời hạn cho {kind}/{step} "
            f"(lần {round}, mức độ {complexity}, vùng sâu vùng xa: {'có' if remote else 'không'})"
        )
    for rule in applicable:
        if rule.in_force(start):
            return rule
    earliest = min(r.valid_from for r in applicable)
    if start < earliest:
        raise BeforeRules(
            f"Ngày {start:%d/%m/%Y} trước ngày có hiệu lực của quy định sớm nhất cho "
            f"{kind}/{step} ({earliest:%d/%m/%Y})",
            earliest,
        )
    raise DeadlineError(
        f"Không có quy định thời hạn cho {kind}/{step} còn hiệu lực ngày {start:%d/%m/%Y}"
    )


def compute(
    kind: str,
    step: str,
    start: date,
    *,
    round: int = 1,
    complexity: str = "normal",
    remote: bool = False,
    calendar: WorkCalendar | None = None,
    suspended_days: int = 0,
    extension_days: int = 0,
    feedback_days: int = 15,
    extensions: int = 0,
) -> Deadline:
    """The deadline of a step whose triggering event happened on start.

    `extension_days` lengthens the period in its own unit (calendar or working days).
    `suspended_days` is the length in calendar days of a suspension (tạm đình chỉ), during which
    the clock stops. For a calendar-day period the end moves by that many days, then to the next
    working day if it falls on a day off. For a working-day period the working days lost are
    counted as the working days among the suspended_days calendar days that follow the
    unsuspended due date (as if the suspension ran at the end of the period), and added. When
    the exact suspension window is known, a caller may instead pass
    `calendar.working_days_between(first_day - 1 day, last_day)` as extension_days.
    `feedback_days` is the unit's own limit for answering feedback (no statutory limit).
    `extensions` is how many extension decisions were made: where the rule gives the days of
    one extension (Luật Tố cáo 2011), the first adds them; a rule without one ignores it.
    Raises BeforeRules when start is before every rule the table has for the step.
    """
    for name, value in (
        ("suspended_days", suspended_days),
        ("extension_days", extension_days),
        ("feedback_days", feedback_days),
        ("extensions", extensions),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise DeadlineError(f"Số ngày {name} phải là số nguyên không âm: {value!r}")
    rule = find_rule(kind, step, start, round=round, complexity=complexity, remote=remote)
    if isinstance(start, datetime):
        start = start.date()
    if rule.days is None:
        if feedback_days < 1:
            raise DeadlineError(f"Thời hạn do đơn vị quy định phải từ 1 ngày: {feedback_days}")
        days = feedback_days + extension_days
    else:
        days = rule.days + extension_days
        if rule.extension and extensions:
            days += rule.extension
    cal = calendar if calendar is not None else _DEFAULT_CALENDAR

    if rule.day_type == "calendar":
        due = cal.add_calendar_days(start, days + suspended_days)
    else:
        due = cal.add_working_days(start, days)
        if suspended_days:
            lost = cal.working_days_between(due, due + timedelta(days=suspended_days))
            due = cal.add_working_days(due, lost)
    return Deadline(
        due=due,
        days=days,
        day_type=rule.day_type,
        basis=rule.basis,
        rule=rule.id,
        label=rule.label,
    )


def extends_by_complexity(kind: str, step: str, start: date) -> bool:
    """True if the rules in force on start extend the period by moving a case up the
    complexity ladder (Luật Tố cáo 2018: 30 -> 60 -> 90 days), False if an extension decision
    adds the rule's own extension days to the case's complexity (Luật Tố cáo 2011)."""
    if isinstance(start, datetime):
        start = start.date()
    in_force = [r for r in _BY_STEP.get((kind, step), ()) if r.in_force(start)]
    return not any(r.extension for r in in_force)
