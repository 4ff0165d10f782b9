"""Factories for petitions and, for the search, the visits they come from."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date

import factory

from complaints.core.text import fold
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions.models import Petition, PetitionSender, PetitionSource
from complaints.petitions.operations import format_register_no, refresh_search_text
from complaints.reception.models import (
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
    VisitPerson,
)

from .factories import Base, registered

TODAY = date(2026, 6, 30)  # "today" for every petition test: no test reads the clock


# --- file contents, recognised by their magic bytes -------------------------------------


def png_bytes(extra: int = 0) -> bytes:
    """A real 1x1 PNG (optionally padded with a text chunk to reach a size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    text = chunk(b"tEXt", b"pad\x00" + b"x" * extra) if extra else b""
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + text + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )  # fmt: skip


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
TIF = b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00"
TEXT = "Đây là một tệp văn bản, không phải bản quét.\n".encode()


def upload(data: bytes, name: str):
    """A file part for the test client."""
    return (io.BytesIO(data), name)


# --- records ------------------------------------------------------------------------------


@registered
class PetitionFactory(Base):
    """A petition already in the register (numbers from a sequence, not the counter)."""

    class Meta:
        model = Petition

    unit = None
    unit_id = factory.LazyAttribute(lambda o: o.unit.id)
    received_date = date(2026, 3, 2)
    register_year = factory.LazyAttribute(lambda o: o.received_date.year)
    register_seq = factory.Sequence(lambda n: 50_000 + n)
    register_no = factory.LazyAttribute(
        lambda o: format_register_no(o.unit.code, o.register_year, o.register_seq)
    )
    source = PetitionSource.post
    kind = PetitionKind.complaint
    field = Field.land
    summary = "Khiếu nại việc thu hồi đất không bồi thường thỏa đáng."
    signatory_count = 1
    anonymous = False
    denounced = factory.LazyAttribute(lambda o: o.kind == PetitionKind.denunciation)

    @factory.post_generation
    def senders(obj, create, extracted, **kwargs):
        """senders=[("Nguyễn Văn A", "001088012345"), ...] or [dict(...)]."""
        rows = extracted if extracted is not None else [("Nguyễn Văn An", "001088000001")]
        for position, row in enumerate(rows):
            values = (
                dict(row)
                if isinstance(row, dict)
                else dict(zip(("full_name", "identity_no", "address"), row, strict=False))
            )
            obj.senders.append(PetitionSender(position=position, **values))
        obj.signatory_count = max(obj.signatory_count, len(rows), 1)
        refresh_search_text(obj)
        PetitionFactory._meta.sqlalchemy_session.flush()


@registered
class ReceptionSessionFactory(Base):
    class Meta:
        model = ReceptionSession

    unit = None
    unit_id = factory.LazyAttribute(lambda o: o.unit.id)
    kind = SessionKind.regular
    session_date = date(2026, 3, 2)
    place = "Trụ sở tiếp công dân"
    host_name = "Cán bộ tiếp dân"
    status = SessionStatus.held


@registered
class VisitFactory(Base):
    """A visit with its persons; search_text folded as the reception feature fills it."""

    class Meta:
        model = Visit

    unit = None
    unit_id = factory.LazyAttribute(lambda o: o.unit.id)
    session = factory.SubFactory(ReceptionSessionFactory, unit=factory.SelfAttribute("..unit"))
    visit_date = date(2026, 3, 2)
    kind = PetitionKind.complaint
    denounced = factory.LazyAttribute(lambda o: o.kind == PetitionKind.denunciation)
    content = "Đề nghị giải quyết tranh chấp ranh giới đất với hộ liền kề."
    people_count = 1
    outcome = VisitOutcome.petition_received

    @factory.post_generation
    def persons(obj, create, extracted, **kwargs):
        rows = extracted if extracted is not None else [("Trần Thị Bình", "002099000002")]
        for position, (name, ident, *rest) in enumerate(rows):
            obj.persons.append(
                VisitPerson(
                    position=position,
                    full_name=name,
                    identity_no=ident,
                    address=rest[0] if rest else "Lê Chân, Hải Phòng",
                )
            )
        parts = [obj.content] + [
            x for p in obj.persons for x in (p.full_name, p.identity_no, p.address)
        ]
        obj.search_text = fold(" ".join(parts))
        obj.people_count = max(obj.people_count, len(rows), 1)
        VisitFactory._meta.sqlalchemy_session.flush()
