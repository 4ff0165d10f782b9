"""`flask --app complaints import-register` and `export-register`: the same jobs as the pages,
with a counter instead of a progress bar."""

from __future__ import annotations

import os
import sys
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from complaints.core.numbers import fmt_int
from complaints.extensions import db
from complaints.registers import exporter, importer
from complaints.registers import layout as L
from complaints.registers.models import ImportIssue, ImportStatus, RegisterImport, RegisterKind
from complaints.registers.reader import FileRefused


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD)") from None


def _unit(code: str | None):
    from complaints.units.models import Unit

    if not code:
        return None
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {code}.")
    return unit


class Counter:
    """A one-line counter on a terminal; one line per step when the output is a file."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.last = ""

    def __call__(self, job: RegisterImport) -> None:
        if not job.is_active:
            return  # the outcome is printed by the command itself
        text = importer.progress_text(job)
        if job.percent is not None:
            text += f" ({job.percent}%)"
        if text == self.last:
            return
        self.last = text
        if self.tty:
            click.echo(f"\r{text:<70}", nl=False)
        else:
            click.echo(text)

    def end(self) -> None:
        if self.tty and self.last:
            click.echo()
        self.last = ""


def _apply_maps(job: RegisterImport, maps: tuple[str, ...]) -> None:
    """--map "Số vào sổ=Số đơn": a register column read from a file column of another name."""
    mapping = dict(job.mapping)
    for item in maps:
        ours, sep, theirs = item.partition("=")
        if not sep:
            raise click.ClickException(f"--map {item!r}: viết dạng “Cột của sổ=Cột trong tệp”.")
        column = next(
            (c for c in L.COLUMNS[job.kind] if L.norm(ours) in (L.norm(c.header), L.norm(c.field))),
            None,
        )
        if column is None:
            raise click.ClickException(f"Sổ không có cột “{ours.strip()}”.")
        index = next((i for i, h in enumerate(job.headers) if L.norm(h) == L.norm(theirs)), None)
        if index is None:
            raise click.ClickException(f"Tệp không có cột “{theirs.strip()}”.")
        mapping[column.field] = index
    job.mapping = mapping


@click.command("import-register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", "unit_code", help="Mã đơn vị của các dòng không ghi mã đơn vị")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, liệt kê các dòng lỗi; không nhập")
@click.option("--create-units", is_flag=True, help="Tạo các đơn vị có trong tệp nhưng chưa có")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in RegisterKind]),
    help="petitions: sổ đơn; reception: sổ tiếp công dân (mặc định: theo tiêu đề cột)",
)
@click.option("--map", "maps", multiple=True, help='"Cột của sổ=Cột trong tệp", có thể lặp lại')
@with_appcontext
def import_register_command(file, unit_code, dry_run, create_units, kind, maps):
    """Nhập sổ tiếp công dân hoặc sổ đơn cũ từ tệp .xlsx hoặc .csv (chạy thử trước, rồi nhập
    tất cả hoặc không nhập gì)."""
    # Transactions: the job's own (importer.begin commits the job with its claim, each batch of
    # a phase commits with its progress); the command's own changes once, in _end_unimported.
    job = _new_job(file, _unit(unit_code), kind, maps, create_units)
    click.echo(
        f"{job.kind.label}: {job.filename}, dòng tiêu đề {job.header_row}, "
        f"{len(job.mapping)} cột được đối chiếu."
    )
    counter = Counter()
    token = importer.begin(None, job, "check")
    job = importer.run(job.id, token, "check", progress=counter)
    counter.end()
    failed = _report(job)
    if dry_run or failed or not job.valid_rows:
        _end_unimported(job, dry_run, failed)
        return
    try:
        token = importer.begin(None, job, "import")
    except importer.ImportProblem as e:
        raise click.ClickException(str(e)) from None
    job = importer.run(job.id, token, "import", progress=counter)
    counter.end()
    if job.status != ImportStatus.done:
        raise click.ClickException(f"Không nhập được: {job.message} Không có gì được giữ lại.")
    click.echo(
        f"Đã nhập: {importer.progress_text(job).split(': ', 1)[-1]}; "
        f"bỏ qua {fmt_int(job.skipped_rows)} dòng đã có."
    )


def _new_job(file: str, unit, kind: str | None, maps: tuple[str, ...], create_units: bool):
    """The job for the file with its columns mapped, not committed yet (its dry run's claim
    commits it); a file that cannot be read or mapped ends the command with nothing written."""
    path = os.path.abspath(file)
    try:
        job = importer.create_job(
            None,
            path=path,
            filename=os.path.basename(path),
            uploaded=False,
            kind=kind,
            default_unit=unit,
        )
    except FileRefused as e:
        raise click.ClickException(str(e)) from None
    try:
        _apply_maps(job, maps)
        job.create_units = create_units
        missing = importer.missing_columns(job)
        if missing:
            names = ", ".join(f"“{c.header}”" for c in missing)
            found = ", ".join(f"“{h}”" for h in job.headers if h) or "(không có)"
            raise click.ClickException(
                f"Không tìm thấy cột bắt buộc {names} (dòng tiêu đề {job.header_row}; các cột "
                f'của tệp: {found}). Dùng --map "Cột của sổ=Cột trong tệp" hoặc --unit.'
            )
    except click.ClickException:
        db.session.delete(job)  # never committed: the command leaves nothing behind
        raise
    return job


def _end_unimported(job: RegisterImport, dry_run: bool, failed: bool) -> None:
    """A command that imports nothing: a dry run leaves no job, a file with nothing new leaves
    its job cancelled (the command's one commit); a file with problems exits with 1."""
    if dry_run:
        db.session.delete(job)
    elif not failed:
        importer.cancel(None, job)
    db.session.commit()
    if failed:
        click.echo("Không nhập gì (chạy thử)." if dry_run else "Không nhập gì.", err=True)
        sys.exit(1)
    click.echo("Chạy thử xong: tệp nhập được." if dry_run else "Không có dòng mới nào để nhập.")


def _report(job: RegisterImport) -> bool:
    """Print the dry run's findings; True when the file cannot be imported as it is."""
    click.echo(
        f"Đã kiểm tra {fmt_int(job.total_rows)} dòng: {fmt_int(job.valid_rows)} dòng mới, "
        f"{fmt_int(job.skipped_rows)} dòng đã có, {fmt_int(job.error_rows)} dòng lỗi"
        + (f", {fmt_int(job.empty_rows)} dòng trống bỏ qua" if job.empty_rows else "")
        + "."
    )
    issues = db.session.scalars(
        sa.select(ImportIssue)
        .where(ImportIssue.import_id == job.id)
        .order_by(ImportIssue.line, ImportIssue.id)
        .execution_options(yield_per=500)
    )
    for issue in issues:
        where = f"Dòng {issue.line}" if issue.line else "Tệp"
        column = f", cột “{issue.column}”" if issue.column else ""
        click.echo(f"{where}{column}: {issue.message}", err=True)
    if job.issue_count > int(importer.setting("REGISTER_IMPORT_MAX_ISSUES")):
        click.echo(f"... tổng cộng {fmt_int(job.issue_count)} lỗi.", err=True)
    if job.new_units:
        verb = "sẽ được tạo" if job.create_units else "chưa có (thêm --create-units để tạo)"
        for entry in job.new_units:
            parent = entry["parent"] or (job.default_unit.code if job.default_unit else "gốc")
            click.echo(f"Đơn vị {entry['code']} “{entry['name']}” (cấp trên: {parent}): {verb}.")
    return bool(job.error_rows or job.issue_count or (job.new_units and not job.create_units))


@click.command("export-register")
@click.option("--from", "start", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--to", "end", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--unit", "unit_code", help="Mã đơn vị (gồm các đơn vị trực thuộc)")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in RegisterKind]),
    default=RegisterKind.petitions.value,
    show_default=True,
)
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def export_register_command(start, end, unit_code, kind, file):
    """Xuất sổ đơn (hoặc sổ tiếp công dân) ra .xlsx hoặc .csv theo đuôi tên tệp."""
    if end < start:
        raise click.ClickException("--to phải sau --from.")
    try:
        fmt = exporter.format_of(file)
    except exporter.ExportError as e:
        raise click.ClickException(str(e)) from None
    unit = _unit(unit_code)
    counter = {"n": 0}

    def progress(count: int) -> None:
        counter["n"] = count
        if sys.stdout.isatty():
            click.echo(f"\rĐã ghi {fmt_int(count)} dòng", nl=False)

    count = exporter.write(
        file, kind=RegisterKind(kind), fmt=fmt, start=start, end=end, root=unit, progress=progress
    )
    if sys.stdout.isatty() and counter["n"]:
        click.echo()
    click.echo(f"Đã ghi {fmt_int(count)} dòng vào {file}.")
