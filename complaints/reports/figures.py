"""The figure catalogue of DOMAIN.md §9: each figure defined once, by its identifier.

A figure is a record-level predicate on one source (visits, sessions, petitions, cases or
the petitions of cases) and a measure (count, sum of a column, or distinct count). The same
definition gives the SQL aggregate that the database computes for every unit in one query per
source, and the list of records behind the figure (the drill-down on screen).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from complaints.cases.models import (
    Case,
    CaseState,
    Deadline,
    Outcome,
    TerminationReason,
    not_finished_before,
)
from complaints.core.numbers import round_decimal
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionSource, ProcessingOutcome
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
)
from complaints.reports.models import OpeningBalance
from complaints.reports.periods import Period
from complaints.units.models import Unit

Predicate = Callable[[Period], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    source: str  # visit | session | petition | case | case_petition
    where: Predicate
    measure: str = "count"  # count | sum:<column> | distinct
    # A narrower base set than the source's, for a figure that looks at nothing else (the
    # petitions received at reception in the period): the database reads only those, and
    # `where` says only what the figure asks of them beyond it. Like a source's base, it only
    # widens as the period does (Source.base).
    base: Predicate | None = None


def _true(p: Period) -> sa.ColumnElement[bool]:
    return sa.true()


def _received_at_reception(p: Period) -> sa.ColumnElement[bool]:
    """The base of the reception figures (02/TCD): what they count and nothing else."""
    return sa.and_(
        Petition.received_date.between(p.start, p.end),
        Petition.source == PetitionSource.reception,
    )


# --- sources: the base set of records a report of a period looks at --------------------------

# The resolution deadline of a case (its latest active one), looked up case by case through
# ix_deadline_case_open for the cases a figure asks about; joining an aggregate of the whole
# deadline table instead made the report read every deadline of ten years (bench/README.md).
_resolve_due = (
    sa.select(sa.func.max(Deadline.due))
    .where(Deadline.case_id == Case.id, Deadline.step == "resolve", Deadline.active.is_(True))
    .correlate(Case)
    .scalar_subquery()
)
_done_on = sa.func.coalesce(Case.decided_on, Case.closed_on)


def _case_base(p: Period) -> sa.ColumnElement[bool]:
    """Cases within competence during the period: accepted by its end and not finished before
    its start (carried over + new); merged cases count in the case they joined."""
    return sa.and_(
        not_finished_before(p.start),
        Case.accepted_on.isnot(None),
        Case.accepted_on <= p.end,
        Case.state != CaseState.merged,
    )


def _petition_base(p: Period) -> sa.ColumnElement[bool]:
    """Petitions of the period: received in it, or received before and still unprocessed at
    its start (kỳ trước chuyển sang)."""
    return sa.and_(
        Petition.received_date <= p.end,
        sa.or_(
            Petition.received_date >= p.start,
            Petition.outcome_date.is_(None),
            Petition.outcome_date >= p.start,
        ),
    )


@dataclass(frozen=True)
class Source:
    name: str
    select_from: Callable[[], sa.Select]  # the FROM/JOIN part, columns added later
    unit_column: sa.ColumnElement
    kind_column: sa.ColumnElement | None
    # The records a period looks at: a predicate that only widens as the period does (an
    # overlap of the period), which compute_by_period's _SpanBounds relies on.
    base: Predicate
    model: type
    date_column: sa.ColumnElement


SOURCES: dict[str, Source] = {
    "visit": Source(
        "visit",
        lambda: (
            sa.select()
            .select_from(Visit)
            .join(ReceptionSession, Visit.session_id == ReceptionSession.id)
        ),
        Visit.unit_id,
        Visit.kind,
        lambda p: Visit.visit_date.between(p.start, p.end),
        Visit,
        Visit.visit_date,
    ),
    "session": Source(
        "session",
        lambda: sa.select().select_from(ReceptionSession),
        ReceptionSession.unit_id,
        None,
        lambda p: sa.and_(
            ReceptionSession.session_date.between(p.start, p.end),
            ReceptionSession.status == SessionStatus.held,
        ),
        ReceptionSession,
        ReceptionSession.session_date,
    ),
    "petition": Source(
        "petition",
        lambda: sa.select().select_from(Petition),
        Petition.unit_id,
        Petition.kind,
        _petition_base,
        Petition,
        Petition.received_date,
    ),
    "case": Source(
        "case",
        lambda: sa.select().select_from(Case),
        Case.unit_id,
        Case.kind,
        _case_base,
        Case,
        Case.accepted_on,
    ),
    "case_petition": Source(
        "case_petition",
        lambda: sa.select().select_from(Petition).join(Case, Petition.case_id == Case.id),
        Case.unit_id,
        Case.kind,
        _case_base,
        Petition,
        Petition.received_date,
    ),
}


# --- the catalogue ---------------------------------------------------------------------------


def _reception(prefix: str, label: str, session_filter) -> list[Figure]:
    def w(extra=None):
        def pred(p):
            parts = [session_filter()] if session_filter else []
            if extra is not None:
                parts.append(extra())
            return sa.and_(*parts) if parts else sa.true()

        return pred

    return [
        Figure(f"{prefix}.visits", f"Số lượt tiếp{label}", "visit", w()),
        Figure(f"{prefix}.people", f"Số người được tiếp{label}", "visit", w(), "sum:people_count"),
        Figure(f"{prefix}.cases", f"Số vụ việc tiếp{label}", "visit", w()),
        Figure(
            f"{prefix}.cases_first",
            f"Vụ việc tiếp lần đầu{label}",
            "visit",
            w(lambda: Visit.is_repeat.is_(False)),
        ),
        Figure(
            f"{prefix}.cases_repeat",
            f"Vụ việc tiếp nhiều lần{label}",
            "visit",
            w(lambda: Visit.is_repeat.is_(True)),
        ),
        Figure(
            f"{prefix}.delegations",
            f"Số đoàn đông người{label}",
            "visit",
            w(lambda: Visit.is_delegation.is_(True)),
        ),
        Figure(
            f"{prefix}.delegation_people",
            f"Số người trong đoàn đông người{label}",
            "visit",
            w(lambda: Visit.is_delegation.is_(True)),
            "sum:people_count",
        ),
    ]


def _is_regular():
    return ReceptionSession.kind == SessionKind.regular


def _is_leader():
    return ReceptionSession.kind != SessionKind.regular


def _is_periodic():
    return ReceptionSession.kind == SessionKind.periodic


def _is_adhoc():
    return ReceptionSession.kind == SessionKind.adhoc


_eligible = lambda p: sa.and_(  # noqa: E731
    Petition.outcome_date.isnot(None), Petition.outcome_date <= p.end, Petition.eligible.is_(True)
)
_resolved = lambda p: sa.or_(  # noqa: E731
    Case.decided_on.between(p.start, p.end),
    sa.and_(
        Case.termination_reason == TerminationReason.withdrawn,
        Case.closed_on.between(p.start, p.end),
    ),
)


def _not_resolved(p: Period) -> sa.ColumnElement[bool]:
    return sa.not_(sa.func.coalesce(_resolved(p), sa.false()))


CATALOGUE: list[Figure] = [
    *_reception("reception", "", None),
    *_reception("reception.regular", " (thường xuyên)", _is_regular),
    *_reception("reception.leader", " (lãnh đạo định kỳ, đột xuất)", _is_leader),
    Figure(
        "reception.leader.sessions",
        "Số kỳ lãnh đạo tiếp",
        "session",
        lambda p: ReceptionSession.kind != SessionKind.regular,
    ),
    Figure(
        "reception.leader.in_person",
        "Thủ trưởng trực tiếp tiếp",
        "session",
        lambda p: sa.and_(
            ReceptionSession.kind != SessionKind.regular,
            ReceptionSession.host_mode == HostMode.in_person,
        ),
    ),
    Figure(
        "reception.leader.delegated",
        "Ủy quyền tiếp",
        "session",
        lambda p: sa.and_(
            ReceptionSession.kind != SessionKind.regular,
            ReceptionSession.host_mode == HostMode.delegated,
        ),
    ),
    # The leaders' reception apart: periodic (định kỳ) and ad hoc (đột xuất), as published
    # ("định kỳ 98 lượt / 115 người; đột xuất ..."); each pair adds up to the leader figure.
    *_reception("reception.periodic", " (lãnh đạo định kỳ)", _is_periodic),
    Figure(
        "reception.periodic.sessions",
        "Số kỳ lãnh đạo tiếp định kỳ",
        "session",
        lambda p: ReceptionSession.kind == SessionKind.periodic,
    ),
    *_reception("reception.adhoc", " (lãnh đạo đột xuất)", _is_adhoc),
    Figure(
        "reception.adhoc.sessions",
        "Số kỳ lãnh đạo tiếp đột xuất",
        "session",
        lambda p: ReceptionSession.kind == SessionKind.adhoc,
    ),
    # 02/TCD: petitions handed in at reception in the period (their base: nothing else).
    Figure(
        "reception.petitions",
        "Số đơn nhận qua tiếp công dân",
        "petition",
        _true,
        base=_received_at_reception,
    ),
    *[
        Figure(
            f"reception.petitions.by_kind.{k.value}",
            f"Đơn nhận qua tiếp dân: {k.label}",
            "petition",
            lambda p, k=k: Petition.kind == k,
            base=_received_at_reception,
        )
        for k in PetitionKind
    ],
    # 01/XLD: petition processing.
    Figure(
        "petitions.carried_over",
        "Đơn kỳ trước chuyển sang",
        "petition",
        lambda p: Petition.received_date < p.start,
    ),
    Figure(
        "petitions.received",
        "Đơn tiếp nhận trong kỳ",
        "petition",
        lambda p: Petition.received_date >= p.start,
    ),
    Figure("petitions.total", "Tổng số đơn", "petition", _true),
    Figure(
        "petitions.processed",
        "Số đơn đã xử lý",
        "petition",
        lambda p: sa.and_(Petition.outcome_date.isnot(None), Petition.outcome_date <= p.end),
    ),
    Figure("petitions.eligible", "Đơn đủ điều kiện xử lý", "petition", _eligible),
    Figure(
        "petitions.eligible_cases", "Vụ việc đủ điều kiện xử lý", "petition", _eligible, "distinct"
    ),
    *[
        Figure(
            f"petitions.by_kind.{k.value}",
            f"Đơn đủ điều kiện: {k.label}",
            "petition",
            lambda p, k=k: sa.and_(_eligible(p), Petition.kind == k),
        )
        for k in PetitionKind
    ],
    *[
        Figure(
            f"petitions.by_field.{f.value}",
            f"Đơn đủ điều kiện: {f.label}",
            "petition",
            lambda p, f=f: sa.and_(_eligible(p), Petition.field == f),
        )
        for f in Field
    ],
    Figure(
        "petitions.competent",
        "Đơn thuộc thẩm quyền",
        "petition",
        lambda p: sa.and_(_eligible(p), Petition.competent.is_(True)),
    ),
    Figure(
        "petitions.not_competent",
        "Đơn không thuộc thẩm quyền",
        "petition",
        lambda p: sa.and_(_eligible(p), Petition.competent.is_(False)),
    ),
    *[
        Figure(
            f"petitions.not_competent.{o}",
            f"Không thuộc thẩm quyền: {label}",
            "petition",
            lambda p, o=o: sa.and_(
                _eligible(p),
                Petition.competent.is_(False),
                Petition.outcome == ProcessingOutcome(o),
            ),
        )
        for o, label in (("guide", "hướng dẫn"), ("transfer", "chuyển đơn"), ("urge", "đôn đốc"))
    ],
    # KQGQ: results within competence.
    Figure(
        "competent.petitions", "Số đơn thuộc thẩm quyền (vụ việc trong kỳ)", "case_petition", _true
    ),
    Figure("competent.cases", "Số vụ việc thuộc thẩm quyền", "case", _true),
    Figure(
        "competent.cases_carried_over",
        "Vụ việc kỳ trước chuyển sang",
        "case",
        lambda p: Case.accepted_on < p.start,
    ),
    Figure(
        "competent.cases_new",
        "Vụ việc thụ lý mới trong kỳ",
        "case",
        lambda p: Case.accepted_on >= p.start,
    ),
    Figure("competent.resolved", "Số vụ việc đã giải quyết", "case", _resolved),
    *[
        Figure(
            f"competent.outcomes.{o.value}",
            f"Kết quả: {o.label}",
            "case",
            lambda p, o=o: sa.and_(Case.decided_on.between(p.start, p.end), Case.outcome == o),
        )
        for o in Outcome
    ],
    Figure(
        "competent.outcomes.withdrawn",
        "Rút đơn",
        "case",
        lambda p: sa.and_(
            Case.decided_on.is_(None),
            Case.termination_reason == TerminationReason.withdrawn,
            Case.closed_on.between(p.start, p.end),
        ),
    ),
    # A case without a stored resolution deadline (imported history) counts as on time.
    Figure(
        "competent.on_time",
        "Giải quyết đúng hạn",
        "case",
        lambda p: sa.and_(_resolved(p), sa.func.coalesce(_done_on <= _resolve_due, sa.true())),
    ),
    Figure(
        "competent.late",
        "Giải quyết quá hạn",
        "case",
        lambda p: sa.and_(_resolved(p), _done_on > _resolve_due),
    ),
    Figure(
        "competent.unresolved",
        "Vụ việc chưa giải quyết xong",
        "case",
        # NULL dates make _resolved NULL, not false: an undecided case is unresolved.
        _not_resolved,
    ),
    # The unresolved cases in two: those ended in the period otherwise than by a resolution
    # (đình chỉ for a reason other than withdrawal: the accused died, a court judged it...) and
    # those still being resolved at its end (còn đang giải quyết, suspended ones included). With
    # the resolved ones they split the cases of the period exactly, so that carried over + new =
    # resolved + terminated + still open; the still open of a period are the carried over of the
    # next. Merged cases are in neither side: they count in the case they joined (_case_base).
    Figure(
        "competent.terminated",
        "Vụ việc đình chỉ (trừ rút đơn)",
        "case",
        lambda p: sa.and_(_not_resolved(p), _done_on <= p.end),
    ),
    Figure(
        "competent.still_open",
        "Vụ việc còn đang giải quyết (cuối kỳ)",
        "case",
        lambda p: sa.and_(_not_resolved(p), sa.or_(_done_on.is_(None), _done_on > p.end)),
    ),
]
FIGURES: dict[str, Figure] = {f.id: f for f in CATALOGUE}
assert len(FIGURES) == len(CATALOGUE), "duplicate figure id"

DERIVED = {"competent.resolution_rate": "Tỷ lệ giải quyết (%)"}
LABELS = {**{f.id: f.label for f in CATALOGUE}, **DERIVED}


_ONE, _ZERO = sa.literal_column("1"), sa.literal_column("0")


def _aggregate(fig: Figure, period: Period, pred=None) -> sa.ColumnElement:
    pred = fig.where(period) if pred is None else pred
    if fig.measure == "count":
        return sa.func.sum(sa.case((pred, _ONE), else_=_ZERO))
    if fig.measure == "distinct":
        matter = sa.func.coalesce(Petition.case_id, -Petition.id)
        return sa.func.count(sa.distinct(sa.case((pred, matter), else_=None)))
    column = getattr(SOURCES[fig.source].model, fig.measure.split(":", 1)[1])
    return sa.func.sum(sa.case((pred, column), else_=_ZERO))


_SENDER = aliased(Petition)


def _not_transferred_within(unit_ids) -> sa.ColumnElement[bool]:
    """A petition transferred inside the tree (petitions/transfers.py) is counted once by a
    report: at the unit that first received it. Its copy, registered by the receiving unit
    ("chuyển đến"), counts in that unit's own report, and is left out of any report whose
    units also hold the sender's petition (a roll-up of both, the headline of the whole tree),
    so that no roll-up counts one petition twice as received (reports help, "Đơn chuyển
    trong hệ thống")."""
    sent_within = (
        sa.select(_SENDER.id)
        .where(_SENDER.id == Petition.forwarded_from_id, _among(_SENDER.unit_id, unit_ids))
        .correlate(Petition)
        .exists()
    )
    return sa.or_(Petition.forwarded_from_id.is_(None), sa.not_(sent_within))


def _scoped(
    source: Source,
    query: sa.Select,
    unit_ids,
    period: Period,
    kinds,
    base=None,
    within=None,
    *,
    indexed: bool = False,
) -> sa.Select:
    """`within`: the units of the whole report a row belongs to (default: `unit_ids`), for
    the rule of petitions transferred inside the tree. `indexed`: `unit_ids` (a sub-select)
    asked of the index that leads with the unit (_in_tree)."""
    if indexed:
        among = _in_tree(source.unit_column, unit_ids.scalar_subquery())
    else:
        among = _among(source.unit_column, unit_ids)
    query = query.where(among, (base or source.base)(period))
    if source.name == "petition":
        query = query.where(_not_transferred_within(unit_ids if within is None else within))
    if kinds and source.kind_column is not None:
        query = query.where(source.kind_column.in_([PetitionKind(k) for k in kinds]))
    return query


class _PeriodParameters:
    """A period whose start and end are bound parameters: the figures' predicates build, once,
    a statement that every period then executes with its own dates."""

    start = sa.bindparam("period_start", type_=sa.Date())
    end = sa.bindparam("period_end", type_=sa.Date())


class _SpanBounds:
    """The first start and last end of the periods of one statement (_spans). Every source's
    base is "overlaps the period", so a record of any of the periods is in the base of this
    span: the database finds them through the base's index once, then sorts them into the
    periods (twelve passes over a country's cases, one per month, took 8-11 ms each at
    1,000,000 petitions)."""

    start = sa.bindparam("spans_start", type_=sa.Date())
    end = sa.bindparam("spans_end", type_=sa.Date())


class _IdList(sa.types.UserDefinedType):
    """A list of ids written into the statement's text at execution as one "(1, 2, 3)". An
    expanding parameter renders each id through the type's literal processor, some 2 us an id:
    a report of a country's centre writes its 4,295 units twice, 10-20 ms of a report whose SQL
    takes 30-70 ms at 100,000 petitions (bench/README.md). Ids only: each is an int."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "INTEGER"

    def literal_processor(self, dialect):
        def process(value) -> str:
            return "(" + (", ".join(map(str, map(int, value))) or "NULL") + ")"

        return process


def _among(column: Any, unit_ids) -> sa.ColumnElement[bool]:
    """`column IN unit_ids`: a statement's list of ids (_UNIT_IDS, _WITHIN_IDS), its tree
    (_TREE_IDS), or a list or subquery of the report's drill-down. An empty list holds
    nothing ("IN (NULL)")."""
    if isinstance(unit_ids, sa.BindParameter) and isinstance(unit_ids.type, _IdList):
        return column.op("IN")(unit_ids)
    return column.in_(unit_ids)


class _in_tree(FunctionElement):
    """`column IN (the tree's ids)` as a condition of an index leading with the unit.
    PostgreSQL: `column = ANY(ARRAY(the ids))`, the ids read once and the array a condition
    of the index, as a list of ids is; the IN is a join, which PostgreSQL makes by reading the
    whole table (or all of an index) in the units' order. At the country's centre, 5,000,000
    petitions: 01-XLD 16.5 -> 1.1 s (a bitmap of each unit's petitions of the year, instead of
    4.5 million rows read in the units' order), 01-KQGQ 2.2 -> 1.3 s, 01-TCD 1.1 -> 0.6 s.
    SQLite: the IN."""

    type = sa.Boolean()
    inherit_cache = True
    name = "in_tree"


@compiles(_in_tree, "postgresql")
def _in_tree_pg(element, compiler, **kw):
    column, ids = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"


@compiles(_in_tree)
def _in_tree_default(element, compiler, **kw):
    column, ids = element.clauses
    return f"{compiler.process(column, **kw)} IN {compiler.process(ids, **kw)}"


_UNIT_IDS = sa.bindparam("unit_ids", literal_execute=True, type_=_IdList())
_WITHIN_IDS = sa.bindparam("within_ids", literal_execute=True, type_=_IdList())


@dataclass(frozen=True)
class Subtree:
    """A unit and every unit below it, given to compute_rows by the unit's path instead of
    their ids: the statement reads them itself (as Unit.subtree_ids does). PostgreSQL took 6
    ms to plan a statement holding a country's 4,295 ids, as long as a month of its
    dashboard's figures took to count (bench/README.md)."""

    path: str

    def ids(self) -> sa.Select:
        """Its units' ids, as a query."""
        return Unit.ids_under(self.path)


# A tree's units as the statement's own sub-select, its path a parameter.
_TREE_IDS = Unit.ids_under(sa.bindparam("tree_path", type_=sa.String()))
# Bases whose index leads with the date (ix_petition_reception: the reception's petitions by
# day): the tree is a join there (its ids hashed, each row of the days probed). As an array
# PostgreSQL asked the index of every petition's unit for each of the units (02-TCD at the
# country's centre: 0.12 -> 0.9 s).
_DATE_LED_BASES = frozenset({_received_at_reception})


def _spans(count: int) -> sa.Subquery:
    """`count` periods as a table of the statement (n, start, end), their dates the parameters
    start_<n> and end_<n>."""
    rows = [
        sa.select(
            sa.literal_column(str(n)).label("n"),
            sa.bindparam(f"start_{n}", type_=sa.Date()).label("start"),
            sa.bindparam(f"end_{n}", type_=sa.Date()).label("end"),
        )
        for n in range(count)
    ]
    return (sa.union_all(*rows) if count > 1 else rows[0]).subquery("periods")


@functools.lru_cache(maxsize=128)
def _statement(
    figure_ids: tuple[str, ...],
    kinds: tuple[str, ...],
    tree: bool = False,
    periods: int = 0,
    last_by_unit: bool = False,
    every_by_unit: bool = False,
) -> tuple:
    """The one statement computing `figure_ids` for the units and period given as parameters:
    a branch per source (and base) aggregating the figures it answers, and the opening
    balances of that branch's figures, all in one UNION ALL whose rows (zeros in the columns
    of other branches' figures) the database adds up per unit: one round trip and one row per
    unit however many sources a form reads, its figures in the order asked. Built once per
    (figures, kinds): a report's dozens of predicates cost ~5 ms of Python to build, more than
    a small province's SQL (bench/README.md); the database's plan of each branch is the same
    either way.

    `tree`: the units are a Subtree, read by the statement from the parameter `tree_path`,
    else the lists `unit_ids` and `within_ids`. `periods`: that many periods at once (the
    parameters of _spans), their figures added up over the units: a row per period, not per
    unit (a dashboard's twelve months in one statement); `last_by_unit`: the last of them a
    row per unit (the dashboard's year by unit beside its months), in the column "apart_unit"
    after the period (NULL in the rows of the others); `every_by_unit`: every period a row
    per unit (the months the dashboard keeps, reports/month_figures.py), the same column.

    Returns (statement, ids): the ids of the figures in the columns after the unit (or period)
    (those of `figure_ids` in the catalogue, in their order); (None, ()) when no figure is
    computed (derived ones only)."""
    if periods:
        spans = _spans(periods)
        period, key, key_name = spans.c, spans.c.n, "period"
    else:
        period, key, key_name = _PeriodParameters, None, "unit_id"

    def apart(unit_column) -> tuple:  # the unit, in the last period's rows only (or all)
        if every_by_unit:
            return (unit_column,)
        if not last_by_unit:
            return ()
        return (sa.case((key == sa.literal_column(str(periods - 1)), unit_column)),)

    units, within = (_TREE_IDS, _TREE_IDS) if tree else (_UNIT_IDS, _WITHIN_IDS)
    ids = tuple(fid for fid in dict.fromkeys(figure_ids) if fid in FIGURES)
    if not ids:
        return None, ()
    by_source: dict[tuple, list[Figure]] = {}
    for fid in ids:
        fig = FIGURES[fid]
        by_source.setdefault((fig.source, fig.base), []).append(fig)
    zero = sa.literal_column("0")

    def padded(own: dict[str, sa.ColumnElement]) -> list[sa.ColumnElement]:
        return [own.get(fid, zero).label(f"f{i}") for i, fid in enumerate(ids)]

    branches = []
    for (name, base), figs in by_source.items():
        source = SOURCES[name]
        preds = [f.where(period) for f in figs]
        own = {f.id: _aggregate(f, period, w) for f, w in zip(figs, preds, strict=True)}
        group = source.unit_column if key is None else key
        by_unit = apart(source.unit_column)
        query = source.select_from().add_columns(
            group.label(key_name), *(u.label("apart_unit") for u in by_unit), *padded(own)
        )
        # A report's period as an index condition (_in_tree); a dashboard's months at once
        # (periods) read the cases by their finishing days' index, a short range, and join
        # the units (as an array: each of the centre's units looked up, 3 -> 10 ms a view).
        indexed = tree and not periods and (base or source.base) not in _DATE_LED_BASES
        query = _scoped(source, query, units, period, kinds, base, within=within, indexed=indexed)
        if periods:  # the records of all the periods, for the database to read them once
            query = query.where((base or source.base)(_SpanBounds))
        # A record no figure of the group counts adds nothing: leave it out before aggregating
        # (unless a figure counts every record of the base).
        if not any(isinstance(w, sa.sql.elements.True_) for w in preds):
            query = query.where(sa.or_(*preds))
        # by period; a distinct count each unit apart: it is one per unit, as a report's rows
        # add it up (a petition of one unit may join another unit's case)
        distinct = any(f.measure == "distinct" for f in figs)
        unit_apart = (source.unit_column,) if key is not None and distinct else ()
        branches.append(query.group_by(group, *by_unit, *unit_apart))
        if any(BALANCE_FIGURES.get(f.id) for f in figs):
            # Opening balances: one more row per unit (period), added to the same figures.
            balance = [BALANCE_FIGURES.get(fid) if fid in own else None for fid in ids]
            branches.append(_balance_rows(units, period, kinds, balance, key, apart))
    if len(branches) == 1 and key is None:
        return _inline_constants(branches[0]), ids
    rows = (sa.union_all(*branches) if len(branches) > 1 else branches[0]).subquery("parts")
    added = [
        sa.cast(sa.func.coalesce(sa.func.sum(rows.c[f"f{i}"]), zero), sa.BigInteger).label(f"f{i}")
        for i in range(len(ids))
    ]
    keys = [rows.c[key_name], *([rows.c.apart_unit] if last_by_unit or every_by_unit else [])]
    statement = sa.select(*keys, *added).group_by(*keys)
    return _inline_constants(statement), ids


def _inline_constants(statement: sa.Select) -> sa.Select:
    """The statement with the figures' constants (kinds, states, outcomes...) written into its
    text at execution, as the units' ids are, leaving the period's dates its only parameters:
    on PostgreSQL each parameter is adapted by the driver and typed by the server on every
    execution (a form has some seventy constants)."""

    def inline(element):
        if isinstance(element, sa.BindParameter) and element.value is not None:
            return sa.bindparam(
                element.key,
                element.value,
                type_=element.type,
                unique=True,
                expanding=element.expanding,
                literal_execute=True,
            )
        return None

    return sa.sql.visitors.replacement_traverse(statement, {}, inline)


def compute_rows(
    figure_ids: Iterable[str],
    unit_ids,
    period: Period,
    kinds: Iterable[str] | None = None,
    within=None,
) -> tuple[tuple[str, ...], dict[int, tuple[int, ...]]]:
    """Every figure for every unit of `unit_ids` (a list, a subquery or a Subtree) as a row of
    numbers: (the figures' ids, {unit id: their values in that order}), a unit without any
    record left out. One query, a branch per source aggregated by the database and added up by
    unit. `within`: the units of the whole report (a row's drill-down inside a roll-up),
    default `unit_ids`."""
    tree, params = _parameters(unit_ids, period, within)
    statement, ids = _statement(tuple(figure_ids), tuple(kinds or ()), tree)
    if statement is None:
        return ids, {}
    # Core's connection, not the session: the statement reads no ORM entity.
    result = db.session.connection().execute(statement, params)
    return ids, {row[0]: tuple(row[1:]) for row in result}


def compute_totals(
    figure_ids: Iterable[str], unit_ids, period: Period, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Every figure summed over all the units of `unit_ids` (a list, a subquery or a
    Subtree): `compute_rows`' statement added up by the database into one row (the
    headline's figures). A tree's totals need no row per unit: a country's 4,000 rows, read
    and added in Python, made its dashboard grow with the data (bench/README.md). Not
    compute_by_period of one period: its table of periods and the span's base cost SQLite
    4-5 ms more on a province's headline of 30 ms."""
    figure_ids = tuple(figure_ids)
    tree, params = _parameters(unit_ids, period, None)
    statement, ids = _total_statement(figure_ids, tuple(kinds or ()), tree)
    totals = dict.fromkeys(figure_ids, 0)  # a figure no statement computes: 0
    if statement is not None:
        row = db.session.connection().execute(statement, params).one()
        totals.update(zip(ids, row, strict=True))
    return totals


@functools.lru_cache(maxsize=64)
def _total_statement(figure_ids: tuple[str, ...], kinds: tuple[str, ...], tree: bool) -> tuple:
    """`_statement`'s rows per unit summed into one row, its figures in the same order."""
    statement, ids = _statement(figure_ids, kinds, tree)
    if statement is None:
        return None, ids
    per_unit = statement.subquery("per_unit")
    zero = sa.literal_column("0")
    return sa.select(
        *(
            sa.cast(sa.func.coalesce(sa.func.sum(per_unit.c[f"f{i}"]), zero), sa.BigInteger)
            for i in range(len(ids))
        )
    ), ids


def compute_by_period(
    figure_ids: Iterable[str], unit_ids, periods: list[Period], kinds: Iterable[str] | None = None
) -> list[dict[str, int]]:
    """Every figure summed over all the units of `unit_ids` (as compute_totals) for each of
    `periods`, in their order: one statement for them all. A country's dashboard counted its
    twelve months in twelve statements, each reading the cases open in its month: a round
    trip, a plan and a pass over the cases each (bench/README.md)."""
    return _by_period(tuple(figure_ids), unit_ids, periods, kinds, False)[0]


def compute_by_period_and_unit(
    figure_ids: Iterable[str],
    unit_ids,
    periods: list[Period],
    period_by_unit: Period,
    kinds: Iterable[str] | None = None,
) -> tuple[list[dict[str, int]], dict[int, dict[str, int]]]:
    """compute_by_period for `periods` and compute_by_unit for `period_by_unit`, in one
    statement: (the figures of each period, {unit id: its figures in period_by_unit}), a
    unit without any record left out. The dashboard's months and its year by unit read the
    same cases of a country's year; each statement read them (43 and 51 ms at 1,000,000
    petitions, bench/README.md)."""
    return _by_period(tuple(figure_ids), unit_ids, [*periods, period_by_unit], kinds, True)


def compute_each_period_by_unit(
    figure_ids: Iterable[str], unit_ids, periods: list[Period], kinds: Iterable[str] | None = None
) -> list[dict[int, dict[str, int]]]:
    """compute_by_unit for each of `periods`, in one statement: [{unit id: its figures}] in
    the periods' order, a unit without any record left out (the months the dashboard keeps,
    reports/month_figures.py, computed together)."""
    out: list[dict[int, dict[str, int]]] = [{} for _ in periods]
    if not periods:
        return out
    tree, params = _spans_parameters(unit_ids, periods)
    statement, ids = _statement(
        tuple(figure_ids), tuple(kinds or ()), tree, len(periods), every_by_unit=True
    )
    if statement is None:
        return out
    for n, unit_id, *values in db.session.connection().execute(statement, params):
        out[n][unit_id] = dict(zip(ids, values, strict=True))
    return out


def _by_period(figure_ids: tuple, unit_ids, periods: list[Period], kinds, last_by_unit: bool):
    """(compute_by_period's list, and with `last_by_unit` the last period's figures by unit,
    that period left out of the list)."""
    tree, params = _spans_parameters(unit_ids, periods)
    statement, ids = _statement(figure_ids, tuple(kinds or ()), tree, len(periods), last_by_unit)
    rows = (
        []
        if statement is None or not periods
        else db.session.connection().execute(statement, params)
    )
    found: dict[int, tuple] = {}
    by_unit: dict[int, dict[str, int]] = {}
    for row in rows:
        if last_by_unit and row[0] == len(periods) - 1:
            by_unit[row[1]] = dict(zip(ids, row[2:], strict=True))
        else:
            found[row[0]] = row[2:] if last_by_unit else row[1:]
    by_period = []
    for n in range(len(periods) - (1 if last_by_unit else 0)):
        totals = dict.fromkeys(figure_ids, 0)  # a figure no statement computes: 0
        totals.update(zip(ids, found.get(n, (0,) * len(ids)), strict=True))
        by_period.append(totals)
    return by_period, by_unit


def _spans_parameters(unit_ids, periods: list[Period]) -> tuple[bool, dict]:
    """The parameters of a statement of several periods (_spans, _SpanBounds): _parameters'
    units, each period's dates and their first start and last end."""
    tree, params = _parameters(unit_ids, None, None)
    for n, period in enumerate(periods):
        params[f"start_{n}"], params[f"end_{n}"] = period.start, period.end
    if periods:
        params["spans_start"] = min(p.start for p in periods)
        params["spans_end"] = max(p.end for p in periods)
    return tree, params


def _parameters(unit_ids, period: Period | None, within) -> tuple[bool, dict]:
    """The parameters of a figures statement: (whether the units are a Subtree read by the
    statement itself, the period's dates and the units' path or id lists)."""
    tree = isinstance(unit_ids, Subtree) and within is None
    params = {} if period is None else {"period_start": period.start, "period_end": period.end}
    if tree:
        params["tree_path"] = unit_ids.path
        return tree, params
    if isinstance(unit_ids, Subtree):
        unit_ids = unit_ids.ids()
    if isinstance(unit_ids, sa.sql.ClauseElement):
        unit_ids = db.session.scalars(unit_ids)
    unit_ids = list(unit_ids)
    if isinstance(within, sa.sql.ClauseElement):
        within = db.session.scalars(within)
    params["unit_ids"] = unit_ids
    params["within_ids"] = unit_ids if within is None else list(within)
    return tree, params


def compute_by_unit(
    figure_ids: Iterable[str],
    unit_ids,
    period: Period,
    kinds: Iterable[str] | None = None,
    within=None,
) -> dict[int, dict[str, int]]:
    """`compute_rows` as a dictionary of figures per unit."""
    ids, rows = compute_rows(figure_ids, unit_ids, period, kinds, within)
    return {uid: dict(zip(ids, values, strict=True)) for uid, values in rows.items()}


def records_query(
    figure_id: str, unit_ids, period: Period, kinds: Iterable[str] | None = None, within=None
):
    """The records behind a figure, as a select of its source model (for the drill-down);
    `within` as for compute_by_unit."""
    fig = FIGURES[figure_id]
    source = SOURCES[fig.source]
    query = source.select_from().add_columns(source.model).where(fig.where(period))
    query = _scoped(source, query, unit_ids, period, tuple(kinds or ()), fig.base, within)
    return query.order_by(source.date_column, source.model.id)


# --- opening balances (kê khai đầu kỳ) -------------------------------------------------------
# An office that starts using the app mid-year declares what it carried over, unresolved, on its
# first day (reports.models.OpeningBalance, per unit, date and kind). The rule:
#   * a period starting on day S takes, for each unit, that unit's latest declaration dated on or
#     before S (a declaration dated after S does not exist yet for that period; a later one
#     replaces an earlier one from its own date);
#   * the declared amounts are added, per kind, to the carried-over figures below and to every
#     total that contains them, so that the identities still hold (carried over + received =
#     total; cases carried over + new = cases) and the resolution rate counts the declared cases
#     as still to resolve;
#   * nothing is added to figures about what happened during the period (received, processed,
#     resolved, outcomes): the declared matters are numbers, not records, so the app cannot see
#     them processed. An office enters a new declaration (e.g. zero) once they are settled, or
#     imports the matters themselves instead (registers import), never both.
# Each amount is one SQL aggregate over the balance table, like every other figure.
BALANCE_FIGURES: dict[str, str] = {
    "petitions.carried_over": "petitions",
    "petitions.total": "petitions",
    "competent.cases_carried_over": "cases",
    "competent.cases": "cases",
    "competent.unresolved": "cases",
    "competent.still_open": "cases",
    "competent.petitions": "case_petitions",
}
BALANCE_COLUMNS = ("petitions", "cases", "case_petitions")


def _balance_rows(unit_ids, period: Period, kinds, columns, key=None, apart=None) -> sa.Select:
    """For each unit, the opening balance in force at the period's start (its latest declaration
    dated on or before it), summed over the kinds asked for: one column per entry of `columns`
    (a balance column, or None for a figure that takes no balance). `key`: the periods'
    number (_spans), for a row per period of all the units' balances; `apart`: _statement's
    rule of the periods counted by unit (the unit, or nothing)."""
    ob = OpeningBalance
    other = aliased(OpeningBalance)
    latest = (
        sa.select(sa.func.max(other.as_of))
        .where(other.unit_id == ob.unit_id, other.as_of <= period.start)
        .scalar_subquery()
    )
    values = [
        (sa.func.sum(getattr(ob, c)) if c else sa.literal_column("0")).label(f"f{i}")
        for i, c in enumerate(columns)
    ]
    group = ob.unit_id.label("unit_id") if key is None else key.label("period")
    by_unit = apart(ob.unit_id) if apart else ()
    query = (
        sa.select(group, *(u.label("apart_unit") for u in by_unit), *values)
        .where(_among(ob.unit_id, unit_ids), ob.as_of == latest)
        .group_by(ob.unit_id if key is None else key, *by_unit)
    )
    if key is not None:  # implied by `latest`; says how the periods join the balances
        query = query.where(ob.as_of <= period.start)
    if kinds:
        query = query.where(ob.kind.in_([PetitionKind(k) for k in kinds]))
    return query


def balance_by_unit(unit_ids, period: Period, kinds=()) -> dict[int, dict[str, int]]:
    """The opening balance in force for each unit at the period's start, summed over kinds."""
    query = _balance_rows(unit_ids, period, tuple(kinds or ()), list(BALANCE_COLUMNS))
    return {
        row.unit_id: {c: int(row[i + 1] or 0) for i, c in enumerate(BALANCE_COLUMNS)}
        for row in db.session.execute(query)
    }


def balance_part(figure_id: str, unit_ids, period: Period, kinds=()) -> int:
    """How much of a figure comes from opening balances (0 for figures that take none): the
    drill-down lists records, and this is the part no record stands for."""
    column = BALANCE_FIGURES.get(figure_id)
    if column is None:
        return 0
    return sum(v[column] for v in balance_by_unit(unit_ids, period, tuple(kinds or ())).values())


# --- derived figures -------------------------------------------------------------------------

ROUNDING_MODES = {
    "half_up_2": (2, "half_up"),
    "half_up_1": (1, "half_up"),
    "half_up_0": (0, "half_up"),
    "truncate_2": (2, "truncate"),
    "truncate_1": (1, "truncate"),
    "truncate_0": (0, "truncate"),
}
RATE_BASES = ("cases", "petitions")
# both: complaints and denunciations together; each: both, and each kind with its own rate.
RATE_KINDS = ("both", "complaint", "denunciation", "each")
KINDS_APART = ("complaint", "denunciation")


@dataclass(frozen=True)
class RateSettings:
    """A report's convention (quy ước tính): the rate's basis, the kinds it counts and how it is
    rounded; with kinds "each", a kind may have its own rounding (rounding_complaint...).
    The unit's report settings give the default; a report may be asked with another
    (reports/convention.py reads one from a page, the API or the command line)."""

    basis: str = "cases"  # cases | petitions
    rounding: str = "half_up_2"
    kinds: str = "both"  # RATE_KINDS
    rounding_complaint: str | None = None
    rounding_denunciation: str | None = None

    @property
    def counted_kinds(self) -> tuple[str, ...]:
        """The kinds of petition the rate counts (both kinds for "both" and "each")."""
        return KINDS_APART if self.kinds in ("both", "each") else (self.kinds,)

    def rounding_for(self, kind: str | None = None) -> str:
        """The rounding of a kind's own rate (its override, else the report's)."""
        own = {"complaint": self.rounding_complaint, "denunciation": self.rounding_denunciation}
        return own.get(kind or "") or self.rounding

    def places(self, kind: str | None = None) -> int:
        return ROUNDING_MODES[self.rounding_for(kind)][0]

    def for_kind(self, kind: str | None) -> RateSettings:
        """The convention of one kind's rate: its own rounding, no overrides left."""
        return RateSettings(self.basis, self.rounding_for(kind), kind or self.kinds)

    def as_dict(self) -> dict:
        data = {"basis": self.basis, "kinds": self.kinds, "rounding": self.rounding}
        for kind in KINDS_APART:
            if getattr(self, f"rounding_{kind}"):
                data[f"rounding_{kind}"] = getattr(self, f"rounding_{kind}")
        return data


def resolution_rate(values: dict[str, int], settings: RateSettings) -> Decimal | None:
    """Resolved over competent, in %, rounded the unit's way (never half-to-even)."""
    num, den = rate_terms(values, settings.basis)
    if not den:
        return None
    places, mode = ROUNDING_MODES[settings.rounding]
    return round_decimal(Decimal(num) * 100 / Decimal(den), places, mode)


def rate_terms(values: dict[str, int], basis: str) -> tuple[int, int]:
    """The rate's numerator and denominator: resolved over competent, cases or petitions."""
    if basis == "petitions":
        return (
            values.get("competent.resolved_petitions", 0),
            values.get("competent.petitions", 0),
        )
    return values.get("competent.resolved", 0), values.get("competent.cases", 0)


# Petition-based rate: petitions of the resolved cases.
FIGURES["competent.resolved_petitions"] = Figure(
    "competent.resolved_petitions", "Số đơn của vụ việc đã giải quyết", "case_petition", _resolved
)
LABELS["competent.resolved_petitions"] = FIGURES["competent.resolved_petitions"].label


@dataclass(frozen=True)
class Identity:
    label: str
    left: tuple[str, ...]
    right: tuple[str, ...]


IDENTITIES: list[Identity] = [
    Identity(
        "Đơn kỳ trước + đơn trong kỳ = tổng số đơn",
        ("petitions.carried_over", "petitions.received"),
        ("petitions.total",),
    ),
    Identity(
        "Tổng đơn theo loại = đơn đủ điều kiện",
        tuple(f"petitions.by_kind.{k.value}" for k in PetitionKind),
        ("petitions.eligible",),
    ),
    Identity(
        "Thuộc thẩm quyền + không thuộc thẩm quyền = đơn đủ điều kiện",
        ("petitions.competent", "petitions.not_competent"),
        ("petitions.eligible",),
    ),
    Identity(
        "Hướng dẫn + chuyển đơn + đôn đốc = đơn không thuộc thẩm quyền",
        (
            "petitions.not_competent.guide",
            "petitions.not_competent.transfer",
            "petitions.not_competent.urge",
        ),
        ("petitions.not_competent",),
    ),
    Identity(
        "Đúng + đúng một phần + sai + rút = đã giải quyết",
        (
            "competent.outcomes.upheld",
            "competent.outcomes.partly_upheld",
            "competent.outcomes.rejected",
            "competent.outcomes.withdrawn",
        ),
        ("competent.resolved",),
    ),
    Identity(
        "Đúng hạn + quá hạn = đã giải quyết",
        ("competent.on_time", "competent.late"),
        ("competent.resolved",),
    ),
    Identity(
        "Vụ việc kỳ trước + thụ lý mới = vụ việc thuộc thẩm quyền",
        ("competent.cases_carried_over", "competent.cases_new"),
        ("competent.cases",),
    ),
    Identity(
        "Vụ việc kỳ trước + thụ lý mới = đã giải quyết + đình chỉ + còn đang giải quyết",
        ("competent.cases_carried_over", "competent.cases_new"),
        ("competent.resolved", "competent.terminated", "competent.still_open"),
    ),
    *[
        Identity(
            f"Lãnh đạo tiếp định kỳ + đột xuất = lãnh đạo tiếp ({what})",
            (f"reception.periodic.{m}", f"reception.adhoc.{m}"),
            (f"reception.leader.{m}",),
        )
        for m, what in (("sessions", "số kỳ"), ("visits", "lượt"), ("people", "người"))
    ],
]


@dataclass
class IdentityCheck:
    identity: Identity
    left: int
    right: int
    row_label: str = ""

    @property
    def ok(self) -> bool:
        return self.left == self.right


@functools.lru_cache(maxsize=256)
def _identities_of(figure_ids: tuple[str, ...]) -> tuple[Identity, ...]:
    """The identities whose figures are all among `figure_ids` (the same for every row of a
    report: looked for once)."""
    present = set(figure_ids)
    return tuple(i for i in IDENTITIES if present.issuperset((*i.left, *i.right)))


@functools.lru_cache(maxsize=256)
def _identity_columns(figure_ids: tuple[str, ...]) -> tuple:
    """The identities of `_identities_of`, each with the columns of its two sides among
    `figure_ids`."""
    at = {fid: i for i, fid in enumerate(figure_ids)}
    return tuple(
        (i, tuple(at[f] for f in i.left), tuple(at[f] for f in i.right))
        for i in _identities_of(figure_ids)
    )


def check_row(figure_ids: tuple[str, ...], values, row_label: str = "") -> list[IdentityCheck]:
    """Each identity whose figures are all among `figure_ids`, with both sides' sums, for a
    row of figures `values` in the columns of `figure_ids`."""
    return [
        IdentityCheck(
            ident, sum([values[j] for j in left]), sum([values[j] for j in right]), row_label
        )
        for ident, left, right in _identity_columns(figure_ids)
    ]


def check_identities(values: dict[str, int], row_label: str = "") -> list[IdentityCheck]:
    """Each identity whose figures are all present, with both sides' sums."""
    return check_row(tuple(values), tuple(values.values()), row_label)


# --- the summary report (no official form) --------------------------------------------------

# Its figures in the order of its sentence: reception and petitions over the whole unit tree,
# results within the competence of the unit itself. The page, its .xlsx and the drill-down
# read them here.
SUMMARY_RATE = "competent.resolution_rate"
SUMMARY_FIGURES = (
    "reception.visits",
    "reception.people",
    "petitions.total",
    "petitions.received",
    "competent.petitions",
    "competent.cases",
    "competent.resolved",
    SUMMARY_RATE,
    "competent.still_open",
)
SUMMARY_OWN_UNIT = ("competent.",)  # counted for the unit itself, not its tree
# kinds "each": the summary's figures of each kind apart
SUMMARY_KIND_FIGURES = (
    "competent.petitions",
    "competent.cases",
    "competent.resolved",
    "competent.resolved_petitions",
    SUMMARY_RATE,
)


def summary_figures(report) -> tuple[str, ...]:
    """The summary's figures in the order of its sentence; on petitions, the resolved
    petitions stand before the rate they are the numerator of."""
    if report.settings.basis != "petitions":
        return SUMMARY_FIGURES
    at = SUMMARY_FIGURES.index(SUMMARY_RATE)
    return (*SUMMARY_FIGURES[:at], "competent.resolved_petitions", *SUMMARY_FIGURES[at:])
