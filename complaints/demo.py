"""`seed-demo`: a plausible province so that a newcomer sees a living app.

Hải Phòng with its reception office, inspectorate, departments and wards (and one district
abolished on 01/7/2025, kept for history), one user per role, and about four months of
reception sessions, visits, petitions and cases carried through the real operations, so
every number register, deadline and audit event is what the app itself would have written.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from complaints.auth.operations import create_user
from complaints.cases import operations as case_ops
from complaints.cases.models import CaseState
from complaints.core import clock
from complaints.core.access import Role
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import PetitionSource
from complaints.petitions.processing import ProcessingError, ProcessingInput, process
from complaints.reception import operations as reception_ops
from complaints.reception.models import HostMode, SessionKind, SessionStatus, VisitOutcome
from complaints.units.models import UnitLevel
from complaints.units.operations import create_unit, save_leader

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Tuấn",
    "Yến",
]
STREETS = ["Lê Lợi", "Trần Phú", "Lạch Tray", "Tô Hiệu", "Hai Bà Trưng", "Văn Cao", "Lê Hồng Phong"]
CONTENTS = {
    PetitionKind.complaint: [
        (
            Field.land,
            "Khiếu nại Quyết định thu hồi đất số {n}/QĐ-UBND, đề nghị xem xét lại "
            "đơn giá bồi thường, hỗ trợ khi giải phóng mặt bằng dự án mở rộng đường {s}",
        ),
        (Field.land, "Khiếu nại việc không được bố trí tái định cư khi thu hồi đất ở tại {s}"),
        (Field.policy, "Khiếu nại việc cắt trợ cấp người có công với cách mạng của gia đình"),
        (Field.housing, "Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng nhà ở"),
    ],
    PetitionKind.denunciation: [
        (
            Field.corruption,
            "Tố cáo cán bộ địa chính phường nhận tiền khi làm thủ tục cấp giấy "
            "chứng nhận quyền sử dụng đất",
        ),
        (
            Field.land,
            "Tố cáo chủ tịch UBND phường buông lỏng quản lý để lấn chiếm đất công "
            "tại khu vực đường {s}",
        ),
        (Field.civil_service, "Tố cáo cán bộ tiếp nhận hồ sơ gây phiền hà, sách nhiễu"),
    ],
    PetitionKind.feedback: [
        (Field.environment, "Phản ánh cơ sở sản xuất gây ô nhiễm tiếng ồn, khói bụi tại đường {s}"),
        (Field.other, "Kiến nghị sửa chữa tuyến đường {s} xuống cấp, ngập úng khi mưa"),
        (Field.housing, "Kiến nghị cấp phép sửa chữa nhà ở cũ tại khu tập thể"),
    ],
}
DEMO_USERS = [
    (
        "tiepdan",
        "Phạm Thị Hồng",
        "Chuyên viên Ban Tiếp công dân",
        "HPBTCD",
        [Role.reception_officer],
    ),
    ("xulydon", "Nguyễn Văn Hậu", "Thanh tra viên", "HPTTR", [Role.petition_handler]),
    ("xacminh", "Lê Minh Tuấn", "Thanh tra viên chính", "HPTTR", [Role.case_handler]),
    ("lanhdao", "Trần Quang Vinh", "Chủ tịch UBND thành phố", "HP", [Role.leader]),
    ("tonghop", "Đỗ Thu Trang", "Chuyên viên tổng hợp", "HP", [Role.report_maker]),
    ("quantri", "Vũ Đức Anh", "Quản trị hệ thống", "HP", [Role.admin]),
    (
        "tiepdan.lechan",
        "Bùi Thị Lan",
        "Công chức Văn phòng UBND phường",
        "HPLC",
        [Role.reception_officer, Role.petition_handler],
    ),
]

# Each authority's leaders, who host its periodic receptions and sign its acts.
LEADERS = [
    ("HP", "Trần Quang Vinh", "Chủ tịch", True),
    ("HP", "Nguyễn Đức Thọ", "Phó Chủ tịch", False),
    ("HPTTR", "Phạm Văn Lâm", "Chánh Thanh tra", True),
    ("HPTTR", "Đinh Thị Hạnh", "Phó Chánh Thanh tra", False),
    ("HPBTCD", "Hoàng Văn Quý", "Trưởng Ban", True),
    ("HPSNNMT", "Lê Văn Thành", "Giám đốc", True),
    ("HPSXD", "Vũ Ngọc Sơn", "Giám đốc", True),
    ("HPLC", "Ngô Văn Khánh", "Chủ tịch", True),
    ("HPLC", "Đào Thị Minh", "Phó Chủ tịch", False),
    ("HPNQ", "Phạm Quốc Huy", "Chủ tịch", True),
    ("HPHA", "Trịnh Văn Toàn", "Chủ tịch", True),
    ("HPTN", "Cao Thị Ngân", "Chủ tịch", True),
]


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    address = f"Số {rng.randint(1, 200)} đường {rng.choice(STREETS)}, TP Hải Phòng"
    identity = f"031{rng.randint(0, 3)}{rng.randint(50, 99)}{rng.randint(0, 999999):06d}"
    phone = f"09{rng.randint(10_000_000, 99_999_999)}"
    return name, address, identity, phone


def _units():
    """The city, the bodies that receive and advise for it, its departments and wards; each
    with its role (README "Who receives, who is competent, who verifies") and its leaders."""
    hp = create_unit(
        None,
        code="HP",
        name="UBND thành phố Hải Phòng",
        level=UnitLevel.province,
        parent=None,
        active_from=date(1955, 5, 13),
        doc_symbol="UBND",
    )
    units = {"HP": hp}
    for code, name, level, symbol in (
        ("HPTTR", "Thanh tra thành phố", UnitLevel.department, "TTr"),
        ("HPBTCD", "Ban Tiếp công dân thành phố", UnitLevel.department, "BTCD"),
        ("HPSNNMT", "Sở Nông nghiệp và Môi trường", UnitLevel.department, "SNNMT"),
        ("HPSXD", "Sở Xây dựng", UnitLevel.department, "SXD"),
        ("HPLC", "UBND phường Lê Chân", UnitLevel.commune, "UBND"),
        ("HPNQ", "UBND phường Ngô Quyền", UnitLevel.commune, "UBND"),
        ("HPHA", "UBND phường Hải An", UnitLevel.commune, "UBND"),
        ("HPTN", "UBND xã Thủy Nguyên", UnitLevel.commune, "UBND"),
    ):
        units[code] = create_unit(
            None,
            code=code,
            name=name,
            level=level,
            parent=hp,
            active_from=date(2025, 7, 1) if level == UnitLevel.commune else date(1990, 1, 1),
            # the Ban TCD receives and the Thanh tra advises for the city's committee; the Ban
            # TCD's petitions are processed by the Thanh tra's handlers
            advises=hp if code in ("HPTTR", "HPBTCD") else None,
            processing_unit=units["HPTTR"] if code == "HPBTCD" else None,
            doc_symbol=symbol,
        )
    units["HPQLC"] = create_unit(
        None,
        code="HPQLC",
        name="UBND quận Lê Chân (đến 30/6/2025)",
        level=UnitLevel.district,
        parent=hp,
        active_from=date(1980, 1, 1),
        active_to=date(2025, 6, 30),
    )
    for code, full_name, title, is_head in LEADERS:
        save_leader(None, units[code], None, full_name=full_name, title=title, is_head=is_head)
    return units


def seed_demo(seed: int = 2026, today: date | None = None, months: int = 4) -> str:
    """Build the demo province; returns a one-line summary of what was created."""
    from complaints.config import DEMO_PASSWORD

    rng = random.Random(seed)
    today = today or clock.today()
    units = _units()
    users = {}
    for username, full_name, title, code, roles in DEMO_USERS:
        users[username] = create_user(
            None,
            username=username,
            full_name=full_name,
            unit=units[code],
            roles=roles,
            password=DEMO_PASSWORD,
            title=title,
            demo_password=True,  # published in the README; exempt from the policy
        )
    handler = users["xulydon"]
    start = today - timedelta(days=30 * months)
    counts = {"sessions": 0, "visits": 0, "petitions": 0, "cases": 0}
    day = start
    while day < today:
        if day.weekday() < 5:
            _reception_day(rng, day, units, users, counts, today)
        day += timedelta(days=1)
    _petitions_by_post(rng, start, today, units, handler, counts)
    _process_and_resolve(rng, today, units, users, counts)
    db.session.flush()
    return (
        f"Đã nạp dữ liệu mẫu: {len(units)} đơn vị, {len(users)} người dùng, "
        f"{counts['sessions']} buổi tiếp, {counts['visits']} lượt tiếp, "
        f"{counts['petitions']} đơn, {counts['cases']} vụ việc. Mật khẩu: {DEMO_PASSWORD}"
    )


def _reception_day(rng, day, units, users, counts, today):
    officer, ward = users["tiepdan"], users["tiepdan.lechan"]
    sessions = [
        (
            officer,
            units["HPBTCD"],
            SessionKind.regular,
            None,
            None,
            officer.full_name,
            "Chuyên viên Ban Tiếp công dân",
        )
    ]
    last_tuesday = day.weekday() == 1 and (day + timedelta(days=7)).month != day.month
    if last_tuesday:
        # The chair receives on the Tuesday of the last week of each month; the Ban TCD's
        # officer records it under the city, which it receives for (a deputy now and then).
        chair = units["HP"].head()
        deputy = next(x for x in units["HP"].leaders if not x.is_head)
        by_deputy = rng.random() < 0.25
        sessions.append(
            (
                officer,
                units["HP"],
                SessionKind.periodic,
                HostMode.delegated if by_deputy else HostMode.in_person,
                deputy if by_deputy else chair,
                "",
                "",
            )
        )
    if day.weekday() == 3 and rng.random() < 0.5:
        sessions.append(
            (
                ward,
                units["HPLC"],
                SessionKind.periodic,
                HostMode.in_person,
                units["HPLC"].head(),
                "",
                "",
            )
        )
    for actor, unit, kind, mode, leader, host, title in sessions:
        session = reception_ops.create_session(
            actor,
            reception_ops.SessionData(
                unit=unit,
                kind=kind,
                session_date=day,
                place=f"Trụ sở tiếp công dân {unit.name}",
                host_name=host,
                host_title=title,
                host_mode=mode,
                host_leader=leader,
                status=SessionStatus.held,
                published_on=day - timedelta(days=10) if mode else None,
            ),
        )
        counts["sessions"] += 1
        for _ in range(rng.randint(1, 4 if kind == SessionKind.regular else 6)):
            _visit(rng, session, actor, counts, today)


def _visit(rng, session, actor, counts, today):
    kind = rng.choices(list(PetitionKind), weights=[5, 2, 3])[0]
    field, template = rng.choice(CONTENTS[kind])
    content = template.format(n=rng.randint(100, 999), s=rng.choice(STREETS))
    delegation = rng.random() < 0.06
    people = rng.randint(5, 14) if delegation else rng.choice([1, 1, 1, 2])
    reps = min(2 if people <= 10 else 5, people) if delegation else people
    persons = [
        reception_ops.PersonData(*_person(rng), is_representative=delegation)
        for _ in range(min(reps, 3))
    ]
    outcome = rng.choices(
        [VisitOutcome.petition_received, VisitOutcome.guided, VisitOutcome.answered],
        weights=[5, 3, 2],
    )[0]
    visit = reception_ops.create_visit(
        actor,
        session,
        reception_ops.VisitData(
            kind=kind,
            content=content,
            outcome=outcome,
            persons=persons,
            people_count=people,
            is_delegation=delegation,
            is_repeat=rng.random() < 0.2,
            outcome_body="Tòa án nhân dân thành phố" if outcome == VisitOutcome.guided else "",
            documents_received="Đơn, bản sao quyết định"
            if outcome == VisitOutcome.petition_received
            else "",
        ),
    )
    counts["visits"] += 1
    if outcome == VisitOutcome.petition_received:
        senders = [
            petition_ops.SenderData(p.full_name, p.address, p.identity_no, p.phone)
            for p in persons[:1]
        ]
        # The petitions go in the register of the unit that received them: the Ban TCD's for
        # the chairman's sessions it records under the city.
        petition_ops.register_petition(
            actor,
            petition_ops.PetitionData(
                received_date=session.session_date,
                source=PetitionSource.reception,
                kind=kind,
                field=field,
                summary=content,
                signatory_count=max(1, len(senders)),
                senders=senders,
                unit=session.receiving_unit,
                visit=visit,
            ),
            today=today,
        )
        counts["petitions"] += 1


def _petitions_by_post(rng, start, today, units, handler, counts):
    targets = [units["HP"], units["HPTTR"], units["HPLC"], units["HPNQ"], units["HPHA"]]
    for _ in range(120):
        day = start + timedelta(days=rng.randint(0, (today - start).days))
        kind = rng.choices(list(PetitionKind), weights=[5, 2, 3])[0]
        field, template = rng.choice(CONTENTS[kind])
        source = rng.choice(
            [
                PetitionSource.post,
                PetitionSource.post,
                PetitionSource.online,
                PetitionSource.deputy,
                PetitionSource.press,
                PetitionSource.mailbox,
            ]
        )
        name, address, identity, phone = _person(rng)
        forwarded = source in (PetitionSource.deputy, PetitionSource.press)
        petition_ops.register_petition(
            None,
            petition_ops.PetitionData(
                received_date=day,
                source=source,
                kind=kind,
                field=field,
                summary=template.format(n=rng.randint(100, 999), s=rng.choice(STREETS)),
                senders=[petition_ops.SenderData(name, address, identity, phone)],
                source_body="Đoàn ĐBQH thành phố"
                if source == PetitionSource.deputy
                else ("Báo Hải Phòng" if forwarded else ""),
                source_doc_no=f"{rng.randint(10, 300)}/CV" if forwarded else "",
                unit=rng.choice(targets),
            ),
            today=today,
        )
        counts["petitions"] += 1


def _process_and_resolve(rng, today, units, users, counts):
    from complaints.petitions.models import Petition, PetitionStatus

    verifier, leader = users["xacminh"], users["lanhdao"]
    # who processes a petition follows its receiving unit (units/roles.py): the Thanh tra's
    # handler for the Ban TCD and the Thanh tra, the ward's officer for the ward, else the leader
    processors = [users["xulydon"], users["tiepdan.lechan"], leader]

    petitions = (
        db.session.query(Petition)
        .filter(Petition.status == PetitionStatus.registered)
        .order_by(Petition.received_date)
        .all()
    )
    for p in petitions:
        age = (today - p.received_date).days
        if age < 8 and rng.random() < 0.7:
            continue  # recent petitions still wait for processing
        on = min(today, p.received_date + timedelta(days=rng.randint(2, 9)))
        competent = rng.random() < 0.6
        actor = next(u for u in processors if p.can_process(u))
        if competent:
            data = ProcessingInput(
                eligible=True,
                competent=True,
                outcome="accept",
                on=on,
                doc_no=f"{rng.randint(1, 999)}/TB-{p.unit.authority.symbol}",
            )
        else:
            outcome = rng.choice(["transfer", "transfer", "guide"])
            # a ward's matter goes to the ward through the system (it lands in its register
            # and queue); a court's or the police's stays a paper transfer
            target = rng.choice([units["HPLC"], units["HPLC"], units["HPNQ"], None])
            if target is not None and p.unit.processor in (target, target.processor):
                target = None
            if p.kind == PetitionKind.complaint and outcome == "transfer" and target is None:
                outcome = "guide"  # a complaint outside competence: the sender is guided
            data = ProcessingInput(
                eligible=True,
                competent=False,
                outcome=outcome,
                on=on,
                doc_no=f"{rng.randint(1, 999)}/PC-{p.unit.processor.symbol}",
                body=rng.choice(["Công an thành phố", "Tòa án nhân dân thành phố"]),
                target=target if outcome == "transfer" else None,
            )
        try:
            process(actor, p, data)
        except ProcessingError:
            process(
                actor,
                p,
                ProcessingInput(
                    eligible=True,
                    competent=False,
                    outcome="file",
                    on=on,
                    note="Trùng nội dung đã xử lý",
                ),
            )
        if p.case_id:
            counts["cases"] += 1
            _advance(rng, p.case, today, verifier, leader, units)
    _answer_transfers(rng, today, users, counts)


def _answer_transfers(rng, today, users, counts):
    """The wards process most of what the city transferred to them and report back; the rest
    waits, some of it past the answer the city expects (the city's overdue list)."""
    from complaints.petitions import transfers
    from complaints.petitions.models import Petition, PetitionStatus

    copies = db.session.scalars(
        sa.select(Petition)
        .where(Petition.forwarded_from_id.isnot(None), Petition.status == PetitionStatus.registered)
        .order_by(Petition.received_date, Petition.id)
    ).all()
    for copy in copies:
        counts["petitions"] += 1
        ward = users["tiepdan.lechan"]
        actor = next((u for u in (ward, users["lanhdao"]) if copy.can_process(u)), None)
        on = copy.received_date + timedelta(days=rng.randint(3, 10))
        if actor is None or on >= today or rng.random() < 0.3:
            continue
        process(
            actor,
            copy,
            ProcessingInput(
                eligible=True,
                competent=True,
                outcome="accept",
                on=on,
                doc_no=f"{rng.randint(1, 99)}/TB-{copy.unit.authority.symbol}",
            ),
        )
        counts["cases"] += 1
        reported = on + timedelta(days=rng.randint(1, 20))
        if reported < today and actor is ward and rng.random() < 0.7:
            transfers.report_result(
                actor,
                copy,
                text=f"Đã thụ lý giải quyết theo vụ việc {copy.case.case_no}.",
                on=reported,
                doc_no=f"{rng.randint(1, 99)}/BC-{copy.unit.authority.symbol}",
            )


def _advance(rng, case, today, verifier, leader, units):
    """Carry a case some way along its workflow, as far as its age allows."""
    step = case_ops.StepInput
    on = case.accepted_on
    case_ops.assign(leader, case, unit=units["HPTTR"], assignee=verifier, on=on)
    if case.kind == PetitionKind.feedback:
        if (today - on).days > 10 and rng.random() < 0.7:
            case_ops.perform(
                verifier,
                case,
                "answer",
                step(on=on + timedelta(days=rng.randint(3, 10)), doc_no="TL", note="Đã trả lời"),
            )
        return
    plan = ["start_verification", "decide", "send"]
    for i, action in enumerate(plan):
        nxt = on + timedelta(days=rng.randint(3, 24))
        if nxt >= today or rng.random() < 0.25 * i:
            return
        on = nxt
        if action == "decide":
            case_ops.perform(
                verifier,
                case,
                action,
                step(
                    on=on,
                    doc_no=f"{rng.randint(1, 500)}/QĐ-UBND",
                    outcome=rng.choice(["upheld", "partly_upheld", "rejected", "rejected"]),
                    note="Kết quả xác minh",
                ),
            )
        else:
            case_ops.perform(verifier, case, action, step(on=on))
    if case.state == CaseState.sent and case.kind == PetitionKind.denunciation:
        case_ops.perform(verifier, case, "publish", step(on=min(today, on + timedelta(days=3))))
