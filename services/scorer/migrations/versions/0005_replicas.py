"""replicas: rescorings split into items that any replica takes, submissions claimed while judged

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rescore_items",
        sa.Column("rescore_id", sa.String(length=36), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("rescore_id", "submission_id", name=op.f("pk_rescore_items")),
    )
    op.create_index(
        "ix_rescore_items_rescore_status", "rescore_items", ["rescore_id", "status"], unique=False
    )
    op.create_table(
        "scoring_claims",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_scoring_claims")),
    )
    op.create_index(op.f("ix_scoring_claims_holder"), "scoring_claims", ["holder"], unique=False)
    # a rescoring under way when this runs: what is left after its cursor becomes its items
    op.execute(
        """
        INSERT INTO rescore_items (rescore_id, submission_id, status)
        SELECT r.rescore_id, s.submission_id, 'pending'
        FROM rescores r JOIN scores s
          ON s.competition_id = r.competition_id AND s.stage_id = COALESCE(r.stage_id, r.competition_id)
        WHERE r.status = 'running'
          AND (r.cursor IS NULL OR s.submission_id > r.cursor)
          AND (s.status = 'scored' OR s.rescore_id IS NOT NULL)
          AND s.is_smoke = false
        """
    )
    with op.batch_alter_table("rescores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("superseded", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("spec_checked_at", sa.DateTime(timezone=True), nullable=True))
    # a finished rescoring had its spec checked
    op.execute("UPDATE rescores SET spec_checked_at = finished_at WHERE status = 'done'")
    # expand/contract: ``rescores.cursor`` stays (nullable, unused) while pods of the
    # release before, which select it, may still run beside these; dropped in a later release


def downgrade() -> None:
    with op.batch_alter_table("rescores", schema=None) as batch_op:
        batch_op.drop_column("spec_checked_at")
        batch_op.drop_column("superseded")
    # the cursor cannot say "all but these": a rescoring under way starts over
    op.drop_index(op.f("ix_scoring_claims_holder"), table_name="scoring_claims")
    op.drop_table("scoring_claims")
    op.drop_index("ix_rescore_items_rescore_status", table_name="rescore_items")
    op.drop_table("rescore_items")
