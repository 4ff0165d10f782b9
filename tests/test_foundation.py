"""The foundation: configuration layers, SQLite policy, migrations, the audit chain."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa

from complaints import create_app
from complaints.core import audit
from complaints.core.text import fold, like_pattern
from complaints.extensions import db as _db

from . import factories
from .audit_tamper import drop_audit_triggers
from .conftest import PG_URL, make_app

# Indexes of an expression, compared apart (test_finished_index_states_the_case_base).
EXPRESSION_INDEXES = {"ix_case_file_unit_done", "ix_case_file_done_unit"}


def test_configuration_layers(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'from-instance'\nPAGE_SIZE = 20\n")
    monkeypatch.setenv("COMPLAINTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMPLAINTS_PAGE_SIZE", "75")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.config["PAGE_SIZE"] == 75  # the environment wins, typed as a number
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'complaints.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1/x")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg")


def test_missing_secret_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("COMPLAINTS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_factory_creates_no_tables(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/n.db"})
    with app.app_context():
        assert sa.inspect(_db.engine).get_table_names() == []


@pytest.mark.skipif(bool(PG_URL), reason="SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, db):
    conn = db.session.connection()
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from complaints.core.search_index import is_search_index

    # The text search's FTS5 tables and word indexes are the migration's own DDL; the index of
    # an expression is not reflected by SQLite's dialect (its own test below).
    def include(name, type_, parents):
        return not is_search_index(name) and name not in EXPRESSION_INDEXES

    def include_object(obj, name, type_, reflected, compare_to):
        return name not in EXPRESSION_INDEXES

    with app.app_context(), _db.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", ".*skipping metadata-specified expression-based index")
        context = MigrationContext.configure(
            conn, opts={"include_name": include, "include_object": include_object}
        )
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_finished_index_states_the_case_base(app):
    """The reports' and the dashboard's case base is a range of ix_case_file_unit_done only
    if the index holds the very expression of cases.models.not_finished_before: the migration
    wrote the models' expression, and SQLite's planner takes the range from it."""
    from datetime import date

    from complaints.cases.models import FINISHED_ON_SQL, Case, not_finished_before

    with app.app_context(), _db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_case_file_unit_done'"
            ).scalar()
            assert FINISHED_ON_SQL in sql
            query = sa.select(sa.func.count()).where(
                Case.unit_id.in_([1, 2]),
                not_finished_before(date(2026, 1, 1)),
                Case.accepted_on <= date(2026, 12, 31),
            )
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(
                str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "ix_case_file_unit_done (unit_id=? AND <expr>>? AND <expr><?)" in plan
        else:
            sql = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_file_unit_done'"
            ).scalar()
            assert "COALESCE(decided_on, closed_on, '9999-12-31'::date)" in sql


def test_open_case_index_states_the_lists_predicate(app):
    """The partial index of open cases is used only by queries stating its predicate in its
    very words (cases.models.open_case): the migration wrote the models' predicate."""
    from complaints.cases.models import CLOSED_STATES, OPEN_CASE_SQL

    with app.app_context(), _db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_case_file_open'"
            ).scalar()
            assert sql.endswith(f"WHERE {OPEN_CASE_SQL}")
        else:
            sql = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_file_open'"
            ).scalar()
            assert "WHERE" in sql
            assert all(f"'{s.value}'" in sql for s in CLOSED_STATES)


def test_fold_and_like_pattern():
    assert fold("  Nguyễn   Văn Ă, ĐƯỜNG ") == "nguyen van a, duong"
    assert like_pattern("50%_x") == "%50\\%\\_x%"


def test_fold_transliterates_as_unidecode_does():
    """fold translates each character by a table of unidecode's own transliterations (made
    as characters are met): the text unidecode gives, whatever the script."""
    import random
    import re

    from unidecode import unidecode

    rnd = random.Random(13)
    ranges = [(32, 0x2FF), (0x1E00, 0x1EFF), (0x300, 0xD7FF), (0xE000, 0xFFFF)]
    texts = ["Nguyễn Văn Ánh  ĐẶNG\tthị", "北京 Œ ß ﬁ ①", "Ｆｕｌｌ　width", "ascii only"]
    for _ in range(500):
        texts.append("".join(chr(rnd.randint(*rnd.choice(ranges))) for _ in range(20)))
    for text in texts:
        assert fold(text) == re.sub(r"\s+", " ", unidecode(text).lower()).strip(), text


def test_audit_chain_verifies_and_names_the_first_broken_event(db, province):
    for i in range(3):
        audit.record("test.event", province["province"], summary=f"sự kiện {i}", after={"i": i})
    assert audit.verify().ok
    drop_audit_triggers(db.session)
    second = db.session.scalars(sa.select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).all()[
        -2
    ]
    db.session.execute(
        sa.update(audit.AuditEvent).where(audit.AuditEvent.id == second.id).values(summary="sửa")
    )
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.broken_seq == second.seq and "sửa" in result.reason


def test_audit_chain_detects_a_removed_event(db, province):
    for i in range(3):
        audit.record("test.event", province["province"], after={"i": i})
    last = db.session.scalar(sa.select(sa.func.max(audit.AuditEvent.seq)))
    drop_audit_triggers(db.session)
    db.session.execute(sa.delete(audit.AuditEvent).where(audit.AuditEvent.seq == last - 1))
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.broken_seq == last - 1
    db.session.execute(sa.delete(audit.AuditEvent).where(audit.AuditEvent.seq == last))
    db.session.expire_all()
    assert not audit.verify().ok  # removing the newest events is detected by the head


def test_audit_verify_command_exit_codes(tmp_path):
    app = make_app(tmp_path, None)
    runner = app.test_cli_runner()
    with app.app_context():
        unit_code = "AUD"
        from complaints.units.models import UnitLevel
        from complaints.units.operations import create_unit

        create_unit(None, code=unit_code, name="Thử", level=UnitLevel.province, parent=None)
        _db.session.commit()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "nguyên vẹn" in ok.output
    with app.app_context():
        drop_audit_triggers(_db.session)
        _db.session.execute(sa.update(audit.AuditEvent).values(summary="giả mạo"))
        _db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "sự kiện số 1" in bad.output


def test_wsgi_module_builds_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLAINTS_SECRET_KEY", "x")
    monkeypatch.setenv("COMPLAINTS_INSTANCE_PATH", str(tmp_path))
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.name == "complaints"


def test_pages_are_vietnamese_with_security_headers(client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    missing = client.get("/khong-co-trang-nay")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.get_data(as_text=True)


def test_unit_scope_is_the_subtree(db, province):
    from complaints.core.access import in_scope
    from complaints.units.models import Unit

    user = factories.UserFactory(unit=province["province"])
    codes = set(db.session.scalars(sa.select(Unit.code).where(in_scope(user, Unit.id))))
    assert codes == {"HP", "HPTTR", "HPSTNMT", "HPLC", "HPHA"}
    commune_user = factories.UserFactory(unit=province["commune"])
    assert set(db.session.scalars(sa.select(Unit.code).where(in_scope(commune_user, Unit.id)))) == {
        "HPLC"
    }


def test_a_nul_byte_in_a_form_or_query_is_refused_with_a_message(web):
    resp = web.post_form("/login", {"username": "ab\x00c", "password": "x"})
    assert resp.status_code == 400
    assert "ký tự không hợp lệ" in resp.get_data(as_text=True)
    resp = web.get("/login?next=%00")
    assert resp.status_code == 400
