"""Register numbers: unit code + yearly running number, per unit, restarting each year,
gapless under rollback and under real concurrency (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaints.auth.models import User
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.extensions import db as _db
from complaints.petitions import operations as ops
from complaints.petitions.models import Petition, RegisterCounter
from complaints.petitions.storage import IncomingFile
from complaints.units.models import Unit

from . import factories
from . import factories_petitions as fp
from .conftest import PG_URL, _reset_postgres, make_app

pytestmark = pytest.mark.usefixtures("today")


def data(unit, received=date(2026, 3, 2), **over) -> ops.PetitionData:
    values = dict(
        unit=unit,
        received_date=received,
        source="post",
        kind="complaint",
        field="land",
        summary="Khiếu nại về bồi thường khi thu hồi đất.",
        senders=[ops.SenderData("Nguyễn Văn A", identity_no="031088012345")],
    )
    values.update(over)
    return ops.PetitionData(**values)


@pytest.fixture()
def handler(province):
    return factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])


def register(actor, unit, received=date(2026, 3, 2), **over) -> Petition:
    return ops.register_petition(actor, data(unit, received, **over))


def test_number_format_is_unit_code_year_and_five_digits(db, handler, province):
    p = register(handler, province["inspectorate"])
    assert p.register_no == "HPTTR-2026-00001"
    assert (p.register_year, p.register_seq) == (2026, 1)


def test_year_rollover_restarts_at_one(db, handler, province):
    unit = province["inspectorate"]
    numbers = [
        register(handler, unit, date(2025, 12, 31)).register_no,
        register(handler, unit, date(2025, 12, 30)).register_no,
        register(handler, unit, date(2026, 1, 1)).register_no,
        register(handler, unit, date(2025, 12, 31)).register_no,  # late entry of last year
        register(handler, unit, date(2026, 1, 2)).register_no,
    ]
    assert numbers == [
        "HPTTR-2025-00001",
        "HPTTR-2025-00002",
        "HPTTR-2026-00001",
        "HPTTR-2025-00003",
        "HPTTR-2026-00002",
    ]


def test_numbers_run_per_unit(db, handler, province):
    a = register(handler, province["inspectorate"])
    b = register(handler, province["commune"])
    c = register(handler, province["inspectorate"])
    d = register(handler, province["province"])
    assert [a.register_no, b.register_no, c.register_no, d.register_no] == [
        "HPTTR-2026-00001",
        "HPLC-2026-00001",
        "HPTTR-2026-00002",
        "HP-2026-00001",
    ]


def test_year_rollover_through_the_form(web, login_as, province, db):
    login_as(Role.petition_handler, unit=province["commune"])
    base = {
        "unit_id": str(province["commune"].id),
        "source": "mailbox",
        "kind": "feedback",
        "field": "environment",
        "summary": "Phản ánh tiếng ồn của xưởng gỗ ban đêm.",
        "senders-0-full_name": "Đỗ Thị Hoa",
        "signatory_count": "1",
    }
    for day in ("31/12/2025", "01/01/2026"):
        assert web.post_form("/petitions/new", {**base, "received_date": day}).status_code == 302
    numbers = db.session.scalars(sa.select(Petition.register_no).order_by(Petition.id)).all()
    assert numbers == ["HPLC-2025-00001", "HPLC-2026-00001"]


def test_a_rolled_back_registration_gives_its_number_back(db, handler, province):
    unit = province["inspectorate"]
    savepoint = db.session.begin_nested()
    assert register(handler, unit).register_seq == 1
    savepoint.rollback()
    assert register(handler, unit).register_no == "HPTTR-2026-00001"
    assert register(handler, unit).register_no == "HPTTR-2026-00002"


def test_a_refused_registration_takes_no_number(db, handler, province):
    unit = province["inspectorate"]
    with pytest.raises(ops.PetitionError):
        register(handler, unit, senders=[], anonymous=False)
    with pytest.raises(ops.PetitionError):
        ops.register_petition(handler, data(unit), [IncomingFile("x.pdf", b"not a pdf")])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegisterCounter)) == 0
    assert register(handler, unit).register_seq == 1


def test_typed_number_is_kept_and_skipped_by_the_counter(db, handler, province):
    unit = province["inspectorate"]
    typed = register(handler, unit, register_no="hpttr-2026-3")
    assert typed.register_no == "HPTTR-2026-00003" and typed.register_seq == 3
    auto = [register(handler, unit).register_no for _ in range(3)]
    assert auto == ["HPTTR-2026-00001", "HPTTR-2026-00002", "HPTTR-2026-00004"]


def test_duplicate_typed_number_is_a_clear_error(db, handler, province):
    unit = province["inspectorate"]
    register(handler, unit)
    with pytest.raises(ops.PetitionError) as err:
        register(handler, unit, register_no="HPTTR-2026-00001")
    assert err.value.field == "register_no"
    assert "Số vào sổ HPTTR-2026-00001 đã có trong sổ đơn" in str(err.value)
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 1


def test_clash_found_only_by_the_database_is_a_clear_error(db, handler, province):
    """An imported row carries the number the counter is about to give: the unique index
    refuses the insert, the user gets a message, and the transaction stays usable."""
    unit = province["inspectorate"]
    fp.PetitionFactory(unit=unit, register_seq=900, register_no="HPTTR-2026-00001")
    with pytest.raises(ops.PetitionError) as err:
        register(handler, unit)
    assert "HPTTR-2026-00001 đã có trong sổ đơn" in str(err.value)
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 1
    assert db.session.scalar(sa.select(RegisterCounter.last_seq)) is None  # step undone
    assert register(handler, province["commune"]).register_no == "HPLC-2026-00001"


def test_register_number_never_changes_on_edit(db, handler, province):
    p = register(handler, province["inspectorate"])
    edited = data(province["inspectorate"], summary="Nội dung đã sửa", register_no="X-1")
    ops.update_petition(handler, p, edited, expected_version=p.version)
    assert p.register_no == "HPTTR-2026-00001" and p.summary == "Nội dung đã sửa"


# --- real concurrency ---------------------------------------------------------------------

THREADS, PER_THREAD, ROLLBACKS = 8, 10, 2


def _empty_again(app) -> None:
    """Leave the shared PostgreSQL database empty and migrated for the tests that follow:
    recreated, not truncated, since the database refuses to truncate the audit log."""
    from flask_migrate import upgrade

    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
        _reset_postgres(PG_URL)
        upgrade()
        _db.engine.dispose()


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="COMPLAINTS_TEST_DATABASE_URL not set"),
            ],
        ),
    ],
)
def test_concurrent_registrations_get_gapless_unique_numbers(tmp_path, backend):
    """8 threads register 10 petitions each at the same moment, each also rolling back 2
    registrations: the committed numbers are exactly 1..80, and the audit chain holds."""
    app = make_app(tmp_path, PG_URL if backend == "postgresql" else None)
    try:
        with app.app_context():
            factories.bind(_db.session)
            hp = factories.UnitFactory(code="HP", name="Hải Phòng", level="province")
            unit = factories.UnitFactory(code="HPTTR", name="Thanh tra", parent=hp)
            actor = factories.UserFactory(unit=hp, roles=[Role.petition_handler])
            _db.session.commit()
            unit_id, actor_id = unit.id, actor.id
            _db.session.remove()

        barrier = threading.Barrier(THREADS, timeout=60)
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                with app.app_context():
                    user = _db.session.get(User, actor_id)
                    the_unit = _db.session.get(Unit, unit_id)
                    _db.session.commit()  # SQLite: hold no lock while waiting for the others
                    barrier.wait()
                    for i in range(PER_THREAD + ROLLBACKS):
                        ops.register_petition(
                            user,
                            data(the_unit, summary=f"Đơn {n}-{i}"),
                            today=date(2026, 6, 30),
                        )
                        if i % 5 == 4 and i // 5 < ROLLBACKS:
                            _db.session.rollback()
                        else:
                            _db.session.commit()
            except BaseException as e:  # reported below; a thread must not die silently
                errors.append(e)
                barrier.abort()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not [t for t in threads if t.is_alive()], "a registration thread hung"
        assert not errors, errors

        with app.app_context():
            rows = _db.session.execute(
                sa.select(Petition.register_seq, Petition.register_no).where(
                    Petition.unit_id == unit_id
                )
            ).all()
            seqs = sorted(seq for seq, _ in rows)
            total = THREADS * PER_THREAD
            assert seqs == list(range(1, total + 1))
            assert len({no for _, no in rows}) == total
            assert {no for _, no in rows} == {f"HPTTR-2026-{n:05d}" for n in range(1, total + 1)}
            counter = _db.session.scalar(sa.select(RegisterCounter.last_seq))
            assert counter == total
            registered = _db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.kind == "petition.registered"
                )
            )
            assert registered == total
            assert audit.verify().ok
            _db.session.remove()
    finally:
        if backend == "postgresql":
            _empty_again(app)
        else:
            with app.app_context():
                _db.engine.dispose()


def test_files_follow_the_transaction_outside_tests_rollback(tmp_path):
    """With the application's own sessions: a rollback removes the written scans, a commit
    keeps them."""
    app = make_app(tmp_path)
    with app.app_context():
        factories.bind(_db.session)
        unit = factories.UnitFactory(code="HP", name="Hải Phòng", level="province")
        actor = factories.UserFactory(unit=unit, roles=[Role.petition_handler])
        _db.session.commit()
        root = Path(app.config["ATTACHMENT_DIR"])

        def stored() -> set[Path]:
            return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()

        scan = IncomingFile("don.pdf", fp.PDF)
        ops.register_petition(actor, data(unit), [scan], today=date(2026, 6, 30))
        assert len(stored()) == 1  # written inside the transaction
        _db.session.rollback()
        assert stored() == set()

        p = ops.register_petition(actor, data(unit), [scan], today=date(2026, 6, 30))
        key = p.attachments[0].storage_key
        _db.session.commit()
        assert [f.name for f in stored()] == [key]
        assert p.register_no == "HP-2026-00001"  # the rolled-back one gave its number back

        ops.register_petition(actor, data(unit), [scan], today=date(2026, 6, 30))
        _db.session.remove()  # a request that ends without commit closes the session
        assert [f.name for f in stored()] == [key]
        _db.engine.dispose()
