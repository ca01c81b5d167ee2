"""stages: a competition's ordered stages, each with its own settings, data and boards

The first stage's settings are the competition row's own columns and its id is the
competition's id, so every existing competition becomes a one-stage competition in
place: its data files, submissions and (in the leaderboard) boards get
``stage_id = competition_id`` and nothing moves in storage.

Revision ID: 0007
Revises: 0005
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stage_columns(first: bool) -> list[sa.Column[Any]]:
    """The columns a stage sets for itself; the competition row already has the older ones."""
    new: list[sa.Column[Any]] = [
        sa.Column("stage_name", sa.String(length=100), nullable=False, server_default="Main"),
        sa.Column("columns", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("scoring_program", sa.JSON(), nullable=True),
        sa.Column("accepts_submissions", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("feed", sa.String(length=16), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    ]
    if first:
        return new
    return [
        *new,
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("extra_metrics", sa.JSON(), nullable=False),
        sa.Column("runtime", sa.String(length=64), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("smoke_daily_quota", sa.Integer(), nullable=False),
        sa.Column("show_logs", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("data_frozen", sa.Boolean(), nullable=False),
        sa.Column("labels_version", sa.Integer(), nullable=True),
        sa.Column("smoke_data_version", sa.Integer(), nullable=False),
        sa.Column("smoke_data_frozen", sa.Boolean(), nullable=False),
        sa.Column("smoke_labels_version", sa.Integer(), nullable=True),
    ]


competitions = sa.table(
    "competitions",
    sa.column("id", sa.Uuid()),
    sa.column("opens_at", sa.DateTime(timezone=True)),
    sa.column("closes_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("opened_at", sa.DateTime(timezone=True)),
    sa.column("closed_at", sa.DateTime(timezone=True)),
)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _backfill_transitions() -> None:
    """Existing competitions already opened (and maybe closed): record it, so the stage
    clock does not announce a years-old opening on its first tick after the upgrade."""
    connection = op.get_bind()
    now = datetime.now(UTC)
    rows = connection.execute(
        sa.select(
            competitions.c.id, competitions.c.opens_at, competitions.c.closes_at, competitions.c.created_at
        )
    ).all()
    for row in rows:
        opened = _aware(row.opens_at) if row.opens_at is not None else _aware(row.created_at)
        if opened > now:
            continue
        closed = _aware(row.closes_at) if row.closes_at is not None and _aware(row.closes_at) <= now else None
        connection.execute(
            competitions.update()
            .where(competitions.c.id == row.id)
            .values(opened_at=opened, closed_at=closed)
        )


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        for column in _stage_columns(first=True):
            batch_op.add_column(column)
    _backfill_transitions()
    op.create_table(
        "stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("competition_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_stage_columns(first=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competitions.id"],
            name=op.f("fk_stages_competition_id_competitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("competition_id", "position", name=op.f("uq_stages_competition_id")),
    )

    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE data_files SET stage_id = competition_id")
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.alter_column("stage_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_constraint("pk_data_files", type_="primary")
        batch_op.create_primary_key("pk_data_files", ["stage_id", "data_version", "subset", "filename"])
        batch_op.create_index(batch_op.f("ix_data_files_competition_id"), ["competition_id"], unique=False)

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("rerun_of", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("scoring_log_key", sa.String(length=255), nullable=True))
    op.execute("UPDATE submissions SET stage_id = competition_id")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.alter_column("stage_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_index(batch_op.f("ix_submissions_stage_id"), ["stage_id"], unique=False)


def downgrade() -> None:
    """Back to one stage: the later stages, their data and their submissions are dropped."""
    op.execute(
        "DELETE FROM final_selections WHERE submission_id IN "
        "(SELECT id FROM submissions WHERE stage_id <> competition_id)"
    )
    op.execute("DELETE FROM submissions WHERE stage_id <> competition_id")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_stage_id"))
        batch_op.drop_column("scoring_log_key")
        batch_op.drop_column("rerun_of")
        batch_op.drop_column("stage_id")
    op.execute("DELETE FROM data_files WHERE stage_id <> competition_id")
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_files_competition_id"))
        batch_op.drop_constraint("pk_data_files", type_="primary")
        batch_op.create_primary_key("pk_data_files", ["competition_id", "data_version", "subset", "filename"])
        batch_op.drop_column("stage_id")
    op.drop_table("stages")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        for column in reversed(_stage_columns(first=True)):
            batch_op.drop_column(column.name)
