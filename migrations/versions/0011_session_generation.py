"""Sessions that end: user_account.session_generation.

Every login cookie carries the account's id and its session generation (User.get_id); logout,
a password change or reset, a lock and an administrator's "sign out everywhere" count the
generation up, so every older cookie stops matching (issue 14, item 2). Existing accounts start
at 1; cookies issued before this migration carry no generation and are refused: everyone logs in
once more.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "session_generation", sa.Integer(), server_default=sa.text("1"), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
