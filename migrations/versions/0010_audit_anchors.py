"""The audit log is append-only in the database itself, and anchored outside it.

- triggers refuse UPDATE and DELETE on audit_event and audit_checkpoint (and TRUNCATE on
  PostgreSQL), and DELETE of the chain's head; the head may only move forward (a new seq),
  or be signed where it stands. Nothing of the application updates or deletes these rows:
  no retention, no anonymisation, no reset touches the log (tests roll back or recreate
  the schema). Whoever owns the database can still drop a trigger; the signatures below are
  what shows it then;
- audit_head.mac: HMAC of the head under the audit key, kept outside the database;
- audit_checkpoint: signed (seq, hash) statements, written every AUDIT_CHECKPOINT_EVERY
  events, by `flask audit checkpoint` and by every backup.

A log that already has events gets its head signed and a first checkpoint by `flask
maintenance` (task seal_audit_log), once the audit key is configured.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

REFUSED = "nhật ký chỉ được ghi thêm"  # the message the database gives when refusing

SQLITE_TRIGGERS = {
    "audit_event_no_update": f"""
        CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: không sửa được audit_event'); END""",
    "audit_event_no_delete": f"""
        CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: không xoá được audit_event'); END""",
    "audit_checkpoint_no_update": f"""
        CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: không sửa được audit_checkpoint'); END""",
    "audit_checkpoint_no_delete": f"""
        CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: không xoá được audit_checkpoint'); END""",
    "audit_head_no_delete": f"""
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: không xoá được audit_head'); END""",
    "audit_head_forward": f"""
        CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
        WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq
            OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: đầu chuỗi chỉ tiến lên'); END""",
}

PG_FUNCTIONS = {
    "audit_refuse_change": f"""
        CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSED}: % trên % bị từ chối', TG_OP, TG_TABLE_NAME;
        END $$""",
    "audit_head_forward": f"""
        CREATE FUNCTION audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.seq < OLD.seq
                    OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) THEN
                RAISE EXCEPTION '{REFUSED}: % trên audit_head bị từ chối (đầu chuỗi chỉ tiến lên)',
                    TG_OP;
            END IF;
            RETURN NEW;
        END $$""",
}

PG_TRIGGERS = {
    ("audit_event", "audit_event_append_only"): (
        "BEFORE UPDATE OR DELETE",
        "ROW",
        "audit_refuse_change",
    ),
    ("audit_event", "audit_event_no_truncate"): (
        "BEFORE TRUNCATE",
        "STATEMENT",
        "audit_refuse_change",
    ),
    ("audit_checkpoint", "audit_checkpoint_append_only"): (
        "BEFORE UPDATE OR DELETE",
        "ROW",
        "audit_refuse_change",
    ),
    ("audit_checkpoint", "audit_checkpoint_no_truncate"): (
        "BEFORE TRUNCATE",
        "STATEMENT",
        "audit_refuse_change",
    ),
    ("audit_head", "audit_head_forward"): ("BEFORE UPDATE OR DELETE", "ROW", "audit_head_forward"),
    ("audit_head", "audit_head_no_truncate"): (
        "BEFORE TRUNCATE",
        "STATEMENT",
        "audit_refuse_change",
    ),
}


def upgrade():
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
        sa.UniqueConstraint("mac", name=op.f("uq_audit_checkpoint_mac")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_FUNCTIONS.values():
            op.execute(sql)
        for (table, name), (when, level, function) in PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION {function}()"
            )
    else:
        for sql in SQLITE_TRIGGERS.values():
            op.execute(sql)
    # A log that already has events: its head gets signed once the key is there.
    if op.get_bind().execute(sa.text("SELECT count(*) FROM audit_head")).scalar():
        t = sa.table("pending_task", sa.column("name"))
        op.execute(t.insert().values(name="seal_audit_log"))


def downgrade():
    op.execute("DELETE FROM pending_task WHERE name = 'seal_audit_log'")
    if op.get_bind().dialect.name == "postgresql":
        for table, name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("mac")
