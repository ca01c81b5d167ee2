"""execution record: the runtime (name and content digest), machine and GPU a run used

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runtime", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("runtime_digest", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("machine", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("gpu_used", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("executions", schema=None) as batch_op:
        batch_op.drop_column("gpu_used")
        batch_op.drop_column("machine")
        batch_op.drop_column("runtime_digest")
        batch_op.drop_column("runtime")
