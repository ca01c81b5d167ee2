"""training runs: the sha256 and size of the model zip a finished training run left,
carried into ``execution.finished`` (a host's reproduction compares them)

Revision ID: 0009_model_digest
Revises: 0008_training_runs
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_model_digest"
down_revision: str | Sequence[str] | None = "0008_training_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("model_size_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("model_size_bytes")
        batch_op.drop_column("model_sha256")
