"""What the register import stores, column by column (issue 13, item 9): a fixture register's
petitions, senders, cases, timeline events, deadlines, imported records and keys, counters and
audit events, compared with what the import stored before its writer became set-based
(tests/data/import_rows_kept.json, written by the ORM writer of commit b448b51). Ids are
replaced by their rank in their table (a database's own sequence numbers differ), units by
their codes, the random receipt codes by their rank, the times of writing left out.

Regenerate the file only for a change of what the import is meant to store:
`COMPLAINTS_WRITE_GOLDEN=1 pytest tests/test_import_rows_kept.py`."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaints.citizen import codes as receipt_codes
from complaints.core import audit
from complaints.extensions import db as _db
from complaints.registers.models import ImportStatus

from .test_registers_bulk import _rows
from .test_registers_petitions import issues_of, row, run_import, write_csv

GOLDEN = Path(__file__).parent / "data" / "import_rows_kept.json"

# The tables the import writes, in the order their ids are ranked.
TABLES = (
    "petition",
    "petition_sender",
    "case_file",
    "case_event",
    "deadline",
    "register_import_record",
    "register_case_key",
    "register_counter",
    "running_number",
    "audit_event",
)
# Times of writing, and what is derived from them (the audit chain's hashes).
VOLATILE = {"created_at", "updated_at", "recorded_at", "computed_at", "occurred_at", "hash",
            "prev_hash", "reported_at"}  # fmt: skip
# The edit counter of optimistic locking: the ORM writer left 1, 2 or 3 on a new record
# depending on how often it happened to flush it (an autoflush before its processing was set,
# its search texts updated after its insert); only the writer's history, not the record's.
VOLATILE |= {"version"}
# Ids inside JSON values (audit snapshots, event data), by key.
JSON_IDS = {
    "unit_id": "unit",
    "received_unit_id": "unit",
    "assigned_unit_id": "unit",
    "transfer_unit_id": "unit",
    "case_id": "case_file",
    "petition_id": "petition",
    "import_id": "register_import",
}


@pytest.fixture(autouse=True)
def pinned_today(app, monkeypatch, tmp_path_factory):
    monkeypatch.setitem(app.config, "TODAY", "2026-06-30")
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_DIR", str(tmp_path_factory.mktemp("imports")))
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BACKGROUND", False)
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BATCH", 20)  # cases cut by the batches


def _register() -> list[list]:
    """Cases in several states (kept numbers, free keys, decided, terminated, suspended,
    answered), forwarded and anonymous petitions, then a unit's year in batches."""
    accepted = dict(outcome="Thụ lý", outcome_date="10/01/2026", outcome_doc_no="1/TB",
                    eligible="Có", competent="Có")  # fmt: skip
    rows = [
        row(register_no="1", case_key="K1", accepted_on="10/01/2026",
            case_state="Đã gửi quyết định / kết luận", decided_on="20/01/2026",
            decision_no="5/QĐ", case_outcome="Đúng một phần", **accepted),
        row(register_no="2", received_date="08/01/2026", case_key="K1",
            accepted_on="10/01/2026", case_state="Đã gửi quyết định / kết luận",
            decided_on="20/01/2026", decision_no="5/QĐ", case_outcome="Đúng một phần",
            sender_name="Trần Thị Bình", sender_identity="", **accepted),
        row(register_no="3", case_key="VV-HP-2026-00040", case_state="Đình chỉ",
            closed_on="15/02/2026", termination_reason="Rút đơn", **accepted),
        row(register_no="4", kind="Tố cáo", case_key="K4", accepted_on="10/01/2026",
            case_state="Đang xác minh", source="Cơ quan, tổ chức khác chuyển đến",
            source_body="Thanh tra Chính phủ", source_doc_no="12/TTCP",
            summary="Tố cáo cán bộ địa chính, người tố cáo Nguyễn Văn An ở Số 5 Lê Lợi",
            **accepted),
        row(register_no="5", sender_name="", sender_identity="", sender_address="",
            anonymous="Có", summary="Đơn nặc danh phản ánh việc lấn chiếm đất"),
        row(register_no="6", kind="Kiến nghị, phản ánh", outcome="Lưu đơn",
            outcome_date="12/01/2026", eligible="Không",
            ineligible_reasons="Không rõ nội dung"),
    ]  # fmt: skip
    return rows + _rows("HPLC", 45)


def _dump() -> dict:
    conn = _db.session.connection()
    meta = _db.metadata.tables
    ranks: dict[str, dict] = {}
    for name in (*TABLES, "register_import"):
        if "id" in meta[name].c:
            ids = conn.scalars(sa.select(meta[name].c.id).order_by(meta[name].c.id)).all()
            ranks[name] = {i: n for n, i in enumerate(ids, 1)}
    units = dict(conn.execute(sa.select(meta["unit"].c.id, meta["unit"].c.code)).all())
    receipts = conn.scalars(
        sa.select(meta["petition"].c.receipt_code).order_by(meta["petition"].c.id)
    ).all()
    codes = {c: f"#{n}" for n, c in enumerate(receipts, 1)}
    codes.update({receipt_codes.display(c): f"#{n}" for n, c in enumerate(receipts, 1)})
    folded = {c.lower(): v for c, v in codes.items()}

    def ref(table: str, value):
        if value is None:
            return None
        if table == "unit":
            return units.get(value, value)
        return ranks.get(table, {}).get(value, f"?{value}")

    def text(value: str) -> str:
        for code, mark in (*codes.items(), *folded.items()):
            value = value.replace(code, mark)
        return value

    def plain(value, key=None):
        if isinstance(value, dict):
            return {k: plain(v, k) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if key in JSON_IDS and isinstance(value, int):
            return ref(JSON_IDS[key], value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, str):
            return text(value)
        return value

    out = {}
    for name in TABLES:
        table = meta[name]
        fks = {f.parent.name: f.column.table.name for f in table.foreign_keys}
        order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
        rows = []
        for record in conn.execute(sa.select(table).order_by(*order)).mappings():
            values = {}
            for column, value in record.items():
                if column in VOLATILE:
                    continue
                if column == "id":
                    value = ranks[name][value]
                elif column in fks:
                    value = ref(fks[column], value)
                elif column == "entity_id" and name == "audit_event":
                    value = ref(record["entity_type"], value)
                elif column == "entity_id":
                    kind = {"petitions": "petition", "cases": "case_file"}
                    value = ref(kind.get(record["entity_type"], record["entity_type"]), value)
                elif column == "receipt_code":
                    value = codes[value]
                else:
                    value = plain(value, column)
                values[column] = value
            rows.append(values)
        out[name] = rows
    return json.loads(json.dumps(out, default=str))


def test_the_import_stores_what_it_stored_before(app, db, province, tmp_path):
    job = run_import(write_csv(tmp_path / "so.csv", _register()))
    assert job.status == ImportStatus.done, issues_of(job)
    assert audit.verify().ok
    stored = _dump()
    if os.environ.get("COMPLAINTS_WRITE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(stored, ensure_ascii=False, indent=1, sort_keys=True))
    kept = json.loads(GOLDEN.read_text())
    assert stored.keys() == kept.keys()
    for name in TABLES:
        assert len(stored[name]) == len(kept[name]), name
        for n, (now, then) in enumerate(zip(stored[name], kept[name], strict=True), 1):
            then = {k: v for k, v in then.items() if k not in VOLATILE}
            for column in then:
                assert now.get(column) == then[column], (name, n, column)
            assert now.keys() == then.keys(), (name, n)
