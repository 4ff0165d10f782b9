"""Query plans of what the benchmark measures, captured from the real requests and reports."""

from __future__ import annotations

import time

import sqlalchemy as sa


class Capture:
    """Every statement the application sends while the block runs, with its parameters."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object, float]] = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        context._bench_t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, time.perf_counter() - context._bench_t0))

    def slowest(self, n: int = 3, prefix: str = "SELECT"):
        chosen = [s for s in self.statements if s[0].lstrip().upper().startswith(prefix)]
        return sorted(chosen, key=lambda s: -s[2])[:n]


def explain(engine, statement: str, parameters) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE (PostgreSQL) of a captured statement."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + detail)
            return lines
        rows = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + statement, parameters
        ).all()
        conn.rollback()
        return [r[0] for r in rows]


def short(statement: str, limit: int = 240) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def page_plans(app, user, url: str, n: int = 2, also: str | None = None) -> list[dict]:
    """The plans of the slowest statements of one request (and of those containing `also`)."""
    from complaints.extensions import db

    with app.app_context():
        engine = db.engine
    user.get(url)
    with Capture(engine) as cap:
        user.get(url)
    chosen = cap.slowest(n)
    if also:
        chosen += [x for x in cap.statements if also in x[0] and x not in chosen]
    return [
        {"ms": round(t * 1000, 2), "sql": short(s), "plan": explain(engine, s, p)}
        for s, p, t in chosen
    ]


def report_plans(app, form: str, unit_code: str, period, n: int = 2) -> list[dict]:
    from complaints.extensions import db
    from complaints.reports import service
    from complaints.units.models import Unit

    with app.app_context():
        engine = db.engine
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
        with Capture(engine) as cap:
            service.build(form, unit, period, with_subunits=True)
        db.session.rollback()
    return [
        {"ms": round(t * 1000, 2), "sql": short(s), "plan": explain(engine, s, p)}
        for s, p, t in cap.slowest(n)
    ]
