"""A synthetic province's ten years, written in bulk (executemany on SQLite, COPY on PostgreSQL).

The rows are what the operations would have written (complaints/demo.py goes through them, one
ORM flush at a time, which is far too slow for a million petitions): units of a province
(departments, districts until 30/6/2025, communes from 01/7/2025), users, reception sessions
and visits, petitions with their senders, processing and processing deadline, cases with their
timeline events and the deadlines the engine gives them, the register and case counters.

Volumes scale with the number of petitions over a fixed ten-year span (a bigger province has
more of everything, including open cases); the unit tree is the same at every size. The audit
log is not generated (no page or report reads it; the chain starts empty and stays valid).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from itertools import accumulate

import sqlalchemy as sa

from complaints.cases.models import is_duty
from complaints.citizen import codes
from complaints.core import deadlines as engine
from complaints.core.text import fold

END = date(2026, 11, 30)  # the last day of the history ("today" for the pages)
START = date(2016, 12, 1)  # ten years before
REPORT_YEAR = 2025  # the last full reporting year (15/12/2024 - 14/12/2025)
REFORM = date(2025, 7, 1)  # districts abolished, communes directly under the province
PASSWORD = "bench12345"  # every bench account; never a real installation
PROVINCE_CODE = "SL"

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
# How often each surname is borne (about the country's shares: Nguyễn some 38%, Trần 11%, Lê 9.5%,
# ...), so that a common name is as common as in a real register and "nguyen van" fills a page
# of the search at every size, as it would in any province.
SURNAME_WEIGHTS = [38, 11, 9.5, 7, 5.1, 1.5, 4.5, 2, 1.9, 2.1, 2, 1.4, 1.3, 1.3, 1, 0.5]
# The probe petitions' sender (probe_case): a given name no generated person bears.
PROBE_NAME = "Hoàng Thị Xuyến"
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân", "Hồng"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Giang",
    "Hà",
    "Hải",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Tuấn",
    "Yến",
    "Khánh",
    "Hiếu",
    "Nga",
]
STREETS = [
    "Lê Lợi",
    "Trần Phú",
    "Nguyễn Du",
    "Quang Trung",
    "Hai Bà Trưng",
    "Lê Hồng Phong",
    "Phan Bội Châu",
    "Nguyễn Thị Minh Khai",
    "Hồ Tùng Mậu",
    "Trường Chinh",
]
CONTENTS = {
    "complaint": [
        (
            "land",
            "Khiếu nại Quyết định thu hồi đất số {n}/QĐ-UBND, đề nghị xem xét lại đơn giá "
            "bồi thường, hỗ trợ khi giải phóng mặt bằng dự án mở rộng đường {s}",
        ),
        ("land", "Khiếu nại việc không được bố trí tái định cư khi thu hồi đất ở tại đường {s}"),
        ("land", "Khiếu nại việc cấp giấy chứng nhận quyền sử dụng đất thửa số {n} cho hộ liền kề"),
        ("policy", "Khiếu nại việc cắt trợ cấp người có công với cách mạng của gia đình"),
        ("housing", "Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng nhà ở số {n}"),
        ("civil_service", "Khiếu nại quyết định kỷ luật cảnh cáo đối với viên chức trường {s}"),
    ],
    "denunciation": [
        (
            "corruption",
            "Tố cáo cán bộ địa chính nhận tiền khi làm thủ tục cấp giấy chứng nhận "
            "quyền sử dụng đất thửa số {n}",
        ),
        ("land", "Tố cáo chủ tịch UBND xã buông lỏng quản lý để lấn chiếm đất công tại đường {s}"),
        ("civil_service", "Tố cáo cán bộ tiếp nhận hồ sơ gây phiền hà, sách nhiễu người dân"),
        ("judiciary", "Tố cáo chấp hành viên thi hành án không đúng quy định, hồ sơ số {n}"),
    ],
    "feedback": [
        ("environment", "Phản ánh cơ sở sản xuất gây ô nhiễm tiếng ồn, khói bụi tại đường {s}"),
        ("other", "Kiến nghị sửa chữa tuyến đường {s} xuống cấp, ngập úng khi mưa"),
        ("housing", "Kiến nghị cấp phép sửa chữa nhà ở cũ tại khu tập thể số {n}"),
        ("policy", "Kiến nghị xem xét chế độ bảo hiểm xã hội của người lao động công ty {n}"),
        ("party", "Phản ánh việc sinh hoạt chi bộ khu dân cư không đúng quy định"),
    ],
}
DEPARTMENTS = [
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("SXD", "Sở Xây dựng"),
    ("STC", "Sở Tài chính"),
    ("SYT", "Sở Y tế"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("SCT", "Sở Công Thương"),
    ("SVHTT", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế"),
    ("VPUB", "Văn phòng UBND tỉnh"),
    ("SNGV", "Sở Ngoại vụ"),
]
DISTRICTS = [
    "Vinh Hà",
    "Cửa Lò",
    "Diễn Châu",
    "Quỳnh Lưu",
    "Yên Thành",
    "Đô Lương",
    "Nam Đàn",
    "Hưng Nguyên",
    "Thanh Chương",
    "Anh Sơn",
    "Con Cuông",
    "Tương Dương",
]
N_COMMUNES = 60
# The country shape (--shape country): the centre, its ministries, and 34 provinces of about
# 97 communes each (3,298 communes: the tree since the reform of 01/7/2025).
SHAPES = ("province", "country")
COUNTRY_CODE = "TW"
N_PROVINCES = 34
N_COUNTRY_COMMUNES = 97
MINISTRIES = [
    ("BTNMT", "Bộ Nông nghiệp và Môi trường"),
    ("BXD", "Bộ Xây dựng"),
    ("BTC", "Bộ Tài chính"),
    ("BNV", "Bộ Nội vụ"),
    ("BYT", "Bộ Y tế"),
    ("BGDDT", "Bộ Giáo dục và Đào tạo"),
    ("BCT", "Bộ Công Thương"),
    ("BTP", "Bộ Tư pháp"),
]
SOURCES = [
    ("post", 45),
    ("online", 12),
    ("mailbox", 3),
    ("hotline", 3),
    ("deputy", 8),
    ("people_council", 5),
    ("fatherland_front", 6),
    ("press", 4),
    ("other_body", 8),
    ("leader", 6),
]
FORWARDED = {
    "deputy": "Đoàn ĐBQH tỉnh",
    "people_council": "Thường trực HĐND tỉnh",
    "fatherland_front": "Ủy ban MTTQ Việt Nam tỉnh",
    "press": "Báo Sông Lam",
    "other_body": "Công an tỉnh",
    "leader": "Chủ tịch UBND tỉnh",
}
KIND_WEIGHTS = [("complaint", 45), ("denunciation", 15), ("feedback", 40)]
INELIGIBLE = [
    "no_signature",
    "unclear",
    "already_processed",
    "out_of_time",
    "several_contents",
    "no_identity",
]
BODIES = ["UBND xã nơi có đất", "Tòa án nhân dân tỉnh", "Công an tỉnh", "Sở Tài chính"]

_KINDS = (tuple(k for k, _ in KIND_WEIGHTS), list(accumulate(w for _, w in KIND_WEIGHTS)))
_SOURCES = (tuple(k for k, _ in SOURCES), list(accumulate(w for _, w in SOURCES)))
_OUTCOMES = (("upheld", "partly_upheld", "rejected"), [15, 40, 100])

ORDER = (
    "unit",
    "user_account",
    "user_role",
    "reception_session",
    "visit",
    "visit_person",
    "case_file",
    "case_event",
    "petition",
    "petition_sender",
    "deadline",
    "register_counter",
    "running_number",
)
COLUMNS = {
    "unit": (
        "id",
        "code",
        "name",
        "level",
        "parent_id",
        "path",
        "active_from",
        "active_to",
        "created_at",
        "updated_at",
    ),
    "user_account": (
        "id",
        "username",
        "full_name",
        "title",
        "unit_id",
        "password_hash",
        "active",
        "created_at",
        "updated_at",
    ),
    "user_role": ("user_id", "role"),
    "reception_session": (
        "id",
        "unit_id",
        "kind",
        "session_date",
        "place",
        "host_mode",
        "host_name",
        "host_title",
        "medium",
        "status",
        "status_reason",
        "published_on",
        "conclusion",
        "created_by_id",
        "version",
        "created_at",
        "updated_at",
    ),
    "visit": (
        "id",
        "session_id",
        "unit_id",
        "visit_date",
        "kind",
        "content",
        "people_count",
        "is_delegation",
        "is_repeat",
        "previous_resolver",
        "competent",
        "outcome",
        "outcome_body",
        "outcome_doc_no",
        "refusal_ground",
        "refusal_detail",
        "documents_received",
        "follow_up",
        "note",
        "search_text",
        "created_by_id",
        "version",
        "created_at",
        "updated_at",
    ),
    "visit_person": (
        "id",
        "visit_id",
        "position",
        "full_name",
        "address",
        "identity_no",
        "phone",
        "is_representative",
    ),
    "case_file": (
        "id",
        "unit_id",
        "case_no",
        "kind",
        "round",
        "field",
        "title",
        "summary",
        "state",
        "state_before_suspension",
        "received_on",
        "accepted_on",
        "accept_doc_no",
        "assigned_unit_id",
        "assignee_id",
        "complexity",
        "complexity_criteria",
        "remote_area",
        "extensions",
        "suspended_on",
        "suspended_days",
        "outcome",
        "decided_on",
        "decision_no",
        "decision_summary",
        "sent_on",
        "published_on",
        "closed_on",
        "termination_reason",
        "withdrawn_contents",
        "money_to_recover",
        "money_to_return",
        "land_to_recover_m2",
        "land_to_return_m2",
        "people_to_discipline",
        "money_recovered",
        "land_recovered_m2",
        "search_text",
        "next_due",
        "version",
        "created_at",
        "updated_at",
    ),
    "case_event": (
        "id",
        "case_id",
        "action",
        "from_state",
        "to_state",
        "occurred_on",
        "doc_type",
        "doc_no",
        "note",
        "data",
        "actor_id",
        "recorded_at",
    ),
    "petition": (
        "id",
        "unit_id",
        "register_year",
        "register_seq",
        "register_no",
        "receipt_code",
        "received_date",
        "source",
        "source_body",
        "source_doc_no",
        "visit_id",
        "kind",
        "field",
        "summary",
        "signatory_count",
        "anonymous",
        "status",
        "search_text",
        "public_search_text",
        "created_by_id",
        "version",
        "eligible",
        "ineligible_reasons",
        "competent",
        "outcome",
        "outcome_body",
        "outcome_doc_no",
        "outcome_date",
        "processing_note",
        "processed_by_id",
        "case_id",
        "created_at",
        "updated_at",
    ),
    "petition_sender": (
        "id",
        "petition_id",
        "position",
        "full_name",
        "address",
        "identity_no",
        "phone",
    ),
    "deadline": (
        "id",
        "case_id",
        "petition_id",
        "unit_id",
        "step",
        "label",
        "start",
        "due",
        "days",
        "day_type",
        "rule",
        "basis",
        "towards_citizen",
        "active",
        "met_on",
        "computed_at",
    ),
    "register_counter": ("unit_id", "year", "last_seq"),
    "running_number": ("series", "unit_id", "year", "last_value"),
}


# --- writers ---------------------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def _sqlite_datetime(v: datetime | None) -> str | None:
    """As SQLAlchemy stores a UTC timestamp in SQLite (a few thousand distinct values here)."""
    return None if v is None else v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@lru_cache(maxsize=100_000)
def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _sqlite_converter(col: sa.Column):
    t = col.type
    if isinstance(t, sa.types.TypeDecorator):
        t = t.impl if isinstance(t.impl, sa.types.TypeEngine) else t.impl()
    if isinstance(t, sa.JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if isinstance(t, sa.DateTime):
        return _sqlite_datetime
    if isinstance(t, sa.Date):
        return _sqlite_date
    if isinstance(t, sa.Boolean):
        return lambda v: None if v is None else int(v)
    return None


def _pg_converter(col: sa.Column):
    if isinstance(col.type, sa.JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    return None


def _column_default(col: sa.Column):
    """A function giving the Python-side default of a column the generator does not fill (one
    added by another model change): a constant, or the callable called for each row."""
    default = col.default
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    if default.is_scalar:
        return lambda: default.arg
    return lambda: default.arg(None)


class Writer:
    """Buffers rows per table and writes them in foreign-key order."""

    def __init__(self, metadata: sa.MetaData, flush_every: int = 50_000):
        self.metadata = metadata
        self.flush_every = flush_every
        self.buffers: dict[str, list[tuple]] = defaultdict(list)
        self.pending = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.plans: dict[str, tuple[list[str], list, list]] = {}

    def plan(self) -> None:
        """Column lists per table: the generator's, plus any column of the database that the
        models give a default (so a column added meanwhile by a model change is filled)."""
        for name, cols in COLUMNS.items():
            table = self.metadata.tables[name]
            present = self.db_columns(name)
            missing = [c for c in cols if c not in present]
            if missing:
                raise RuntimeError(
                    f"bench generator: table {name} has no column {missing}; is the database "
                    "migrated to the current models?"
                )
            extra = [
                c
                for c in table.columns
                if c.name not in cols and c.name in present and _column_default(c) is not None
            ]
            names = list(cols) + [c.name for c in extra]
            converters = [self.converter(table.c[n]) for n in names]
            self.plans[name] = (names, converters, [_column_default(c) for c in extra])

    def db_columns(self, table: str) -> set[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def start_ids(self) -> dict[str, int]:
        """The last id of each table already used (an empty database: none)."""
        return {}

    def converter(self, col):  # pragma: no cover - overridden
        return None

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        for name in ORDER:
            rows = self.buffers.get(name)
            if not rows:
                continue
            if not self.plans:
                self.plan()
            names, converters, extra = self.plans[name]
            if extra:
                rows = [r + tuple(f() for f in extra) for r in rows]
            if any(converters):
                rows = [
                    tuple(v if f is None else f(v) for f, v in zip(converters, r, strict=True))
                    for r in rows
                ]
            self.write(name, names, rows)
            self.counts[name] += len(rows)
            self.buffers[name] = []
        self.pending = 0

    def write(self, table: str, names: list[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.flush()


class SQLiteWriter(Writer):
    def __init__(self, metadata, path: str, **kw):
        super().__init__(metadata, **kw)
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "foreign_keys=ON",
            "journal_mode=WAL",
            "synchronous=OFF",
            "cache_size=-262144",
            "temp_store=MEMORY",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    def converter(self, col):
        return _sqlite_converter(col)

    def db_columns(self, table):
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def write(self, table, names, rows):
        marks = ", ".join("?" for _ in names)
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)

    def finish(self):
        super().finish()
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PostgresWriter(Writer):
    def __init__(self, metadata, url: str, **kw):
        import psycopg

        super().__init__(metadata, **kw)
        self.conn = psycopg.connect(**pg_connect_args(url))
        self.conn.execute("SET synchronous_commit = off")
        self.deferred = self.drop_secondary()

    def drop_secondary(self) -> list[str]:
        """Drop the schema's foreign keys, unique constraints and secondary indexes (the text
        search's GIN ones too) before COPY, and return the statements that build them again:
        built once over millions of rows they take minutes; maintained row by row during COPY,
        the 5,000,000-petition country had not finished after 104 minutes (bench/README "The
        data").
        Primary keys and CHECK constraints stay."""
        schema = "connamespace = current_schema()::regnamespace"
        constraints = self.conn.execute(
            "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
            f"FROM pg_constraint WHERE {schema} AND contype IN ('f', 'u') "
            "ORDER BY contype, conrelid::regclass::text, conname"
        ).fetchall()
        indexes = self.conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
            "WHERE x.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')) "
            "ORDER BY 1"
        ).fetchall()
        for table, name, _, _ in constraints:  # foreign keys first ('f' < 'u')
            self.conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            self.conn.execute(f"DROP INDEX {name}")
        rebuild = [ddl for _, ddl in indexes]
        rebuild += [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}'
            for table, name, kind, ddl in sorted(constraints, key=lambda c: c[2] != "u")
        ]
        return rebuild

    def restore(self) -> None:
        """The indexes and constraints drop_secondary took away, built over the written rows
        (the foreign keys checked then, the unique keys too), and the planner's statistics."""
        self.conn.autocommit = False
        self.conn.execute("SET maintenance_work_mem = '1GB'")
        for ddl in self.deferred:
            self.conn.execute(ddl)
        self.conn.commit()
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")
        self.conn.close()

    def converter(self, col):
        return _pg_converter(col)

    def db_columns(self, table):
        rows = self.conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        )
        return {r[0] for r in rows}

    def write(self, table, names, rows):
        with (
            self.conn.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def finish(self):
        super().finish()
        for name in ORDER:
            if "id" in self.metadata.tables[name].c:
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                )
        self.conn.commit()


class ConnectionWriter(Writer):
    """Rows through an SQLAlchemy connection (Core insert, executemany) inside the caller's
    transaction: the test suite's rolled-back one. Ids continue after the existing rows."""

    def __init__(self, metadata, connection, **kw):
        super().__init__(metadata, **kw)
        self.conn = connection

    def db_columns(self, table):
        return {c["name"] for c in sa.inspect(self.conn).get_columns(table)}

    def start_ids(self) -> dict[str, int]:
        return {
            name: self.conn.scalar(sa.select(sa.func.max(self.metadata.tables[name].c.id))) or 0
            for name in ORDER
            if "id" in self.metadata.tables[name].c
        }

    def write(self, table, names, rows):
        self.conn.execute(
            self.metadata.tables[table].insert(), [dict(zip(names, r, strict=True)) for r in rows]
        )

    def finish(self):
        super().finish()
        if self.conn.dialect.name == "postgresql":  # later inserts take the next free id
            for name in ORDER:
                if "id" in self.metadata.tables[name].c:
                    self.conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                        )
                    )


def pg_connect_args(url: str) -> dict:
    """psycopg.connect() arguments from an SQLAlchemy URL (its query, e.g. options, decoded:
    libpq would read a '+' in a URL's options literally)."""
    u = sa.engine.make_url(url)
    args = {
        "host": u.host,
        "port": u.port,
        "user": u.username,
        "password": u.password,
        "dbname": u.database,
    }
    args.update({k: " ".join(v) if isinstance(v, tuple) else v for k, v in u.query.items()})
    return {k: v for k, v in args.items() if v is not None}


# --- the province --------------------------------------------------------------------------


@dataclass
class UnitInfo:
    id: int
    code: str
    name: str
    path: str
    handler_id: int | None = None  # petition handler (xử lý đơn)
    verifier_id: int | None = None  # case handler (xác minh)


@dataclass
class Generated:
    """What the benchmark needs to know about the data it generated."""

    petitions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    province_code: str = PROVINCE_CODE
    reception_unit_code: str = PROVINCE_CODE + "BTCD"
    leader: str = "bench.lanhdao"
    registrar: str = "bench.tiepdan"
    report_maker: str = "bench.tonghop"
    probe_case_id: int = 0
    # A complaint's petition with a sender (the last one generated): what the search and the
    # citizen's look-up are measured on (register number, name, identity, code, phone).
    probe_petition: dict = field(default_factory=dict)
    open_cases: int = 0
    seconds: float = 0.0


@cache
def _fold(text: str) -> str:
    return fold(text)


@lru_cache(maxsize=200_000)
def _deadline(kind: str, step: str, start: date, complexity: str = "normal"):
    try:
        return engine.compute(kind, step, start, complexity=complexity)
    except engine.DeadlineError:
        return None  # before the law the rule comes from: imported history has no deadline


_CODE_SPACE = len(codes.ALPHABET) ** codes.LENGTH
_CODE_STEP = 0x5DEECE66D  # not a multiple of 31: id -> code is a bijection of the code space


def receipt_code(petition_id: int) -> str:
    """The receipt code of a generated petition: distinct for distinct ids at any size (an affine
    bijection of the 31**10 codes, then written in the codes' alphabet), and the same in every
    run; random codes collide by the birthday bound at millions of petitions."""
    n = (petition_id * _CODE_STEP + 7_654_321) % _CODE_SPACE
    digits = []
    for _ in range(codes.LENGTH):
        n, d = divmod(n, len(codes.ALPHABET))
        digits.append(codes.ALPHABET[d])
    return "".join(digits)


@lru_cache(maxsize=100_000)
def _at(day: date, hour: int = 9) -> datetime:
    """A moment in office hours in Vietnam (UTC+7), as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC) - timedelta(hours=7)


class Province:
    """Generates one province into a Writer. Deterministic for a given seed and size."""

    def __init__(self, writer: Writer, petitions: int, seed: int = 6, shape: str = "province"):
        if shape not in SHAPES:
            raise ValueError(f"shape {shape!r}: one of {', '.join(SHAPES)}")
        self.shape = shape
        self.communes_per_province = N_COMMUNES if shape == "province" else N_COUNTRY_COMMUNES
        self.w = writer
        self.target = petitions
        self.rng = random.Random(seed)
        self.ids: dict[str, int] = defaultdict(int, writer.start_ids())
        self.register_seq: dict[tuple[int, int], int] = defaultdict(int)
        self.case_seq: dict[tuple[int, int], int] = defaultdict(int)
        self.recent_cases: dict[tuple[int, str], list] = defaultdict(list)
        self.info = Generated()
        now = _at(END, 17)
        self.now = now
        self.password_hash = _password_hash()

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # -- units and users --

    def units(self) -> None:
        """One province (the default), or a country: the centre with its ministries above
        N_PROVINCES provinces of the same shape (about 3,300 communes since the reform)."""
        self.unit_by_code: dict[str, UnitInfo] = {}
        # A head (the province's or the centre's leadership) receives periodically and has its
        # cases verified by its inspectorate.
        self.inspectorate_of: dict[int, UnitInfo] = {}
        if self.shape == "country":
            root = self._unit(COUNTRY_CODE, "Chính phủ", "central", None, date(1945, 9, 2))
            btcd = self._unit(
                root.code + "BTCD", "Ban Tiếp công dân Trung ương", "department", root
            )
            ttr = self._unit(root.code + "TTR", "Thanh tra Chính phủ", "department", root)
            ministries = [
                self._unit(root.code + code, name, "department", root) for code, name in MINISTRIES
            ]
            provinces = [
                self._province(f"T{i + 1:02d}", f"UBND tỉnh số {i + 1}", root)
                for i in range(N_PROVINCES)
            ]
            head, reception = root, btcd
            self.inspectorate_of[root.id] = ttr
            share = 1 / N_PROVINCES
            fixed = [(root, 1), (btcd, 2), (ttr, 1)] + [
                (m, 4 / len(MINISTRIES)) for m in ministries
            ]
            offices = [(btcd, 2), (root, 0.2)] + [(m, 0.8 / len(MINISTRIES)) for m in ministries]
            self.probe_unit = ttr
            staff_units = [root, btcd, ttr, *ministries]
        else:
            provinces = [self._province(PROVINCE_CODE, "UBND tỉnh Sông Lam", None)]
            head, reception = provinces[0]["head"], provinces[0]["btcd"]
            share, fixed, offices, staff_units = 1.0, [], [], []
            self.probe_unit = provinces[0]["ttr"]
        self.province = head
        for code, name, title, unit, roles in (
            ("bench.lanhdao", "Trần Quang Vinh", "Chủ tịch UBND tỉnh", head, ["leader"]),
            ("bench.tiepdan", "Phạm Thị Hồng", "Chuyên viên", reception, ["reception_officer"]),
            ("bench.xulydon", "Nguyễn Văn Hậu", "Thanh tra viên", head, ["petition_handler"]),
            ("bench.tonghop", "Đỗ Thu Trang", "Chuyên viên tổng hợp", head, ["report_maker"]),
        ):
            self._user(code, name, title, unit, roles)
        self.info.province_code = head.code
        self.info.reception_unit_code = reception.code
        self.local_ids = set()
        before, after = list(fixed), list(fixed)
        rec_before, rec_after = list(offices), list(offices)
        for t in provinces:
            for u in t["all"]:
                self._staff(u)
            self.local_ids |= {u.id for u in [*t["districts"], *t["communes"]]}
            # Where petitions go, before and after the reform (weights).
            own = [(t["head"], 8), (t["btcd"], 10), (t["ttr"], 8)]
            own += [(d, 1.6) for d in t["departments"]]
            before += [(u, w * share) for u, w in own]
            before += [(d, 50 * share / len(t["districts"])) for d in t["districts"]]
            after += [(u, w * share) for u, w in own]
            after += [(c, 50 * share / len(t["communes"])) for c in t["communes"]]
            office = [(t["btcd"], 45), (t["head"], 5)]
            office += [(d, 4 / len(t["departments"])) for d in t["departments"]]
            rec_before += [(u, w * share) for u, w in office]
            rec_before += [(d, 46 * share / len(t["districts"])) for d in t["districts"]]
            rec_after += [(u, w * share) for u, w in office]
            rec_after += [(c, 46 * share / len(t["communes"])) for c in t["communes"]]
        for u in staff_units:
            self._staff(u)
        self.targets_before = self.weights(before)
        self.targets_after = self.weights(after)
        self.reception_before = self.weights(rec_before)
        self.reception_after = self.weights(rec_after)

    def _province(self, code: str, name: str, parent: UnitInfo | None) -> dict:
        """A province's tree: its people's committee, reception board, inspectorate and
        departments, the districts until the reform and the communes after it."""
        p = self._unit(code, name, "province", parent, date(1976, 1, 1))
        tree = {
            "head": p,
            "btcd": self._unit(p.code + "BTCD", "Ban Tiếp công dân tỉnh", "department", p),
            "ttr": self._unit(p.code + "TTR", "Thanh tra tỉnh", "department", p),
        }
        tree["departments"] = [
            self._unit(p.code + dcode, dname, "department", p) for dcode, dname in DEPARTMENTS
        ]
        tree["districts"] = [
            self._unit(
                f"{p.code}H{i + 1:02d}",
                f"UBND huyện {dname} (đến 30/6/2025)",
                "district",
                p,
                date(1990, 1, 1),
                REFORM - timedelta(days=1),
            )
            for i, dname in enumerate(DISTRICTS)
        ]
        tree["communes"] = [
            self._unit(
                f"{p.code}X{i + 1:03d}",
                f"UBND {'phường' if i % 4 == 0 else 'xã'} {DISTRICTS[i % 12]} {i // 12 + 1}",
                "commune",
                p,
                REFORM,
            )
            for i in range(self.communes_per_province)
        ]
        tree["all"] = [
            p,
            tree["btcd"],
            tree["ttr"],
            *tree["departments"],
            *tree["districts"],
            *tree["communes"],
        ]
        self.inspectorate_of[p.id] = tree["ttr"]
        return tree

    def _staff(self, u: UnitInfo) -> None:
        """The unit's petition handler and verifier."""
        u.handler_id = self._user(
            f"xl.{u.code.lower()}",
            f"Chuyên viên xử lý đơn {u.code}",
            "Chuyên viên",
            u,
            ["petition_handler"],
        )
        u.verifier_id = self._user(
            f"xm.{u.code.lower()}",
            f"Thanh tra viên {u.code}",
            "Thanh tra viên",
            u,
            ["case_handler"],
        )

    def _unit(self, code, name, level, parent, active_from=date(1990, 1, 1), active_to=None):
        uid = self.next_id("unit")
        path = f"{parent.path if parent else '/'}{uid}/"
        self.w.add(
            "unit",
            (
                uid,
                code,
                name,
                level,
                parent.id if parent else None,
                path,
                active_from,
                active_to,
                self.now,
                self.now,
            ),
        )
        info = UnitInfo(uid, code, name, path)
        self.unit_by_code[code] = info
        return info

    def _user(self, username, full_name, title, unit, roles) -> int:
        uid = self.next_id("user_account")
        self.w.add(
            "user_account",
            (
                uid,
                username,
                full_name,
                title,
                unit.id,
                self.password_hash,
                True,
                self.now,
                self.now,
            ),
        )
        for role in roles:
            self.w.add("user_role", (uid, role))
        return uid

    # -- people and texts --

    def person(self):
        r = self.rng
        surname = r.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        name = f"{surname} {r.choice(MIDDLE)} {r.choice(GIVEN)}"
        street = r.choice(STREETS)
        number = r.randint(1, 300)
        address = f"Số {number} đường {street}, tỉnh Sông Lam"
        folded_address = f"so {number} duong {_fold(street)}, tinh song lam"
        identity = f"040{r.randint(0, 3)}{r.randint(40, 99)}{r.randint(0, 999999):06d}"
        phone = f"09{r.randint(10_000_000, 99_999_999)}"
        return name, address, identity, phone, folded_address

    def content(self, kind: str):
        r = self.rng
        fld, template = r.choice(CONTENTS[kind])
        n, s = r.randint(10, 999), r.choice(STREETS)
        return fld, template.format(n=n, s=s), _fold(template).format(n=n, s=_fold(s))

    # -- the run --

    def run(self) -> Generated:
        import time

        t0 = time.perf_counter()
        self.units()
        days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
        working = [d for d in days if d.weekday() < 5]
        per_day_visits = 0.5 * self.target / len(working)
        per_day_other = 0.8 * self.target / len(working)
        acc_v = acc_p = 0.0
        for day in working:
            acc_v += per_day_visits
            acc_p += per_day_other
            nv, acc_v = int(acc_v), acc_v - int(acc_v)
            np_, acc_p = int(acc_p), acc_p - int(acc_p)
            self.reception_day(day, nv)
            for _ in range(np_):
                self.petition(day, self.pick_target(day), source=None)
        self.probe_case()
        for (unit_id, year), seq in self.register_seq.items():
            self.w.add("register_counter", (unit_id, year, seq))
        for (unit_id, year), seq in self.case_seq.items():
            self.w.add("running_number", ("case", unit_id, year, seq))
        self.w.finish()
        self.info.counts = dict(self.w.counts)
        self.info.petitions = self.w.counts["petition"]
        self.info.seconds = time.perf_counter() - t0
        return self.info

    @staticmethod
    def weights(weighted) -> tuple[tuple, list[float]]:
        """(units, cumulative weights), prepared once for rng.choices."""
        units, weights = zip(*weighted, strict=True)
        return units, list(accumulate(weights))

    def pick(self, prepared):
        units, cumulative = prepared
        return self.rng.choices(units, cum_weights=cumulative)[0]

    def pick_target(self, day):
        return self.pick(self.targets_before if day < REFORM else self.targets_after)

    def reception_day(self, day: date, visits: int) -> None:
        r = self.rng
        by_unit: dict[int, tuple[UnitInfo, int]] = {}
        weighted = self.reception_before if day < REFORM else self.reception_after
        for _ in range(visits):
            u = self.pick(weighted)
            by_unit[u.id] = (u, by_unit.get(u.id, (u, 0))[1] + 1)
        if r.random() < 0.004:  # a leader's session cancelled now and then
            self.session(day, self.province, "periodic", status="cancelled")
        for unit, n in by_unit.values():
            if unit.id in self.inspectorate_of:
                kind = "periodic"
            elif unit.id in self.local_ids:
                kind = "periodic" if r.random() < 0.25 else "regular"
            else:
                kind = "regular"
            sid = self.session(day, unit, kind)
            for _ in range(n):
                self.visit(day, unit, sid)

    def session(self, day, unit, kind, status="held") -> int:
        r = self.rng
        sid = self.next_id("reception_session")
        leader = kind != "regular"
        host_mode = ("in_person" if r.random() < 0.7 else "delegated") if leader else None
        host = f"{r.choice(SURNAMES)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"
        title = "Chủ tịch UBND" if host_mode == "in_person" else "Chuyên viên tiếp công dân"
        self.w.add(
            "reception_session",
            (
                sid,
                unit.id,
                kind,
                day,
                f"Trụ sở tiếp công dân {unit.name}",
                host_mode,
                host,
                title,
                "onsite",
                status,
                "Lãnh đạo bận công tác đột xuất" if status == "cancelled" else "",
                day - timedelta(days=r.randint(7, 12)) if leader else None,
                "",
                None,
                1,
                _at(day, 8),
                _at(day, 17),
            ),
        )
        return sid

    def visit(self, day, unit, session_id) -> None:
        r = self.rng
        vid = self.next_id("visit")
        kind = self.pick(_KINDS)
        fld, content, folded = self.content(kind)
        delegation = r.random() < 0.04
        people = r.randint(5, 25) if delegation else (1 if r.random() < 0.8 else 2)
        persons = [self.person() for _ in range(r.randint(2, 3) if delegation else 1)]
        outcome = r.choices(
            ["petition_received", "guided", "answered", "transferred", "refused"],
            [40, 30, 22, 6, 2],
        )[0]
        search = " ".join([folded] + [f"{_fold(p[0])} {p[2].lower()} {p[4]}" for p in persons])
        self.w.add(
            "visit",
            (
                vid,
                session_id,
                unit.id,
                day,
                kind,
                content,
                people,
                delegation,
                r.random() < 0.2,
                "",
                None,
                outcome,
                "Tòa án nhân dân tỉnh" if outcome in ("guided", "transferred") else "",
                f"{r.randint(1, 999)}/PC" if outcome == "transferred" else "",
                "disorderly" if outcome == "refused" else None,
                "Có hành vi gây rối" if outcome == "refused" else "",
                "Đơn, bản sao quyết định" if outcome == "petition_received" else "",
                "",
                "",
                search,
                None,
                1,
                _at(day, 10),
                _at(day, 10),
            ),
        )
        for pos, (name, address, identity, phone, _) in enumerate(persons):
            self.w.add(
                "visit_person",
                (
                    self.next_id("visit_person"),
                    vid,
                    pos,
                    name,
                    address,
                    identity,
                    phone,
                    delegation,
                ),
            )
        if outcome == "petition_received":
            self.petition(
                day, unit, source="reception", visit=(vid, kind, fld, content, folded, persons[:1])
            )

    # -- petitions --

    def petition(
        self, day, unit, source=None, visit=None, kind=None, forced=None, sender=None
    ) -> int:
        r = self.rng
        pid = self.next_id("petition")
        if visit is not None:
            visit_id, kind, fld, summary, folded, persons = visit
            source_body = source_doc_no = ""
        else:
            visit_id = None
            kind = kind or self.pick(_KINDS)
            fld, summary, folded = self.content(kind)
            source = source or self.pick(_SOURCES)
            source_body = FORWARDED.get(source, "")
            source_doc_no = f"{r.randint(1, 999)}/CV" if source_body else ""
            persons = (
                []
                if r.random() < 0.03
                else [self.person() for _ in range(2 if r.random() < 0.08 else 1)]
            )
            if sender is not None:
                persons = [sender]
        anonymous = not persons
        year = day.year
        self.register_seq[unit.id, year] += 1
        seq = self.register_seq[unit.id, year]
        register_no = f"{unit.code}-{year}-{seq:05d}"
        code = receipt_code(pid)
        public = " | ".join(
            x
            for x in (
                register_no.lower(),
                code.lower(),
                codes.display(code).lower(),
                _fold(source_body),
                source_doc_no.lower(),
                folded,
            )
            if x
        )
        people = " | ".join(f"{_fold(p[0])} | {p[2].lower()} | {p[4]}" for p in persons)
        search = f"{public} | {people}" if people else public
        signatories = max(1, len(persons)) + (r.randint(3, 20) if r.random() < 0.03 else 0)
        if persons and kind == "complaint" and visit is None:
            name, _, identity, phone, _ = persons[0]
            self.info.probe_petition = {
                "register_no": register_no,
                "code": code,
                "name": name,
                "identity": identity,
                "phone": phone,
            }

        # Processing: most petitions are processed within days; recent ones wait.
        age = (END - day).days
        processed = not (age < 12 and r.random() < 0.7) and not (age < 120 and r.random() < 0.003)
        if forced is not None:
            processed = True
        eligible = competent = outcome = outcome_date = None
        reasons: list = []
        body = doc_no = note = ""
        case_id = None
        handler = None
        if processed:
            handler = unit.handler_id
            outcome_date = min(END, day + timedelta(days=r.randint(1, 12)))
            if anonymous:
                eligible, competent, outcome, reasons = False, None, "file", ["anonymous"]
                note = "Đơn nặc danh"
            elif r.random() < 0.13 and forced is None:
                eligible, reasons = False, sorted(r.sample(INELIGIBLE, r.randint(1, 2)))
                outcome = r.choice(["guide", "return", "file"])
                body = r.choice(BODIES) if outcome != "file" else ""
            else:
                eligible = True
                competent = forced is not None or r.random() < 0.47
                if competent:
                    outcome = "accept" if forced is not None or r.random() < 0.97 else "file"
                    if outcome == "accept":
                        doc_no = f"{r.randint(1, 999)}/TB-TL"
                else:
                    choices = (
                        ["guide", "urge"] if kind == "complaint" else ["transfer", "guide", "urge"]
                    )
                    outcome = r.choice(choices)
                    body = r.choice(BODIES)
                    doc_no = f"{r.randint(1, 999)}/PC"
        if outcome == "accept":
            case_id = self.accept(
                pid,
                unit,
                kind,
                fld,
                summary,
                search,
                day,
                outcome_date,
                doc_no,
                register_no,
                forced,
            )
        self.w.add(
            "petition",
            (
                pid,
                unit.id,
                year,
                seq,
                register_no,
                code,
                day,
                source,
                source_body,
                source_doc_no,
                visit_id,
                kind,
                fld,
                summary,
                signatories,
                anonymous,
                "processed" if processed else "registered",
                search,
                public,
                None,
                2 if processed else 1,
                eligible,
                reasons,
                competent,
                outcome,
                body,
                doc_no,
                outcome_date,
                note,
                handler,
                case_id,
                _at(day, 9),
                _at(outcome_date or day, 15),
            ),
        )
        for pos, (name, address, identity, phone, _) in enumerate(persons):
            self.w.add(
                "petition_sender",
                (self.next_id("petition_sender"), pid, pos, name, address, identity, phone),
            )
        if processed:
            d = _deadline(kind, "accept" if kind == "denunciation" else "process", day)
            if d is not None:
                self.w.add(
                    "deadline",
                    (
                        self.next_id("deadline"),
                        None,
                        pid,
                        unit.id,
                        "process",
                        d.label,
                        day,
                        d.due,
                        d.days,
                        d.day_type,
                        d.rule,
                        d.basis,
                        True,
                        True,
                        outcome_date,
                        _at(outcome_date, 15),
                    ),
                )
        return pid

    # -- cases --

    def accept(
        self, pid, unit, kind, fld, summary, search, received, accepted, doc_no, register_no, forced
    ) -> int:
        r = self.rng
        key = (unit.id, kind)
        if isinstance(forced, int):  # a petition of the probe case
            self.event(
                forced,
                "petition_joined",
                None,
                None,
                accepted,
                note=f"Nhập đơn {register_no} vào vụ việc",
            )
            return forced
        if forced is None and r.random() < 0.08:
            for case_id, case_received, case_accepted, done in reversed(
                self.recent_cases[key][-20:]
            ):
                # Within the year only: a year's register is exported and imported on its own,
                # and a case opened the year before would arrive without its first petition.
                if (
                    case_received.year == received.year
                    and case_accepted <= accepted
                    and (done is None or done > accepted)
                    and (accepted - case_accepted).days <= 90
                ):
                    self.event(
                        case_id,
                        "petition_joined",
                        None,
                        None,
                        accepted,
                        note=f"Nhập đơn {register_no} vào vụ việc",
                    )
                    return case_id
        case_id = self.case(unit, kind, fld, summary, search, received, accepted, doc_no, forced)
        return case_id

    def event(
        self,
        case_id,
        action,
        from_state,
        to_state,
        on,
        doc_no="",
        doc_type="",
        note="",
        data=None,
        actor=None,
    ):
        self.w.add(
            "case_event",
            (
                self.next_id("case_event"),
                case_id,
                action,
                from_state,
                to_state,
                on,
                doc_type,
                doc_no,
                note,
                data or {},
                actor,
                _at(on, 16),
            ),
        )

    def deadline(
        self, case_id, unit_id, step, kind, start, active=True, met_on=None, complexity="normal"
    ):
        d = _deadline(kind, step, start, complexity)
        if d is None:
            return None
        from complaints.cases.deadlines import TOWARDS_CITIZEN

        self.w.add(
            "deadline",
            (
                self.next_id("deadline"),
                case_id,
                None,
                unit_id,
                step,
                d.label,
                start,
                d.due,
                d.days,
                d.day_type,
                d.rule,
                d.basis,
                step in TOWARDS_CITIZEN,
                active,
                met_on,
                _at(start, 16),
            ),
        )
        return d

    def case(self, unit, kind, fld, summary, search, received, accepted, doc_no, forced) -> int:
        """A case opened and accepted by processing, carried along its workflow as far as its
        age allows (dates drawn so that most cases meet their deadline, some do not)."""
        r = self.rng
        cid = self.next_id("case_file")
        self.case_seq[unit.id, received.year] += 1
        case_no = f"VV-{unit.code}-{received.year}-{self.case_seq[unit.id, received.year]:05d}"
        assigned = self.inspectorate_of.get(unit.id, unit)
        assignee = assigned.verifier_id if r.random() < 0.92 or forced else None
        if assignee is None:
            assigned = None
        complexity, criteria, extensions = "normal", [], 0
        if kind != "feedback" and r.random() < 0.12:
            complexity, criteria = "complex", ["several_contents"]
            if kind == "denunciation":
                extensions = 1
                if r.random() < 0.2:
                    complexity, extensions = "especially_complex", 2
                    criteria = ["many_people", "several_contents"]
        deadline_complexity = (
            engine.COMPLEXITIES[min(extensions, 2)] if kind == "denunciation" else complexity
        )
        c = dict(
            state="accepted",
            before=None,
            decided=None,
            sent=None,
            published=None,
            closed=None,
            outcome=None,
            reason=None,
            suspended=None,
            decision_no="",
        )
        events = [
            ("open", None, "received", received, "", "", f"Mở vụ việc {case_no}", {}),
            ("accept", "received", "accepted", accepted, doc_no, "Thông báo thụ lý", "", {}),
        ]
        if assignee:
            events.append(("assign", None, None, accepted, "", "", f"Giao {assigned.name}", {}))
        if criteria:
            events.append(
                ("flags", None, None, accepted, "", "", "Mức độ phức tạp", {"criteria": criteria})
            )
        resolve = _deadline(kind, "resolve", accepted, deadline_complexity)
        period = (resolve.due - accepted).days if resolve else 30

        def past(d):
            return d is not None and d <= END

        if kind == "feedback":
            answer = accepted + timedelta(
                days=r.randint(3, 14) if r.random() < 0.9 else r.randint(16, 40)
            )
            if forced is None and past(answer):
                c.update(
                    state="answered",
                    decided=answer,
                    closed=answer,
                    decision_no=f"{r.randint(1, 999)}/TL",
                )
                events.append(
                    (
                        "answer",
                        "accepted",
                        "answered",
                        answer,
                        c["decision_no"],
                        "",
                        "Đã trả lời",
                        {},
                    )
                )
        else:
            start = accepted + timedelta(days=r.randint(1, 5))
            if forced is not None:
                decided = END + timedelta(days=10)
            elif r.random() < 0.12:
                decided = accepted + timedelta(days=period + r.randint(1, 30))
            else:
                decided = accepted + timedelta(days=r.randint(max(period // 3, 6), period))
            withdrawn = forced is None and r.random() < 0.04
            if past(start):
                c["state"] = "verifying"
                events.append(
                    ("start_verification", "accepted", "verifying", start, "", "", "", {})
                )
            if extensions and past(start + timedelta(days=20)):
                for i in range(extensions):
                    events.append(
                        (
                            "extend",
                            "verifying",
                            "verifying",
                            start + timedelta(days=10 + i),
                            f"{r.randint(1, 99)}/QĐ-GH",
                            "",
                            "",
                            {},
                        )
                    )
            closed = accepted + timedelta(days=r.randint(5, 25))
            withdrawn = withdrawn and past(closed) and past(start) and closed >= start
            dialogue = kind == "complaint" and (forced is not None or r.random() < 0.3)
            talk = start + timedelta(days=max(1, (decided - start).days // 2))
            if dialogue and past(talk) and past(start) and not (withdrawn and talk >= closed):
                c["state"] = "dialogue"
                events.append(
                    (
                        "hold_dialogue",
                        "verifying",
                        "dialogue",
                        talk,
                        "",
                        "",
                        "Biên bản đối thoại",
                        {},
                    )
                )
            if withdrawn:
                events.append(
                    (
                        "terminate",
                        c["state"],
                        "terminated",
                        closed,
                        f"{r.randint(1, 99)}/QĐ-ĐC",
                        "",
                        "Rút đơn",
                        {},
                    )
                )
                c.update(state="terminated", closed=closed, reason="withdrawn")
            if c["state"] != "terminated" and past(decided) and past(start):
                outcome = self.pick(_OUTCOMES)
                decision_no = f"{r.randint(1, 999)}/QĐ-UBND"
                events.append(
                    (
                        "decide",
                        c["state"],
                        "decided",
                        decided,
                        decision_no,
                        "Quyết định",
                        "Kết quả",
                        {"outcome": outcome},
                    )
                )
                c.update(state="decided", decided=decided, outcome=outcome, decision_no=decision_no)
                sent = decided + timedelta(days=r.randint(1, 4))
                if past(sent):
                    c.update(state="sent", sent=sent)
                    events.append(("send", "decided", "sent", sent, "", "", "", {}))
                    if kind == "complaint":
                        final = sent + timedelta(days=r.randint(31, 45))
                        if past(final):
                            if r.random() < 0.06:
                                c.update(state="appealed", closed=final)
                                events.append(
                                    (
                                        "appeal",
                                        "sent",
                                        "appealed",
                                        final,
                                        "",
                                        "",
                                        "Khiếu nại lần hai",
                                        {},
                                    )
                                )
                            else:
                                c.update(state="final", closed=final)
                                events.append(
                                    ("make_final", "sent", "final", final, "", "", "", {})
                                )
                                enforce = final + timedelta(days=r.randint(10, 60))
                                if r.random() < 0.4 and past(enforce):
                                    c.update(state="enforced", closed=enforce)
                                    events.append(
                                        ("enforce", "final", "enforced", enforce, "", "", "", {})
                                    )
                    else:
                        published = sent + timedelta(days=r.randint(1, 7))
                        if past(published):
                            c.update(state="published", published=published)
                            events.append(
                                ("publish", "sent", "published", published, "", "", "", {})
                            )
                            follow = published + timedelta(days=r.randint(10, 60))
                            if past(follow):
                                c.update(state="enforced", closed=follow)
                                events.append(
                                    ("follow_up", "published", "enforced", follow, "", "", "", {})
                                )
            elif c["state"] in ("verifying", "dialogue") and forced is None and r.random() < 0.02:
                on = max(start, END - timedelta(days=r.randint(0, 20)))
                c.update(before=c["state"], state="suspended", suspended=on)
                events.append(
                    (
                        "suspend",
                        c["before"],
                        "suspended",
                        on,
                        f"{r.randint(1, 99)}/QĐ-TĐC",
                        "",
                        "Chờ kết quả giám định",
                        {},
                    )
                )
        # The deadlines recompute_case leaves: the acceptance one retired, the others active
        # and met on the day their step was done; the case's next_due is the nearest of those
        # still owed, as recompute_case sets it. (Written after the case's row: the writer may
        # flush between two rows, and a deadline's case must be there first.)
        duties = [("process" if kind == "feedback" else "accept", received, False, None, "normal")]
        duties.append(("resolve", accepted, True, c["decided"] or c["closed"], deadline_complexity))
        if kind == "denunciation":
            duties.append(("notify_acceptance", accepted, True, accepted, "normal"))
        if c["decided"] and kind == "complaint":
            duties.append(("send_decision", c["decided"], True, c["sent"], "normal"))
        if c["decided"] and kind == "denunciation":
            duties.append(("send_conclusion", c["decided"], True, c["sent"], "normal"))
            duties.append(("publish_conclusion", c["decided"], True, c["published"], "normal"))
        if c["sent"] and kind == "complaint":
            duties.append(("lodge_round2", c["sent"], True, None, "normal"))
        owed = [
            d.due
            for step, start, active, met_on, complexity in duties
            if is_duty(step, active, met_on)
            and (d := _deadline(kind, step, start, complexity)) is not None
        ]
        title = summary.split("\n")[0][:200]
        self.w.add(
            "case_file",
            (
                cid,
                unit.id,
                case_no,
                kind,
                1,
                fld,
                title,
                summary,
                c["state"],
                c["before"],
                received,
                accepted,
                doc_no,
                assigned.id if assigned else None,
                assignee,
                complexity,
                criteria,
                False,
                extensions,
                c["suspended"],
                0,
                c["outcome"],
                c["decided"],
                c["decision_no"],
                "Kết quả giải quyết" if c["decided"] else "",
                c["sent"],
                c["published"],
                c["closed"],
                c["reason"],
                [],
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                f"{case_no.lower()} {search}"[:20000],
                min(owed, default=None),
                1 + len(events),
                _at(received, 9),
                _at(max(e[3] for e in events), 16),
            ),
        )
        for step, start, active, met_on, complexity in duties:
            self.deadline(cid, unit.id, step, kind, start, active, met_on, complexity)
        for action, frm, to, on, doc, doc_type, note, data in events:
            self.event(
                cid,
                action,
                frm,
                to,
                on,
                doc,
                doc_type,
                note,
                data,
                actor=assignee or unit.handler_id,
            )
        if c["state"] not in ("final", "appealed", "enforced", "answered", "terminated"):
            self.info.open_cases += 1
        done = c["decided"] or c["closed"]
        self.recent_cases[unit.id, kind].append((cid, received, accepted, done))
        if len(self.recent_cases[unit.id, kind]) > 200:
            del self.recent_cases[unit.id, kind][:100]
        return cid

    def probe_case(self) -> None:
        """The case whose page is measured: the same shape at every size (a complaint under
        verification with a dialogue, three petitions, a handful of events and deadlines)."""
        unit = self.probe_unit
        received = END - timedelta(days=40)
        # Its sender, the citizen the search looks for (info.probe_petition), is the same at
        # every size: a name no other person bears, who wrote these three petitions, so that
        # the searches by name, identity, number and code show as many rows at every size.
        sender = (PROBE_NAME, *self.person()[1:])
        first = self.petition(
            received, unit, source="post", kind="complaint", forced="case", sender=sender
        )
        self.info.probe_case_id = self.ids["case_file"]
        for days in (30, 20):
            self.petition(
                END - timedelta(days=days),
                unit,
                source="post",
                kind="complaint",
                forced=self.info.probe_case_id,
                sender=sender,
            )
        assert first


def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)
