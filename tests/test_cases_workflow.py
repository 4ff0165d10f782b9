"""Every state pair of every kind: allowed where DOMAIN.md §6 allows it, refused otherwise."""

from __future__ import annotations

import itertools

import pytest

from complaints.cases.models import CaseState as S
from complaints.cases.workflow import ACTIONS, WorkflowError, allowed_actions, check, transitions

R = (S.accepted, S.verifying, S.dialogue)  # running states of a complaint
RD = (S.accepted, S.verifying)  # of a denunciation (no dialogue step)

# The law's graph, written out independently of the workflow table.
EXPECTED = {
    "complaint": {
        (S.received, S.accepted),
        (S.received, S.not_accepted),
        (S.accepted, S.verifying),
        (S.verifying, S.dialogue),
        (S.dialogue, S.dialogue),
        (S.verifying, S.decided),
        (S.dialogue, S.decided),
        (S.decided, S.sent),
        (S.sent, S.final),
        (S.sent, S.appealed),
        (S.final, S.enforced),
        *((r, S.suspended) for r in R),
        *((S.suspended, r) for r in R),
        *((r, S.terminated) for r in R),
        (S.suspended, S.terminated),
    },
    "denunciation": {
        (S.received, S.accepted),
        (S.received, S.not_accepted),
        (S.received, S.transferred),
        (S.accepted, S.verifying),
        (S.verifying, S.decided),
        (S.decided, S.sent),
        (S.sent, S.published),
        (S.published, S.enforced),
        *((r, S.suspended) for r in RD),
        *((S.suspended, r) for r in RD),
        *((r, S.terminated) for r in RD),
        (S.suspended, S.terminated),
    },
    "feedback": {(S.received, S.accepted), (S.received, S.transferred), (S.accepted, S.answered)},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_every_state_pair(kind, source, target):
    allowed = (source, target) in transitions(kind)
    assert allowed == ((source, target) in EXPECTED[kind])


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_check_refuses_with_a_reason_or_allows(kind, state, action):
    offered = {a.name for a in allowed_actions(kind, state)}
    if action in offered:
        assert check(kind, state, action).name == action
    else:
        with pytest.raises(WorkflowError) as err:
            check(kind, state, action)
        assert "Không thể" in str(err.value) or "không áp dụng" in str(err.value)


def test_closed_states_offer_nothing():
    for kind in EXPECTED:
        for state in (S.terminated, S.enforced, S.merged, S.not_accepted, S.answered):
            assert allowed_actions(kind, state) == []
