"""`flask --app complaints ...` commands: the same operations the pages call."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from complaints.core.access import Role
from complaints.core.db import command_transaction
from complaints.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(maintenance_command)

    from complaints.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    from complaints.cases.cli import deadline_command

    app.cli.add_command(deadline_command)

    from complaints.reports.cli import report_command

    app.cli.add_command(report_command)

    from complaints.registers.cli import export_register_command, import_register_command

    app.cli.add_command(import_register_command)
    app.cli.add_command(export_register_command)

    from complaints.registers.balance_cli import import_balances_command

    app.cli.add_command(import_balances_command)

    from complaints.api.cli import create_token_command, revoke_token_command

    app.cli.add_command(create_token_command)
    app.cli.add_command(revoke_token_command)


@click.command("maintenance")
@with_appcontext
def maintenance_command() -> None:
    """Do the work the migrations left for the application (after `flask db upgrade`)."""
    from complaints.core.maintenance import run_pending

    done = run_pending(click.echo)
    click.echo(f"Việc bảo trì: {done} việc đã làm." if done else "Không có việc bảo trì nào.")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị, ví dụ HP")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Có thể lặp lại: --role leader --role report_maker",
)
@click.option("--title", default="")
@click.password_option("--password", help="Bỏ trống để được hỏi (không hiện trên màn hình)")
@with_appcontext
def create_user_command(username, full_name, unit_code, roles, title, password):
    """Tạo tài khoản người dùng (create a user account)."""
    from complaints.auth.operations import create_user
    from complaints.units.models import Unit

    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
    with command_transaction():
        user = create_user(
            None,
            username=username,
            full_name=full_name,
            unit=unit,
            roles=roles,
            password=password,
            title=title,
        )
    click.echo(
        f"Đã tạo tài khoản {user.username} ({', '.join(r.label for r in user.role_set)}) "
        f"thuộc {unit.code}."
    )


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có đơn vị nào")
@click.option("--seed", default=2026, show_default=True, help="Hạt giống ngẫu nhiên")
@with_appcontext
def seed_demo_command(if_empty, seed):
    """Nạp dữ liệu mẫu: một tỉnh với các đơn vị, người dùng và vài tháng tiếp dân, đơn thư."""
    from complaints.demo import seed_demo
    from complaints.units.models import Unit

    if db.session.scalar(sa.select(sa.func.count(Unit.id))):
        if if_empty:
            click.echo("Cơ sở dữ liệu đã có dữ liệu: bỏ qua dữ liệu mẫu.")
            return
        raise click.ClickException(
            "Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào CSDL trống."
        )
    with command_transaction():
        summary = seed_demo(seed=seed)
    click.echo(summary)


@click.group("audit")
def audit_group():
    """Nhật ký thay đổi (audit log)."""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Kiểm tra nhật ký: chuỗi băm, chữ ký đầu chuỗi, các điểm neo; mã thoát khác 0 nếu có sự
    kiện bị sửa hoặc xóa, đuôi bị cắt, nhật ký bị xóa hết hay chuỗi bị lập lại."""
    from complaints.core.audit import verify

    result = verify()
    if result.ok:
        anchored = (
            f", khớp điểm neo đến sự kiện số {result.anchored_seq}"
            if result.anchored_seq is not None
            else ", chưa có điểm neo nào"
        )
        click.echo(f"Nhật ký nguyên vẹn: {result.checked} sự kiện{anchored}.")
        return
    click.echo(_broken(result), err=True)
    sys.exit(1)


def _broken(result) -> str:
    where = f" tại sự kiện số {result.broken_seq}" if result.broken_seq is not None else ""
    return (
        f"Nhật ký bị phá vỡ{where}: {result.reason} "
        f"({result.checked} sự kiện đã kiểm tra trong chuỗi)."
    )


@audit_group.command("checkpoint")
@click.option(
    "--accept-unsigned-head",
    is_flag=True,
    help="Ký lại đầu chuỗi đã mất chữ ký (sau khi đã xem xét); việc này được ghi vào nhật ký.",
)
@with_appcontext
def audit_checkpoint(accept_unsigned_head):
    """Lập điểm neo có chữ ký tại đầu chuỗi và giữ nó ngoài cơ sở dữ liệu (chạy định kỳ)."""
    from complaints.core.audit import audit_key, seal, write_anchor

    if audit_key() is None:
        raise click.ClickException(
            "Chưa cấu hình khóa nhật ký: đặt AUDIT_KEY (biến môi trường COMPLAINTS_AUDIT_KEY) "
            "hoặc tạo tệp instance/audit.key (`make run` tự tạo)."
        )
    result, cp = seal(accept_unsigned_head)
    if cp is None:
        db.session.rollback()
        if result.ok:
            click.echo("Nhật ký chưa có sự kiện nào: chưa cần điểm neo.")
            return
        click.echo(f"Không lập điểm neo. {_broken(result)}", err=True)
        sys.exit(1)
    db.session.commit()
    path = write_anchor(cp.anchor())
    click.echo(
        f"Đã lập điểm neo số {cp.id}: nhật ký đến sự kiện số {cp.seq}; đã giữ bản sao ở {path}."
    )
