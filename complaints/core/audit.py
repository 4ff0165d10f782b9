"""The event log: one append-only row per change, chained by SHA-256 so tampering shows.

The chain alone shows an edited or removed event, but not a log cut at its end (or wiped)
together with its head, nor a chain rewritten from some event on with recomputed hashes. So:

- the database refuses UPDATE and DELETE (and TRUNCATE) on the log and its checkpoints, and
  lets the head only move forward (triggers, migrations/versions/0010_audit_anchors.py);
- the head and the checkpoints are signed with HMAC-SHA256 under the audit key, which is kept
  outside the database (AUDIT_KEY, or the file instance/audit.key): whoever can write the
  database but lacks the key cannot sign a shorter or rewritten chain;
- a checkpoint (seq, hash) is written every AUDIT_CHECKPOINT_EVERY events, by `flask audit
  checkpoint` and by every backup; the commands also keep the newest one outside the database
  (AUDIT_ANCHOR_FILE, instance/audit-anchor.json) and backups carry it in their manifest, so
  even a log wiped with all its checkpoints is detected against them.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from complaints.core import maintenance
from complaints.core.db import UTCDateTime, utcnow
from complaints.extensions import db

GENESIS = "0" * 64
_PG_LOCK_KEY = 72_410_001  # advisory lock serialising appends to the chain on PostgreSQL


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_type", "entity_id", "seq"),)

    def payload(self) -> dict:
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        text = json.dumps(self.payload(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditHead(db.Model):
    """The last link of the chain, so that removing the newest events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    # HMAC of (seq, hash) under the audit key: a head moved back after a cut cannot be signed.
    mac: Mapped[str | None] = mapped_column(sa.String(64))


class AuditCheckpoint(db.Model):
    """A signed statement that the chain had `seq` events ending in `hash` (append-only)."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    mac: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def anchor(self) -> Anchor:
        return Anchor(self.seq, self.hash, self.created_at.isoformat(), self.mac)


@dataclass(frozen=True)
class Anchor:
    """A checkpoint as kept outside the database: in the anchor file, in a backup's manifest."""

    seq: int
    hash: str
    created_at: str
    mac: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, raw: Any) -> Anchor:
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        return cls(int(raw["seq"]), str(raw["hash"]), str(raw["created_at"]), str(raw["mac"]))


# --- the key, kept outside the database ---------------------------------------------------


def audit_key() -> bytes | None:
    """The audit key: AUDIT_KEY (configuration, COMPLAINTS_AUDIT_KEY), else the content of
    AUDIT_KEY_FILE (default instance/audit.key, written by `make run`); None when neither."""
    config = current_app.config
    key = config.get("AUDIT_KEY")
    if key:
        return str(key).encode()
    path = Path(config.get("AUDIT_KEY_FILE") or Path(current_app.instance_path) / "audit.key")
    known = current_app.extensions.setdefault("audit_key_files", {})
    if path not in known:  # read once per process: every event is signed with it
        try:
            text = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        known[path] = text.encode() or None
    return known[path]


def sign(key: bytes, what: str, seq: int, hash_: str, created_at: str = "") -> str:
    """HMAC-SHA256 of one statement about the chain; `what` keeps heads and checkpoints apart."""
    message = f"{what}|{seq}|{hash_}|{created_at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _signed(key: bytes, mac: str | None, what: str, seq: int, hash_: str, at: str = "") -> bool:
    return mac is not None and hmac.compare_digest(mac, sign(key, what, seq, hash_, at))


def anchor_path() -> Path:
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured or Path(current_app.instance_path) / "audit-anchor.json")


def read_anchor() -> Anchor | None:
    """The newest checkpoint kept outside the database, None when none was ever written.
    An unreadable file raises ValueError (it is reported, never taken as 'no anchor')."""
    path = anchor_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return Anchor.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"tệp neo {path} không đọc được ({e})") from None


def write_anchor(anchor: Anchor) -> Path:
    """Keep `anchor` outside the database (call after the commit that wrote its checkpoint)."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    with open(part, "w", encoding="utf-8") as f:
        json.dump(anchor.to_dict(), f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, path)
    return path


# Values JSON keeps as they are, by their exact type (an enum member deriving from str or int
# is of its enum's type): returned at once, most of what a snapshot holds (the register
# import's audit events made 2.5 million isinstance checks for 10,000 petitions).
_AS_IS = frozenset({str, int, bool, type(None)})


def jsonable(value: Any) -> Any:
    """Turn dates, decimals and enums into JSON values that hash the same after a round trip."""
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict:
    """The named attributes of a model as a JSON-safe dict, for before/after."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values changed, from both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def serialise_writers(connection) -> None:
    """PostgreSQL: the advisory lock that orders the app's writers until their commit, the
    chain's (_lock_chain). A rule that must order writers against each other (the kept
    months of reports/month_figures.py) takes this one, never a second lock that two writers
    could take in opposite orders. SQLite has one writer at a time already."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def _lock_chain(session) -> AuditHead | None:
    """Serialise writers of the chain (PostgreSQL: an advisory lock; both: the head's row)."""
    serialise_writers(session.connection())
    return session.get(AuditHead, 1, with_for_update=True)


def _new_checkpoint(key: bytes, seq: int, hash_: str) -> AuditCheckpoint:
    at = utcnow().replace(microsecond=0)
    mac = sign(key, "checkpoint", seq, hash_, at.isoformat())
    return AuditCheckpoint(seq=seq, hash=hash_, created_at=at, mac=mac)


_BATCH = "audit_batch"  # session.info: the events of a batched() block, not yet inserted
_BATCH_HEAD = "audit_batch_head"  # session.info: its locked head, and whether it is signed


@contextlib.contextmanager
def batched(session=None):
    """Within this block, the events recorded are chained in memory and inserted at its end in
    one statement, the head moved once: a writer of many records in one transaction (the
    register import's batch) pays two statements for the chain, not three per event. The chain
    is locked at the block's first event until the commit, as record() does; each event keeps
    the time it was recorded. Nothing inside the block may read the events it recorded."""
    session = session or db.session
    if session.info.get(_BATCH) is not None:
        yield
        return
    session.info[_BATCH] = pending = []
    try:
        yield
    finally:
        session.info.pop(_BATCH, None)
        head = session.info.pop(_BATCH_HEAD, None)
    if pending:
        _append(session, pending, *head)


def _append(session, events: list, head: AuditHead, authentic: bool) -> None:
    """Chain `events` (recorded in this order) after the locked head and insert them."""
    key = audit_key()
    every = current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 0
    checkpoints = []
    for event in events:
        event.seq, event.prev_hash = head.seq + 1, head.hash
        event.hash = event.compute_hash()
        head.seq, head.hash = event.seq, event.hash
        if key is not None and authentic and every and event.seq % every == 0:
            checkpoints.append(_new_checkpoint(key, event.seq, event.hash))
    head.mac = sign(key, "head", head.seq, head.hash) if key is not None and authentic else None
    # One executemany (the ORM inserts such rows one by one where it must read each id back,
    # as on SQLite); the events stay unsaved objects: nothing reads them (see batched).
    session.flush()
    session.execute(sa.insert(AuditEvent.__table__), [_row_of(event) for event in events])
    session.add_all(checkpoints)
    session.flush()


def _row_of(event: AuditEvent) -> dict:
    """An event's column values, for a Core insert."""
    return {
        prop.columns[0].key: getattr(event, prop.key)
        for prop in sa.inspect(AuditEvent).column_attrs
        if prop.key != "id"
    }


def _locked_head(session) -> tuple[AuditHead, bool]:
    """The chain's head, locked (created at the first event), and whether it is signed."""
    head = _lock_chain(session)
    key = audit_key()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        return head, True
    # A head not signed under the key is never signed over by extending it: a cut tail
    # would be sealed by the next event. It stays unsigned, and verify says so.
    return head, key is not None and _signed(key, head.mac, "head", head.seq, head.hash)


def record(
    kind: str,
    entity: Any = None,
    *,
    actor: Any = None,
    unit_id: int | None = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction (flushes; within
    batched(), not for an entity whose id its writer set, see core/db.IdBlock)."""
    session = db.session
    if entity is not None:
        if entity.id is None or session.info.get(_BATCH) is None:
            session.flush()  # the entity needs its id
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else entity.id
        if unit_id is None:
            unit_id = getattr(entity, "unit_id", None)
    pending = session.info.get(_BATCH)
    if pending is not None:  # batched(): chained and inserted at the block's end
        if _BATCH_HEAD not in session.info:  # locked at the first event, as record() does
            session.info[_BATCH_HEAD] = _locked_head(session)
        event = _event(kind, actor, unit_id, entity_type, entity_id, summary, before, after, _Held)
        pending.append(event)
        return event
    head, authentic = _locked_head(session)
    key = audit_key()
    event = _event(kind, actor, unit_id, entity_type, entity_id, summary, before, after)
    event.seq, event.prev_hash = head.seq + 1, head.hash
    event.hash = event.compute_hash()
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    head.mac = None
    if key is not None and authentic:
        head.mac = sign(key, "head", head.seq, head.hash)
        every = current_app.config.get("AUDIT_CHECKPOINT_EVERY") or 0
        if every and event.seq % every == 0:
            session.add(_new_checkpoint(key, event.seq, event.hash))
    session.flush()
    return event


class _Held:
    """An event of a batched() block: the values of an AuditEvent, chained and inserted by
    Core at the block's end; a plain object (building an ORM record per event cost a writer
    of many records, the register import, a tenth of its time)."""

    __slots__ = tuple(column.key for column in AuditEvent.__table__.c)

    def __init__(self, **values):
        self.id = self.seq = self.prev_hash = self.hash = None
        for name, value in values.items():
            setattr(self, name, value)

    payload = AuditEvent.payload
    compute_hash = AuditEvent.compute_hash


def _event(
    kind, actor, unit_id, entity_type, entity_id, summary, before, after, cls=AuditEvent
) -> AuditEvent:
    return cls(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        unit_id=unit_id,
        kind=kind,
        entity_type=entity_type or "system",
        entity_id=entity_id,
        summary=summary,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def checkpoint() -> AuditCheckpoint | None:
    """Write a checkpoint at the chain's head, if the head is signed under the key (a head
    that is not is never vouched for here: see seal()). None without key or events."""
    key = audit_key()
    session = db.session
    head = _lock_chain(session)
    if key is None or head is None or head.seq == 0:
        return None
    if not _signed(key, head.mac, "head", head.seq, head.hash):
        return None
    newest = session.scalar(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    if newest is not None and newest.seq == head.seq:
        return newest  # the head has not moved since: one checkpoint says it
    cp = _new_checkpoint(key, head.seq, head.hash)
    session.add(cp)
    session.flush()
    return cp


def seal(accept_unsigned_head: bool = False) -> tuple[VerifyResult, AuditCheckpoint | None]:
    """Verify the log; if it is intact but for an unsigned head, sign the head; then write a
    checkpoint. A head unsigned before any checkpoint (a log older than migration 0010, or
    kept without a key) is signed at once; one that lost its signature after checkpoints
    existed only when the operator accepts it, and the log records that he did."""
    result = verify()
    if not result.ok and result.problem != UNSIGNED_HEAD:
        return result, None
    if result.problem == UNSIGNED_HEAD and result.checkpoints and not accept_unsigned_head:
        return result, None
    key = audit_key()
    head = _lock_chain(db.session)
    if key is not None and head is not None and result.problem == UNSIGNED_HEAD:
        head.mac = sign(key, "head", head.seq, head.hash)
        db.session.flush()
        if result.checkpoints:
            record(
                "audit.head_resigned",
                entity_type="system",
                summary="Ký lại đầu chuỗi nhật ký đã mất chữ ký (người vận hành chấp nhận)",
                after={"seq": head.seq, "anchored_seq": result.anchored_seq},
            )
    return result, checkpoint()


@maintenance.task("seal_audit_log")
def _seal_after_migration() -> int:
    """Migration 0010 found a log whose head nobody signed: sign it, if the log verifies."""
    return 1 if seal()[1] is not None else 0


# What verify() found wrong: an edited chain; no key to check the anchors with; a head never
# signed (written before the key); a cut tail or wiped log; a chain rewritten with new hashes.
BROKEN, NO_KEY, UNSIGNED_HEAD, CUT, REWRITTEN = (
    "broken",
    "no_key",
    "unsigned_head",
    "cut",
    "rewritten",
)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    problem: str = ""  # BROKEN, NO_KEY, UNSIGNED_HEAD, CUT, REWRITTEN
    checkpoints: int = 0
    anchored_seq: int | None = None  # the newest checkpoint the log was checked against


def verify(
    batch: int = 2000, *, outside: Anchor | None = None, anchor_file: bool = True
) -> VerifyResult:
    """Walk the chain in order, recomputing every hash; then check the head and every
    checkpoint against the chain under the key, and the anchor kept outside the database
    (`outside`, else the anchor file unless `anchor_file` is false: a restore passes its
    backup's). The first problem found is named."""
    if outside is None and anchor_file:
        try:
            outside = read_anchor()
        except ValueError as e:
            return VerifyResult(False, 0, None, str(e), CUT)
    checkpoints = db.session.scalars(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    wanted = {c.seq for c in checkpoints} | ({outside.seq} if outside else set())
    query = sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    result = db.session.scalars(query)
    try:
        walked = _walk(result, wanted)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: never leave it open
    if isinstance(walked, VerifyResult):
        return walked
    return _check_anchors(walked, checkpoints, outside)


@dataclass
class _Walked:
    checked: int
    last_hash: str
    hashes: dict[int, str]


def _walk(events, wanted: set[int]) -> VerifyResult | _Walked:
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    hashes = {0: GENESIS}
    for event in events:
        if event.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"thiếu sự kiện số {expected_seq}", BROKEN
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, event.seq, "liên kết với sự kiện trước bị sai", BROKEN
            )
        if event.compute_hash() != event.hash:
            return VerifyResult(False, checked, event.seq, "nội dung sự kiện đã bị sửa", BROKEN)
        if event.seq in wanted:
            hashes[event.seq] = event.hash
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is None and checked:
        return VerifyResult(
            False, checked, None,
            "thiếu dòng đầu chuỗi (bảng audit_head): các sự kiện cuối có thể đã bị xóa", CUT,
        )  # fmt: skip
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return VerifyResult(False, checked, checked + 1, "các sự kiện cuối chuỗi đã bị xóa", CUT)
    return _Walked(checked, prev_hash, hashes)


def _check_anchors(
    walked: _Walked, checkpoints: list[AuditCheckpoint], outside: Anchor | None
) -> VerifyResult:
    n = walked.checked
    key = audit_key()
    if key is None:
        return VerifyResult(
            False, n, None,
            "chưa cấu hình khóa nhật ký (AUDIT_KEY hoặc tệp instance/audit.key): chuỗi băm "
            "đúng nhưng không kiểm tra được các điểm neo, nên không biết đuôi nhật ký có bị cắt "
            "hay chuỗi có bị lập lại không",
            NO_KEY,
        )  # fmt: skip
    for cp in checkpoints:
        at = cp.created_at.isoformat()
        if not _signed(key, cp.mac, "checkpoint", cp.seq, cp.hash, at):
            return VerifyResult(
                False, n, None,
                f"điểm neo số {cp.id} (đến sự kiện số {cp.seq}) mang chữ ký sai: bảng điểm neo "
                "đã bị sửa, hoặc khóa nhật ký không phải khóa đã ký nó",
                REWRITTEN,
            )  # fmt: skip
        problem = _against_chain(walked, cp.seq, cp.hash, f"điểm neo số {cp.id}")
        if problem:
            return problem
    newest = checkpoints[-1].seq if checkpoints else None
    if outside is not None:
        if not _signed(key, outside.mac, "checkpoint", outside.seq, outside.hash,
                       outside.created_at):  # fmt: skip
            return VerifyResult(
                False, n, None,
                "điểm neo giữ ngoài cơ sở dữ liệu mang chữ ký sai (tệp neo bị sửa, hoặc khóa "
                "nhật ký không phải khóa đã ký nó)",
                REWRITTEN,
            )  # fmt: skip
        where = f"điểm neo giữ ngoài cơ sở dữ liệu (lập lúc {outside.created_at})"
        problem = _against_chain(walked, outside.seq, outside.hash, where)
        if problem:
            return problem
        if not any(hmac.compare_digest(cp.mac, outside.mac) for cp in checkpoints):
            return VerifyResult(
                False, n, None,
                f"{where} không còn trong bảng điểm neo (audit_checkpoint): các điểm neo đã bị xóa",
                CUT,
            )  # fmt: skip
        newest = max(newest or 0, outside.seq)
    head = db.session.get(AuditHead, 1)
    if head is not None and not _signed(key, head.mac, "head", head.seq, head.hash):
        if head.mac is None and not checkpoints:
            reason = (
                "dòng đầu chuỗi (audit_head) chưa được ký (nhật ký có từ trước khi có khóa): "
                "chạy `flask --app complaints audit checkpoint` để ký"
            )
        elif head.mac is None:
            reason = (
                f"dòng đầu chuỗi (audit_head) không còn chữ ký dù nhật ký đã có điểm neo: đuôi "
                f"sau điểm neo cuối (sự kiện số {newest}) có thể đã bị cắt, hoặc đã có lúc ghi "
                "nhật ký khi thiếu khóa. Sau khi xem xét, chạy `flask --app complaints audit "
                "checkpoint --accept-unsigned-head`"
            )
        else:
            reason = (
                "dòng đầu chuỗi (audit_head) mang chữ ký sai: đuôi nhật ký đã bị cắt hoặc chuỗi "
                "đã bị lập lại"
            )
        return VerifyResult(
            False, n, None, reason, UNSIGNED_HEAD if head.mac is None else CUT,
            len(checkpoints), newest,
        )  # fmt: skip
    return VerifyResult(True, n, checkpoints=len(checkpoints), anchored_seq=newest)


def _against_chain(walked: _Walked, seq: int, hash_: str, what: str) -> VerifyResult | None:
    """A signed (seq, hash) must still be in the chain: the chain only grows after it."""
    n = walked.checked
    if seq > n:
        cut = "nhật ký trống: toàn bộ sự kiện đã bị xóa" if n == 0 else (
            f"nay chỉ còn {n}: các sự kiện cuối đã bị xóa"
        )  # fmt: skip
        return VerifyResult(
            False, n, n + 1, f"{what} xác nhận nhật ký có {seq} sự kiện, {cut}", CUT
        )
    if walked.hashes.get(seq) != hash_:
        return VerifyResult(
            False, n, seq,
            f"sự kiện số {seq} khác với {what}: chuỗi đã bị lập lại từ trước sự kiện này",
            REWRITTEN,
        )  # fmt: skip
    return None
