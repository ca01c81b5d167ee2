"""participant files, competition rules (Markdown, versioned) and their acceptances

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rules", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("rules_version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "participant_files",
        sa.Column("competition_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_participant_files_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("competition_id", "filename", name=op.f("pk_participant_files")),
    )
    op.create_table(
        "rules_acceptances",
        sa.Column("competition_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_rules_acceptances_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rules_acceptances_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "competition_id", "user_id", "rules_version", name=op.f("pk_rules_acceptances")
        ),
    )


def downgrade() -> None:
    op.drop_table("rules_acceptances")
    op.drop_table("participant_files")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("rules_version")
        batch_op.drop_column("rules")
