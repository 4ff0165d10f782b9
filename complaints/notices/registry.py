"""The one registry of the notices a record can have: for each, its name in the address, its
label, what builds it, and when the record's state makes it relevant. The case page and the
processing page list what `case_links` / `petition_links` give; the notice pages dispatch by
the same names; a notice a record cannot have yet answers why (NoticeUnavailable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from complaints.cases.models import Case, CaseState
from complaints.core.translate import L_
from complaints.core.vocab import PetitionKind
from complaints.notices import case_notices, petition_notices
from complaints.petitions.models import Petition, ProcessingOutcome

# A denunciation's conclusion is published once sent (LTC Art 40).
_PUBLISHED = frozenset({CaseState.sent, CaseState.published, CaseState.enforced})


@dataclass(frozen=True)
class NoticeKind:
    name: str  # in the address: /notices/case/<id>/<name>
    label: str
    build: Callable
    relevant: Callable[[object], bool]  # listed on the record's page


@dataclass(frozen=True)
class NoticeLink:
    label: str
    url: str
    docx_url: str
    number: str = ""  # its number in the authority's register, once issued


def _is_denunciation(case: Case) -> bool:
    return case.kind == PetitionKind.denunciation


CASE: dict[str, NoticeKind] = {
    k.name: k
    for k in (
        NoticeKind(
            "acceptance",
            L_("Thông báo thụ lý"),
            case_notices.acceptance,
            lambda c: c.accepted_on is not None,
        ),
        NoticeKind(
            "accused",
            L_("Thông báo thụ lý gửi người bị tố cáo"),
            case_notices.accused,
            lambda c: _is_denunciation(c) and c.accepted_on is not None,
        ),
        NoticeKind(
            "refusal",
            L_("Thông báo không thụ lý"),
            case_notices.refusal,
            lambda c: c.state == CaseState.not_accepted,
        ),
        NoticeKind(
            "extension",
            L_("Quyết định gia hạn giải quyết"),
            case_notices.extension,
            lambda c: bool(c.extensions),
        ),
        NoticeKind(
            "result",
            L_("Quyết định, kết luận, văn bản trả lời"),
            case_notices.result,
            lambda c: c.decided_on is not None,
        ),
        NoticeKind(
            "publication",
            L_("Thông báo công khai kết luận"),
            case_notices.publication,
            lambda c: _is_denunciation(c) and c.decided_on is not None and c.state in _PUBLISHED,
        ),
    )
}
PETITION: dict[str, NoticeKind] = {
    k.name: k
    for k in (
        NoticeKind(
            "transfer",
            L_("Phiếu chuyển đơn"),
            petition_notices.transfer,
            lambda p: p.outcome == ProcessingOutcome.transfer,
        ),
        NoticeKind(
            "guidance",
            L_("Văn bản hướng dẫn"),
            petition_notices.guidance,
            lambda p: p.outcome == ProcessingOutcome.guide,
        ),
    )
}
APOLOGY = NoticeKind("apology", L_("Thư xin lỗi"), petition_notices.apology, lambda letter: True)


def _link(endpoint: str, label: str, number: str = "", **values) -> NoticeLink:
    return NoticeLink(
        label, url_for(endpoint, **values), url_for(endpoint, **values, format="docx"), number
    )


def case_links(case: Case) -> list[NoticeLink]:
    """The notices the case's state makes relevant (print and Word), with their numbers once
    issued (the extension link is the last extension's)."""
    from complaints.notices.issuing import issued_numbers

    numbers = issued_numbers(case)
    extensions = sum(1 for e in case.events if e.action == "extend")
    return [
        _link(
            "notices.case_notice",
            k.label,
            numbers.get((k.name, extensions if k.name == "extension" else 0), ""),
            case_id=case.id,
            kind=k.name,
        )
        for k in CASE.values()
        if k.relevant(case)
    ]


def petition_links(petition: Petition) -> list[NoticeLink]:
    """The slip of a processed petition (transfer or guidance), if its outcome has one."""
    from complaints.notices.issuing import issued_numbers

    numbers = issued_numbers(petition)
    return [
        _link(
            "notices.petition_notice",
            k.label,
            numbers.get((k.name, 0), ""),
            petition_id=petition.id,
            kind=k.name,
        )
        for k in PETITION.values()
        if k.relevant(petition)
    ]


def letter_link(letter) -> NoticeLink:
    """The apology letter of a missed deadline."""
    return _link("notices.apology", APOLOGY.label, letter_id=letter.id)
