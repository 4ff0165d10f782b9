"""What the permission matrix, the confidentiality crawl and the hostile-input tests share:
a small world with one record of each kind in the users' unit tree (HP) and in another
province (HN), one user per role, the URL map filled with those records' ids, and counters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context

from complaints.cases.models import ApologyLetter, Deadline
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.reception.models import VisitOutcome
from complaints.reports.models import ClosedReport, ReportedFigures
from complaints.units.operations import save_leader

from . import factories
from .api_v1_support import TODAY, open_case, token_for
from .factories_obligations import RuleFactory
from .factories_reception import SessionFactory, VisitFactory

ROLES = tuple(Role)
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta[^>]*name="csrf-token"[^>]*content="([^"]+)"')

SENTINEL = {
    "full_name": "Nguyễn Sentinel Tốcáo",
    "identity_no": "099888777666",
    "address": "Số 99 ngõ Bí Mật",
    "phone": "0999888777",
}
OTHER_SENTINEL = {
    "full_name": "Trần Khác Đơnvị",
    "identity_no": "088777666555",
    "address": "Số 88 phố Khác Tỉnh",
    "phone": "0988777666",
}
MISSING = 987_654  # an id no table holds


@dataclass
class Side:
    """The records of one side (the users' unit tree, or the other province)."""

    unit: object
    session: object
    visit: object
    petition: object
    case: object
    deadline: object
    letter: object
    rule: object
    user: object
    token: object
    denunciation: object = None
    den_case: object = None
    den_visit: object = None
    leader: object = None
    reported: object = None  # figures the unit reported, kept to be checked
    closed: object = None  # a period locked (its figures frozen), to be reopened

    def params(self) -> dict[str, object]:
        return {
            "case_id": self.case.id,
            "petition_id": self.petition.id,
            "session_id": self.session.id,
            "visit_id": self.visit.id,
            "rule_id": self.rule.id,
            "unit_id": self.unit.id,
            "user_id": self.user.id,
            "token_id": self.token.id,
            "deadline_id": self.deadline.id,
            "letter_id": self.letter.id,
            "attachment_id": MISSING,
            "job_id": MISSING,
            "leader_id": self.leader.id,
            "entry_id": self.reported.id,
            "closed_id": self.closed.id,
        }


@dataclass
class World:
    province: dict
    users: dict[Role, object]
    tokens: dict[Role, str]
    own: Side
    other: Side
    extra: dict = field(default_factory=dict)


def _side(unit, handler, *, sentinel: dict, denounce: bool) -> Side:
    session = SessionFactory(unit=unit, session_date=date(2026, 3, 2))
    visit = VisitFactory(session=session)
    case, petition = open_case(handler, unit)
    deadline = db.session.scalar(
        sa.select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)
    )
    letter = ApologyLetter(
        case_id=case.id, deadline_id=deadline.id, unit_id=unit.id, prepared_on=date(2026, 4, 1)
    )
    db.session.add(letter)
    rule = RuleFactory(unit=unit)
    user = factories.UserFactory(unit=unit, roles=[Role.admin])
    from complaints.api import tokens

    token, _ = tokens.create_token(None, user, name="thử", today=TODAY)
    side = Side(unit, session, visit, petition, case, deadline, letter, rule, user, token)
    side.leader = save_leader(
        None, unit, None, full_name=f"Lãnh đạo {unit.code}", title="Chủ tịch", is_head=True
    )
    kind = PetitionKind.denunciation if denounce else PetitionKind.complaint
    side.den_visit = VisitFactory(
        session=session,
        kind=kind,
        content="Tố cáo cán bộ địa chính nhận tiền" if denounce else "Khiếu nại bồi thường",
        outcome=VisitOutcome.petition_received,
        persons=[sentinel],
    )
    side.den_case, side.denunciation = open_case(
        handler,
        unit,
        kind=kind,
        senders=((sentinel["full_name"], sentinel["address"], sentinel["identity_no"]),),
    )
    side.denunciation.visit_id = side.den_visit.id
    side.reported = ReportedFigures(
        unit_id=unit.id,
        form="01-KQGQ",
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        period_label="",
        with_subunits=False,
        figures={"competent.cases": 5, "competent.resolved": 4, "competent.resolution_rate": "80"},
        source="typed",
    )
    db.session.add(side.reported)
    side.closed = ClosedReport(
        unit_id=unit.id,
        form="01-XLD",
        start=date(2026, 2, 15),
        end=date(2026, 3, 14),
        with_subunits=False,
        data={"period": "Tháng 3/2026", "figures": {}, "rows": []},
    )
    db.session.add(side.closed)
    db.session.flush()
    return side


def build_world(province) -> World:
    hp, lc, hn = province["province"], province["commune"], province["other"]
    handler_lc = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    handler_hn = factories.UserFactory(unit=hn, roles=[Role.petition_handler, Role.case_handler])
    own = _side(lc, handler_lc, sentinel=SENTINEL, denounce=True)
    other = _side(hn, handler_hn, sentinel=OTHER_SENTINEL, denounce=False)
    users = {r: factories.UserFactory(unit=hp, roles=[r]) for r in ROLES}
    secrets = {r: token_for(u) for r, u in users.items()}
    db.session.flush()
    return World(province, users, secrets, own, other)


def plant_leaks(world: World) -> dict[str, object]:
    """The records through which the sentinel denouncer once leaked (tests/test_confidentiality
    .py has one test each): a visit recorded as a complaint whose petition is a denunciation;
    a complaint whose petition was reclassified as a denunciation; a denunciation whose
    summary, case title and processing note quote the denouncer. For the crawl."""
    from complaints.petitions import operations as pops

    lc = world.own.unit
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    sender = (SENTINEL["full_name"], SENTINEL["address"], SENTINEL["identity_no"])
    visit = VisitFactory(
        session=world.own.session,
        kind=PetitionKind.complaint,
        content="Trình bày việc cán bộ thu tiền",
        outcome=VisitOutcome.petition_received,
        documents_received="Đơn (01 bản)",
        persons=[SENTINEL],
    )
    taken = pops.register_petition(
        handler,
        pops.PetitionData(
            received_date=date(2026, 3, 2),
            source="reception",
            kind="denunciation",
            field="land",
            summary="Tố cáo cán bộ thu tiền trái phép.",
            senders=[pops.SenderData(**SENTINEL)],
            unit=lc,
            visit=visit,
        ),
    )
    case, petition = open_case(handler, lc, senders=(sender,))
    pops.update_petition(
        handler,
        petition,
        pops.PetitionData(
            received_date=petition.received_date,
            source=petition.source,
            kind="denunciation",
            field=petition.field,
            summary=petition.summary,
            senders=[pops.SenderData(**SENTINEL)],
        ),
        expected_version=petition.version,
    )
    pasted_case, pasted = open_case(handler, lc, kind=PetitionKind.denunciation, senders=(sender,))
    pasted.summary = (
        f"Ông {SENTINEL['full_name'].upper()} (CCCD {SENTINEL['identity_no']}) ở "
        f"{SENTINEL['address']} tố cáo cán bộ thu tiền."
    )
    pasted.processing_note = f"Đã gọi ông {SENTINEL['full_name']} xác nhận."
    pasted_case.title = f"Tố cáo của ông {SENTINEL['full_name']}"
    pasted_case.summary = pasted.summary
    pops.refresh_search_text(pasted)
    db.session.flush()
    crossed = _cross_units(world, handler)
    return {
        **crossed,
        "visit": visit,
        "taken": taken,
        "reclassified_case": case,
        "reclassified": petition,
        "pasted_case": pasted_case,
        "pasted": pasted,
    }


def _cross_units(world: World, handler) -> dict[str, object]:
    """A denunciation across units (README "Who receives, who is competent, who verifies"):
    received at Lê Chân and transferred to Hải An, whose result quotes the denouncer; another
    received at Lê Chân and accepted in the name of the province, with a ground."""
    from complaints.petitions import operations as pops
    from complaints.petitions import transfers
    from complaints.petitions.processing import ProcessingInput, process

    lc, ha = world.own.unit, world.province["commune2"]

    def denunciation():
        return pops.register_petition(
            handler,
            pops.PetitionData(
                received_date=date(2026, 3, 2),
                source="post",
                kind="denunciation",
                field="land",
                summary="Tố cáo cán bộ địa chính phường lấn chiếm đất công.",
                senders=[pops.SenderData(**SENTINEL)],
                unit=lc,
            ),
        )

    sent = denunciation()
    process(
        handler,
        sent,
        ProcessingInput(
            eligible=True, competent=False, outcome="transfer", on=date(2026, 3, 3),
            doc_no="9/PC", target=ha,
        ),
    )  # fmt: skip
    copy = transfers.sent(sent).receiver
    ward = factories.UserFactory(unit=ha, roles=[Role.petition_handler, Role.case_handler])
    transfers.report_result(
        ward,
        copy,
        text=f"Đã làm việc với ông {SENTINEL['full_name']}, CCCD {SENTINEL['identity_no']}.",
        on=date(2026, 3, 20),
    )
    above = denunciation()
    process(
        handler,
        above,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=date(2026, 3, 4), doc_no="3",
            authority=world.province["province"],
            authority_ground=f"Tố cáo Chủ tịch phường; ông {SENTINEL['full_name']} yêu cầu",
        ),
    )  # fmt: skip
    db.session.flush()
    return {"sent": sent, "copy": copy, "above": above, "above_case": above.case}


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def csrf_token(client) -> str:
    """A CSRF token of the client's session (from the login form or any page)."""
    for url in ("/login", "/"):
        html = client.get(url, follow_redirects=True).get_data(as_text=True)
        m = CSRF_INPUT.search(html) or CSRF_META.search(html)
        if m:
            return m.group(1)
    raise AssertionError("no CSRF token found")


def login(client, user) -> None:
    token = csrf_token(client)
    resp = client.post(
        "/login",
        data={"csrf_token": token, "username": user.username, "password": factories.PASSWORD},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    if has_app_context():
        g.__dict__.clear()


def rules(app):
    """(rule, method) for every route and method of the URL map but HEAD/OPTIONS/static."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return sorted(out, key=lambda rm: (rm[1] != "GET", rm[0].rule, rm[1]))
