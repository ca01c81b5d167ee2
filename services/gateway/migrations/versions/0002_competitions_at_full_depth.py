"""competitions at full depth: edits, smoke sample, invites, final selection, rescoring

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:26:51.074141

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rescores",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("competition_id", sa.Uuid(), nullable=False),
        sa.Column("scoring", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_rescores_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_rescores_requested_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescores")),
    )
    op.create_index(
        "ix_rescores_competition_requested", "rescores", ["competition_id", "requested_at"], unique=False
    )
    op.create_table(
        "final_selections",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_final_selections_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_final_selections_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "submission_id", name=op.f("pk_final_selections")),
    )
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_metrics", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("final_count", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("smoke_data_version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("smoke_data_frozen", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("smoke_labels_version", sa.Integer(), nullable=True))

    # the subset joins the primary key: a smoke file may share a test file's name
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subset", sa.String(length=8), nullable=False, server_default="test"))
        batch_op.drop_constraint("pk_data_files", type_="primary")
        batch_op.create_primary_key("pk_data_files", ["competition_id", "data_version", "subset", "filename"])

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invite_code", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_teams_invite_code"), ["invite_code"])


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_teams_invite_code"), type_="unique")
        batch_op.drop_column("invite_code")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("scored_at")
    op.execute("DELETE FROM data_files WHERE subset <> 'test'")
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.drop_constraint("pk_data_files", type_="primary")
        batch_op.create_primary_key("pk_data_files", ["competition_id", "data_version", "filename"])
        batch_op.drop_column("subset")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("smoke_labels_version")
        batch_op.drop_column("smoke_data_frozen")
        batch_op.drop_column("smoke_data_version")
        batch_op.drop_column("final_count")
        batch_op.drop_column("extra_metrics")
    op.drop_table("final_selections")
    op.drop_index("ix_rescores_competition_requested", table_name="rescores")
    op.drop_table("rescores")
