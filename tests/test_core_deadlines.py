"""Deadline engine: golden dates checked by hand against the 2025-2026 Vietnamese calendar.

Days off in 2026 for state bodies, as the `holidays` package (VN, >=0.108) gives them:
01/01 (Thu); Tết 16/02-20/02 (Mon-Fri, so 14/02-22/02 with the weekends); Giỗ Tổ Hùng Vương 26/04
(Sun) observed Mon 27/04; 30/04 (Thu), 01/05 (Fri); 31/08 (Mon, swapped with the make-up
Saturday 22/08); 01/09-02/09 (Tue-Wed); Ngày Văn hóa Việt Nam 24/11 (Tue, from 2026 only).
2025: make-up Saturday 26/04 for Friday 02/05; 24/11/2025 (Mon) is a working day.
"""

from __future__ import annotations

from datetime import date

import pytest

from complaints.core.calendar import WorkCalendar
from complaints.core.deadlines import RULES, Deadline, DeadlineError, compute, find_rule

D = date
CAL = WorkCalendar()
MON = D(2026, 3, 2)  # a plain Monday, no holiday within the next 30 days


# --- The package's calendar, as the golden tests assume it ---------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 1, 1), False),  # Tết Dương lịch
        (D(2026, 2, 13), True),  # Friday before Tết
        (D(2026, 2, 16), False),  # Giao thừa
        (D(2026, 2, 20), False),  # Mùng bốn Tết
        (D(2026, 2, 23), True),  # first day back after Tết
        (D(2026, 4, 27), False),  # Giỗ Tổ Hùng Vương, observed (26/04 is a Sunday)
        (D(2026, 4, 30), False),
        (D(2026, 5, 1), False),
        (D(2026, 8, 22), True),  # official make-up Saturday (for Monday 31/08)
        (D(2026, 8, 31), False),
        (D(2026, 9, 2), False),
        (D(2026, 11, 24), False),  # Ngày Văn hóa Việt Nam, from 2026
        (D(2025, 11, 24), True),  # not a holiday in 2025
        (D(2025, 4, 26), True),  # 2025 make-up Saturday (for Friday 02/05)
        (D(2025, 5, 2), False),
        (D(2026, 3, 7), False),  # an ordinary Saturday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


# --- Working-day counting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # Tết 2026: Friday 13/02 + 10 working days skips 14/02-22/02 entirely.
        (D(2026, 2, 13), 10, D(2026, 3, 6)),
        (D(2026, 2, 13), 1, D(2026, 2, 23)),
        # The make-up Saturday 22/08/2026 counts.
        (D(2026, 8, 21), 1, D(2026, 8, 22)),
        (D(2026, 8, 20), 3, D(2026, 8, 24)),
        # Across 29/08-02/09/2026: Sat, Sun, 31/08 swapped, 01/09, 02/09.
        (D(2026, 8, 27), 5, D(2026, 9, 8)),
        # 24/11 is a day off in 2026, not in 2025.
        (D(2026, 11, 23), 1, D(2026, 11, 25)),
        (D(2025, 11, 21), 1, D(2025, 11, 24)),
        # Trigger day not counted even when it is a day off; n=0 gives the next working day.
        (D(2026, 3, 7), 1, D(2026, 3, 9)),
        (D(2026, 3, 7), 2, D(2026, 3, 10)),
        (D(2026, 3, 7), 0, D(2026, 3, 9)),
    ],
)
def test_add_working_days(start: date, n: int, due: date) -> None:
    assert CAL.add_working_days(start, n) == due
    if n:
        assert CAL.working_days_between(start, due) == n


def test_working_days_between_is_signed_and_excludes_start() -> None:
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 22)) == 0
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 3, 6)) == 10
    assert CAL.working_days_between(D(2026, 3, 6), D(2026, 2, 13)) == -10
    assert CAL.working_days_between(MON, MON) == 0


# --- Calendar-day periods (Civil Code Art 147-148) ------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2026, 3, 5), 30, D(2026, 4, 6)),  # ends Saturday 04/04 -> Monday
        (D(2026, 3, 6), 30, D(2026, 4, 6)),  # ends Sunday 05/04 -> Monday
        (D(2026, 3, 31), 30, D(2026, 5, 4)),  # ends on 30/04: 01/05 and the weekend too
        (D(2026, 1, 17), 30, D(2026, 2, 23)),  # ends on Giao thừa 16/02 -> after Tết
        (D(2026, 10, 25), 30, D(2026, 11, 25)),  # ends on 24/11/2026
        (D(2025, 10, 25), 30, D(2025, 11, 24)),  # 24/11/2025 is a working Monday
        (D(2026, 7, 23), 30, D(2026, 8, 22)),  # ends on the make-up Saturday: it stays
        (D(2026, 3, 2), 0, D(2026, 3, 2)),
    ],
)
def test_add_calendar_days(start: date, n: int, due: date) -> None:
    assert CAL.add_calendar_days(start, n) == due


@pytest.mark.parametrize("method", ["add_working_days", "add_calendar_days"])
def test_negative_periods_are_refused(method: str) -> None:
    with pytest.raises(ValueError, match="không được âm"):
        getattr(CAL, method)(MON, -1)


# --- The administrator's overrides ----------------------------------------------------------


def test_extra_day_off_is_skipped() -> None:
    cal = WorkCalendar(extra_days_off={D(2026, 3, 3)})
    assert not cal.is_working_day(D(2026, 3, 3))
    assert cal.add_working_days(MON, 1) == D(2026, 3, 4)
    # A calendar period ending on it runs to the next working day.
    assert cal.add_calendar_days(D(2026, 2, 1), 30) == D(2026, 3, 4)
    assert compute("complaint", "accept", MON, calendar=cal).due == D(2026, 3, 17)
    assert compute("complaint", "accept", MON).due == D(2026, 3, 16)


def test_extra_working_day_counts() -> None:
    cal = WorkCalendar(extra_working_days=[D(2026, 3, 7)])
    assert cal.is_working_day(D(2026, 3, 7))
    assert cal.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 7)
    assert cal.add_calendar_days(D(2026, 2, 5), 30) == D(2026, 3, 7)
    assert CAL.add_calendar_days(D(2026, 2, 5), 30) == D(2026, 3, 9)


def test_override_wins_over_package_make_up_saturday() -> None:
    cal = WorkCalendar(extra_days_off=[D(2026, 8, 22)])
    assert not cal.is_working_day(D(2026, 8, 22))
    assert cal.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 24)


def test_same_day_in_both_overrides_is_refused() -> None:
    with pytest.raises(ValueError, match="22/08/2026"):
        WorkCalendar(extra_days_off=[D(2026, 8, 22)], extra_working_days=[D(2026, 8, 22)])


# --- Rules chosen by the trigger date -------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due", "rule"),
    [
        (D(2026, 6, 30), 10, D(2026, 7, 14), "complaint.accept.2012"),
        (D(2026, 7, 1), 7, D(2026, 7, 10), "complaint.accept.2026"),
        (D(2012, 7, 1), 10, D(2012, 7, 13), "complaint.accept.2012"),
    ],
)
def test_complaint_accept_switches_on_1_july_2026(
    start: date, days: int, due: date, rule: str
) -> None:
    d = compute("complaint", "accept", start)
    assert (d.due, d.days, d.day_type, d.rule) == (due, days, "working", rule)


def test_complaint_accept_across_tet_2026() -> None:
    d = compute("complaint", "accept", D(2026, 2, 13))
    assert d.due == D(2026, 3, 6)
    assert d.basis == "Điều 27 Luật Khiếu nại 2011; Điều 5 Thông tư 07/2013/TT-TTCP"


# From Monday 02/03/2026: +30 = 01/04 (Wed), +45 = 16/04 (Thu), +60 = 01/05 (holiday, then the
# weekend) -> 04/05, +70 = 11/05 (Mon). Especially complex counts as complex for complaints.
@pytest.mark.parametrize(
    ("round_", "complexity", "remote", "days", "due", "rule"),
    [
        (1, "normal", False, 30, D(2026, 4, 1), "r1.normal"),
        (1, "complex", False, 45, D(2026, 4, 16), "r1.complex"),
        (1, "especially_complex", False, 45, D(2026, 4, 16), "r1.complex"),
        (1, "normal", True, 45, D(2026, 4, 16), "r1.remote"),
        (1, "complex", True, 60, D(2026, 5, 4), "r1.remote_complex"),
        (1, "especially_complex", True, 60, D(2026, 5, 4), "r1.remote_complex"),
        (2, "normal", False, 45, D(2026, 4, 16), "r2.normal"),
        (2, "complex", False, 60, D(2026, 5, 4), "r2.complex"),
        (2, "normal", True, 60, D(2026, 5, 4), "r2.remote"),
        (2, "complex", True, 70, D(2026, 5, 11), "r2.remote_complex"),
        (2, "especially_complex", True, 70, D(2026, 5, 11), "r2.remote_complex"),
    ],
)
def test_complaint_resolve(
    round_: int, complexity: str, remote: bool, days: int, due: date, rule: str
) -> None:
    d = compute("complaint", "resolve", MON, round=round_, complexity=complexity, remote=remote)
    assert (d.days, d.day_type, d.due) == (days, "calendar", due)
    assert d.rule == f"complaint.resolve.{rule}.2012"
    article = 28 if round_ == 1 else 37
    assert d.basis == f"Điều {article} Luật Khiếu nại 2011"


@pytest.mark.parametrize(
    ("complexity", "days", "due"),
    [
        ("normal", 30, D(2026, 4, 1)),
        ("complex", 60, D(2026, 5, 4)),
        ("especially_complex", 90, D(2026, 6, 1)),  # 31/05 is a Sunday
    ],
)
def test_denunciation_resolve(complexity: str, days: int, due: date) -> None:
    d = compute("denunciation", "resolve", MON, complexity=complexity, remote=True)
    assert (d.days, d.due, d.rule) == (days, due, f"denunciation.resolve.{complexity}.2019")


@pytest.mark.parametrize(
    ("kind", "step", "kwargs", "days", "day_type", "due", "rule"),
    [
        ("complaint", "reply_after_reception", {}, 10, "working", D(2026, 3, 16),
         "any.reply_after_reception.2014"),
        ("feedback", "process", {}, 10, "working", D(2026, 3, 16), "any.process.2014"),
        ("denunciation", "process", {}, 7, "working", D(2026, 3, 11), "denunciation.process.2019"),
        ("denunciation", "accept", {}, 7, "working", D(2026, 3, 11), "denunciation.accept.2019"),
        ("denunciation", "transfer", {}, 5, "working", D(2026, 3, 9), "denunciation.transfer.2019"),
        ("denunciation", "notify_acceptance", {}, 5, "working", D(2026, 3, 9),
         "denunciation.notify_acceptance.2019"),
        ("denunciation", "send_conclusion", {}, 5, "working", D(2026, 3, 9),
         "denunciation.send_conclusion.2019"),
        ("denunciation", "publish_conclusion", {}, 7, "working", D(2026, 3, 11),
         "denunciation.publish_conclusion.2019"),
        ("denunciation", "review_followup", {}, 20, "calendar", D(2026, 3, 23),
         "denunciation.review_followup.2019"),
        ("complaint", "send_decision", {}, 3, "working", D(2026, 3, 5),
         "complaint.send_decision.r1.2012"),
        ("complaint", "lodge_round2", {}, 30, "calendar", D(2026, 4, 1),
         "complaint.lodge_round2.2012"),
        ("complaint", "lodge_round2", {"remote": True}, 45, "calendar", D(2026, 4, 16),
         "complaint.lodge_round2.remote.2012"),
        ("complaint", "limitation", {}, 90, "calendar", D(2026, 6, 1), "complaint.limitation.2012"),
        ("feedback", "resolve", {}, 15, "calendar", D(2026, 3, 17), "feedback.resolve.unit"),
        ("feedback", "resolve", {"feedback_days": 30}, 30, "calendar", D(2026, 4, 1),
         "feedback.resolve.unit"),
    ],
)  # fmt: skip
def test_other_steps(
    kind: str, step: str, kwargs: dict, days: int, day_type: str, due: date, rule: str
) -> None:
    d = compute(kind, step, MON, **kwargs)
    assert (d.days, d.day_type, d.due, d.rule) == (days, day_type, due, rule)


def test_denunciation_accept_may_extend_to_10_working_days() -> None:
    rule = find_rule("denunciation", "accept", MON)
    assert (rule.days, rule.max_days) == (7, 10)
    extended = compute("denunciation", "accept", MON, extension_days=rule.max_days - rule.days)
    assert (extended.days, extended.due) == (10, D(2026, 3, 16))


def test_feedback_basis_is_the_unit_setting() -> None:
    assert compute("feedback", "resolve", MON).basis == "Quy định của đơn vị"


# --- Suspension and extension ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "step", "suspended", "extension", "due"),
    [
        # Calendar: 02/03 + 30 + 10 = 11/04 (Sat) -> Monday 13/04.
        ("complaint", "resolve", 10, 0, D(2026, 4, 13)),
        # Calendar: 02/03 + 30 + 29 = 30/04 -> Monday 04/05.
        ("complaint", "resolve", 29, 0, D(2026, 5, 4)),
        # Calendar extension: denunciation extended once = 60 days.
        ("denunciation", "resolve", 0, 30, D(2026, 5, 4)),
        ("denunciation", "resolve", 5, 30, D(2026, 5, 6)),
        # Working: due 11/03 (Wed); 7 suspended days 12/03-18/03 hold 5 working days.
        ("denunciation", "accept", 7, 0, D(2026, 3, 18)),
        # Working: 3 suspended days 12/03-14/03 hold 2 working days (14/03 is a Saturday).
        ("denunciation", "accept", 3, 0, D(2026, 3, 13)),
        # Working: extension in working days, then suspension.
        ("denunciation", "accept", 3, 3, D(2026, 3, 19)),
    ],
)
def test_suspension_and_extension(
    kind: str, step: str, suspended: int, extension: int, due: date
) -> None:
    d = compute(kind, step, MON, suspended_days=suspended, extension_days=extension)
    assert d.due == due


def test_extension_is_part_of_days_but_suspension_is_not() -> None:
    d = compute("complaint", "resolve", MON, suspended_days=10, extension_days=5)
    assert (d.days, d.due) == (35, D(2026, 4, 16))


# --- The result and the table ---------------------------------------------------------------


def test_as_dict() -> None:
    d = compute("complaint", "resolve", MON, round=2, complexity="complex", remote=True)
    assert isinstance(d, Deadline)
    assert d.as_dict() == {
        "due": "2026-05-11",
        "days": 70,
        "day_type": "calendar",
        "basis": "Điều 37 Luật Khiếu nại 2011",
        "rule": "complaint.resolve.r2.remote_complex.2012",
        "label": "Giải quyết khiếu nại lần hai",
    }


def _may_overlap(x: object, y: object) -> bool:
    return x is None or y is None or x == y


def test_rule_ids_are_unique_and_rules_never_overlap() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for i, a in enumerate(RULES):
        assert a.day_type in ("calendar", "working")
        assert a.valid_to is None or a.valid_from < a.valid_to
        for b in RULES[i + 1 :]:
            same_case = (
                (a.kind, a.step) == (b.kind, b.step)
                and _may_overlap(a.round, b.round)
                and _may_overlap(a.complexity, b.complexity)
                and _may_overlap(a.remote, b.remote)
            )
            disjoint = (a.valid_to is not None and a.valid_to <= b.valid_from) or (
                b.valid_to is not None and b.valid_to <= a.valid_from
            )
            assert not same_case or disjoint, (a.id, b.id)


# --- Refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("appeal", "resolve", MON), {}, "Loại đơn không hợp lệ"),
        (("complaint", "decide", MON), {}, "Bước xử lý không hợp lệ"),
        (("complaint", "resolve", MON), {"round": 3}, "Lần giải quyết không hợp lệ"),
        (("complaint", "resolve", MON), {"complexity": "hard"}, "Mức độ phức tạp không hợp lệ"),
        (("complaint", "accept", D(2012, 6, 30)), {}, "trước ngày có hiệu lực"),
        (("denunciation", "resolve", D(2012, 6, 30)), {}, "trước ngày có hiệu lực"),
        (("complaint", "publish_conclusion", MON), {}, "Không có quy định thời hạn"),
        (("feedback", "accept", MON), {}, "Không có quy định thời hạn"),
        (("complaint", "resolve", MON), {"suspended_days": -1}, "không âm"),
        (("complaint", "resolve", MON), {"extension_days": -5}, "không âm"),
        (("feedback", "resolve", MON), {"feedback_days": 0}, "từ 1 ngày"),
    ],
)
def test_errors(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(DeadlineError, match=message):
        compute(*args, **kwargs)


def test_deadline_error_is_a_value_error() -> None:
    assert issubclass(DeadlineError, ValueError)


def test_round_two_decision_is_sent_within_seven_working_days() -> None:
    # LKN 2011 Art 40. From Monday 20/4/2026: 21-24/4 (4), Hùng Kings observed Monday 27/4
    # off, 28-29/4 (6), 30/4 and 1/5 off, Monday 4/5 (7).
    result = compute("complaint", "send_decision", D(2026, 4, 20), round=2)
    assert (result.days, result.day_type, result.rule) == (
        7,
        "working",
        "complaint.send_decision.r2.2012",
    )
    assert result.due == D(2026, 5, 4)
