"""stages: the stage of each score and rescoring

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 14:40:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_scores_stage_submission", ["stage_id", "submission_id"], unique=False)
    with op.batch_alter_table("rescores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_rescores_stage_requested", ["stage_id", "requested_at"], unique=False)
    # everything recorded before stages existed belongs to the first stage, whose id is
    # the competition's
    op.execute("UPDATE scores SET stage_id = competition_id")
    op.execute("UPDATE rescores SET stage_id = competition_id")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("rescores", schema=None) as batch_op:
        batch_op.drop_index("ix_rescores_stage_requested")
        batch_op.drop_column("stage_id")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index("ix_scores_stage_submission")
        batch_op.drop_column("stage_id")
