"""What only the database's owner can do to the audit log: take its triggers off. The tests
that play an attacker do it first (inside the test's transaction, so it is undone after)."""

from __future__ import annotations

AUDIT_TABLES = ("audit_event", "audit_checkpoint", "audit_head")


def drop_audit_triggers(session) -> None:
    """Take off the triggers that keep the log append-only, as an owner of the database can."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        for table in AUDIT_TABLES:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (?, ?, ?)",
        AUDIT_TABLES,
    ).scalars()
    for name in list(names):
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
