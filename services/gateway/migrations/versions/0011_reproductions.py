"""reproductions: a submission's purpose (a host's re-run is "reproduce"), the
data and labels versions it ran on (its runtime is 0009's column), and every score it got
(to compare re-runs with it)

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(16), nullable=False, server_default="compete"))
        batch_op.add_column(sa.Column("tolerance", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("labels_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scores", sa.JSON(), nullable=True))
        batch_op.create_index("ix_submissions_rerun_of", ["rerun_of"])


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_rerun_of")
        batch_op.drop_column("scores")
        batch_op.drop_column("labels_version")
        batch_op.drop_column("data_version")
        batch_op.drop_column("tolerance")
        batch_op.drop_column("purpose")
