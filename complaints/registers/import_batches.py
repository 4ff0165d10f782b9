"""The import's batches: staged rows written REGISTER_IMPORT_BATCH at a time through the
features' rules (import_petitions.py, import_visits.py), each batch with its list of the
records it made, its counts and its audit event; the register and case counters raised past the
file's numbers. The batch's transaction is committed by the job (importer.py) with its progress.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import sqlalchemy as sa

from complaints.cases import deadlines as case_deadlines
from complaints.cases import operations as case_ops
from complaints.cases.models import Case
from complaints.core import audit, clock, confidentiality
from complaints.core import db as core_db
from complaints.core import deadlines as engine
from complaints.core.errors import OperationError
from complaints.core.numbering import RunningNumber, raise_all
from complaints.extensions import db
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import Petition, PetitionSender, RegisterCounter
from complaints.reception.models import ReceptionSession
from complaints.registers.import_job import ImportProblem, chunks, created_text, staged_rows
from complaints.registers.import_petitions import (
    CASE_NO,
    earliest_days,
    existing_cases,
    registered_numbers,
    write_petition,
)
from complaints.registers.import_visits import write_visit
from complaints.registers.models import ImportedRecord, ImportRow, RegisterImport, RegisterKind
from complaints.reports import month_figures
from complaints.units.models import Unit


class BatchWriter:
    """Writes staged rows through the registration rules, one batch per transaction."""

    def __init__(self, job: RegisterImport, actor):
        self.job, self.actor = job, actor
        self.actor_id = getattr(actor, "id", None)
        self.on = clock.today()
        self.calendar = case_deadlines.work_calendar()
        self.units: dict[str, int] = {}
        self.held_units: dict[int, Unit] = {}  # a batch's units, held (the session's are weak)
        self.unit_ids: dict[str, int | None] = {}
        self.registered: set[str] = set()
        self.cases: dict[tuple[str, str], int | None] = {}
        self.earliest: dict = {}

    def unit(self, code: str) -> Unit:
        """A unit the file names, by its code (looked up once per import; held for the batch,
        read for all its rows at once by hold_units)."""
        if code not in self.units:
            with db.session.no_autoflush:  # the batch's records are flushed at its end
                unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
            if unit_id is None:
                raise ImportProblem(f"Đơn vị {code} không có trong hệ thống.")
            self.units[code] = unit_id
        unit_id = self.units[code]
        if unit_id not in self.held_units:
            with db.session.no_autoflush:
                self.held_units[unit_id] = db.session.get(Unit, unit_id)
        return self.held_units[unit_id]

    def hold_units(self, codes: set[str]) -> None:
        """The units of these codes read at once (one query per 500) and held for the batch."""
        for chunk in chunks(sorted(codes)):
            for unit in db.session.scalars(sa.select(Unit).where(Unit.code.in_(chunk))):
                self.units[unit.code] = self.unit_ids[unit.code] = unit.id
                self.held_units[unit.id] = unit

    def unit_id(self, code: str) -> int | None:
        """The id of a unit the file names, None when there is none (looked up once)."""
        if code not in self.unit_ids:
            with db.session.no_autoflush:
                self.unit_ids[code] = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
        return self.unit_ids[code]

    def write(self, batch: list[ImportRow]) -> None:
        """Write a batch of staged rows (all of them, or an ImportProblem naming the line).
        A petition batch's audit events are chained in memory and inserted at its end
        (nothing in it reads them)."""
        petitions = self.job.kind == RegisterKind.petitions
        with audit.batched(db.session) if petitions else contextlib.nullcontext():
            self._write(batch)

    def _write(self, batch: list[ImportRow]) -> None:
        self.held_units = {}  # read again after the previous batch's commit
        self.made: dict[str, list[int]] = {}
        self.seqs: dict[tuple[int, int], int] = {}
        self.case_seqs: dict[tuple[int, int], int] = {}
        # the batch's cases, held: the session keeps no record nobody refers to
        self.touched_cases: dict[int, Case] = {}
        # the batch's petitions and their senders, as rows inserted at its end
        self.petition_rows: list[dict] = []
        self.sender_rows: list[dict] = []
        # the cases the batch brought in, as rows inserted at its end (before its petitions)
        self.case_rows: dict[int, dict] = {}
        self.numbers: list[str] = []
        self.sessions: dict[tuple, ReceptionSession] = {}
        self.visit_keys: dict[tuple, Counter] = {}
        petitions = self.job.kind == RegisterKind.petitions
        if petitions:  # what the rows look up, for the whole batch at once
            self.registered = registered_numbers([row.data["register_no"] for row in batch])
            keyed = [
                (row.data["case"]["key"], row.data["unit_code"])
                for row in batch
                if row.data.get("processed") and (row.data.get("case") or {}).get("key")
            ]
            self.cases = existing_cases(set(keyed))
            self.earliest = earliest_days(self.job.id, {key for key, _ in keyed})
            self.receipt_codes = petition_ops.unused_receipt_codes(len(batch))
            codes = set()
            for row in batch:
                d = row.data
                codes.add(d["unit_code"])
                codes.update(x["unit"] for x in (d.get("transfer"),) if x)
                codes.update(x["authority"] for x in (d.get("case"),) if x and x.get("authority"))
            self.hold_units(codes)
            # the batch's petitions and cases get their ids here and are flushed together
            self.petition_ids = core_db.IdBlock(Petition.__table__, len(batch))
            self.case_ids = core_db.IdBlock(
                Case.__table__,
                sum(1 for row in batch if row.data.get("processed") and row.data.get("case")),
            )
        states: list[str] = []
        # A petition's batch reads no protection flag of what it writes: the flags of the
        # batch's records are recomputed once, at its end (a visit's audit reads its own);
        # nor the timeline events and deadlines of its cases: inserted together at its end.
        deferred = (
            confidentiality.refresh_deferred(db.session) if petitions else contextlib.nullcontext()
        )
        inserts = core_db.deferred_inserts(db.session) if petitions else contextlib.nullcontext()
        with deferred, inserts:
            for row in batch:
                try:
                    written = write_petition(self, row) if petitions else write_visit(self, row)
                except OperationError as e:  # any rule of the operations the row breaks
                    raise ImportProblem(
                        f"Dòng {row.line}: {e} Không có dòng nào được nhập."
                    ) from None
                except engine.DeadlineError as e:  # the dry run computes the same: not expected
                    raise ImportProblem(
                        f"Dòng {row.line}: không tính được thời hạn theo quy định: {e}. "
                        "Không có dòng nào được nhập."
                    ) from None
                states.append("done" if written else "skip")
            self._fill_search_texts()
            self._insert_cases()  # before the petitions and the rows held for the batch's end
            db.session.flush()
            self._insert_petitions()
        # the rows' states set at once: one statement for the batch at the next flush
        for row, state in zip(batch, states, strict=True):
            row.state = state
        skipped = states.count("skip")
        # the cases of earlier batches or of the register that rows of this one joined: their
        # petitions read back (those of the batch's own cases have their texts already)
        case_ops.refresh_search_texts(
            [self.touched_cases[case_id] for case_id in sorted(self.touched_cases)]
        )
        raise_counters(self.job, self.seqs, self.case_seqs)
        counts = dict(self.job.created_counts or {})
        for entity, ids in self.made.items():
            counts[entity] = counts.get(entity, 0) + len(ids)
            db.session.execute(
                sa.insert(ImportedRecord),
                [{"import_id": self.job.id, "entity_type": entity, "entity_id": i} for i in ids],
            )
        self.job.created_counts = counts
        self.job.imported_rows = (self.job.imported_rows or 0) + len(batch) - skipped
        self.job.skipped_rows = (self.job.skipped_rows or 0) + skipped
        audit.record(
            "register_import.batch",
            self.job,
            actor=self.actor,
            unit_id=self.job.default_unit_id or self.job.scope_unit_id,
            after={
                "lines": [batch[0].line, batch[-1].line],
                "created": {k: len(v) for k, v in self.made.items()},
                "register_nos": self.numbers,
            },
            summary=(
                f"Nhập tệp {self.job.filename}, dòng {batch[0].line}–{batch[-1].line}: "
                f"{created_text({k: len(v) for k, v in self.made.items()})}"
            ),
        )

    def _fill_search_texts(self) -> None:
        """The search texts of the cases the batch brought in and of their petitions, from the
        batch's rows (every petition of such a case is one of them): what
        cases.operations.refresh_search_texts computes, without reading them back. A
        petition's matter is its case's: the identities of every sender of the case."""
        senders: dict[int, list[dict]] = {}
        for sender in self.sender_rows:
            senders.setdefault(sender["petition_id"], []).append(sender)
        by_case: dict[int, list[dict]] = {}
        for petition in self.petition_rows:
            if petition["case_id"] in self.case_rows:
                by_case.setdefault(petition["case_id"], []).append(petition)
        for case_id, petitions in by_case.items():
            petitions.sort(key=lambda p: p["id"])
            matter = [
                value
                for p in petitions
                for s in senders.get(p["id"], ())
                for value in confidentiality.person_identity(s)
            ]
            for p in petitions:
                people = [
                    (s["full_name"], s["identity_no"], s["address"], s["phone"])
                    for s in senders.get(p["id"], ())
                ]
                p["public_search_text"], p["search_text"] = petition_ops.search_texts(
                    p["register_no"], p["receipt_code"], p["source_body"], p["source_doc_no"],
                    p["summary"], people, matter,
                )  # fmt: skip
            case = self.case_rows[case_id]
            texts = [p["search_text"] for p in petitions]
            case["search_text"] = case_ops.case_search_text(
                case["case_no"], case["title"], case["summary"], texts
            )

    def _insert_cases(self) -> None:
        """The cases the batch brought in, one executemany (their protection recomputed with
        their petitions', which name them: _insert_petitions)."""
        if self.case_rows:
            db.session.execute(
                sa.insert(Case.__table__),
                list(self.case_rows.values()),
                execution_options={"render_nulls": True},
            )
            month_figures.rows_changed(db.session, self.case_rows.values())

    def _insert_petitions(self) -> None:
        """The batch's petitions and senders, one executemany each (after its cases: a
        petition refers to its case), noted for the protection's recomputation."""
        if not self.petition_rows:
            return
        session = db.session
        options = {"render_nulls": True}
        session.execute(
            sa.insert(Petition.__table__), self.petition_rows, execution_options=options
        )
        if self.sender_rows:
            session.execute(
                sa.insert(PetitionSender.__table__), self.sender_rows, execution_options=options
            )
        confidentiality.note_inserted(
            session,
            petitions=[p["id"] for p in self.petition_rows],
            cases=[p["case_id"] for p in self.petition_rows if p["case_id"]],
            numbers=[s["identity_no"] for s in self.sender_rows if s["identity_no"]],
        )

    def made_record(self, entity: str, record_id: int) -> None:
        """List a record the batch made (an undo deletes exactly these)."""
        self.made.setdefault(entity, []).append(record_id)


# --- numbering ------------------------------------------------------------------------------


def raise_counters(job: RegisterImport, seqs: dict, case_seqs: dict) -> None:
    """New registrations continue after the highest imported number of each unit and year."""
    before = dict(job.counters_before or {})
    counters = (
        ("register", RegisterCounter.__table__, "last_seq", seqs, {}),
        ("case", RunningNumber.__table__, "last_value", case_seqs, {"series": "case"}),
    )
    for series, table, column, numbers, fixed in counters:
        # what the counters hold, read at once: only those below the batch's numbers are raised
        # (reserve_numbers raised them all before the first batch; a raise is a no-op else)
        current = _held(table, column, fixed, numbers)
        below = []
        for (unit_id, year), seq in numbers.items():
            held = current.get((unit_id, year))
            if held is None or held < seq:
                below.append(({**fixed, "unit_id": unit_id, "year": year}, seq))
            before.setdefault(f"{series}:{unit_id}:{year}", held)
        raise_all(table, column, below)
    job.counters_before = before
    db.session.flush()


def _held(table, column: str, fixed: dict, numbers: dict) -> dict[tuple[int, int], int]:
    """The values the counters of these (unit, year) hold (one query per 500 units)."""
    held: dict[tuple[int, int], int] = {}
    units = sorted({unit_id for unit_id, _ in numbers})
    for chunk in chunks(units):
        query = sa.select(table.c.unit_id, table.c.year, table.c[column]).where(
            table.c.unit_id.in_(chunk), *(table.c[k] == v for k, v in fixed.items())
        )
        held.update({(u, y): v for u, y, v in db.session.execute(query)})
    return held


def reserve_numbers(job: RegisterImport) -> None:
    """Raise the register counters (and case counters) past the file's numbers before the first
    batch: a petition registered by someone while the import runs takes a number after them."""
    if job.kind != RegisterKind.petitions:
        return
    seqs: dict[tuple[int, int], int] = {}
    case_seqs: dict[tuple[int, int], int] = {}
    units: dict[str, int | None] = {}

    def reserve(target: dict, code: str, year: int, seq: int) -> None:
        if code not in units:
            units[code] = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
        if units[code] is not None:
            slot = (units[code], year)
            target[slot] = max(target.get(slot, 0), seq)

    columns = (ImportRow.line, ImportRow.unit_code, ImportRow.data, ImportRow.case_key)
    for _, unit_code, data, case_key in staged_rows(job, columns, ImportRow.state == "ok"):
        reserve(seqs, unit_code, data["year"], data["seq"])
        if case_key and (m := CASE_NO.match(case_key)):
            reserve(case_seqs, m[1], int(m[2]), int(m[3]))
    raise_counters(job, seqs, case_seqs)
