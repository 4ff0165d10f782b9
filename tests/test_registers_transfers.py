"""The three roles and the hand-off inside the tree in the petition register: a petition the Ban
TCD transferred to a ward (its copy in the ward's register, the result reported back) and a
case the city resolves though the Ban TCD received it; exported, imported into an empty
database and exported again, the file is the same. The dry run refuses a transfer to a unit
it cannot know and a copy whose sender is nowhere."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from complaints.core.access import Role
from complaints.petitions import transfers
from complaints.petitions.models import Petition, PetitionSource, PetitionTransfer
from complaints.petitions.processing import ProcessingInput, process
from complaints.registers.models import ImportStatus
from complaints.units.models import Unit, UnitLevel
from complaints.units.operations import create_unit

from . import factories
from .test_registers_petitions import (  # noqa: F401  pinned_today: every test runs on 30/06/2026
    _process,
    _register,
    invoke,
    issues_of,
    pinned_today,
    row,
    run_import,
    write_csv,
)

D = date
TRANSFERRED = PetitionSource.transferred.label


def _city():
    tp = create_unit(None, code="TP", name="UBND thành phố", level=UnitLevel.province, parent=None)
    ttr = create_unit(
        None, code="TPTTR", name="Thanh tra thành phố", level=UnitLevel.department, parent=tp,
        advises=tp,
    )  # fmt: skip
    btcd = create_unit(
        None, code="TPBTCD", name="Ban Tiếp công dân thành phố", level=UnitLevel.department,
        parent=tp, advises=tp, processing_unit=ttr,
    )  # fmt: skip
    lc = create_unit(
        None, code="TPLC", name="UBND phường Lê Chân", level=UnitLevel.commune, parent=tp
    )
    other = create_unit(
        None, code="HNX", name="UBND thành phố Hà Nội", level=UnitLevel.province, parent=None
    )
    handler = factories.UserFactory(unit=ttr, roles=[Role.petition_handler, Role.leader])
    ward = factories.UserFactory(unit=lc, roles=[Role.petition_handler])
    return {"tp": tp, "btcd": btcd, "lc": lc, "other": other, "handler": handler, "ward": ward}


def _history(db):
    """The Ban TCD transfers a petition to the ward, which reports its result; the city
    accepts a petition the Ban TCD received; the city registers one of its own."""
    city = _city()
    handler, ward = city["handler"], city["ward"]
    sender = _register(None, city["btcd"], D(2026, 4, 1))
    process(
        handler,
        sender,
        ProcessingInput(
            eligible=True, competent=False, outcome="transfer", on=D(2026, 4, 6),
            doc_no="15/PC-TTr", target=city["lc"],
        ),
    )  # fmt: skip
    copy = transfers.sent(sender).receiver
    transfers.report_result(
        ward, copy, text="Đã giải quyết: cấp giấy chứng nhận cho ông An.", on=D(2026, 5, 10),
        doc_no="20/BC-UBND",
    )  # fmt: skip
    accepted = _register(None, city["btcd"], D(2026, 4, 2), summary="Khiếu nại bồi thường")
    case = _process(handler, accepted, "accept", D(2026, 4, 8), doc_no="3/TB").case
    _register(None, city["tp"], D(2026, 4, 3), summary="Kiến nghị về đường ngập")
    db.session.flush()
    assert case.unit_id == city["tp"].id  # the authority the Ban TCD advises
    return sender.register_no, copy.register_no, case.case_no


def _export(app, path):
    result = invoke(
        app, "export-register", "--from", "2026-01-01", "--to", "2026-06-30", "--unit", "TP",
        "--kind", "petitions", str(path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr


def test_a_transfer_its_result_and_the_authority_come_back_identical(app, db, tmp_path):
    sender_no, copy_no, case_no = _history(db)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _export(app, first)
    written = list(csv.reader(io.StringIO(first.read_text(encoding="utf-8-sig"))))
    lines = {r[written[0].index("Số vào sổ")]: dict(zip(written[0], r, strict=True)) for r in
             written[1:]}  # fmt: skip
    assert len(lines) == 4
    sent, copy = lines[sender_no], lines[copy_no]
    assert sent["Chuyển đến đơn vị trong hệ thống"] == "TPLC"
    assert sent["Hạn báo cáo kết quả"] == "06/05/2026"  # 30 days after the transfer
    assert sent["Ngày báo cáo kết quả"] == "10/05/2026"
    assert sent["Số văn bản báo cáo kết quả"] == "20/BC-UBND"
    assert sent["Kết quả đơn vị nhận báo cáo"].startswith("Đã giải quyết")
    assert (copy["Số đơn của đơn vị chuyển"], copy["Nguồn đơn"]) == (sender_no, TRANSFERRED)
    assert copy["Chuyển đến đơn vị trong hệ thống"] == copy["Hạn báo cáo kết quả"] == ""
    accepted = next(r for r in lines.values() if r["Mã vụ việc"] == case_no)
    assert (accepted["Mã đơn vị"], accepted["Cơ quan có thẩm quyền"]) == ("TPBTCD", "TP")

    db.session.rollback()  # an empty database: not even the units are left
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    result = invoke(app, "import-register", str(first), "--create-units")
    assert result.exit_code == 0, result.output + result.stderr
    assert "1 lượt chuyển đơn trong hệ thống" in result.output
    # Four rows, four petitions: the import registers no copy of its own.
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 4
    transfer = db.session.scalar(sa.select(PetitionTransfer))
    assert (transfer.sender.register_no, transfer.receiver.register_no) == (sender_no, copy_no)
    assert transfer.receiver.forwarded_from_id == transfer.sender_petition_id
    assert transfer.sender.transfer_unit.code == "TPLC" and transfer.unit.code == "TPLC"
    assert (transfer.sent_on, transfer.doc_no) == (D(2026, 4, 6), "15/PC-TTr")
    assert (transfer.answer_due, transfer.result_on) == (D(2026, 5, 6), D(2026, 5, 10))
    accepted_case = db.session.scalar(
        sa.select(Petition).where(Petition.register_no == accepted["Số vào sổ"])
    ).case
    assert (accepted_case.case_no, accepted_case.unit.code) == (case_no, "TP")
    _export(app, second)
    assert first.read_bytes() == second.read_bytes()


def test_an_unanswered_transfer_imported_shows_on_the_senders_overdue_list(db, tmp_path):
    city = _city()
    db.session.flush()
    path = write_csv(
        tmp_path / "so.csv",
        [
            # The copy comes first: it is linked once every row is in.
            row(unit_code="TPLC", register_no="4", received_date="07/04/2026",
                source=TRANSFERRED, source_body="Ban Tiếp công dân thành phố",
                source_doc_no="15/PC", forwarded_from="TPBTCD-2026-00001"),
            row(unit_code="TPBTCD", register_no="1", received_date="01/04/2026",
                outcome="Chuyển đơn", outcome_body="UBND phường Lê Chân", outcome_doc_no="15/PC",
                outcome_date="06/04/2026", transfer_unit="TPLC"),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    assert job.created_counts == {"petitions": 2, "transfers": 1}
    transfer = db.session.scalar(sa.select(PetitionTransfer))
    assert transfer.answer_due == transfers.default_answer_due(D(2026, 4, 6))
    overdue = db.session.scalars(transfers.overdue_query(city["handler"], D(2026, 6, 30))).all()
    assert overdue == [transfer]


def test_a_sender_whose_copy_is_elsewhere_keeps_only_its_unit(db, tmp_path):
    _city()
    db.session.flush()
    path = write_csv(
        tmp_path / "so.csv",
        [row(unit_code="TPBTCD", register_no="1", received_date="01/04/2026",
             outcome="Chuyển đơn", outcome_body="UBND phường Lê Chân", outcome_doc_no="15/PC",
             outcome_date="06/04/2026", transfer_unit="TPLC")],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    sender = db.session.scalar(sa.select(Petition))
    assert sender.transfer_unit.code == "TPLC"
    assert db.session.scalar(sa.select(sa.func.count(PetitionTransfer.id))) == 0


def test_the_dry_run_refuses_bad_transfer_units_and_unknown_senders(db, tmp_path):
    _city()
    db.session.flush()
    transferred = dict(
        unit_code="TPBTCD", received_date="01/04/2026", outcome="Chuyển đơn",
        outcome_body="Cơ quan nhận", outcome_doc_no="15/PC", outcome_date="06/04/2026",
    )  # fmt: skip
    path = write_csv(
        tmp_path / "so.csv",
        [
            row(register_no="1", transfer_unit="KHONGCO", **transferred),
            row(register_no="2", transfer_unit="HNX", **transferred),
            row(register_no="3", transfer_unit="TPBTCD", **transferred),
            row(register_no="4", transfer_unit="TPLC", transfer_result_on="10/05/2026",
                transfer_result="Đã giải quyết", **transferred),
            row(unit_code="TPLC", register_no="1", received_date="07/04/2026",
                source=TRANSFERRED, source_body="Ban TCD", source_doc_no="15/PC",
                forwarded_from="TPBTCD-2026-00099"),
            row(unit_code="TPLC", register_no="2", received_date="07/04/2026",
                forwarded_from="TPBTCD-2026-00001"),
            row(unit_code="TPLC", register_no="3", received_date="07/04/2026",
                transfer_unit="TPBTCD"),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (
            7,
            "Số đơn của đơn vị chuyển",
            f"Chỉ ghi số đơn của đơn vị chuyển khi nguồn đơn là “{TRANSFERRED}”.",
        ),
        (
            8,
            "Chuyển đến đơn vị trong hệ thống",
            "Chỉ ghi việc chuyển đơn cho đơn đã chuyển hoặc đôn đốc.",
        ),
        (
            6,
            "Số đơn của đơn vị chuyển",
            "Không tìm thấy đơn TPBTCD-2026-00099 của đơn vị chuyển trong hệ thống hay trong "
            "tệp: nhập sổ của đơn vị chuyển trước (hoặc cùng tệp), hoặc để trống ô này.",
        ),
        (
            2,
            "Chuyển đến đơn vị trong hệ thống",
            "Đơn vị nhận “KHONGCO” chưa có trong danh sách đơn vị.",
        ),
        (
            3,
            "Chuyển đến đơn vị trong hệ thống",
            "UBND thành phố Hà Nội không thuộc hệ thống đơn vị của Ban Tiếp công dân thành phố: "
            "ghi tên cơ quan ngoài hệ thống ở cột “Cơ quan nhận (chuyển, hướng dẫn, đôn đốc)”.",
        ),
        (
            4,
            "Chuyển đến đơn vị trong hệ thống",
            "Không thể chuyển đơn cho chính đơn vị vào sổ (TPBTCD).",
        ),
        (
            5,
            "Ngày báo cáo kết quả",
            "Hạn và kết quả báo cáo được giữ cùng đơn ở đơn vị nhận, nhưng tệp không có dòng nào "
            "ghi “Số đơn của đơn vị chuyển” là TPBTCD-2026-00004: nhập cùng sổ của đơn vị nhận, "
            "hoặc để trống các ô hạn và kết quả báo cáo.",
        ),
    ]
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_a_copy_must_name_a_sender_transferred_to_its_unit(db, tmp_path):
    _city()
    db.session.flush()
    path = write_csv(
        tmp_path / "so.csv",
        [
            # Transferred to a body outside the system: no unit of the tree received it.
            row(unit_code="TPBTCD", register_no="1", received_date="01/04/2026",
                outcome="Chuyển đơn", outcome_body="Tòa án", outcome_doc_no="15/PC",
                outcome_date="06/04/2026"),
            row(unit_code="TPLC", register_no="1", received_date="07/04/2026",
                source=TRANSFERRED, source_body="Ban TCD", source_doc_no="15/PC",
                forwarded_from="TPBTCD-2026-00001"),
        ],
    )  # fmt: skip
    job = run_import(path)
    assert job.status == ImportStatus.checked
    assert issues_of(job) == [
        (
            3,
            "Số đơn của đơn vị chuyển",
            "Đơn TPBTCD-2026-00001 (dòng 2) không ghi chuyển đến đơn vị TPLC (cột “Chuyển đến "
            "đơn vị trong hệ thống”).",
        )
    ]
