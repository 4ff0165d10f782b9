"""The floor of each report: its figures by one hand-written SQL query per form.

Each query states the catalogue's definitions (complaints/reports/figures.py, DOMAIN.md §9)
directly: the base set of records of the period, each flag computed once, one pass grouped by
unit. It computes exactly the form's figures (`Layout.figure_ids`: no more, no fewer) under the
same rules as the report: a petition transferred inside the tree counted once, at the unit that
sent it (`figures._not_transferred_within`), and the opening balances in force at the period's
start added to the figures that take them (`figures.BALANCE_FIGURES`). What
`reports.service.build` adds on top (SQL built from the figure definitions, report settings,
row groups, identities) is what the ratio build / floor measures. The same numbers must come
out, unit by unit: the harness compares them.
"""

from __future__ import annotations

import sqlalchemy as sa

KINDS = ("complaint", "denunciation", "feedback")
FIELDS = (
    "land",
    "housing",
    "policy",
    "civil_service",
    "environment",
    "judiciary",
    "corruption",
    "party",
    "other",
)


def _kind_filter(alias: str, kinds: tuple[str, ...]) -> str:
    if not kinds:
        return ""
    return f" AND {alias}.kind IN ({', '.join(repr(k) for k in kinds)})"


def _units(unit_ids) -> str:
    return ", ".join(str(int(u)) for u in unit_ids)


def _not_transferred(alias: str, units: str) -> str:
    """A petition transferred inside the report's units counts at the unit that sent it: its
    copy (forwarded_from_id set) is left out when the sender is one of the units."""
    return (
        f" AND ({alias}.forwarded_from_id IS NULL OR NOT EXISTS (SELECT 1 FROM petition s"
        f" WHERE s.id = {alias}.forwarded_from_id AND s.unit_id IN ({units})))"
    )


def _balance(units: str, kinds, names: list[str], taken: dict[str, str]) -> str:
    """One more branch of rows: for each unit, its opening balance in force at the period's
    start (its latest declaration dated on or before it), summed over the kinds, in the
    columns of the figures that take one (`taken`: figure -> balance column), 0 elsewhere."""
    columns = ", ".join(f"SUM(ob.{taken[n]})" if n in taken else "0" for n in names)
    return f"""
        UNION ALL
        SELECT ob.unit_id, {columns}
        FROM opening_balance ob
        WHERE ob.unit_id IN ({units}){_kind_filter("ob", kinds)}
          AND ob.as_of = (SELECT MAX(o.as_of) FROM opening_balance o
                          WHERE o.unit_id = ob.unit_id AND o.as_of <= :s)
        GROUP BY ob.unit_id
    """


def _reception_columns(prefix: str, cond: str) -> list[tuple[str, str]]:
    return [
        (f"{prefix}.visits", f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"),
        (f"{prefix}.people", f"SUM(CASE WHEN {cond} THEN v.people_count ELSE 0 END)"),
        (f"{prefix}.cases_first", f"SUM(CASE WHEN {cond} AND NOT v.is_repeat THEN 1 ELSE 0 END)"),
        (f"{prefix}.cases_repeat", f"SUM(CASE WHEN {cond} AND v.is_repeat THEN 1 ELSE 0 END)"),
        (f"{prefix}.delegations", f"SUM(CASE WHEN {cond} AND v.is_delegation THEN 1 ELSE 0 END)"),
        (
            f"{prefix}.delegation_people",
            f"SUM(CASE WHEN {cond} AND v.is_delegation THEN v.people_count ELSE 0 END)",
        ),
    ]


def _tcd01(units: str, kinds) -> tuple[str, list[str]]:
    visit_cols = (
        _reception_columns("reception", "1 = 1")
        + _reception_columns("reception.regular", "s.kind = 'regular'")
        + _reception_columns("reception.leader", "s.kind <> 'regular'")
        + [
            (f"reception.{k}.visits", f"SUM(CASE WHEN s.kind = '{k}' THEN 1 ELSE 0 END)")
            for k in ("periodic", "adhoc")
        ]
        + [
            (
                f"reception.{k}.people",
                f"SUM(CASE WHEN s.kind = '{k}' THEN v.people_count ELSE 0 END)",
            )
            for k in ("periodic", "adhoc")
        ]
    )
    session_cols = [
        ("reception.leader.sessions", "COUNT(*)"),
        ("reception.leader.in_person", "SUM(CASE WHEN host_mode = 'in_person' THEN 1 ELSE 0 END)"),
        ("reception.leader.delegated", "SUM(CASE WHEN host_mode = 'delegated' THEN 1 ELSE 0 END)"),
        ("reception.periodic.sessions", "SUM(CASE WHEN kind = 'periodic' THEN 1 ELSE 0 END)"),
        ("reception.adhoc.sessions", "SUM(CASE WHEN kind = 'adhoc' THEN 1 ELSE 0 END)"),
    ]
    names = [n for n, _ in visit_cols] + [n for n, _ in session_cols]
    visits = ", ".join(e for _, e in visit_cols)
    zeros_v = ", ".join("0" for _ in session_cols)
    zeros_s = ", ".join("0" for _ in visit_cols)
    sessions = ", ".join(e for _, e in session_cols)
    sql = f"""
        SELECT v.unit_id, {visits}, {zeros_v}
        FROM visit v JOIN reception_session s ON s.id = v.session_id
        WHERE v.unit_id IN ({units}) AND v.visit_date BETWEEN :s AND :e{_kind_filter("v", kinds)}
        GROUP BY v.unit_id
        UNION ALL
        SELECT unit_id, {zeros_s}, {sessions}
        FROM reception_session
        WHERE unit_id IN ({units}) AND session_date BETWEEN :s AND :e AND status = 'held'
          AND kind <> 'regular'
        GROUP BY unit_id
    """
    return sql, names


def _tcd02(units: str, kinds) -> tuple[str, list[str]]:
    cols = [("reception.petitions", "COUNT(*)")] + [
        (f"reception.petitions.by_kind.{k}", f"SUM(CASE WHEN kind = '{k}' THEN 1 ELSE 0 END)")
        for k in KINDS
    ]
    sql = f"""
        SELECT unit_id, {", ".join(e for _, e in cols)}
        FROM petition p
        WHERE unit_id IN ({units}) AND received_date BETWEEN :s AND :e
          AND source = 'reception'{_kind_filter("p", kinds)}{_not_transferred("p", units)}
        GROUP BY unit_id
    """
    return sql, [n for n, _ in cols]


def _xld(units: str, kinds, by: str) -> tuple[str, list[str]]:
    cols = [
        ("petitions.carried_over", "SUM(CASE WHEN received_date < :s THEN 1 ELSE 0 END)"),
        ("petitions.received", "SUM(CASE WHEN received_date >= :s THEN 1 ELSE 0 END)"),
        ("petitions.total", "COUNT(*)"),
        ("petitions.processed", "SUM(processed)"),
        ("petitions.eligible", "SUM(elig)"),
        (
            "petitions.eligible_cases",
            "COUNT(DISTINCT CASE WHEN elig = 1 THEN COALESCE(case_id, -id) END)",
        ),
    ]
    if by == "kind":
        cols += [
            (
                f"petitions.by_kind.{k}",
                f"SUM(CASE WHEN elig = 1 AND kind = '{k}' THEN 1 ELSE 0 END)",
            )
            for k in KINDS
        ]
    else:
        cols += [
            (
                f"petitions.by_field.{f}",
                f"SUM(CASE WHEN elig = 1 AND field = '{f}' THEN 1 ELSE 0 END)",
            )
            for f in FIELDS
        ]
    cols += [
        ("petitions.competent", "SUM(CASE WHEN elig = 1 AND competent THEN 1 ELSE 0 END)"),
        ("petitions.not_competent", "SUM(CASE WHEN elig = 1 AND NOT competent THEN 1 ELSE 0 END)"),
    ] + [
        (
            f"petitions.not_competent.{o}",
            f"SUM(CASE WHEN elig = 1 AND NOT competent AND outcome = '{o}' THEN 1 ELSE 0 END)",
        )
        for o in ("guide", "transfer", "urge")
    ]
    sql = f"""
        SELECT unit_id, {", ".join(e for _, e in cols)}
        FROM (
            SELECT id, unit_id, received_date, kind, field, competent, outcome, case_id,
                   CASE WHEN outcome_date <= :e THEN 1 ELSE 0 END AS processed,
                   CASE WHEN outcome_date <= :e AND eligible THEN 1 ELSE 0 END AS elig
            FROM petition p
            WHERE unit_id IN ({units}) AND received_date <= :e
              AND (received_date >= :s OR outcome_date IS NULL OR outcome_date >= :s)
              {_kind_filter("p", kinds)}{_not_transferred("p", units)}
        ) p
        GROUP BY unit_id
    """
    names = [n for n, _ in cols]
    taken = {"petitions.carried_over": "petitions", "petitions.total": "petitions"}
    return sql + _balance(units, kinds, names, taken), names


def _kqgq(units: str, kinds) -> tuple[str, list[str]]:
    base = f"""
        c.unit_id IN ({units}) AND c.accepted_on IS NOT NULL AND c.accepted_on <= :e
        AND COALESCE(c.decided_on, c.closed_on, '9999-12-31') BETWEEN :s AND '9999-12-31'
        AND c.state <> 'merged'{_kind_filter("c", kinds)}
    """
    resolved = """CASE WHEN c.decided_on BETWEEN :s AND :e
        OR (c.termination_reason = 'withdrawn' AND c.closed_on BETWEEN :s AND :e)
        THEN 1 ELSE 0 END"""
    case_cols = (
        [
            ("competent.cases", "COUNT(*)"),
            ("competent.cases_carried_over", "SUM(CASE WHEN accepted_on < :s THEN 1 ELSE 0 END)"),
            ("competent.cases_new", "SUM(CASE WHEN accepted_on >= :s THEN 1 ELSE 0 END)"),
            ("competent.resolved", "SUM(res)"),
        ]
        + [
            (
                f"competent.outcomes.{o}",
                f"SUM(CASE WHEN decided_on BETWEEN :s AND :e AND outcome = '{o}' "
                "THEN 1 ELSE 0 END)",
            )
            for o in ("upheld", "partly_upheld", "rejected")
        ]
        + [
            (
                "competent.outcomes.withdrawn",
                "SUM(CASE WHEN decided_on IS NULL AND termination_reason = 'withdrawn' "
                "AND closed_on BETWEEN :s AND :e THEN 1 ELSE 0 END)",
            ),
            (
                "competent.on_time",
                "SUM(CASE WHEN res = 1 AND (due IS NULL OR done <= due) THEN 1 ELSE 0 END)",
            ),
            ("competent.late", "SUM(CASE WHEN res = 1 AND done > due THEN 1 ELSE 0 END)"),
            ("competent.terminated", "SUM(CASE WHEN res = 0 AND done <= :e THEN 1 ELSE 0 END)"),
            (
                "competent.still_open",
                "SUM(CASE WHEN res = 0 AND (done IS NULL OR done > :e) THEN 1 ELSE 0 END)",
            ),
        ]
    )
    petition_cols = [
        ("competent.petitions", "COUNT(*)"),
        ("competent.resolved_petitions", f"SUM({resolved})"),
    ]
    names = [n for n, _ in case_cols] + [n for n, _ in petition_cols]
    sql = f"""
        SELECT unit_id, {", ".join(e for _, e in case_cols)}, 0, 0
        FROM (
            SELECT c.unit_id, c.accepted_on, c.decided_on, c.closed_on, c.outcome,
                   c.termination_reason, {resolved} AS res,
                   COALESCE(c.decided_on, c.closed_on) AS done,
                   (SELECT MAX(d.due) FROM deadline d
                     WHERE d.case_id = c.id AND d.step = 'resolve' AND d.active) AS due
            FROM case_file c
            WHERE {base}
        ) c
        GROUP BY unit_id
        UNION ALL
        SELECT c.unit_id, {", ".join("0" for _ in case_cols)},
               {", ".join(e for _, e in petition_cols)}
        FROM petition p JOIN case_file c ON c.id = p.case_id
        WHERE {base}
        GROUP BY c.unit_id
    """
    taken = {
        "competent.cases_carried_over": "cases",
        "competent.cases": "cases",
        "competent.still_open": "cases",
        "competent.petitions": "case_petitions",
    }
    return sql + _balance(units, kinds, names, taken), names


def floor_query(form: str, unit_ids, kinds: tuple[str, ...]) -> tuple[sa.TextClause, list[str]]:
    """The hand-written query of a form: (statement with :s and :e, figure ids of its columns
    after the unit id)."""
    units = _units(unit_ids)
    if form == "01-TCD":
        sql, names = _tcd01(units, kinds)
    elif form == "02-TCD":
        sql, names = _tcd02(units, kinds)
    elif form == "01-XLD":
        sql, names = _xld(units, kinds, "kind")
    elif form in ("02-XLD", "03-XLD", "04-XLD"):
        sql, names = _xld(units, kinds, "field")
    elif form in ("01-KQGQ", "03-KQGQ"):
        sql, names = _kqgq(units, kinds)
    else:
        raise KeyError(form)
    statement = sa.text(sql).bindparams(
        sa.bindparam("s", type_=sa.Date()), sa.bindparam("e", type_=sa.Date())
    )
    return statement, names


def run_floor(session, form: str, unit_ids, kinds, period) -> dict[int, dict[str, int]]:
    """Execute the floor query; figures by unit."""
    statement, names = floor_query(form, unit_ids, kinds)
    result: dict[int, dict[str, int]] = {}
    for row in session.execute(statement, {"s": period.start, "e": period.end}):
        values = result.setdefault(row[0], dict.fromkeys(names, 0))
        for name, value in zip(names, row[1:], strict=True):
            values[name] += int(value or 0)
    return result
