"""factory-boy factories bound to the test session (see conftest.bind)."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from complaints.auth.models import User
from complaints.core.access import Role
from complaints.units.models import Unit, UnitLevel

PASSWORD = "mat-khau-test"
_FACTORIES: list[type[SQLAlchemyModelFactory]] = []


def bind(session) -> None:
    """Point every factory at the session of the current test."""
    for f in _FACTORIES:
        f._meta.sqlalchemy_session = session


def registered(cls):
    _FACTORIES.append(cls)
    return cls


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


@registered
class UnitFactory(Base):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Đơn vị thử {n}")
    level = UnitLevel.commune
    parent = None
    active_from = date(2025, 7, 1)

    @factory.post_generation
    def _path(obj, create, extracted, **kwargs):
        session = UnitFactory._meta.sqlalchemy_session
        session.flush()
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.id}/"
        session.flush()


@registered
class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Cán bộ Thử {n}")
    title = "Chuyên viên"
    unit = factory.SubFactory(UnitFactory)
    active = True
    password_hash = factory.LazyFunction(lambda: _hashed())

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        obj.set_roles(extracted or [Role.reception_officer])
        UserFactory._meta.sqlalchemy_session.flush()


_HASH_CACHE: dict[str, str] = {}


def _hashed() -> str:
    # Hashing is slow by design; one hash serves every test user.
    if PASSWORD not in _HASH_CACHE:
        from werkzeug.security import generate_password_hash

        _HASH_CACHE[PASSWORD] = generate_password_hash(PASSWORD)
    return _HASH_CACHE[PASSWORD]


def province_tree() -> dict[str, Unit]:
    """HP province with its inspectorate, a department, two communes; and another province."""
    hp = UnitFactory(code="HP", name="UBND thành phố Hải Phòng", level=UnitLevel.province)
    ttr = UnitFactory(
        code="HPTTR", name="Thanh tra thành phố", level=UnitLevel.department, parent=hp
    )
    stn = UnitFactory(
        code="HPSTNMT", name="Sở Nông nghiệp và Môi trường", level=UnitLevel.department, parent=hp
    )
    c1 = UnitFactory(code="HPLC", name="UBND phường Lê Chân", level=UnitLevel.commune, parent=hp)
    c2 = UnitFactory(code="HPHA", name="UBND phường Hải An", level=UnitLevel.commune, parent=hp)
    other = UnitFactory(code="HN", name="UBND thành phố Hà Nội", level=UnitLevel.province)
    return {
        "province": hp,
        "inspectorate": ttr,
        "department": stn,
        "commune": c1,
        "commune2": c2,
        "other": other,
    }
