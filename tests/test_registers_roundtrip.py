"""A case older than the exported period: its first petition is in last year's register, a later
one in this year's file. The column "Ngày nhận vụ việc" carries the case's date of receipt, so
the app reads back what it wrote; without it the old typo check (accepted before every petition
the file knows) stays."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from complaints.cases import merging
from complaints.cases.models import Case, CaseState
from complaints.core.access import Role
from complaints.petitions.models import Petition
from complaints.registers.layout import PETITION_COLUMNS
from complaints.registers.models import ImportStatus

from . import factories
from .test_registers_petitions import (  # noqa: F401  pinned_today: every test runs on 30/06/2026
    HEADERS,
    _process,
    _register,
    _step,
    invoke,
    issues_of,
    pinned_today,
    row,
    run_import,
    write_csv,
)

D = date
CASE_RECEIVED = "Ngày nhận vụ việc"
ACCEPTED = dict(outcome="Thụ lý", outcome_date="14/01/2026", outcome_doc_no="1/TB")


def test_the_case_date_of_receipt_comes_right_before_the_acceptance_date():
    fields = [c.field for c in PETITION_COLUMNS]
    assert fields.index("case_received_on") + 1 == fields.index("accepted_on")
    column = PETITION_COLUMNS[fields.index("case_received_on")]
    assert (column.header, column.required) == (CASE_RECEIVED, False)


def _case_from_last_year(units):
    """A complaint received 10/12/2025, accepted 15/12/2025 and being verified; a second
    petition received 12/01/2026 joins it."""
    hp = units["province"]
    handler = factories.UserFactory(unit=hp, roles=[Role.petition_handler, Role.leader])
    first = _register(handler, hp, D(2025, 12, 10))
    case = _process(handler, first, "accept", D(2025, 12, 15)).case
    _step(handler, case, "start_verification", D(2025, 12, 20))
    second = _register(handler, hp, D(2026, 1, 12), summary="Khiếu nại tiếp, bổ sung tài liệu")
    _process(handler, second, "accept", D(2026, 1, 14), join_case=case)
    return handler, case


def _export(app, path):
    result = invoke(
        app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30", "--unit", "HP",
        "--kind", "petitions", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr


def test_a_case_opened_last_year_comes_back_from_this_years_register(app, db, province, tmp_path):
    _, case = _case_from_last_year(province)
    case_no = case.case_no
    assert case_no == "VV-HP-2025-00001"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _export(app, first)
    written = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8-sig"))))
    assert len(written) == 2  # the header and the petition of 2026
    line = dict(zip(written[0], written[1], strict=True))
    assert (line["Số vào sổ"], line["Mã vụ việc"]) == ("HP-2026-00001", case_no)
    assert (line[CASE_RECEIVED], line["Ngày thụ lý"]) == ("10/12/2025", "15/12/2025")
    db.session.rollback()  # an empty database: not even the units are left
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    result = invoke(app, "import-register", str(first), "--create-units")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Đã nhập" in result.output
    case = db.session.scalar(sa.select(Case).where(Case.case_no == case_no))
    assert (case.received_on, case.accepted_on) == (D(2025, 12, 10), D(2025, 12, 15))
    assert case.state == CaseState.verifying
    assert [p.register_no for p in db.session.scalars(sa.select(Petition))] == ["HP-2026-00001"]
    _export(app, second)
    assert first.read_bytes() == second.read_bytes()


def _without_case_received(rows):
    index = HEADERS.index(CASE_RECEIVED)
    headers = HEADERS[:index] + HEADERS[index + 1 :]
    return headers, [r[:index] + r[index + 1 :] for r in rows]


def test_without_the_column_an_acceptance_before_every_petition_is_a_typo(db, province, tmp_path):
    headers, rows = _without_case_received(
        [
            row(register_no="1", case_key="K1", accepted_on="20/12/2025", **ACCEPTED),
            row(register_no="2", received_date="06/01/2026", case_key="K1",
                accepted_on="20/12/2025", **ACCEPTED),
            row(register_no="3", accepted_on="20/12/2025", **ACCEPTED),
        ]
    )  # fmt: skip
    job = run_import(write_csv(tmp_path / "so.csv", rows, headers=headers))
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (4, "Ngày thụ lý", "Ngày thụ lý trước ngày nhận đơn (05/01/2026)."),
        (
            2,
            "Ngày thụ lý",
            "Vụ việc K1: ngày thụ lý 20/12/2025 trước ngày nhận đơn sớm nhất của vụ việc "
            "(05/01/2026). Nếu vụ việc có đơn nhận trước đó (không có trong tệp), ghi ngày nhận "
            "đơn đầu tiên vào cột “Ngày nhận vụ việc”.",
        ),
    ]
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_the_column_must_fit_the_acceptance_and_the_petitions(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [
            # Accepted before the case was received: a typo.
            row(register_no="1", case_key="K1", case_received_on="01/12/2025",
                accepted_on="20/11/2025", **ACCEPTED),
            # A petition of the case received before the case itself.
            row(register_no="2", case_key="K2", case_received_on="10/01/2026",
                accepted_on="12/01/2026", **ACCEPTED),
            # Two petitions of one case giving two dates of receipt.
            row(register_no="3", case_key="K3", case_received_on="01/12/2025",
                accepted_on="05/12/2025", **ACCEPTED),
            row(register_no="4", case_key="K3", case_received_on="02/12/2025",
                accepted_on="05/12/2025", **ACCEPTED),
            # Without a case key too.
            row(register_no="5", case_received_on="01/12/2025", accepted_on="30/11/2025",
                **ACCEPTED),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.checked
    found = issues_of(job)
    assert [(line, column) for line, column, _ in found] == [
        (2, "Ngày thụ lý"),
        (3, CASE_RECEIVED),
        (6, "Ngày thụ lý"),
        (5, "Mã vụ việc"),
    ]
    assert found[0][2] == "Ngày thụ lý 20/11/2025 trước ngày nhận vụ việc (01/12/2025)."
    assert found[1][2] == (
        "Ngày nhận vụ việc 10/01/2026 sau ngày nhận đơn của dòng này (05/01/2026): ngày nhận vụ "
        "việc là ngày nhận đơn đầu tiên của vụ việc."
    )
    assert "ngày nhận vụ việc" in found[3][2] and "khác với dòng 4" in found[3][2]
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_the_column_gives_the_case_its_date_of_receipt(db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1", received_date="08/01/2026", case_key="K1",
                case_received_on="01/12/2025", accepted_on="05/12/2025", **ACCEPTED),
            row(register_no="2", case_key="K1", case_received_on="01/12/2025",
                accepted_on="05/12/2025", **ACCEPTED),
            row(register_no="3", case_received_on="03/01/2026", accepted_on="04/01/2026",
                **ACCEPTED),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    cases = db.session.scalars(sa.select(Case).order_by(Case.id)).all()
    dates = [(c.case_no, c.received_on, c.accepted_on) for c in cases]
    assert dates == [
        ("VV-HP-2025-00001", D(2025, 12, 1), D(2025, 12, 5)),  # numbered in its year
        ("VV-HP-2026-00001", D(2026, 1, 3), D(2026, 1, 4)),
    ]
    assert [e.action for e in cases[0].events][:2] == ["open", "accept"]
    assert cases[0].events[0].occurred_on == D(2025, 12, 1)


def test_a_case_already_in_the_system_takes_the_files_petitions(db, province, tmp_path):
    _, case = _case_from_last_year(province)
    db.session.flush()
    # An old register without the column: the case's first petition is not in it.
    headers, rows = _without_case_received(
        [
            row(register_no="7", received_date="02/02/2026", case_key=case.case_no,
                accepted_on="15/12/2025", case_state="Đang xác minh", outcome="Thụ lý",
                outcome_date="03/02/2026", outcome_doc_no="2/TB"),
        ]
    )  # fmt: skip
    job = run_import(write_csv(tmp_path / "so.csv", rows, headers=headers))
    assert job.status == ImportStatus.done, issues_of(job)
    assert job.created_counts == {"petitions": 1}
    joined = db.session.scalar(sa.select(Petition).where(Petition.register_no == "HP-2026-00007"))
    assert joined.case_id == case.id
    assert (case.received_on, case.accepted_on) == (D(2025, 12, 10), D(2025, 12, 15))


def test_a_merged_case_whose_petitions_predate_it_comes_back(app, db, province, tmp_path):
    """A merge moves petitions into a case opened later: the column then gives the day its
    first petition (now) was received, so every row fits it and the file reads back."""
    hp = province["province"]
    handler = factories.UserFactory(unit=hp, roles=[Role.petition_handler, Role.leader])
    early = _register(handler, hp, D(2026, 3, 1), summary="Khiếu nại bồi thường lần đầu")
    source = _process(handler, early, "accept", D(2026, 3, 3)).case
    late = _register(handler, hp, D(2026, 3, 10), summary="Khiếu nại bồi thường")
    target = _process(handler, late, "accept", D(2026, 3, 12), doc_no="2/TB").case
    merging.merge(handler, target, [source], D(2026, 3, 15))
    db.session.flush()
    db.session.expire_all()  # the petitions' case, as the next request loads it
    assert target.received_on == D(2026, 3, 10)  # the merge keeps the target's date
    case_no = target.case_no
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _export(app, first)
    written = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8-sig"))))
    assert [r[written[0].index(CASE_RECEIVED)] for r in written[1:]] == ["01/03/2026"] * 2
    db.session.rollback()
    result = invoke(app, "import-register", str(first), "--create-units")
    assert result.exit_code == 0, result.output + result.stderr
    case = db.session.scalar(sa.select(Case).where(Case.case_no == case_no))
    assert (case.received_on, case.accepted_on) == (D(2026, 3, 1), D(2026, 3, 12))
    _export(app, second)
    assert first.read_bytes() == second.read_bytes()
