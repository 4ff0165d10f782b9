"""`flask backup FILE` and `flask restore FILE`: the database and the scanned attachments in
one archive, consistent while the app keeps writing, checked again when restored.

The archive is a plain tar file:
    manifest.json         what was saved: database kind, time, rows per table, audit chain head,
                          the audit checkpoint written for this backup (signed, core/audit.py)
    database.sqlite3      SQLite: an online copy (sqlite3 backup API, one consistent snapshot)
    database.pgdump       PostgreSQL: pg_dump -Fc taken in the snapshot the rows were counted in
    attachments/ab/ab...  the scans (write-once files under random keys)

The database is copied first, then the attachments: a scan is written before the row that
points at it commits, so every scan the copied rows name is in the archive (a scan added
meanwhile may come along unused; it does no harm).
"""

from __future__ import annotations

import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from complaints.core import audit
from complaints.core.numbers import fmt_date, fmt_int
from complaints.core.search_index import is_search_index
from complaints.extensions import db

FORMAT = 2  # 2: the manifest carries the audit checkpoint; 1 (older backups) does not
READABLE = (1, 2)
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
PG_LIB = Path("/usr/lib/postgresql")  # Debian's layout: one bin/ per installed version
ATTACHMENT_MEMBER = re.compile(r"^attachments/([0-9a-f]{2})/([0-9a-f]{40})$")


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; the message is for the operator (Vietnamese)."""


@dataclass
class Manifest:
    dialect: str
    created_at: str
    tables: dict[str, int]
    audit_seq: int
    audit_hash: str
    attachments: int = 0
    format: int = FORMAT
    # The checkpoint written just before the copy (core/audit.Anchor as a dict); None when
    # the backup was taken without an audit key, or before format 2.
    audit_checkpoint: dict | None = None

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") not in READABLE:
            raise BackupError(f"Tệp sao lưu có định dạng {raw.get('format')!r}, không đọc được.")
        return cls(**raw)


# --- counting -----------------------------------------------------------------------------


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def count_rows(conn: sa.Connection) -> dict[str, int]:
    """Rows of every table of the database, read in the connection's current transaction."""
    names = sa.inspect(conn).get_table_names()
    # Table names come from the database's own catalogue, and are quoted.
    sql = "SELECT count(*) FROM {}"
    return {
        name: conn.execute(sa.text(sql.format(_quote(conn, name)))).scalar_one()
        for name in sorted(names)
    }


def _audit_head(conn: sa.Connection) -> tuple[int, str]:
    if "audit_head" not in sa.inspect(conn).get_table_names():
        return 0, audit.GENESIS
    row = conn.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    return (row[0], row[1]) if row else (0, audit.GENESIS)


# Rows a freshly migrated database has without holding any data: the schema's version and the
# work a migration leaves for `flask maintenance`; and the text search's own tables (an empty
# FTS5 index has its configuration rows), rebuilt from the data.
SCHEMA_TABLES = frozenset({"alembic_version", "pending_task"})


def _holds_data(name: str) -> bool:
    return name not in SCHEMA_TABLES and not is_search_index(name)


def _data_rows(tables: dict[str, int]) -> int:
    return sum(n for name, n in tables.items() if _holds_data(name))


# --- PostgreSQL tools -----------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump/pg_restore: PG_BIN_DIR, else the newest server's, else the PATH."""
    configured = current_app.config.get("PG_BIN_DIR")
    candidates = [Path(configured) / name] if configured else []
    versions = sorted(
        PG_LIB.glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise BackupError(
        f"Không tìm thấy chương trình {name} của PostgreSQL. Cài gói postgresql-client "
        f"(apt-get install postgresql-client) hoặc đặt PG_BIN_DIR trỏ tới thư mục chứa {name}."
    )


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the tools, and the password passed in the environment
    (never on the command line, where `ps` would show it)."""
    parts = {
        "host": url.host,
        "port": str(url.port) if url.port else None,
        "user": url.username,
        "dbname": url.database,
        **{k: str(v) for k, v in url.query.items()},
    }

    def esc(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{k}={esc(v)}" for k, v in parts.items() if v)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    # The tool's own path and our arguments, no shell: nothing from a user reaches it.
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{what} thất bại (mã {result.returncode}): {result.stderr.strip()}")


# --- backup -------------------------------------------------------------------------------


def _backup_sqlite(path: str, into: Path) -> Manifest:
    if not Path(path).is_file():
        raise BackupError(f"Không có tệp cơ sở dữ liệu {path}.")
    source = sqlite3.connect(path, timeout=60)
    target = sqlite3.connect(into)
    try:
        # One step (pages=-1): the whole database is copied inside one read transaction, so
        # the copy is one consistent state even while workers keep committing.
        source.backup(target)
    finally:
        source.close()
        target.close()
    engine = sa.create_engine(f"sqlite:///{into}")
    try:
        with engine.connect() as conn:
            tables = count_rows(conn)
            seq, hash_ = _audit_head(conn)
    finally:
        engine.dispose()
    return Manifest("sqlite", _now(), tables, seq, hash_)


def _backup_postgres(url: sa.URL, into: Path) -> Manifest:
    pg_dump = pg_tool("pg_dump")
    conninfo, env = _libpq(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            # Count the rows and dump them in one snapshot: the manifest says exactly what the
            # dump holds, whatever the app commits meanwhile.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                tables = count_rows(conn)
                seq, hash_ = _audit_head(conn)
                _run(
                    [pg_dump, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                     "-f", str(into), "--dbname", conninfo],
                    env,
                    "pg_dump",
                )  # fmt: skip
    finally:
        engine.dispose()
    return Manifest("postgresql", _now(), tables, seq, hash_)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _local(iso: str) -> str:
    return fmt_date(datetime.fromisoformat(iso))


def make_backup(file: Path, attachments: bool = True) -> Manifest:
    """Write the archive to `file` (atomically: a half-written archive never has its name)."""
    url = db.engine.url
    file = Path(file)
    partial = file.with_name(f".{file.name}.part")
    anchor = _checkpoint_for_backup()
    with tempfile.TemporaryDirectory(prefix="complaints-backup-") as tmp:
        if url.get_backend_name() == "sqlite":
            member, copy = SQLITE_MEMBER, Path(tmp) / SQLITE_MEMBER
            manifest = _backup_sqlite(url.database or "", copy)
        elif url.get_backend_name() == "postgresql":
            member, copy = PG_MEMBER, Path(tmp) / PG_MEMBER
            manifest = _backup_postgres(url, copy)
        else:
            raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")
        manifest.audit_checkpoint = anchor.to_dict() if anchor else None
        try:
            with tarfile.open(partial, "w") as tar:
                tar.add(copy, arcname=member)
                if attachments:
                    manifest.attachments = _add_attachments(tar)
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(body), int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(body))
            with open(partial, "rb") as f:
                os.fsync(f.fileno())
            os.replace(partial, file)
        finally:
            partial.unlink(missing_ok=True)
    if anchor is not None:
        audit.write_anchor(anchor)
    return manifest


def _checkpoint_for_backup() -> audit.Anchor | None:
    """A signed checkpoint at the chain's head, committed before the copy so that the copy
    holds it; its copy in the manifest is what the restore checks the restored log against."""
    cp = audit.checkpoint()
    db.session.commit()
    anchor = cp.anchor() if cp is not None else None
    db.session.remove()
    return anchor


def _add_attachments(tar: tarfile.TarFile) -> int:
    root = Path(current_app.config["ATTACHMENT_DIR"])
    count = 0
    if not root.is_dir():
        return 0
    for path in sorted(root.glob("??/*")):
        name = f"attachments/{path.parent.name}/{path.name}"
        if path.is_file() and ATTACHMENT_MEMBER.match(name):  # skips ".key.part" leftovers
            tar.add(path, arcname=name)
            count += 1
    return count


# --- restore ------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: Manifest
    tables: dict[str, int]
    attachments: int
    audit_checked: int
    anchored: bool = True
    needs_upgrade: bool = False


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(
            "Tệp này không phải bản sao lưu của hệ thống (thiếu manifest.json)."
        ) from None
    return Manifest.from_json(tar.extractfile(member).read())  # type: ignore[union-attr]


def _existing_rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {n: c for n, c in count_rows(conn).items() if c and _holds_data(n)}


def _refuse_non_empty(existing: dict[str, int], attachments_present: bool) -> None:
    if not existing and not attachments_present:
        return
    sample = ", ".join(f"{name} ({fmt_int(n)} dòng)" for name, n in list(existing.items())[:3])
    what = (
        f"Cơ sở dữ liệu đích đang có dữ liệu: {len(existing)} bảng có dòng, ví dụ {sample}."
        if existing
        else "Thư mục tệp đính kèm đích đang có tệp."
    )
    raise BackupError(
        f"{what} Khôi phục sẽ ghi đè toàn bộ dữ liệu hiện có bằng bản sao lưu. Nếu chắc chắn, "
        "hãy dừng ứng dụng, sao lưu dữ liệu hiện tại, rồi chạy lại lệnh với --force."
    )


def restore_backup(file: Path, force: bool = False) -> RestoreResult:
    """Replace the database (and add the attachments) with the archive's, then check it."""
    url = db.engine.url
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"Không có tệp sao lưu {file}.")
    att_root = Path(current_app.config["ATTACHMENT_DIR"])
    with tarfile.open(file, "r") as tar, tempfile.TemporaryDirectory(prefix="complaints-") as tmp:
        manifest = _read_manifest(tar)
        if manifest.dialect != url.get_backend_name():
            raise BackupError(
                f"Bản sao lưu là của {manifest.dialect}, còn ứng dụng đang dùng "
                f"{url.get_backend_name()}: không khôi phục chéo loại cơ sở dữ liệu được."
            )
        anchor = _signed_anchor(manifest)
        if not force:
            _refuse_non_empty(
                _existing_rows(db.engine), att_root.is_dir() and any(att_root.glob("??/*"))
            )
        before = _anchor_before_restore()
        db.session.remove()
        db.engine.dispose()  # no pooled connection may sit on the old database
        member = SQLITE_MEMBER if manifest.dialect == "sqlite" else PG_MEMBER
        copy = Path(tmp) / member
        with tar.extractfile(member) as src, open(copy, "wb") as out:  # type: ignore[union-attr]
            shutil.copyfileobj(src, out)
        if manifest.dialect == "sqlite":
            _restore_sqlite(copy, url.database or "")
        else:
            _restore_postgres(copy, url)
        restored_files = _restore_attachments(tar, att_root)
    db.engine.dispose()
    with db.engine.connect() as conn:
        tables = count_rows(conn)
    differences = {
        name: (n, tables.get(name)) for name, n in manifest.tables.items() if tables.get(name) != n
    }
    if differences:
        detail = "; ".join(f"{k}: {a} dòng trong bản sao lưu, {b} sau khôi phục"
                           for k, (a, b) in differences.items())  # fmt: skip
        raise BackupError(f"Dữ liệu sau khôi phục không khớp với bản sao lưu: {detail}")
    # Against the backup's own checkpoint, not this installation's anchor file: the data
    # goes back to the backup's time on purpose.
    if "audit_checkpoint" not in tables:
        # A backup of a schema older than the audit anchors (migration 0010): the operator
        # upgrades it, then `flask maintenance` signs the log and `flask audit verify` checks it.
        return RestoreResult(manifest, tables, restored_files, 0, False, needs_upgrade=True)
    result = audit.verify(outside=anchor, anchor_file=False)
    # A backup without a checkpoint (older, or taken without a key) is checked by its chain;
    # it cannot be checked by signatures it never had.
    unsigned = anchor is None and result.problem in (audit.NO_KEY, audit.UNSIGNED_HEAD)
    if not result.ok and not unsigned:
        where = f" tại sự kiện số {result.broken_seq}" if result.broken_seq is not None else ""
        raise BackupError(f"Nhật ký sau khôi phục bị phá vỡ{where}: {result.reason}.")
    if (manifest.audit_seq, manifest.audit_hash) != (result.checked, _head_hash()):
        raise BackupError(
            f"Nhật ký sau khôi phục có {result.checked} sự kiện, bản sao lưu ghi "
            f"{manifest.audit_seq}: các sự kiện cuối đã bị cắt khỏi bản sao lưu."
        )
    # The log itself says that the data went back in time: restoring an old backup could
    # otherwise erase later events without breaking the chain.
    audit.record(
        "system.restored",
        entity_type="system",
        summary=f"Khôi phục bản sao lưu lập lúc {_local(manifest.created_at)}",
        after={
            "file": file.name,
            "created_at": manifest.created_at,
            "audit_seq": manifest.audit_seq,
            "rows": _data_rows(manifest.tables),
            "anchored": anchor is not None,
            # How far the log had gone here before this restore took it back.
            "audit_seq_before": before.seq if before else None,
        },
    )
    cp = audit.checkpoint()
    db.session.commit()
    if cp is not None:
        audit.write_anchor(cp.anchor())
    return RestoreResult(manifest, tables, restored_files, result.checked, anchor is not None)


def _signed_anchor(manifest: Manifest) -> audit.Anchor | None:
    """The backup's checkpoint, its signature checked before anything is overwritten; None
    for a backup that has none (older format, or taken without a key): the restore goes on,
    and says so."""
    if manifest.audit_checkpoint is None:
        return None
    try:
        anchor = audit.Anchor.from_dict(manifest.audit_checkpoint)
    except (ValueError, KeyError, TypeError):
        raise BackupError("Điểm neo nhật ký trong manifest.json không đọc được.") from None
    key = audit.audit_key()
    if key is None:
        raise BackupError(
            "Bản sao lưu mang điểm neo nhật ký có chữ ký, nhưng hệ thống này chưa cấu hình khóa "
            "nhật ký (AUDIT_KEY hoặc tệp instance/audit.key): đặt khóa của hệ thống đã lập bản "
            "sao lưu rồi chạy lại."
        )
    expected = audit.sign(key, "checkpoint", anchor.seq, anchor.hash, anchor.created_at)
    if not hmac.compare_digest(expected, anchor.mac):
        raise BackupError(
            "Điểm neo nhật ký trong bản sao lưu không khớp khóa nhật ký của hệ thống này: bản "
            "sao lưu đã bị sửa, hoặc được lập với khóa khác (đặt AUDIT_KEY của hệ thống đã lập "
            "nó). Không khôi phục."
        )
    return anchor


def _anchor_before_restore() -> audit.Anchor | None:
    try:
        return audit.read_anchor()
    except ValueError:
        return None


def _head_hash() -> str:
    head = db.session.get(audit.AuditHead, 1)
    return head.hash if head is not None else audit.GENESIS


def _restore_sqlite(copy: Path, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(path, timeout=60)
    try:
        source.backup(target)  # page by page into the live file, under SQLite's own locks
    finally:
        source.close()
        target.close()


def _restore_postgres(copy: Path, url: sa.URL) -> None:
    conninfo, env = _libpq(url)
    _run(
        [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "--dbname", conninfo, str(copy)],
        env,
        "pg_restore",
    )  # fmt: skip


def _restore_attachments(tar: tarfile.TarFile, root: Path) -> int:
    count = 0
    for member in tar.getmembers():
        match = ATTACHMENT_MEMBER.match(member.name)
        if not match or not member.isfile():
            continue  # only plain files under their key: no path from the archive is trusted
        target = root / match.group(1) / match.group(2)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.part")
        with tar.extractfile(member) as src, open(part, "wb") as out:  # type: ignore[union-attr]
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
        count += 1
    return count


# --- commands -----------------------------------------------------------------------------


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--no-attachments",
    is_flag=True,
    help="Không kèm tệp đính kèm (khi thư mục tệp đã được sao lưu riêng).",
)
@with_appcontext
def backup_command(file: Path, no_attachments: bool):
    """Sao lưu cơ sở dữ liệu và tệp đính kèm vào FILE (chạy được khi ứng dụng đang hoạt động)."""
    manifest = make_backup(file, attachments=not no_attachments)
    click.echo(
        f"Đã sao lưu vào {file}: {len(manifest.tables)} bảng, "
        f"{fmt_int(_data_rows(manifest.tables))} dòng, {fmt_int(manifest.attachments)} tệp đính "
        f"kèm; nhật ký đến sự kiện số {fmt_int(manifest.audit_seq)}."
    )
    if manifest.audit_checkpoint is None:
        click.echo(
            "CẢNH BÁO: không lập được điểm neo nhật ký có chữ ký (chưa cấu hình khóa nhật ký, "
            "hoặc `flask --app complaints audit verify` báo lỗi): khi khôi phục, nhật ký của bản "
            "sao lưu này chỉ được kiểm tra chuỗi băm.",
            err=True,
        )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ghi đè cả khi cơ sở dữ liệu đích đã có dữ liệu.")
@with_appcontext
def restore_command(file: Path, force: bool):
    """Khôi phục từ bản sao lưu FILE (dừng ứng dụng trước); kiểm tra số dòng và nhật ký."""
    result = restore_backup(file, force=force)
    taken = _local(result.manifest.created_at)
    if result.needs_upgrade:
        click.echo(
            f"Đã khôi phục bản sao lưu lúc {taken}: {len(result.tables)} bảng, "
            f"{fmt_int(_data_rows(result.tables))} dòng (khớp với bản sao lưu), "
            f"{fmt_int(result.attachments)} tệp đính kèm. Bản sao lưu thuộc phiên bản cũ của cơ "
            "sở dữ liệu: chạy `flask --app complaints db upgrade`, `flask --app complaints "
            "maintenance` rồi `flask --app complaints audit verify` để kiểm tra nhật ký."
        )
        return
    if not result.anchored:
        click.echo(
            "CẢNH BÁO: bản sao lưu này không mang điểm neo nhật ký có chữ ký (lập trước khi có "
            "điểm neo, hoặc khi chưa có khóa nhật ký): nhật ký chỉ được kiểm tra chuỗi băm, không "
            "phát hiện được đuôi bị cắt trong tệp sao lưu. Việc này được ghi vào nhật ký.",
            err=True,
        )
    click.echo(
        f"Đã khôi phục bản sao lưu lúc {taken}: {len(result.tables)} bảng, "
        f"{fmt_int(_data_rows(result.tables))} dòng (khớp với bản sao lưu), "
        f"{fmt_int(result.attachments)} tệp đính kèm; nhật ký nguyên vẹn "
        f"({fmt_int(result.audit_checked)} sự kiện). Nếu phiên bản ứng dụng mới hơn bản sao lưu, "
        "chạy `flask --app complaints db upgrade`."
    )
