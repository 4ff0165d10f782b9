"""Databases and the application for a benchmark run: a fresh migrated schema, then the data."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import time
from pathlib import Path

import sqlalchemy as sa

from bench.province import END, Generated, PostgresWriter, Province, SQLiteWriter


class BenchError(RuntimeError):
    """The benchmark cannot go on (database unreachable, server not starting...)."""


def app_config(url: str, workdir: Path) -> dict:
    """The configuration of the measured application: the real one, on the bench database,
    over plain HTTP on loopback, with today fixed at the end of the generated history."""
    return {
        "SECRET_KEY": "bench-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "ATTACHMENT_DIR": str(workdir / "attachments"),
        "TODAY": END.isoformat(),
        "HTTPS": False,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": None,
    }


def server_env(url: str, workdir: Path) -> dict[str, str]:
    """The same configuration as environment variables, for gunicorn and the flask CLI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINTS_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DATABASE_URL": url,
            "COMPLAINTS_SECRET_KEY": "bench-secret",
            "COMPLAINTS_INSTANCE_PATH": str(workdir / "instance"),
            "COMPLAINTS_ATTACHMENT_DIR": str(workdir / "attachments"),
            "COMPLAINTS_TODAY": END.isoformat(),
            "COMPLAINTS_HTTPS": "false",
            "COMPLAINTS_SESSION_COOKIE_SECURE": "false",
        }
    )
    return env


def make_app(url: str, workdir: Path):
    """The application on the bench database (its instance folder is the work directory, so a
    developer's instance/config.py never leaks into the measurement)."""
    (workdir / "instance").mkdir(parents=True, exist_ok=True)
    os.environ["COMPLAINTS_INSTANCE_PATH"] = str(workdir / "instance")
    from complaints import create_app

    return create_app(app_config(url, workdir))


def check_reachable(url: str) -> None:
    """Fail early, with the reason, when the database cannot be reached."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as e:  # any driver error means "cannot reach"
        raise BenchError(
            f"cannot reach the database {_safe(url)}: {e.__class__.__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''}"
        ) from None
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


# docs/deploy.md: the app's queries are short; PostgreSQL's parallel workers cost more to start
# (20-30 ms on a busy 2-core server) than they save, and made the case list grow with the data;
# its JIT compiles a report's statement (estimated above 100,000) in 50-150 ms to run it in 10-50.
# And each statement is planned with its values: psycopg prepares a statement run five times,
# and from the fifth run of a prepared one PostgreSQL may keep a generic plan that does not see
# them (the search's 'nguyen van' went from 30 to 420 ms at 30,000 petitions).
PG_NO_PARALLEL = "-cmax_parallel_workers_per_gather=0"
PG_CUSTOM_PLANS = "-cplan_cache_mode=force_custom_plan -cjit=off"
PG_SETTINGS = f"{PG_NO_PARALLEL} {PG_CUSTOM_PLANS}"


def database_for(url: str, workdir: Path, label: str, pg_settings: str = PG_SETTINGS) -> str:
    """A database of its own for one size (kept until the end, so that the smallest and the
    largest can be measured side by side): an SQLite file, or a PostgreSQL schema, with the
    session settings docs/deploy.md recommends."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        return f"sqlite:///{workdir / f'bench-{label}.db'}"
    options = f"-csearch_path=bench_{label} {pg_settings}".strip()
    return u.update_query_dict({"options": options}).render_as_string(hide_password=False)


def pg_schema(url: str) -> str:
    """The schema a PostgreSQL URL works in (its search_path option), public by default."""
    options = sa.engine.make_url(url).query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    for part in options.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1]
    return "public"


def fresh_database(url: str) -> None:
    """An empty database: the SQLite file removed, or the PostgreSQL schema recreated."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{u.database}{suffix}").unlink(missing_ok=True)
        return
    schema = pg_schema(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # The search's trigram indexes (migration 0013) need pg_trgm: in public, shared by every
    # size's schema, so that dropping one size's schema never takes the extension with it.
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except sa.exc.DBAPIError:
        pass  # the migration says so and the search reads every row
    engine.dispose()


def drop_database(url: str) -> None:
    """Remove what fresh_database made (a bench schema; SQLite files go with the work dir)."""
    u = sa.engine.make_url(url)
    schema = pg_schema(url) if u.get_backend_name() != "sqlite" else "public"
    if schema == "public":
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def migrate(app) -> None:
    """The schema through the project's migrations, as every installation gets it."""
    import logging

    from flask_migrate import upgrade

    from complaints.extensions import db

    logging.getLogger("alembic").setLevel(logging.WARNING)
    # A developer regenerating the initial migration removes it for a moment: the upgrade then
    # finds nothing to do. Check the schema is there, and try again a few times.
    for attempt in range(5):
        with app.app_context():
            upgrade()
            if "unit" in sa.inspect(db.engine).get_table_names():
                return
        time.sleep(2 + attempt * 2)
    raise BenchError("the migrations created no table (migrations/versions being rewritten?)")


def generate(url: str, petitions: int, seed: int = 6, shape: str = "province") -> Generated:
    """Fill the (migrated, empty) database with a province (or a country: bench/province.py's
    shapes) of about `petitions` petitions."""
    from complaints.extensions import db

    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        writer = SQLiteWriter(db.metadata, u.database)
    else:
        writer = PostgresWriter(db.metadata, url)
    started = time.perf_counter()
    generated = Province(writer, petitions, seed, shape=shape).run()
    mark_denunciations(url)
    if isinstance(writer, PostgresWriter):
        writer.restore()  # the indexes, which refresh_all's lookups along the links need
    protect(url)
    generated.seconds = time.perf_counter() - started  # the rows, their indexes, protection
    return generated


def generation_key(size: int, shape: str, seed: int = 6) -> str:
    """What makes two generations the same data: the size, shape and seed, and the generator's
    own code (a change to it generates again)."""
    h = hashlib.sha256(f"{size}/{shape}/{seed}".encode())
    h.update((Path(__file__).parent / "province.py").read_bytes())
    for step in (generate, mark_denunciations, protect):
        h.update(inspect.getsource(step).encode())
    return h.hexdigest()[:16]


def _marker(workdir: Path, label: str) -> Path:
    return workdir / f"generated-{label}.json"


_GENERATED = sa.text("SELECT count(*) FROM petition WHERE id <= :last")


def save_generated(workdir: Path, label: str, key: str, info: Generated, url: str) -> None:
    """Remember, in the work dir, what was generated into a size's database (--reuse): the
    generator's key, what it wrote, and its last petition's id (the measurements register a
    few petitions more, after it)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            last = conn.execute(sa.text("SELECT max(id) FROM petition")).scalar() or 0
    finally:
        engine.dispose()
    saved = {"key": key, "last_petition": last, "info": dataclasses.asdict(info)}
    _marker(workdir, label).write_text(json.dumps(saved))


def reusable(workdir: Path, label: str, key: str, url: str) -> Generated | None:
    """The data generated earlier into this size's database by the same generator, when it is
    still there (as many petitions up to its last one as it wrote), else None: a country's five
    million petitions take most of an hour to write and can then be measured again in
    minutes."""
    try:
        saved = json.loads(_marker(workdir, label).read_text())
    except (OSError, ValueError):
        return None
    if saved.get("key") != key:
        return None
    info = Generated(**saved["info"])
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(_GENERATED, {"last": saved.get("last_petition", 0)}).scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    return info if found == info.petitions else None


def mark_denunciations(url: str) -> None:
    """Every denunciation (petition, visit, case) marked once denounced and protected, in one
    pass while the PostgreSQL writer's indexes are still away (a fifth of a country's rows).
    A head start only: the rule is core/confidentiality's (_marked, refresh_all), and
    protect() runs it over these rows afterwards, mending whatever this pass got wrong."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for table, denounced in (("petition", True), ("visit", True), ("case_file", False)):
                marks = "denounced = TRUE, protected = TRUE" if denounced else "protected = TRUE"
                conn.execute(sa.text(f"UPDATE {table} SET {marks} WHERE kind = 'denunciation'"))
    finally:
        engine.dispose()


def protect(url: str) -> None:
    """The denouncer's protection of the rows written in bulk, as the app keeps it
    (core/confidentiality.refresh_all: the marks and their spread along the links; it writes
    only what mark_denunciations left to mend)."""
    from complaints.core.confidentiality import refresh_all

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            refresh_all(conn)
    finally:
        engine.dispose()
