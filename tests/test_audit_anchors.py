"""The audit log cannot be cut, wiped or rewritten unseen (issue 14, hole 3): the database
itself refuses to change or remove its rows, and the head and checkpoints are signed with a
key kept outside the database, checked by `flask audit verify`, carried by backups."""

from __future__ import annotations

import io
import itertools
import json
import tarfile

import pytest
import sqlalchemy as sa

from complaints.core import audit
from complaints.core.audit import AuditCheckpoint, AuditEvent, AuditHead
from complaints.extensions import db as _db

from .audit_tamper import drop_audit_triggers

REFUSED = "chỉ được ghi thêm"


@pytest.fixture()
def log(db, province, app, monkeypatch):
    """Seven events with a checkpoint every three (at 3 and 6), an anchor file of its own."""
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", 3)
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", None)  # none: set per test
    for i in range(7):
        audit.record("test.event", province["province"], after={"i": i})
    return db


def events(db) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()


def refused(db, sql: str) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=REFUSED), db.session.begin_nested():
        db.session.execute(sa.text(sql))


def test_the_database_refuses_to_change_or_remove_the_log(log):
    db = log
    refused(db, "UPDATE audit_event SET summary = 'sửa' WHERE seq = 2")
    refused(db, "DELETE FROM audit_event WHERE seq = 7")
    refused(db, "DELETE FROM audit_event")
    refused(db, "UPDATE audit_checkpoint SET seq = 1")
    refused(db, "DELETE FROM audit_checkpoint")
    refused(db, "DELETE FROM audit_head")
    refused(db, "UPDATE audit_head SET seq = 5")  # the head only moves forward
    refused(db, "UPDATE audit_head SET hash = 'x'")
    if db.session.get_bind().dialect.name == "postgresql":
        for table in ("audit_event", "audit_checkpoint", "audit_head", "user_account"):
            refused(db, f"TRUNCATE {table} CASCADE")  # the log's users cascade to it too
    db.session.expire_all()
    assert len(events(db)) == 7 and audit.verify().ok


def test_the_triggers_are_in_the_migrated_schema(db):
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    names = set(conn.exec_driver_sql(sql).scalars())
    # A later migration that rebuilds these tables (SQLite's batch mode) must recreate them.
    assert {n for n in names if n.startswith("audit_")} >= (
        {"audit_event_append_only", "audit_event_no_truncate", "audit_checkpoint_append_only",
         "audit_checkpoint_no_truncate", "audit_head_forward", "audit_head_no_truncate"}
        if conn.dialect.name == "postgresql"
        else {"audit_event_no_update", "audit_event_no_delete", "audit_checkpoint_no_update",
              "audit_checkpoint_no_delete", "audit_head_no_delete", "audit_head_forward"}
    )  # fmt: skip


def test_an_intact_log_verifies_against_its_checkpoints(log):
    result = audit.verify()
    assert result.ok and result.checked == 7
    assert result.checkpoints == 2 and result.anchored_seq == 6


def test_events_chained_in_a_batch_are_those_of_one_at_a_time(log):
    """audit.batched (the register import's batches): the events are chained in memory and
    inserted at the block's end, the head moved and signed once, the checkpoints in place."""
    db = log
    with audit.batched():
        for i in range(7, 14):
            audit.record("test.event", entity_type="system", after={"i": i})
        assert len(events(db)) == 7  # not inserted before the block's end
    db.session.expire_all()
    chain = events(db)
    assert [e.seq for e in chain] == list(range(1, 15))
    assert [e.after["i"] for e in chain] == list(range(14))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(chain))
    assert db.session.get(AuditHead, 1).seq == 14
    cps = db.session.scalars(sa.select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)).all()
    assert cps == [3, 6, 9, 12]
    result = audit.verify()
    assert result.ok and result.checked == 14, result
    with pytest.raises(RuntimeError), audit.batched():  # a failed block leaves nothing behind
        audit.record("test.event", entity_type="system")
        raise RuntimeError
    audit.record("test.event", entity_type="system", after={"i": 14})
    assert [e.after["i"] for e in events(db)][-2:] == [13, 14]
    assert audit.verify().ok


def test_a_cut_tail_is_detected(log):
    db = log
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq >= 5))
    db.session.execute(sa.delete(AuditHead))  # the hole of issue 14: the head went too
    db.session.expire_all()
    assert audit.verify().problem == audit.CUT  # events without a head
    fourth = events(db)[-1]  # a head put back at the cut, as record() would have left it
    db.session.add(AuditHead(id=1, seq=4, hash=fourth.hash, mac=None))
    db.session.flush()
    result = audit.verify()
    assert not result.ok and result.problem == audit.CUT
    assert "6 sự kiện, nay chỉ còn 4" in result.reason


def test_a_tail_cut_after_the_last_checkpoint_is_detected_by_the_head(log):
    db = log
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 7))
    db.session.execute(sa.delete(AuditHead))
    db.session.expire_all()
    assert audit.verify().problem == audit.CUT  # no head while events remain
    # The head put back at the cut without the key: its signature cannot be made.
    sixth = events(db)[-1]
    db.session.add(AuditHead(id=1, seq=6, hash=sixth.hash, mac="0" * 64))
    db.session.flush()
    result = audit.verify()
    assert not result.ok and result.problem == audit.CUT and "chữ ký sai" in result.reason
    # Nor does the next event sign over it: the head stays unsigned, and verify says so.
    audit.record("test.after", entity_type="system")
    db.session.expire_all()
    after = audit.verify()
    assert not after.ok and "không còn chữ ký" in after.reason
    assert audit.seal()[1] is None  # not sealed unless the operator accepts it


def test_a_wiped_log_is_detected_by_its_checkpoints(log):
    db = log
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditEvent))
    db.session.execute(sa.delete(AuditHead))
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and "toàn bộ sự kiện đã bị xóa" in result.reason


def test_a_log_wiped_with_its_checkpoints_is_detected_by_the_anchor_file(
    log, app, tmp_path, monkeypatch
):
    db = log
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "neo.json"))
    cp = audit.checkpoint()
    audit.write_anchor(cp.anchor())
    assert audit.verify().ok and audit.verify().anchored_seq == 7
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditCheckpoint))
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and "không còn trong bảng điểm neo" in result.reason
    db.session.execute(sa.delete(AuditEvent))
    db.session.execute(sa.delete(AuditHead))
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.problem == audit.CUT
    assert "có 7 sự kiện, nhật ký trống" in result.reason
    # A forged anchor file is no way out either.
    (tmp_path / "neo.json").write_text(json.dumps({**cp.anchor().to_dict(), "seq": 0}))
    assert "tệp neo bị sửa" in audit.verify().reason


def test_a_chain_rewritten_without_the_key_is_detected(log):
    """The attacker edits event 2 and recomputes every hash after it, and the head: the chain
    is consistent again, but the checkpoints and the head were signed over the old hashes."""
    db = log
    drop_audit_triggers(db.session)
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.seq == 2).values(summary="sửa"))
    db.session.expire_all()
    prev = audit.GENESIS
    for event in events(db):
        event.prev_hash = prev
        event.hash = prev = event.compute_hash()
    db.session.flush()
    db.session.execute(sa.update(AuditHead).values(hash=prev))
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.problem == audit.REWRITTEN and result.broken_seq == 3
    assert "chuỗi đã bị lập lại" in result.reason
    # Re-signing the checkpoints needs the key; a wrong one shows as a wrong signature.
    db.session.execute(sa.update(AuditCheckpoint).values(hash=events(db)[5].hash))
    db.session.expire_all()
    assert "mang chữ ký sai" in audit.verify().reason


def test_a_wrong_or_missing_key_is_named(log, app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", "another-installation-key")
    result = audit.verify()
    assert not result.ok and "điểm neo số" in result.reason and "mang chữ ký sai" in result.reason
    monkeypatch.setitem(app.config, "AUDIT_KEY", None)
    monkeypatch.setitem(app.config, "AUDIT_KEY_FILE", "/nonexistent/audit.key")
    result = audit.verify()
    assert not result.ok and result.problem == audit.NO_KEY and "AUDIT_KEY" in result.reason


def test_the_key_may_live_in_a_file_outside_the_database(log, app, monkeypatch, tmp_path):
    from .conftest import TEST_AUDIT_KEY

    (tmp_path / "audit.key").write_text(TEST_AUDIT_KEY + "\n")
    monkeypatch.setitem(app.config, "AUDIT_KEY", None)
    monkeypatch.setitem(app.config, "AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    assert audit.verify().ok


def test_verify_and_checkpoint_commands(app, db, province, tmp_path, monkeypatch):
    """`flask audit checkpoint` signs the head, keeps the anchor outside; verify says it."""
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(tmp_path / "neo.json"))
    audit.record("test.event", province["province"])
    runner = app.test_cli_runner()
    made = runner.invoke(args=["audit", "checkpoint"])
    assert made.exit_code == 0 and "Đã lập điểm neo" in made.output, made.output
    assert json.loads((tmp_path / "neo.json").read_text())["seq"] >= 1
    again = runner.invoke(args=["audit", "checkpoint"])  # the head has not moved: the same one
    assert again.exit_code == 0 and made.output.split(":")[0] == again.output.split(":")[0]
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "Nhật ký nguyên vẹn" in ok.output and "điểm neo" in ok.output
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditEvent))
    db.session.execute(sa.delete(AuditHead))
    db.session.expire_all()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "nhật ký trống" in bad.output
    refused_cp = runner.invoke(args=["audit", "checkpoint"])
    assert refused_cp.exit_code == 1 and "Không lập điểm neo" in refused_cp.output


def test_a_log_older_than_the_key_is_sealed_once(log, app, monkeypatch):
    """A head never signed and no checkpoint yet (a log from before migration 0010): the
    maintenance task signs it; nothing else is needed."""
    db = log
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(AuditCheckpoint))
    db.session.execute(sa.update(AuditHead).values(mac=None))
    db.session.expire_all()
    assert audit.verify().problem == audit.UNSIGNED_HEAD
    assert audit._seal_after_migration() == 1
    assert audit.verify().ok


# --- backups --------------------------------------------------------------------------------


def test_backups_carry_the_checkpoint_and_restore_checks_it(tmp_path):
    from . import test_backup as tb
    from .conftest import make_app
    from .live_servers import dispose, scratch_database

    with (
        scratch_database("anchor_src", tmp_path) as src_url,
        scratch_database("anchor_dst", tmp_path) as dst_url,
    ):
        source = make_app(tmp_path / "src", src_url)
        target = make_app(tmp_path / "dst", dst_url)
        try:
            with source.app_context():
                from . import factories

                factories.bind(_db.session)
                unit = factories.province_tree()["province"]
                for i in range(3):
                    audit.record("test.event", unit, after={"i": i})
                _db.session.commit()
                _db.session.remove()
            file = tmp_path / "sao-luu.tar"
            code, output = tb.run(source, "backup", str(file))
            assert code == 0, output
            with tarfile.open(file) as tar:
                manifest = json.loads(tar.extractfile("manifest.json").read())
            anchor = manifest["audit_checkpoint"]
            assert manifest["format"] == 2 and anchor["seq"] == manifest["audit_seq"]
            # The source keeps the same anchor outside its database.
            assert json.loads((tmp_path / "src" / "audit-anchor.json").read_text()) == anchor

            # A manifest whose checkpoint was altered is refused before anything is written.
            forged = tmp_path / "sua.tar"
            _rewrite_manifest(file, forged, {**anchor, "seq": anchor["seq"] - 1})
            code, output = tb.run(target, "restore", str(forged))
            assert code == 1 and "không khớp khóa nhật ký" in output
            assert tb.counts(target)["audit_event"] == 0

            code, output = tb.run(target, "restore", str(file))
            assert code == 0, output
            code, output = tb.run(target, "audit", "verify")
            assert code == 0 and "nguyên vẹn" in output, output
            with target.app_context():
                last = _db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()))
                assert last.kind == "system.restored" and last.after["anchored"] is True
                _db.session.remove()
        finally:
            dispose(source)
            dispose(target)


def _rewrite_manifest(src, dst, checkpoint: dict) -> None:
    with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member).read()
            if member.name == "manifest.json":
                raw = json.loads(data)
                raw["audit_checkpoint"] = checkpoint
                data = json.dumps(raw).encode()
                member.size = len(data)
            tout.addfile(member, io.BytesIO(data))
