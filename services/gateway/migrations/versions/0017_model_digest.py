"""training runs: the sha256 and size of a trained run's model zip (from
``execution.finished``), which a host's reproduction of it compares

Revision ID: 0017_model_digest
Revises: 0016_runtime_pins
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_model_digest"
down_revision: str | Sequence[str] | None = "0016_runtime_pins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("model_size_bytes", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("model_size_bytes")
        batch_op.drop_column("model_sha256")
