"""API tokens: how another system calls the JSON API on behalf of one user."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import UTCDateTime, utcnow
from complaints.extensions import db


class ApiToken(db.Model):
    """A bearer token: only the SHA-256 of the secret is kept, the secret is shown once.

    The token acts with its user's roles and unit, as they are at the time of each call."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    # The first characters of the secret, to recognise a token in lists and logs.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    expires_on: Mapped[date | None]  # last day of validity (Vietnam's date), None: no expiry
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and today > self.expires_on

    def status(self, today: date) -> str:
        """Vietnamese state for the administrator's list."""
        if self.is_revoked:
            return "Đã thu hồi"
        if self.is_expired(today):
            return "Đã hết hạn"
        if not self.user.active:
            return "Tài khoản đã khóa"
        return "Đang dùng"
