"""`flask --app complaints import-balances FILE [--dry-run] [--unit CODE]`: opening balances
(kê khai đầu kỳ) from a file, checked and saved as the page does (balance_file.py)."""

from __future__ import annotations

import os
import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from complaints.core import clock
from complaints.core.db import command_transaction
from complaints.core.numbers import fmt_int
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.registers import balance_file
from complaints.units.models import Unit


@click.command("import-balances")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và cho biết sẽ lưu gì; không ghi")
@click.option(
    "--unit",
    "unit_code",
    help="Mã đơn vị của các dòng không ghi mã đơn vị; giới hạn tệp trong đơn vị đó và các "
    "đơn vị trực thuộc",
)
@with_appcontext
def import_balances_command(file, dry_run, unit_code):
    """Nhập số liệu kỳ trước chuyển sang (kê khai đầu kỳ) từ tệp .xlsx hoặc .csv: tất cả hoặc
    không gì cả; mã thoát 1 khi tệp có lỗi."""
    path = os.path.abspath(file)
    with command_transaction():  # one transaction: every declaration, or nothing
        unit = None
        if unit_code:
            unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code.upper()))
            if unit is None:
                raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
        plan = balance_file.read(
            None,
            path,
            filename=os.path.basename(path),
            today=clock.today(),
            default_unit=unit,
            scope=unit,
        )
        if not dry_run and not plan.problems:
            balance_file.save(None, plan, today=clock.today())
    if plan.problems:
        for problem in plan.problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"Tệp có {fmt_int(len(plan.problems))} lỗi: không lưu kê khai nào"
            + (" (chạy thử)." if dry_run else "."),
            err=True,
        )
        sys.exit(1)
    _summary(plan, dry_run)


def _summary(plan: balance_file.Plan, dry_run: bool) -> None:
    """What was (or would be) saved: each declaration with its amounts, then the totals."""
    for d in plan.declarations:
        amounts = "; ".join(
            f"{kind.label} {_three(d.full[kind])}" for kind in PetitionKind if _any(d.full[kind])
        )
        state = "sửa kê khai đã có" if d.before is not None else "mới"
        click.echo(
            f"{d.unit.code} tại {d.as_of:%d/%m/%Y} ({state}): {amounts or 'tất cả bằng 0'}"
            + (f". Lưu ý: {fmt_int(d.overlap)} đơn đã có trong hệ thống" if d.overlap else "")
        )
    verb = "Sẽ lưu" if dry_run else "Đã lưu"
    click.echo(
        f"{verb} {fmt_int(len(plan.declarations))} kê khai của {fmt_int(plan.units)} đơn vị "
        f"({fmt_int(plan.corrected)} sửa kê khai đã có), từ {fmt_int(plan.rows)} dòng: tổng "
        f"{_three(plan.totals)}." + (" Chạy thử: chưa ghi gì." if dry_run else "")
    )


def _three(a) -> str:
    return (
        f"{fmt_int(a.petitions)} đơn, {fmt_int(a.cases)} vụ việc, "
        f"{fmt_int(a.case_petitions)} đơn của các vụ việc"
    )


def _any(a) -> bool:
    return bool(a.petitions or a.cases or a.case_petitions)
