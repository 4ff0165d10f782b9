"""`flask backup` and `flask restore` on the database in use (SQLite, or PostgreSQL when
COMPLAINTS_TEST_DATABASE_URL is set, on databases of their own): a restored copy has the same
rows in every table, the same scans, and an audit chain that verifies, even when the backup
was taken while the app kept writing."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaints import backup
from complaints.auth.models import User
from complaints.core.audit import AuditEvent
from complaints.extensions import db
from complaints.petitions import operations as ops
from complaints.petitions.models import Attachment
from complaints.petitions.storage import IncomingFile, path_for
from complaints.units.models import Unit

from . import factories_petitions as fp
from .conftest import make_app
from .live_servers import PG_URL, dispose, scratch_database

DIALECT = "postgresql" if PG_URL else "sqlite"


def counts(app) -> dict[str, int]:
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            return backup.count_rows(conn)


def petition_data(unit, summary):
    return ops.PetitionData(
        received_date=date(2026, 3, 2),
        source="post",
        kind="complaint",
        field="land",
        summary=summary,
        senders=[ops.SenderData("Nguyễn Văn Sao Lưu", identity_no="031088000999")],
        unit=unit,
    )


@pytest.fixture()
def source(tmp_path):
    """The demo province (a month of it) and a petition with a scan, on its own database."""
    with scratch_database("backup_src", tmp_path) as url:
        app = make_app(tmp_path / "src", url)
        try:
            with app.app_context():
                from complaints.demo import seed_demo

                seed_demo(today=date(2026, 6, 20), months=1)
                hp = db.session.scalar(sa.select(Unit).where(Unit.code == "HP"))
                ops.register_petition(
                    None,
                    petition_data(hp, "Đơn có bản quét để sao lưu"),
                    [IncomingFile("ban-quet.png", fp.png_bytes())],
                    today=date(2026, 6, 20),
                )
                db.session.commit()
                db.session.remove()
            yield app
        finally:
            dispose(app)


@pytest.fixture()
def target(tmp_path):
    """An empty, migrated database of its own, as after `flask db upgrade` on a new server."""
    with scratch_database("backup_dst", tmp_path) as url:
        app = make_app(tmp_path / "dst", url)
        try:
            yield app
        finally:
            dispose(app)


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def scans(app) -> dict[str, bytes]:
    with app.app_context():
        keys = db.session.scalars(sa.select(Attachment.storage_key)).all()
        found = {k: path_for(k).read_bytes() for k in keys}
        db.session.remove()
    return found


def test_restore_gives_back_every_row_every_scan_and_a_verified_chain(source, target, tmp_path):
    file = tmp_path / "sao-luu.tar"
    before = counts(source)
    code, output = run(source, "backup", str(file))
    assert code == 0, output
    assert "Đã sao lưu" in output and "1 tệp đính kèm" in output

    code, output = run(target, "restore", str(file))
    assert code == 0, output
    assert "khớp với bản sao lưu" in output and "nhật ký nguyên vẹn" in output
    after = counts(target)
    # The same rows everywhere, and one more event: the restore itself, in the chain; and two
    # more checkpoints: the backup's (taken just before the copy) and the restore's.
    assert {
        **after,
        "audit_event": after["audit_event"] - 1,
        "audit_checkpoint": after["audit_checkpoint"] - 2,
    } == before
    assert before["petition"] > 50 and before["audit_event"] > 100
    code, output = run(target, "audit", "verify")
    assert code == 0, output
    with target.app_context():
        last = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert last.kind == "system.restored" and last.after["file"] == "sao-luu.tar"
        # Users can log in with their passwords on the restored copy.
        lanhdao = db.session.scalar(sa.select(User).where(User.username == "lanhdao"))
        assert lanhdao.check_password("demo12345")
        db.session.remove()
    assert scans(target) == scans(source) and len(scans(target)) == 1


def test_restore_refuses_a_database_with_data_unless_forced(source, target, tmp_path):
    file = tmp_path / "sao-luu.tar"
    assert run(source, "backup", str(file))[0] == 0
    code, output = run(source, "restore", str(file))
    assert code == 1
    assert "đang có dữ liệu" in output and "--force" in output
    with source.app_context():
        hp = db.session.scalar(sa.select(Unit).where(Unit.code == "HP"))
        ops.register_petition(None, petition_data(hp, "Đơn sau khi sao lưu"))
        db.session.commit()
        db.session.remove()
    grown = counts(source)
    code, output = run(source, "restore", "--force", str(file))
    assert code == 0, output
    # Back to the backup's state (plus the restore event): the later petition is gone.
    assert counts(source)["petition"] == grown["petition"] - 1


def test_backups_taken_while_the_app_writes_are_consistent(source, target, tmp_path):
    """A writer commits petitions (rows, numbers, audit events) without pause while three
    backups are taken: each restores with every table matching its manifest and a chain whose
    head is the event the backup saw last."""
    stop, errors, written = threading.Event(), [], [0]

    def writer():
        try:
            with source.app_context():
                hp = db.session.scalar(sa.select(Unit).where(Unit.code == "HP"))
                while not stop.is_set():
                    ops.register_petition(None, petition_data(hp, f"Đơn ghi liên tục {written[0]}"))
                    db.session.commit()
                    written[0] += 1
                db.session.remove()
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    files = []
    try:
        for i in range(3):
            files.append(tmp_path / f"dang-ghi-{i}.tar")
            result = source.test_cli_runner().invoke(args=["backup", str(files[-1])])
            assert result.exit_code == 0, (result.output, repr(result.exception))
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert written[0] > 0
    seen = []
    for file in files:
        code, output = run(target, "restore", "--force", str(file))
        assert code == 0, output
        with tarfile.open(file) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        restored = counts(target)
        assert restored["petition"] == manifest["tables"]["petition"]
        assert restored["audit_event"] == manifest["tables"]["audit_event"] + 1
        assert manifest["audit_seq"] == manifest["tables"]["audit_event"]
        seen.append(manifest["tables"]["petition"])
    assert seen == sorted(seen)


def test_not_a_backup_is_refused_clearly(target, tmp_path):
    junk = tmp_path / "khong-phai.tar"
    with tarfile.open(junk, "w") as tar:
        info = tarfile.TarInfo("readme.txt")
        tar.addfile(info, io.BytesIO(b""))
    code, output = run(target, "restore", str(junk))
    assert code == 1 and "không phải bản sao lưu" in output


def test_a_backup_of_the_other_database_kind_is_refused(target, tmp_path):
    other = "sqlite" if DIALECT == "postgresql" else "postgresql"
    file = tmp_path / "khac-loai.tar"
    body = backup.Manifest(other, "2026-06-20T01:00:00+00:00", {}, 0, "0" * 64).to_json()
    with tarfile.open(file, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    code, output = run(target, "restore", str(file))
    assert code == 1 and "không khôi phục chéo" in output


def test_archive_paths_never_escape_the_attachment_folder(target, tmp_path):
    """Only files named like a storage key are restored; ../ and absolute names are ignored."""
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        for name in ("../../escaped.txt", "/tmp/escaped-abs.txt", "attachments/ab/../../x"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"bad"))
    with target.app_context():
        root = Path(target.config["ATTACHMENT_DIR"])
        with tarfile.open(evil) as tar:
            assert backup._restore_attachments(tar, root) == 0
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/escaped-abs.txt").exists()


def test_missing_postgresql_tools_are_named(target, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "PG_LIB", tmp_path / "none")
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with target.app_context(), pytest.raises(backup.BackupError, match="postgresql-client"):
        backup.pg_tool("pg_dump")
