"""The case workflow of DOMAIN.md §6: which action may move a case from which state, per kind.

One table, read by the operations (which refuse an illegal step with its reason), by the pages
(which offer only the allowed actions) and by the tests (which check every state pair).
"""

from __future__ import annotations

from dataclasses import dataclass

from complaints.cases.models import CaseState as S
from complaints.core.access import has_permission
from complaints.core.errors import OperationError
from complaints.core.translate import N_, Label
from complaints.core.translate import gettext as _

COMPLAINT, DENUNCIATION, FEEDBACK = "complaint", "denunciation", "feedback"
ALL_KINDS = (COMPLAINT, DENUNCIATION, FEEDBACK)

# Working states from which a case may be suspended, terminated or partly withdrawn.
_RUNNING = frozenset({S.accepted, S.verifying, S.dialogue})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    kinds: frozenset[str]
    sources: frozenset[S]
    target: S | None  # None: the state does not change (an event on the timeline)
    needs_document: bool = True
    # The step as the one who carries it out calls it, when the law names it by the leader's
    # act: the leader assigns verification ("Giao xác minh"), the verifier starts verifying.
    worker_label: str | None = None


def _a(name, label, kinds, sources, target, needs_document=True, worker_label=None) -> Action:
    # A Label: Vietnamese in the audit log, translated where a page shows it.
    return Action(
        name,
        Label(label),
        frozenset(kinds),
        frozenset(sources),
        target,
        needs_document,
        Label(worker_label) if worker_label else None,
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _a("accept", N_("Thụ lý"), ALL_KINDS, {S.received}, S.accepted),
        _a("refuse", N_("Không thụ lý"), (COMPLAINT, DENUNCIATION), {S.received}, S.not_accepted),
        _a(
            "transfer",
            N_("Chuyển cơ quan có thẩm quyền"),
            (DENUNCIATION, FEEDBACK),
            {S.received},
            S.transferred,
        ),
        _a(
            "start_verification",
            N_("Giao xác minh"),
            (COMPLAINT, DENUNCIATION),
            {S.accepted},
            S.verifying,
            worker_label=N_("Bắt đầu xác minh"),
        ),
        _a("hold_dialogue", N_("Đối thoại"), (COMPLAINT,), {S.verifying, S.dialogue}, S.dialogue),
        _a("extend", N_("Gia hạn giải quyết"), (DENUNCIATION,), {S.verifying}, None),
        _a(
            "decide",
            N_("Ban hành quyết định / kết luận"),
            (COMPLAINT, DENUNCIATION),
            {S.verifying, S.dialogue},
            S.decided,
        ),
        _a("send", N_("Gửi quyết định / kết luận"), (COMPLAINT, DENUNCIATION), {S.decided}, S.sent),
        _a("publish", N_("Công khai kết luận"), (DENUNCIATION,), {S.sent}, S.published),
        _a("make_final", N_("Quyết định có hiệu lực"), (COMPLAINT,), {S.sent}, S.final),
        _a("appeal", N_("Khiếu nại lần hai / khởi kiện"), (COMPLAINT,), {S.sent}, S.appealed),
        _a("enforce", N_("Tổ chức thực hiện quyết định"), (COMPLAINT,), {S.final}, S.enforced),
        _a(
            "follow_up",
            N_("Xử lý sau kết luận, theo dõi"),
            (DENUNCIATION,),
            {S.published},
            S.enforced,
        ),
        _a("answer", N_("Trả lời kiến nghị, phản ánh"), (FEEDBACK,), {S.accepted}, S.answered),
        _a("suspend", N_("Tạm đình chỉ"), (COMPLAINT, DENUNCIATION), _RUNNING, S.suspended),
        _a("resume", N_("Tiếp tục giải quyết"), (COMPLAINT, DENUNCIATION), {S.suspended}, None),
        _a("withdraw_partial", N_("Rút một phần"), (COMPLAINT, DENUNCIATION), _RUNNING, None),
        _a(
            "terminate",
            N_("Đình chỉ giải quyết"),
            (COMPLAINT, DENUNCIATION),
            _RUNNING | {S.suspended},
            S.terminated,
        ),
    )
}


# What the case's timeline calls each recorded event: the steps above, and the events that
# are not steps (opening, assignment, merge, split...).
EVENT_LABELS: dict[str, str] = {a.name: a.label for a in ACTIONS.values()} | {
    "open": Label(N_("Mở vụ việc")),
    "assign": Label(N_("Giao xử lý")),
    "flags": Label(N_("Mức độ phức tạp, vùng sâu vùng xa")),
    "merge_in": Label(N_("Gộp vụ việc khác vào")),
    "merge_out": Label(N_("Gộp vào vụ việc khác")),
    "split_in": Label(N_("Tách từ vụ việc khác")),
    "split_out": Label(N_("Tách đơn sang vụ việc mới")),
    "petition_joined": Label(N_("Nhập đơn vào vụ việc")),
    "link": Label(N_("Liên kết với vụ việc lần đầu")),
    "reclassify": Label(N_("Đổi loại vụ việc theo đơn")),
}


def assigns(user) -> bool:
    """Does the user take a step as the leader who assigns the case (core/access's
    "case.assign"), rather than as the one who carries it out?"""
    return user is not None and has_permission(user, "case.assign")


def step_label(action: Action, user) -> str:
    """The step's name for this user: the leader's act ("Giao xác minh") for who assigns
    cases, the worker's ("Bắt đầu xác minh") for the verifier who carries it out."""
    if action.worker_label is not None and not assigns(user):
        return action.worker_label
    return action.label


def taken_as_worker(name: str, actor) -> bool | None:
    """Recorded with a step that has a worker's name: was it taken by who carries it out (True)
    or by who assigns it (False)? None for the other steps. Kept on the event, so the timeline
    names the step as it was taken, whatever roles its actor holds later."""
    action = ACTIONS.get(name)
    if action is None or action.worker_label is None or actor is None:
        return None
    return not assigns(actor)


def event_label(event) -> str:
    """What the timeline calls a recorded event, from the point of view of who recorded it
    (events recorded before the point of view was kept: by the actor's present roles)."""
    action = ACTIONS.get(event.action)
    if action is None:
        return EVENT_LABELS.get(event.action, event.action)
    as_worker = (event.data or {}).get("as_worker")
    if as_worker is None and event.actor is not None:
        as_worker = taken_as_worker(event.action, event.actor)
    return action.worker_label if as_worker and action.worker_label else action.label


class WorkflowError(OperationError):
    """A step the law does not allow from where the case stands; the message says why."""


def allowed_actions(kind: str, state: S) -> list[Action]:
    """The actions a case of this kind may take from this state, in the table's order."""
    return [a for a in ACTIONS.values() if kind in a.kinds and state in a.sources]


def check(kind: str, state: S, action_name: str, *, round: int = 1) -> Action:
    """Return the action if allowed, or raise WorkflowError with a Vietnamese reason."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise WorkflowError(_("Thao tác không tồn tại: %(action)s.", action=action_name))
    if kind not in action.kinds:
        kinds = {
            COMPLAINT: N_("khiếu nại"),
            DENUNCIATION: N_("tố cáo"),
            FEEDBACK: N_("kiến nghị, phản ánh"),
        }
        raise WorkflowError(
            _(
                "“%(action)s” không áp dụng cho vụ việc %(kind)s.",
                action=action.label,
                kind=_(kinds[kind]),
            )
        )
    if state not in action.sources:
        raise WorkflowError(
            _(
                "Không thể “%(action)s” khi vụ việc đang ở trạng thái “%(state)s”.",
                action=action.label,
                state=S(state).label,
            )
        )
    return action


def transitions(kind: str) -> set[tuple[S, S]]:
    """Every (from, to) pair that some action allows for a kind, among the states a case of
    that kind can reach (resume returns to the state held before the suspension)."""
    pairs: set[tuple[S, S]] = set()
    for a in allowed_for_kind(kind):
        for source in a.sources:
            if a.name == "resume":
                back_to = _RUNNING if kind == COMPLAINT else _RUNNING - {S.dialogue}
                pairs.update((source, back) for back in back_to)
            elif a.target is not None:
                pairs.add((source, a.target))
    reachable, frontier = {S.received}, [S.received]
    while frontier:
        state = frontier.pop()
        for source, target in pairs:
            if source == state and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    return {(a, b) for a, b in pairs if a in reachable}


def allowed_for_kind(kind: str) -> list[Action]:
    return [a for a in ACTIONS.values() if kind in a.kinds]
