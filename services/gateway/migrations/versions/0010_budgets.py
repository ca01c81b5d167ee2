"""budgets and approval: each stage's compute budgets per team, and the host's approval
of each team where a competition requires it

Existing teams are approved (they were made when no approval was asked for); existing
stages have no budget (no cap).

Revision ID: 0010
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUDGETS = ("cpu_hours_budget", "gpu_hours_budget")


def upgrade() -> None:
    for table in ("competitions", "stages"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in _BUDGETS:
                batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approval", sa.String(length=16), nullable=False, server_default="approved")
        )
        batch_op.add_column(sa.Column("approval_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("approval_decided_by", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("approval_decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_teams_approval_decided_by_users"), "users", ["approval_decided_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_teams_approval_decided_by_users"), type_="foreignkey")
        for name in ("approval_decided_at", "approval_decided_by", "approval_reason", "approval"):
            batch_op.drop_column(name)
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("requires_approval")
    for table in ("stages", "competitions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in reversed(_BUDGETS):
                batch_op.drop_column(name)
