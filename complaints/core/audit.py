"""The event log: one append-only row per change, chained by SHA-256 so tampering shows."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

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


def jsonable(value: Any) -> Any:
    """Turn dates, decimals and enums into JSON values that hash the same after a round trip."""
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
    """Append one event to the chain inside the current transaction (flushes)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    if entity is not None:
        session.flush()  # the entity needs its id
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else entity.id
        if unit_id is None:
            unit_id = getattr(entity, "unit_id", None)
    head = session.get(AuditHead, 1, with_for_update=True)
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        unit_id=unit_id,
        kind=kind,
        entity_type=entity_type or "system",
        entity_id=entity_id,
        summary=summary,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        prev_hash=head.hash,
    )
    event.hash = event.compute_hash()
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the chain in order, recomputing every hash; name the first broken event."""
    query = sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    result = db.session.scalars(query)
    try:
        return _walk(result)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: never leave it open


def _walk(events) -> VerifyResult:
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"thiếu sự kiện số {expected_seq}")
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.seq, "liên kết với sự kiện trước bị sai")
        if event.compute_hash() != event.hash:
            return VerifyResult(False, checked, event.seq, "nội dung sự kiện đã bị sửa")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return VerifyResult(False, checked, expected_seq, "các sự kiện cuối chuỗi đã bị xoá")
    return VerifyResult(True, checked)
