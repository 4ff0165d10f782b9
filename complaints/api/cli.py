"""`flask --app complaints create-token` / `revoke-token`: API tokens from the command line.

A command is not a request: it keeps its own transaction, committed once at its end
(`_transaction`); a refusal discards it and becomes the command's error message."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from complaints.core import clock
from complaints.core.db import MAX_ID, command_transaction
from complaints.extensions import db

_transaction = command_transaction  # core/db.py: the commands' one transaction


@click.command("create-token")
@click.option("--user", "username", required=True, help="Tên đăng nhập của tài khoản")
@click.option("--name", default="", help="Tên gợi nhớ, ví dụ: Cổng dịch vụ công")
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Ngày cuối cùng còn hiệu lực, YYYY-MM-DD (bỏ trống: không hết hạn)",
)
@with_appcontext
def create_token_command(username, name, expires):
    """Cấp mã truy cập API cho một tài khoản; mã chỉ hiện một lần."""
    from complaints.api.tokens import create_token
    from complaints.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"Không có tài khoản {username}.")
    with _transaction():
        token, secret = create_token(
            None,
            user,
            name=name,
            expires_on=expires.date() if expires else None,
            today=clock.today(),
        )
    until = f"đến hết ngày {token.expires_on:%d/%m/%Y}" if token.expires_on else "không hết hạn"
    click.echo(f"Đã cấp mã truy cập số {token.id} cho {user.username} ({until}).")
    click.echo("Mã chỉ hiện MỘT LẦN, hãy lưu lại ngay:")
    click.echo(secret)


@click.command("revoke-token")
@click.option("--id", "token_id", required=True, type=int, help="Số của mã truy cập")
@with_appcontext
def revoke_token_command(token_id):
    """Thu hồi một mã truy cập API."""
    from complaints.api.models import ApiToken
    from complaints.api.tokens import revoke_token

    token = db.session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None:
        raise click.ClickException(f"Không có mã truy cập số {token_id}.")
    with _transaction():
        revoke_token(None, token)
    click.echo(f"Đã thu hồi mã truy cập số {token_id} ({token.prefix}…).")
