"""Use cases on API tokens: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from complaints.api.models import ApiToken
from complaints.core import audit
from complaints.core.db import begin_writing, commit_apart, utcnow, write_intent
from complaints.core.errors import OperationError
from complaints.extensions import db

TOKEN_PREFIX = "ctd_"  # noqa: S105  a marker telling this application's tokens apart
SECRET_BYTES = 32
SHOWN_PREFIX = 12
# last_used_at is written at most once a minute per token: a busy system polling the API
# would otherwise turn every read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


class TokenError(OperationError):
    """A token operation the rules refuse; the message is for the user."""


@dataclass(frozen=True)
class Refusal:
    """Why a presented token does not authenticate (a Vietnamese message for a 401)."""

    message: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    actor, user, *, name: str = "", expires_on: date | None = None, today: date
) -> tuple[ApiToken, str]:
    """Issue a token for a user; returns the row and the secret, which is stored only hashed."""
    name = (name or "").strip()
    if len(name) > 120:
        raise TokenError("Tên mã truy cập tối đa 120 ký tự.")
    if not user.active:
        raise TokenError(f"Tài khoản {user.username} đã bị khóa: không cấp mã truy cập.")
    if expires_on is not None and expires_on < today:
        raise TokenError("Ngày hết hạn không được trước ngày hôm nay.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(
        user_id=user.id,
        user=user,
        name=name,
        prefix=secret[:SHOWN_PREFIX],
        token_hash=hash_token(secret),
        created_by_id=getattr(actor, "id", None),
        expires_on=expires_on,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        token,
        actor=actor,
        unit_id=user.unit_id,
        after={
            "user": user.username,
            "name": name,
            "prefix": token.prefix,
            "expires_on": expires_on,
        },
        summary=f"Cấp mã truy cập API {token.prefix}… cho tài khoản {user.username}",
    )
    return token, secret


def revoke_token(actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good; a revoked token never authenticates again."""
    if token.is_revoked:
        raise TokenError("Mã truy cập này đã bị thu hồi trước đó.")
    token.revoked_at = utcnow()
    token.revoked_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "api_token.revoked",
        token,
        actor=actor,
        unit_id=token.user.unit_id,
        after={"user": token.user.username, "prefix": token.prefix},
        summary=f"Thu hồi mã truy cập API {token.prefix}… của tài khoản {token.user.username}",
    )
    return token


def revoke_user_tokens(actor, user) -> int:
    """Revoke every token of a user still in force (their account is locked): one UPDATE and
    one event naming the tokens; returns how many."""
    prefixes = list(
        db.session.scalars(
            sa.select(ApiToken.prefix).where(
                ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
            )
        )
    )
    if not prefixes:
        return 0
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=getattr(actor, "id", None))
    )
    audit.record(
        "api_token.revoked",
        entity_type="user_account",
        entity_id=user.id,
        actor=actor,
        unit_id=user.unit_id,
        after={"user": user.username, "prefixes": prefixes, "reason": "tài khoản bị khóa"},
        summary=(
            f"Thu hồi {len(prefixes)} mã truy cập API của tài khoản {user.username} "
            "(tài khoản bị khóa)"
        ),
    )
    return len(prefixes)


def find_token(secret: str, today: date) -> ApiToken | Refusal:
    """The valid token a secret belongs to, or why it is refused."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.isascii():
        return Refusal("Mã truy cập không hợp lệ.")
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None:
        return Refusal("Mã truy cập không hợp lệ.")
    if token.is_revoked:
        return Refusal("Mã truy cập đã bị thu hồi.")
    if token.is_expired(today):
        return Refusal(f"Mã truy cập đã hết hạn từ sau ngày {token.expires_on:%d/%m/%Y}.")
    if not token.user.active:
        return Refusal("Tài khoản gắn với mã truy cập đã bị khóa.")
    return token


def needs_touch(token: ApiToken) -> bool:
    return token.last_used_at is None or utcnow() - token.last_used_at >= TOUCH_INTERVAL


def touch(token_id: int) -> None:
    """Record that a token was just used (a plain UPDATE: no version, no audit event).

    In a transaction of its own, committed at once: the use is recorded whatever becomes of
    the request (a refused call is a use too), and a reading request goes on reading."""
    intended = write_intent.get()
    begin_writing()
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    )
    commit_apart()
    write_intent.set(intended)
