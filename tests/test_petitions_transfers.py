"""Hand-off inside the system (petitions/transfers.py): a transfer to a unit of the tree lands
in its register and queue; the sender follows its state and outcome, urges it, sees it late;
the receiver reports back; every bad input is refused with nothing written; a denouncer stays
protected in the receiver's register."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core import audit, confidentiality
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.errors import OperationError
from complaints.core.vocab import PetitionKind
from complaints.extensions import db as _db
from complaints.petitions import pending, transfers
from complaints.petitions.models import (
    Petition,
    PetitionSource,
    PetitionStatus,
    PetitionTransfer,
    ProcessingOutcome,
    TransferUrging,
)
from complaints.petitions.operations import PetitionData, SenderData, register_petition
from complaints.petitions.processing import ProcessingInput, process
from complaints.units.models import UnitLevel
from complaints.units.operations import create_unit

from . import factories
from .conftest import WebUser

D = date
TODAY = D(2026, 4, 10)


@pytest.fixture(autouse=True)
def fixed_today(set_today):
    set_today(TODAY)


@pytest.fixture()
def tree(db):
    """A city: its committee, the Thanh tra, the Ban TCD (processed by the Thanh tra), two
    wards (one dissolved); and another province."""
    hp = create_unit(None, code="TP", name="UBND thành phố", level=UnitLevel.province, parent=None)
    ttr = create_unit(
        None,
        code="TPTTR",
        name="Thanh tra thành phố",
        level=UnitLevel.department,
        parent=hp,
        advises=hp,
    )
    btcd = create_unit(
        None,
        code="TPBTCD",
        name="Ban Tiếp công dân thành phố",
        level=UnitLevel.department,
        parent=hp,
        advises=hp,
        processing_unit=ttr,
    )
    lc = create_unit(
        None, code="TPLC", name="UBND phường Lê Chân", level=UnitLevel.commune, parent=hp
    )
    old = create_unit(
        None,
        code="TPCU",
        name="UBND phường Cũ",
        level=UnitLevel.commune,
        parent=hp,
        active_from=D(2020, 1, 1),
        active_to=D(2025, 6, 30),
    )
    other = create_unit(
        None, code="HNX", name="UBND thành phố Hà Nội", level=UnitLevel.province, parent=None
    )
    handler = factories.UserFactory(unit=ttr, roles=[Role.petition_handler])
    ward = factories.UserFactory(unit=lc, roles=[Role.petition_handler])
    db.session.flush()
    return {
        "city": hp, "ttr": ttr, "btcd": btcd, "lc": lc, "old": old, "other": other,
        "handler": handler, "ward": ward,
    }  # fmt: skip


def register(unit, actor=None, *, kind="complaint", name="Nguyễn Văn An"):
    return register_petition(
        actor,
        PetitionData(
            received_date=D(2026, 4, 1),
            source=PetitionSource.post,
            kind=kind,
            field="land",
            summary=f"Đơn của ông {name} về việc cấp giấy chứng nhận quyền sử dụng đất tổ 5.",
            senders=[SenderData(full_name=name, address="Số 5 Lê Lợi", identity_no="031085001234")],
            unit=unit,
        ),
    )


def hand_off(actor, petition, target, *, outcome="transfer", on=D(2026, 4, 6), **kw):
    data = ProcessingInput(
        eligible=True,
        competent=False,
        outcome=outcome,
        on=on,
        doc_no=kw.pop("doc_no", "15/PC-TTr"),
        target=target,
        **kw,
    )
    return process(actor, petition, data)


def counts(db) -> dict:
    def n(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return {
        "petitions": n(Petition),
        "transfers": n(PetitionTransfer),
        "urgings": n(TransferUrging),
        "audit": n(AuditEvent),
    }


def as_user(app, user) -> WebUser:
    web = WebUser(app.test_client())
    web.login(user)
    return web


def html(resp) -> str:
    return resp.get_data(as_text=True)


# --- the transfer lands in the receiver's register and queue ---------------------------------


def test_a_transfer_lands_in_the_receivers_register_and_queue(db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"])
    t = transfers.sent(p)
    copy = t.receiver
    assert copy.unit_id == tree["lc"].id and copy.forwarded_from_id == p.id
    assert re.fullmatch(r"TPLC-2026-\d{5}", copy.register_no)
    assert copy.source == PetitionSource.transferred and copy.is_forwarded
    assert copy.source_body == "Ban Tiếp công dân thành phố" and copy.source_doc_no == "15/PC-TTr"
    assert copy.received_date == D(2026, 4, 6) and copy.status == PetitionStatus.registered
    assert (copy.kind, copy.field, copy.summary) == (p.kind, p.field, p.summary)
    assert [s.full_name for s in copy.senders] == ["Nguyễn Văn An"]
    assert "nguyen van an" in copy.search_text
    # the sender's petition: processed, the body named, the target unit kept
    assert p.outcome == ProcessingOutcome.transfer and p.transfer_unit_id == tree["lc"].id
    assert p.outcome_body == "UBND phường Lê Chân"
    assert t.answer_due == D(2026, 5, 6)  # 30 days after the transfer, a working day
    # in the ward's queue, not in the sender's
    queued = db.session.scalars(sa.select(Petition.id).where(*pending.where(tree["ward"]))).all()
    assert copy.id in queued and p.id not in queued
    kinds = db.session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert "petition.transferred" in kinds and kinds.count("petition.registered") == 2


def test_an_urging_outcome_to_a_unit_of_the_tree_lands_the_same_way(db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"], outcome="urge", answer_due=D(2026, 4, 20))
    t = transfers.sent(p)
    assert t.receiver.unit_id == tree["lc"].id and t.answer_due == D(2026, 4, 20)
    assert p.outcome == ProcessingOutcome.urge


def test_a_body_outside_the_tree_is_still_free_text(db, tree):
    p = register(tree["btcd"])
    before = counts(db)
    process(
        tree["handler"],
        p,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="transfer",
            on=D(2026, 4, 6),
            doc_no="16/PC",
            body="Tòa án nhân dân thành phố",
        ),
    )
    assert transfers.sent(p) is None and p.transfer_unit_id is None
    assert counts(db)["petitions"] == before["petitions"]


# --- the sender follows it; the receiver reports back ----------------------------------------


def test_the_sender_sees_the_state_then_the_outcome_and_the_result(app, db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    db.session.commit()
    sender = as_user(app, tree["handler"])
    page = html(sender.get(f"/petitions/{p.id}"))
    assert copy.register_no in page and "Đã vào sổ, chờ xử lý" in page
    assert f"/petitions/{copy.id}" not in page  # no link: the ward is not the sender's scope
    assert sender.get(f"/petitions/{copy.id}").status_code == 404

    # the ward processes it (accepts it) and reports back
    process(
        tree["ward"],
        copy,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=D(2026, 4, 8), doc_no="3/TB-UBND"
        ),
    )
    db.session.commit()
    ward = as_user(app, tree["ward"])
    page = html(ward.get(f"/petitions/{copy.id}"))
    assert "Đơn chuyển đến trong hệ thống" in page and p.register_no in page
    resp = ward.post_form(
        f"/petitions/{copy.id}/transfer-result",
        {
            "result_text": "Đã thụ lý, đang xác minh.",
            "result_on": "09/04/2026",
            "result_doc_no": "5/BC",
        },
        form_url=f"/petitions/{copy.id}",
    )
    assert resp.status_code == 302, html(resp)
    page = html(sender.get(f"/petitions/{p.id}"))
    assert "Thụ lý (thuộc thẩm quyền)" in page and "3/TB-UBND" in page
    assert "Đã thụ lý, đang xác minh." in page and "5/BC" in page
    assert "urge-form" not in page  # reported: nothing to urge
    db.session.expire_all()
    t = transfers.sent(p)
    assert t.result_on == D(2026, 4, 9) and t.reported_by_id == tree["ward"].id
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.kind == "petition.transfer_result")
    )


def test_only_the_receiving_unit_reports_the_result(db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    city = factories.UserFactory(unit=tree["city"], roles=[Role.petition_handler])
    for outsider in (tree["handler"], city):
        before = counts(db)
        with pytest.raises(OperationError, match="Chỉ UBND phường Lê Chân"):
            transfers.report_result(outsider, copy, text="Xong", on=D(2026, 4, 9))
        assert counts(db) == before and transfers.sent(p).result_on is None
    # a petition that was not transferred in the system has no result to report
    with pytest.raises(OperationError, match="không do đơn vị trong hệ thống chuyển đến"):
        transfers.report_result(tree["handler"], p, text="Xong", on=D(2026, 4, 9))


def test_the_result_form_refuses_another_unit_with_nothing_written(app, db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    db.session.commit()
    before = counts(db)
    sender = as_user(app, tree["handler"])
    resp = sender.post_form(
        f"/petitions/{copy.id}/transfer-result",
        {"result_text": "Xong", "result_on": "09/04/2026"},
        form_url=f"/petitions/{p.id}",
    )
    assert resp.status_code == 404  # not the sender's record
    assert counts(db) == before


# --- urging and the overdue list -------------------------------------------------------------


def test_urging_moves_the_deadline_and_a_late_answer_is_on_the_overdue_list(
    app, db, tree, set_today
):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"], answer_due=D(2026, 4, 8))
    db.session.commit()
    sender = as_user(app, tree["handler"])
    page = html(sender.get("/cases/overdue"))
    assert "Đơn đã chuyển quá hạn báo cáo kết quả" in page and p.register_no in page
    assert p.register_no in html(sender.get(f"/petitions/{p.id}"))

    resp = sender.post_form(
        f"/petitions/{p.id}/urge",
        {"urged_on": "10/04/2026", "answer_due": "20/04/2026", "doc_no": "20/ĐĐ", "note": ""},
        form_url=f"/petitions/{p.id}",
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    t = transfers.sent(p)
    assert t.answer_due == D(2026, 4, 20)
    assert [(u.urged_on, u.answer_due, u.doc_no) for u in t.urgings] == [
        (D(2026, 4, 10), D(2026, 4, 20), "20/ĐĐ")
    ]
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.kind == "petition.transfer_urged")
    )
    assert p.register_no not in html(sender.get("/cases/overdue"))
    # the ward sees the urging on its petition
    assert "20/04/2026" in html(as_user(app, tree["ward"]).get(f"/petitions/{t.receiver.id}"))
    # the new deadline passes without a result: late again
    set_today(D(2026, 4, 21))
    page = html(sender.get("/cases/overdue"))
    assert p.register_no in page and "đã đôn đốc 1 lần" in page
    # the ward's list does not show the city's transfer
    assert p.register_no not in html(as_user(app, tree["ward"]).get("/cases/overdue"))


def test_urging_refuses_bad_input_with_nothing_written(db, tree):
    p = register(tree["btcd"])
    free = register(tree["btcd"], name="Trần Thị Bình")
    process(
        tree["handler"],
        free,
        ProcessingInput(
            eligible=True, competent=False, outcome="transfer", on=D(2026, 4, 6),
            doc_no="1/PC", body="Tòa án nhân dân thành phố",
        ),
    )  # fmt: skip
    hand_off(tree["handler"], p, tree["lc"])
    cases = [
        (free, dict(on=D(2026, 4, 9), answer_due=D(2026, 4, 20)), "không được chuyển cho đơn vị"),
        (p, dict(on=D(2026, 4, 9), answer_due=D(2026, 4, 9)), "Hạn báo cáo kết quả phải sau"),
        (p, dict(on=D(2026, 4, 5), answer_due=D(2026, 4, 20)), "không được trước ngày chuyển"),
        (p, dict(on=D(2026, 4, 9), answer_due=None), "Nhập hạn báo cáo kết quả"),
    ]
    for petition, kw, message in cases:
        before = counts(db)
        with pytest.raises(OperationError, match=message):
            transfers.urge(tree["handler"], petition, **kw)
        assert counts(db) == before
    # the ward (receiver) may not urge itself
    with pytest.raises(OperationError, match="Chỉ đơn vị đã chuyển đơn"):
        transfers.urge(tree["ward"], p, on=D(2026, 4, 9), answer_due=D(2026, 4, 20))


def test_the_urge_page_shows_the_refusal(app, db, tree):
    free = register(tree["btcd"])
    db.session.commit()
    before = counts(db)
    resp = as_user(app, tree["handler"]).post_form(
        f"/petitions/{free.id}/urge",
        {"urged_on": "09/04/2026", "answer_due": "20/04/2026"},
        form_url=f"/petitions/{free.id}",
    )
    assert resp.status_code == 422 and "không được chuyển cho đơn vị trong hệ thống" in html(resp)
    assert counts(db) == before


# --- bad transfers -----------------------------------------------------------------------------


def test_bad_targets_are_refused_with_nothing_written(db, tree):
    cases = [
        ("btcd", "chính Ban Tiếp công dân"),  # itself
        ("ttr", "chính Thanh tra thành phố"),  # its own processing unit
        ("other", "không thuộc hệ thống đơn vị"),
        ("old", "đã giải thể hoặc sáp nhập"),
    ]
    for key, message in cases:
        p = register(tree["btcd"], name=f"Người {key}")
        before = counts(db)
        with pytest.raises(OperationError, match=message):
            hand_off(tree["handler"], p, tree[key])
        assert counts(db) == before
        db.session.expire_all()
        assert p.status == PetitionStatus.registered and p.transfer_unit_id is None


def test_a_transfer_back_along_its_chain_is_a_loop(db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    # the ward may not send it back to the Ban TCD, nor to the Thanh tra that processes for it
    for target in (tree["btcd"], tree["ttr"]):
        before = counts(db)
        with pytest.raises(OperationError, match="vòng lặp"):
            hand_off(tree["ward"], copy, target, on=D(2026, 4, 8))
        assert counts(db) == before
        db.session.expire_all()
        assert copy.status == PetitionStatus.registered
    assert transfers.chain(copy) == [tree["btcd"]]
    # the unit itself is refused as before (its own register)
    with pytest.raises(OperationError, match="chính UBND phường Lê Chân"):
        hand_off(tree["ward"], copy, tree["lc"], on=D(2026, 4, 8))


def test_a_transfer_needs_its_document_number(db, tree):
    p = register(tree["btcd"])
    before = counts(db)
    with pytest.raises(OperationError, match="số văn bản"):
        hand_off(tree["handler"], p, tree["lc"], doc_no="")
    assert counts(db) == before


def test_the_processing_page_offers_the_tree_and_refuses_a_loop(app, db, tree):
    p = register(tree["btcd"])
    db.session.commit()
    web = as_user(app, tree["handler"])
    page = html(web.get(f"/cases/process/{p.id}"))
    options = re.search(r'<select[^>]*name="target_id".*?</select>', page, re.S).group(0)
    assert "UBND phường Lê Chân" in options and "Hà Nội" not in options
    assert "Phường Cũ" not in options and "Ban Tiếp công dân" not in options
    data = {
        "version": str(p.version), "eligible": "yes", "competent": "no", "outcome": "transfer",
        "target_id": str(tree["lc"].id), "doc_no": "15/PC", "on": "06/04/2026", "body": "",
    }  # fmt: skip
    resp = web.post_form(f"/cases/process/{p.id}", data)
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    copy = transfers.sent(p).receiver
    # the ward's page: processing it back to the Ban TCD is refused beside the field
    ward = as_user(app, tree["ward"])
    back = {**data, "version": str(copy.version), "target_id": str(tree["btcd"].id),
            "on": "08/04/2026"}  # fmt: skip
    before = counts(db)
    resp = ward.post_form(f"/cases/process/{copy.id}", back)
    assert resp.status_code == 200 and "vòng lặp" in html(resp)
    assert counts(db) == before


# --- protection of the denouncer ----------------------------------------------------------------


def test_a_transferred_denunciation_stays_protected(app, db, tree):
    p = register(tree["btcd"], kind="denunciation", name="Lê Văn Tố")
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    db.session.commit()
    assert copy.protected and copy.denounced and confidentiality.is_protected(copy)
    verifier = factories.UserFactory(unit=tree["lc"], roles=[Role.report_maker])
    assert not confidentiality.may_see_identity(verifier, copy)
    assert confidentiality.may_see_identity(tree["ward"], copy)
    page = html(as_user(app, verifier).get(f"/petitions/{copy.id}"))
    assert "Lê Văn Tố" not in page and "031085001234" not in page
    assert "Lê Văn Tố" in html(as_user(app, tree["ward"]).get(f"/petitions/{copy.id}"))
    # the audit of the copy's registration keeps the denouncer out
    event = _db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.kind == "petition.registered", AuditEvent.entity_id == copy.id
        )
    )
    assert "Lê Văn Tố" not in str(event.after)


def test_a_complaint_protected_by_its_matter_is_protected_in_the_copy(db, tree):
    p = register(tree["btcd"])
    p.denounced = True  # its matter was once a denunciation's
    db.session.flush()
    assert confidentiality.is_protected(p)
    hand_off(tree["handler"], p, tree["lc"])
    copy = transfers.sent(p).receiver
    assert copy.kind == PetitionKind.complaint and copy.protected


def test_audit_chain_still_verifies(db, tree):
    p = register(tree["btcd"])
    hand_off(tree["handler"], p, tree["lc"], answer_due=D(2026, 4, 9))
    transfers.urge(tree["handler"], p, on=D(2026, 4, 10), answer_due=D(2026, 4, 20))
    transfers.report_result(tree["ward"], transfers.sent(p).receiver, text="Đã xong", on=TODAY)
    assert audit.verify().ok
