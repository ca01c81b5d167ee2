"""runtime pins: the runtime version a competition is pinned to (``runtime_digest``, the
``sha256:`` of the runtime's lock) and the host's changes of it (``runtime_changes``)

Revision ID: 0016_runtime_pins
Revises: 0015_training_stages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_runtime_pins"
down_revision: str | Sequence[str] | None = "0015_training_stages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runtime_digest", sa.String(80), nullable=True))
    op.create_table(
        "runtime_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("competition_id", sa.Uuid(), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_runtime", sa.String(64), nullable=False),
        sa.Column("from_digest", sa.String(80), nullable=True),
        sa.Column("to_runtime", sa.String(64), nullable=False),
        sa.Column("to_digest", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_runtime_changes_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_runtime_changes_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runtime_changes")),
    )
    op.create_index(
        "ix_runtime_changes_competition_changed",
        "runtime_changes",
        ["competition_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_runtime_changes_competition_changed", table_name="runtime_changes")
    op.drop_table("runtime_changes")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("runtime_digest")
