"""`flask --app complaints report ...`: any form, any period, text, JSON or .xlsx."""

from __future__ import annotations

import json
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from complaints.extensions import db
from complaints.reports.layouts import FORM_CODES
from complaints.reports.periods import PERIOD_KINDS, PeriodError, date_range, standard_period


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD)") from None


@click.command("report")
@click.option("--form", required=True, type=click.Choice(FORM_CODES))
@click.option("--from", "start", callback=_date, help="YYYY-MM-DD")
@click.option("--to", "end", callback=_date, help="YYYY-MM-DD")
@click.option("--period", type=click.Choice(PERIOD_KINDS))
@click.option("--year", type=int)
@click.option("--month", type=click.IntRange(1, 12))
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị")
@click.option("--with-subunits", is_flag=True)
@click.option("--basis", help="Cơ sở tính tỷ lệ: cases (vụ việc) | petitions (đơn)")
@click.option("--kinds", help="Loại: both | complaint | denunciation | each (từng loại riêng)")
@click.option("--rounding", help="Làm tròn: half_up_0..2 | truncate_0..2")
@click.option("--rounding-complaint", help="Làm tròn riêng tỷ lệ khiếu nại (với --kinds each)")
@click.option("--rounding-denunciation", help="Làm tròn riêng tỷ lệ tố cáo (với --kinds each)")
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json", "xlsx"]))
@click.option("--output", type=click.Path(dir_okay=False), help="Tệp kết quả (bắt buộc với xlsx)")
@with_appcontext
def report_command(
    form, start, end, period, year, month, unit_code, with_subunits, fmt, output, **convention
):
    """Lập báo cáo theo mẫu (01-TCD ... 03-KQGQ, hoặc summary) cho một đơn vị và một kỳ.
    Quy ước tính (--basis, --kinds, --rounding...) mặc định theo thiết lập của đơn vị."""
    from complaints.reports.convention import ConventionError
    from complaints.reports.requests import unit_convention
    from complaints.reports.service import ReportError, build, format_value, settings_for
    from complaints.units.models import Unit

    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
    try:
        if period:
            if start or end:
                raise PeriodError("Dùng --period hoặc --from/--to, không dùng cả hai.")
            if year is None:
                raise PeriodError("--period cần --year.")
            the_period = standard_period(period, year, month, settings_for(unit).cutoff_day)
        else:
            if not (start and end):
                raise PeriodError("Cần --from và --to (hoặc --period với --year).")
            the_period = date_range(start, end)
        asked = unit_convention(convention, unit)
        report = build(form, unit, the_period, with_subunits=with_subunits, convention=asked)
    except (PeriodError, ReportError, ConventionError) as e:
        raise click.ClickException(str(e)) from None

    if fmt == "xlsx":
        from complaints.reports.xlsx import to_xlsx

        if not output:
            raise click.ClickException("Định dạng xlsx cần --output TỆP.xlsx")
        with open(output, "wb") as f:
            f.write(to_xlsx(report))
        click.echo(f"Đã ghi {output}")
        return
    if fmt == "json":
        text = json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    else:
        lines = [
            f"{unit.name} · {report.layout.title if report.layout else 'Báo cáo tóm tắt'}",
            f"{the_period.label}: {the_period.start:%d/%m/%Y} - {the_period.end:%d/%m/%Y}",
        ]
        if report.convention_text:
            lines.append(report.convention_text)
        if report.layout is None:
            lines.append(report.headline)
        else:
            for column in report.columns:
                value = report.total.value(column.figure)
                group = f"{column.group} · " if column.group else ""
                lines.append(
                    f"  {column.figure:<40} {format_value(report, column.figure, value):>10}"
                    f"  {group}{column.header}"
                )
        text = "\n".join(lines)
    for check in report.failing_checks:
        click.echo(
            f"CẢNH BÁO {check.row_label}: {check.identity.label} ({check.left} ≠ {check.right})",
            err=True,
        )
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        click.echo(f"Đã ghi {output}")
    else:
        click.echo(text)
