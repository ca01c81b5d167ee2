"""submission review: the run's outputs and execution record on each submission, and
whether a team may download its own submissions

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("participants_download_own", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("predictions_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("log_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("runtime", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("runtime_digest", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("machine", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("gpu_used", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        for column in ("gpu_used", "machine", "runtime_digest", "runtime", "log_key", "predictions_key"):
            batch_op.drop_column(column)
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("participants_download_own")
