"""The dry run of an import job: the file streamed and every row checked by the rules of the
register's feature (petition_rows.py, visit_rows.py), the rows that pass staged in the database
in batches (each committed with the progress it reports), then the checks across rows in SQL:
numbers twice in the file or already registered, petitions of one case that disagree, visits
already in the log, units unknown or outside the importer's scope; and the deadlines each
petition and case will be given, computed by the same plan the import stores (a clean dry run
means a clean import).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Case
from complaints.core import clock
from complaints.core import deadlines as engine
from complaints.core.db import utcnow
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionTransfer
from complaints.registers import reader as R
from complaints.registers.import_job import (
    Progress,
    beat,
    chunks,
    file_info,
    setting,
    staged_rows,
)
from complaints.registers.import_petitions import existing_cases
from complaints.registers.import_visits import logged_visits
from complaints.registers.models import (
    ImportIssue,
    ImportRow,
    ImportStatus,
    RegisterImport,
    RegisterKind,
)
from complaints.registers.petition_rows import parse_petition
from complaints.registers.rows import Cells, ParsedRow, field_label, shown
from complaints.registers.visit_rows import parse_visit
from complaints.units.models import Unit

CHECK_SCALE = 1000  # the dry run's progress is a fraction of the file, in thousandths
MAX_NEW_UNITS = 500


class _Issues:
    """Problems of the dry run, written in batches; all are counted, the first ones kept."""

    def __init__(self, job: RegisterImport):
        self.job, self.buffer, self.count = job, [], 0
        self.limit = int(setting("REGISTER_IMPORT_MAX_ISSUES"))

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if self.count <= self.limit:
            self.buffer.append(
                {"import_id": self.job.id, "line": line, "column": column[:120], "message": message}
            )

    def flush(self) -> None:
        if self.buffer:
            db.session.execute(sa.insert(ImportIssue), self.buffer)
            self.buffer = []


def _label(job: RegisterImport, name: str) -> str:
    """The column a problem is reported in, as the file names it."""
    return field_label(job.kind, name, job.headers, job.mapping)


def run_check(job_id: int, token: str, progress: Progress | None) -> None:
    """The dry run of a claimed job, to its end: rows staged, problems listed, counts kept."""
    job = db.session.get(RegisterImport, job_id)
    db.session.execute(sa.delete(ImportRow).where(ImportRow.import_id == job.id))
    db.session.execute(sa.delete(ImportIssue).where(ImportIssue.import_id == job.id))
    job.new_units = []
    beat(job, token, phase_total=CHECK_SCALE, phase_done=0, total_rows=0)
    issues = _Issues(job)
    counts = Counter()
    try:
        _stage_rows(job, token, issues, counts, progress)
    except R.FileRefused as e:
        issues.add(0, "", str(e))
        counts["error"] += 1
    issues.flush()
    db.session.commit()
    if job.kind == RegisterKind.petitions:
        _check_petition_rows(job, issues)
        _check_deadlines(job, issues)
    else:
        _check_visit_rows(job, issues)
    _check_units(job, issues)
    issues.flush()
    state = dict(
        db.session.execute(
            sa.select(ImportRow.state, sa.func.count())
            .where(ImportRow.import_id == job.id)
            .group_by(ImportRow.state)
        ).all()
    )
    job.total_rows = counts["rows"]
    job.empty_rows = counts["empty"]
    job.error_rows = counts["error"] + state.get("error", 0)
    job.valid_rows = state.get("ok", 0)
    job.skipped_rows = state.get("skip", 0)
    job.issue_count = issues.count
    job.status = ImportStatus.checked
    job.phase_done = job.phase_total = CHECK_SCALE
    job.finished_at = utcnow()
    beat(job, token)
    if progress:
        progress(job)


def _stage_rows(job, token, issues: _Issues, counts: Counter, progress) -> None:
    parse = parse_petition if job.kind == RegisterKind.petitions else parse_visit
    default_unit = job.default_unit.code if job.default_unit else None
    on = clock.today()
    batch_size = int(setting("REGISTER_IMPORT_BATCH")) * 2
    mapped_columns = {index + 1: name for name, index in job.mapping.items()}
    staged: list[dict] = []
    with R.RowReader(job.file_path, file_info(job), job.sheet) as reader:
        for line, values in reader.rows():
            if line < job.first_data_row:
                continue
            problems = _structure_problems(job, reader, line, mapped_columns)
            parsed = parse(line, Cells(values, job.mapping), default_unit=default_unit, today=on)
            if parsed.empty and not problems:
                counts["empty"] += 1
                continue
            counts["rows"] += 1
            # A merged or unevaluated cell explains the emptiness its column is blamed for.
            explained = {column for column, _ in problems}
            errors = problems + [
                (_label(job, n), m) for n, m in parsed.errors if _label(job, n) not in explained
            ]
            if parsed.empty:
                errors.append(("", "Dòng chỉ có ô gộp hoặc công thức, không có dữ liệu."))
            if errors:
                counts["error"] += 1
                for column, message in errors:
                    issues.add(line, column, message)
            else:
                staged.append(_staged(job, parsed))
            if len(staged) + len(issues.buffer) >= batch_size:
                _write_stage(job, token, staged, issues, counts, reader, line, progress)
                staged = []
        _write_stage(job, token, staged, issues, counts, reader, None, progress)
        if reader.formulas_more:
            issues.add(0, "", "Tệp còn nhiều ô công thức chưa được tính khác (chỉ liệt kê 500 ô).")


def _write_stage(job, token, staged, issues, counts, reader, line, progress) -> None:
    if staged:  # one executemany (every row has every column; the ORM's split at each None)
        db.session.execute(sa.insert(ImportRow.__table__), staged)
    issues.flush()
    fraction = reader.fraction(line) if line else 1.0
    if fraction is None:  # an .xlsx without its size: the bar shows work, not a share
        beat(job, token, phase_total=None, phase_done=0, total_rows=counts["rows"])
    else:
        done = min(int(fraction * CHECK_SCALE), CHECK_SCALE - 1)
        beat(job, token, phase_total=CHECK_SCALE, phase_done=done, total_rows=counts["rows"])
    if progress:
        db.session.refresh(job)
        progress(job)


def _staged(job: RegisterImport, parsed: ParsedRow) -> dict:
    day = parsed.data.get("received") or parsed.data.get("visit_date")
    return {
        "import_id": job.id,
        "line": parsed.line,
        "state": "ok",
        "key": parsed.key,
        "occurrence": 1,
        "unit_code": parsed.unit_code,
        "day": date.fromisoformat(day) if day else None,
        "case_key": parsed.case_key,
        "case_sig": parsed.case_sig,
        "data": parsed.data,
    }


def _structure_problems(job, reader: R.RowReader, line: int, mapped: dict[int, str]) -> list:
    """Merged cells and formulas without a value on this line, in the columns that matter."""
    problems = []
    for r1, c1, r2, c2 in reader.merged:
        if r1 <= line <= r2 and r2 >= job.first_data_row:
            names = [mapped[c] for c in range(c1, c2 + 1) if c in mapped]
            if names:
                span = f"dòng {r1}–{r2}" if r2 > r1 else f"dòng {r1}"
                problems.append(
                    (
                        _label(job, names[0]),
                        f"Ô bị gộp (merge) trên {span}: hãy bỏ gộp ô và ghi giá trị vào từng "
                        "dòng, từng cột.",
                    )
                )
    for column in reader.formulas.get(line, ()):
        if column in mapped:
            problems.append(
                (
                    _label(job, mapped[column]),
                    "Ô chứa công thức chưa được tính (tệp chưa được mở, lưu bằng Excel): mở tệp "
                    "bằng Excel rồi lưu lại, hoặc dán giá trị (Paste Special → Values).",
                )
            )
    return problems


def _mark(job, ids: list[int], state: str) -> None:
    for chunk in chunks(ids):
        db.session.execute(
            sa.update(ImportRow).where(ImportRow.id.in_(chunk)).values(state=state),
            execution_options={"synchronize_session": False},
        )


def _first_lines(job: RegisterImport, column) -> sa.Subquery:
    return (
        sa.select(column.label("k"), sa.func.min(ImportRow.line).label("first_line"))
        .where(ImportRow.import_id == job.id, column.isnot(None))
        .group_by(column)
        .subquery()
    )


def _check_petition_rows(job: RegisterImport, issues: _Issues) -> None:
    R_ = ImportRow
    # The same register number twice in the file: every later line is an error.
    first = _first_lines(job, R_.key)
    duplicates = db.session.execute(
        sa.select(R_.id, R_.line, R_.key, first.c.first_line)
        .join(first, first.c.k == R_.key)
        .where(R_.import_id == job.id, R_.line > first.c.first_line)
        .order_by(R_.line)
    ).all()
    for _, line, key, first_line in duplicates:
        issues.add(
            line, _label(job, "register_no"), f"Số vào sổ {key} trùng với dòng {first_line}."
        )
    _mark(job, [d.id for d in duplicates], "error")
    # Numbers already in the register: those rows are skipped (importing again adds nothing).
    existing = sa.select(Petition.register_no).where(Petition.register_no == R_.key).exists()
    db.session.execute(
        sa.update(R_)
        .where(R_.import_id == job.id, R_.state == "ok", existing)
        .values(state="skip"),
        execution_options={"synchronize_session": False},
    )
    # Petitions of one case must tell the same story about it.
    head = aliased(ImportRow)
    # Each row compared with its case's first row, found by the index of the case's rows
    # (import_id, case_key, line): a join of the rows, the cases' first lines and their rows
    # made SQLite read every row of the file for each row (66 s for a year of 10,000 rows).
    first_of_case = (
        sa.select(head.line, head.case_sig)
        .where(head.import_id == job.id, head.case_key == R_.case_key)
        .order_by(head.line)
        .limit(1)
        .correlate(R_)
    )
    head_line = first_of_case.with_only_columns(head.line).scalar_subquery()
    first_sig = first_of_case.with_only_columns(head.case_sig).scalar_subquery()
    mismatched = db.session.execute(
        sa.select(R_.id, R_.line, R_.case_key, head_line)
        .where(R_.import_id == job.id, R_.case_key.isnot(None), R_.case_sig != first_sig)
        .order_by(R_.line)
    ).all()
    for _, line, key, first_line in mismatched:
        issues.add(
            line,
            _label(job, "case_key"),
            f"Vụ việc {key}: đơn vị, loại đơn hoặc thông tin vụ việc (ngày nhận vụ việc, ngày "
            f"thụ lý, trạng thái, quyết định...) khác với dòng {first_line}. Các đơn cùng một vụ "
            "việc phải ghi giống nhau.",
        )
    _mark(job, [m.id for m in mismatched], "error")
    trees = _Trees(job)
    for chunk in _case_groups(job):  # the head rows and the cases in the system, a batch
        heads = {
            row.line: row
            for row in db.session.scalars(
                sa.select(R_).where(R_.import_id == job.id, R_.line.in_([g[1] for g in chunk]))
            )
        }
        pairs = {(key, heads[first_line].unit_code) for key, first_line, _ in chunk}
        found_ids = existing_cases(pairs)
        ids = {i for i in found_ids.values() if i is not None}
        kinds = dict(
            db.session.execute(sa.select(Case.id, Case.kind).where(Case.id.in_(ids))).all()
            if ids
            else []
        )
        for key, first_line, earliest in chunk:
            head_row = heads[first_line]
            case_id = found_ids[(key, head_row.unit_code)]
            _check_case_group(
                job,
                issues,
                trees,
                key,
                first_line,
                earliest,
                head_row,
                kinds.get(case_id) if case_id is not None else None,
            )
    _check_transfers(job, issues, trees)


def _case_groups(job: RegisterImport):
    """The file's cases a batch (REGISTER_IMPORT_BATCH) at a time, in the order of their keys:
    each key with its first line and its earliest petition's day, read through the index of
    the cases' rows from the last key on (not every case of the file held at once)."""
    size = int(setting("REGISTER_IMPORT_BATCH"))
    R_ = ImportRow
    after = ()
    while True:
        chunk = db.session.execute(
            sa.select(R_.case_key, sa.func.min(R_.line), sa.func.min(R_.day))
            .where(R_.import_id == job.id, R_.case_key.isnot(None), *after)
            .group_by(R_.case_key)
            .order_by(R_.case_key)
            .limit(size)
        ).all()
        if chunk:
            yield chunk
        if len(chunk) < size:
            return
        after = (R_.case_key > chunk[-1][0],)


def _check_case_group(job, issues, trees, key, first_line, earliest, head_row, found_kind):
    """The checks of one case of the file on its first row (found_kind: the kind of the case
    already in the system it names, None when there is none)."""
    case = head_row.data["case"]
    accepted = date.fromisoformat(case["accepted_on"])
    stated = case.get("received_on")  # column "Ngày nhận vụ việc": checked on each row
    found = found_kind
    # Without it, the case was received with its earliest petition in the file; a case
    # already in the system holds its earlier petitions, and the file's rows join it.
    if found is None and stated is None and earliest and earliest > accepted:
        column = _label(job, "case_received_on")
        issues.add(
            first_line,
            _label(job, "accepted_on"),
            f"Vụ việc {key}: ngày thụ lý {accepted:%d/%m/%Y} trước ngày nhận đơn sớm nhất "
            f"của vụ việc ({earliest:%d/%m/%Y}). Nếu vụ việc có đơn nhận trước đó (không có "
            f"trong tệp), ghi ngày nhận đơn đầu tiên vào cột “{column}”.",
        )
        _mark(job, [head_row.id], "error")
    if case.get("authority"):
        problem = authority_problem(case["authority"], head_row.unit_code, trees)
        if problem:
            issues.add(first_line, _label(job, "case_authority"), f"Vụ việc {key}: {problem}")
            _mark(job, [head_row.id], "error")
    if found is not None and found.value != head_row.data["kind"]:
        issues.add(
            first_line,
            _label(job, "case_key"),
            f"Vụ việc {key} đã có trong hệ thống và là vụ việc {found.label.lower()}, "
            "khác loại với đơn.",
        )
        _mark(job, [head_row.id], "error")


def _check_deadlines(job: RegisterImport, issues: _Issues) -> None:
    """Every deadline the import will compute for a staged row (the petition's processing, its
    case's periods) is computed now, by the same functions: a date the rule table does not
    cover is the row's error here rather than the import's failure. A date before every rule
    the table knows is no error: the record comes in without a legal deadline."""
    cal = case_deadlines.work_calendar()
    failed: list[int] = []
    columns = (ImportRow.id, ImportRow.line, ImportRow.data)
    for row_id, line, data in staged_rows(job, columns, ImportRow.state == "ok"):
        kind, received = data["kind"], date.fromisoformat(data["received"])
        case = data.get("case") if data.get("processed") else None
        column = "accepted_on" if case else "received_date"
        try:
            with contextlib.suppress(engine.BeforeRules):  # registered without a deadline
                engine.compute(kind, case_deadlines.processing_step(kind), received, calendar=cal)
            if case:
                case_deadlines.plan(_case_facts(kind, received, case), cal)
        except engine.DeadlineError as e:
            issues.add(line, _label(job, column), f"Không tính được thời hạn theo quy định: {e}.")
            failed.append(row_id)
    _mark(job, failed, "error")


def _case_facts(kind: str, received: date, case: dict) -> case_deadlines.CaseFacts:
    """The facts an imported case's deadlines depend on, as import_petitions gives them."""

    def day(name: str) -> date | None:
        return date.fromisoformat(case[name]) if case.get(name) else None

    return case_deadlines.CaseFacts(
        kind=kind,
        round=case["round"],
        received_on=min(received, day("received_on") or received),
        accepted_on=day("accepted_on"),
        decided_on=day("decided_on"),
        sent_on=day("sent_on"),
    )


class _Trees:
    """Which tree a unit code belongs to: a unit of the system by its root; a unit the file
    brings (created with the import) by its parent in the file, else the unit the file is
    imported for, else it starts a tree of its own."""

    def __init__(self, job: RegisterImport):
        R_ = ImportRow
        firsts = (
            sa.select(R_.unit_code, sa.func.min(R_.line).label("line"))
            .where(R_.import_id == job.id)
            .group_by(R_.unit_code)
            .subquery()
        )
        rows = db.session.execute(
            sa.select(R_.unit_code, R_.data).join(
                firsts, (R_.import_id == job.id) & (R_.line == firsts.c.line)
            )
        ).all()
        self.file = {code: (data.get("parent_code") or "").strip() for code, data in rows}
        base = job.default_unit or job.scope_unit
        self.base = base.code if base is not None else ""
        self.units: dict[str, Unit | None] = {}

    def unit(self, code: str) -> Unit | None:
        if code not in self.units:
            self.units[code] = db.session.scalar(sa.select(Unit).where(Unit.code == code))
        return self.units[code]

    def known(self, code: str) -> bool:
        return self.unit(code) is not None or code in self.file

    def name(self, code: str) -> str:
        unit = self.unit(code)
        return unit.name if unit is not None else f"Đơn vị {code}"

    def root(self, code: str):
        seen = set()
        while code not in seen:
            seen.add(code)
            unit = self.unit(code)
            if unit is not None:
                return unit.root_id
            parent = self.file.get(code, "") or self.base
            if not parent or parent == code:
                return code
            code = parent
        return code

    def same_tree(self, a: str, b: str) -> bool:
        return self.root(a) == self.root(b)


def authority_problem(code: str, unit_code: str, trees: _Trees) -> str:
    """Why the competent authority a register names cannot be taken (empty: it can): a unit
    of the same tree as the registering unit (units/roles.py), in the system or brought by the
    file; a dissolved one is allowed, history may name it."""
    if not trees.known(code):
        return f"cơ quan có thẩm quyền “{shown(code)}” chưa có trong danh sách đơn vị."
    if not trees.same_tree(unit_code, code):
        return (
            f"{trees.name(code)} không thuộc hệ thống đơn vị của {trees.name(unit_code)}: không "
            "thể là cơ quan có thẩm quyền giải quyết."
        )
    return ""


_HANDOFF = ("transfer", "forwarded_from", "received")  # what _check_transfers reads of a row


def _check_transfers(job: RegisterImport, issues: _Issues, trees: _Trees) -> None:
    """The hand-offs inside the tree a file records: the receiving unit a sender's row names
    (a unit of the same tree, not the sender itself), and the sender a copy's row names (in
    the file or the register, transferred to the copy's unit, linked to no other copy)."""
    R_ = ImportRow
    # The rows to check (a hand-off named, or a sender's number), with only what is checked:
    # not every row of the file, nor its whole data, held until the end.
    rows = []
    columns = (R_.id, R_.line, R_.unit_code, R_.key, R_.data)
    for row_id, line, unit_code, key, data in staged_rows(job, columns, R_.state == "ok"):
        if data.get("transfer") or data.get("forwarded_from"):
            rows.append((row_id, line, unit_code, key, {n: data.get(n) for n in _HANDOFF}))
    # The senders in the file the copies name, by their number: the first row of each.
    senders: dict[str, tuple] = {}  # register no: (line, state, transfer, outcome date)
    numbers = sorted({data["forwarded_from"] for *_, data in rows if data["forwarded_from"]})
    for chunk in chunks(numbers):
        for line, state, key, data in db.session.execute(
            sa.select(R_.line, R_.state, R_.key, R_.data)
            .where(R_.import_id == job.id, R_.key.in_(chunk))
            .order_by(R_.line)
        ):
            senders.setdefault(key, (line, state, data.get("transfer"), data.get("outcome_date")))
    copies: dict[str, int] = {}  # sender's number: the line of its copy
    bad: list[int] = []

    def problem(row_id, line, column, message):
        issues.add(line, _label(job, column), message)
        bad.append(row_id)

    for row_id, line, unit_code, _, data in rows:
        number = data.get("forwarded_from")
        if not number:
            continue
        if number in copies:
            problem(
                row_id, line, "forwarded_from",
                f"Đơn {number} đã được chuyển đến đơn vị nhận ở dòng {copies[number]}: mỗi đơn "
                "chuyển chỉ có một đơn ở đơn vị nhận.",
            )  # fmt: skip
            continue
        copies[number] = line
        in_file = senders.get(number)
        if in_file is not None and in_file[1] != "skip":
            target = (in_file[2] or {}).get("unit")
            sent_on = in_file[3]
            where = f"dòng {in_file[0]}"
        else:
            sender = db.session.scalar(sa.select(Petition).where(Petition.register_no == number))
            if sender is None:
                problem(
                    row_id, line, "forwarded_from",
                    f"Không tìm thấy đơn {number} của đơn vị chuyển trong hệ thống hay trong tệp: "
                    "nhập sổ của đơn vị chuyển trước (hoặc cùng tệp), hoặc để trống ô này.",
                )  # fmt: skip
                continue
            taken = db.session.scalar(
                sa.select(PetitionTransfer.id).where(
                    PetitionTransfer.sender_petition_id == sender.id
                )
            )
            if taken is not None:
                problem(
                    row_id, line, "forwarded_from",
                    f"Đơn {number} đã có đơn ở đơn vị nhận trong hệ thống.",
                )  # fmt: skip
                continue
            target = sender.transfer_unit.code if sender.transfer_unit_id else None
            sent_on = sender.outcome_date.isoformat() if sender.outcome_date else None
            where = "trong hệ thống"
        received = data.get("received")
        if target != unit_code:
            problem(
                row_id, line, "forwarded_from",
                f"Đơn {number} ({where}) không ghi chuyển đến đơn vị {unit_code} (cột "
                f"“{_label(job, 'transfer_unit')}”).",
            )  # fmt: skip
        elif sent_on and received and received < sent_on:
            problem(
                row_id, line, "received_date",
                f"Ngày nhận đơn trước ngày đơn vị chuyển xử lý đơn {number} "
                f"({date.fromisoformat(sent_on):%d/%m/%Y}).",
            )  # fmt: skip
    for row_id, line, unit_code, key, data in rows:
        transfer = data.get("transfer")
        if not transfer:
            continue
        code = transfer["unit"]
        if not trees.known(code):
            problem(
                row_id, line, "transfer_unit",
                f"Đơn vị nhận “{shown(code)}” chưa có trong danh sách đơn vị.",
            )  # fmt: skip
        elif code == unit_code:
            problem(
                row_id, line, "transfer_unit",
                f"Không thể chuyển đơn cho chính đơn vị vào sổ ({code}).",
            )  # fmt: skip
        elif not trees.same_tree(unit_code, code):
            problem(
                row_id, line, "transfer_unit",
                f"{trees.name(code)} không thuộc hệ thống đơn vị của {trees.name(unit_code)}: ghi "
                f"tên cơ quan ngoài hệ thống ở cột “{_label(job, 'outcome_body')}”.",
            )  # fmt: skip
        elif key not in copies and (transfer.get("answer_due") or transfer.get("result_on")):
            column = "transfer_answer_due" if transfer.get("answer_due") else "transfer_result_on"
            problem(
                row_id, line, column,
                f"Hạn và kết quả báo cáo được giữ cùng đơn ở đơn vị nhận, nhưng tệp không có dòng "
                f"nào ghi “{_label(job, 'forwarded_from')}” là {key}: nhập cùng sổ của đơn vị "
                "nhận, hoặc để trống các ô hạn và kết quả báo cáo.",
            )  # fmt: skip
    _mark(job, bad, "error")


def _check_visit_rows(job: RegisterImport, issues: _Issues) -> None:
    R_ = ImportRow
    # Identical rows are distinct visits (one person may come twice a day): number them.
    repeated = db.session.execute(
        sa.select(R_.key).where(R_.import_id == job.id).group_by(R_.key).having(sa.func.count() > 1)
    ).scalars()
    for key in list(repeated):
        ids = db.session.scalars(
            sa.select(R_.id).where(R_.import_id == job.id, R_.key == key).order_by(R_.line)
        ).all()
        for n, row_id in enumerate(ids, start=1):
            db.session.execute(
                sa.update(R_).where(R_.id == row_id).values(occurrence=n),
                execution_options={"synchronize_session": False},
            )
    # Visits already in the log of that unit and day are skipped.
    skip: list[int] = []
    group, known = None, Counter()
    # Streamed in the order of the units and days (500 rows a fetch), not held at once; the
    # log of each unit and day read as its group starts.
    rows = db.session.execute(
        sa.select(R_.id, R_.unit_code, R_.day, R_.key, R_.occurrence)
        .where(R_.import_id == job.id, R_.state == "ok")
        .order_by(R_.unit_code, R_.day, R_.line)
        .execution_options(yield_per=500)
    )
    for row_id, unit_code, day, key, occurrence in rows:
        if (unit_code, day) != group:
            group, known = (unit_code, day), logged_visits(unit_code, day)
        if known[key] >= occurrence:
            skip.append(row_id)
    _mark(job, skip, "skip")


def _scope_path(job: RegisterImport) -> str | None:
    unit = job.scope_unit or job.default_unit
    return unit.path if unit is not None else None


def _check_units(job: RegisterImport, issues: _Issues) -> None:
    """Units named in the file: known ones must be in the importer's scope; unknown ones are
    listed, to be created on request under their parent (or the importing unit)."""
    R_ = ImportRow
    scope = _scope_path(job)
    firsts = db.session.execute(
        sa.select(R_.unit_code, sa.func.min(R_.line))
        .where(R_.import_id == job.id)
        .group_by(R_.unit_code)
        .order_by(R_.unit_code)
    ).all()
    known = {
        u.code: u
        for u in db.session.scalars(
            sa.select(Unit).where(Unit.code.in_([code for code, _ in firsts]))
        )
    }
    new_units = []
    for code, first_line in firsts:
        unit = known.get(code)
        if unit is not None:
            if scope and not unit.path.startswith(scope):
                lines = db.session.execute(
                    sa.select(R_.id, R_.line).where(R_.import_id == job.id, R_.unit_code == code)
                ).all()
                for _, line in lines:
                    issues.add(
                        line,
                        _label(job, "unit_code"),
                        f"Đơn vị {code} nằm ngoài phạm vi của bạn (hoặc của đơn vị đã chọn).",
                    )
                _mark(job, [i for i, _ in lines], "error")
            continue
        data = db.session.scalar(
            sa.select(R_.data).where(R_.import_id == job.id, R_.line == first_line)
        )
        new_units.append(
            {
                "code": code,
                "name": (data.get("unit_name") or "").strip() or f"Đơn vị {code}",
                "parent": data.get("parent_code") or "",
                "line": first_line,
            }
        )
    if len(new_units) > MAX_NEW_UNITS:
        issues.add(0, "", f"Tệp có {len(new_units)} đơn vị chưa có: quá nhiều để tạo tự động.")
        new_units = []
    codes = {u["code"] for u in new_units}
    for entry in new_units:
        parent = entry["parent"]
        if not parent or parent in codes:
            continue
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == parent))
        if unit is None:
            issues.add(
                entry["line"],
                _label(job, "parent_code"),
                f"Đơn vị cấp trên {parent} của đơn vị mới {entry['code']} không có trong hệ "
                "thống và trong tệp.",
            )
        elif scope and not unit.path.startswith(scope):
            issues.add(
                entry["line"],
                _label(job, "parent_code"),
                f"Đơn vị cấp trên {parent} nằm ngoài phạm vi của bạn.",
            )
    job.new_units = new_units
