"""boards per stage, ranked by columns

Every row gets a stage id, the competition's own (the first stage's id is the
competition's, so the existing boards become the first stage's). Entries gain every
column's score (``{}`` in the rows already there: their scores stay in the old fields,
which the service reads as the metric's column). ``team_best`` trades its one-number
sort key for the byte key of ``services.leaderboard.ranking.sort_key``, computed here
from the old key (a board of one column: the metric, in its direction), so the boards
read exactly as before without being recomputed. The encoding is copied, not imported:
a migration stays what it was when later code changes.

Revision ID: 0004
Revises: 0003
"""

import json
import struct
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIGN = 1 << 63
_ALL = (1 << 64) - 1


def _ordered(value: float) -> bytes:
    bits: int = struct.unpack(">Q", struct.pack(">d", value + 0.0))[0]
    return (bits ^ _ALL if bits & _SIGN else bits | _SIGN).to_bytes(8, "big")


def _sort(key: float, at: datetime, submission_id: str) -> bytes:
    """The key of a one-column board from the old key (already negated when higher is better)."""
    at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    return b"\x00" + _ordered(key) + (micros + _SIGN).to_bytes(8, "big") + uuid.UUID(submission_id).bytes


def _add_stage_id(table: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.add_column(sa.Column("stage_id", sa.String(length=36), nullable=True))
    op.execute(sa.text(f"UPDATE {table} SET stage_id = competition_id"))  # noqa: S608 (a fixed name)


def upgrade() -> None:
    _add_stage_id("entries")
    with op.batch_alter_table("entries") as batch_op:
        batch_op.alter_column("stage_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.add_column(sa.Column("scores", sa.Text(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("private_scores", sa.Text(), server_default="{}", nullable=False))
        batch_op.drop_index("ix_entries_competition_team")
        batch_op.create_index("ix_entries_stage_team", ["competition_id", "stage_id", "team_id"])

    with op.batch_alter_table("competitions") as batch_op:
        batch_op.add_column(sa.Column("stages", sa.Text(), server_default="[]", nullable=False))

    _add_stage_id("final_selections")
    with op.batch_alter_table("final_selections") as batch_op:
        batch_op.alter_column("stage_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_constraint("pk_final_selections", type_="primary")
        batch_op.create_primary_key("pk_final_selections", ["competition_id", "stage_id", "team_id"])

    _add_stage_id("team_best")
    with op.batch_alter_table("team_best") as batch_op:
        batch_op.add_column(sa.Column("public_sort", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("public_scores", sa.Text(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("private_sort", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("private_scores", sa.Text(), server_default="{}", nullable=False))
    _fill_sort_keys()
    with op.batch_alter_table("team_best") as batch_op:
        batch_op.drop_index("ix_team_best_public")
        batch_op.drop_index("ix_team_best_private")
        batch_op.drop_column("public_key")
        batch_op.drop_column("private_key")
        batch_op.alter_column("stage_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("public_sort", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_constraint("pk_team_best", type_="primary")
        batch_op.create_primary_key("pk_team_best", ["competition_id", "stage_id", "team_id"])
        batch_op.create_index("ix_team_best_public_sort", ["competition_id", "stage_id", "public_sort"])
        batch_op.create_index("ix_team_best_private_sort", ["competition_id", "stage_id", "private_sort"])


def _fill_sort_keys() -> None:
    team_best = sa.table(
        "team_best",
        *(sa.column(name, sa.String()) for name in ("competition_id", "team_id", "public_submission_id")),
        *(sa.column(name, sa.Text()) for name in ("private_submission_id", "public_extra", "private_extra")),
        *(sa.column(name, sa.Double()) for name in ("public_key", "public_score")),
        *(sa.column(name, sa.Double()) for name in ("private_key", "private_score")),
        sa.column("public_submitted_at", sa.DateTime(timezone=True)),
        sa.column("private_submitted_at", sa.DateTime(timezone=True)),
        sa.column("public_sort", sa.LargeBinary()),
        sa.column("private_sort", sa.LargeBinary()),
        sa.column("public_scores", sa.Text()),
        sa.column("private_scores", sa.Text()),
    )  # fmt: skip
    entries = sa.table("entries", sa.column("submission_id", sa.String()), sa.column("metric", sa.String()))
    bind = op.get_bind()
    query = sa.select(team_best, entries.c.metric).join(
        entries, entries.c.submission_id == team_best.c.public_submission_id
    )
    updates = []
    for row in bind.execute(query).all():
        private = row.private_submission_id is not None
        updates.append(
            {
                "b_competition": row.competition_id,
                "b_team": row.team_id,
                "b_public_sort": _sort(row.public_key, row.public_submitted_at, row.public_submission_id),
                "b_public_scores": json.dumps(
                    {**json.loads(row.public_extra or "{}"), row.metric: row.public_score}, sort_keys=True
                ),
                "b_private_sort": (
                    _sort(row.private_key, row.private_submitted_at, row.private_submission_id)
                    if private
                    else None
                ),
                "b_private_scores": json.dumps(
                    {**json.loads(row.private_extra or "{}"), row.metric: row.private_score}, sort_keys=True
                )
                if private
                else "{}",
            }
        )
    if updates:
        bind.execute(
            sa.update(team_best)
            .where(
                team_best.c.competition_id == sa.bindparam("b_competition"),
                team_best.c.team_id == sa.bindparam("b_team"),
            )
            .values(
                public_sort=sa.bindparam("b_public_sort"),
                public_scores=sa.bindparam("b_public_scores"),
                private_sort=sa.bindparam("b_private_sort"),
                private_scores=sa.bindparam("b_private_scores"),
            ),
            updates,
        )


def downgrade() -> None:
    # only the first stage's boards existed before: the later stages' rows go
    for table in ("entries", "final_selections", "team_best"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE stage_id <> competition_id"))  # noqa: S608
    with op.batch_alter_table("team_best") as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("private_key", sa.Double(), nullable=True))
    # the old key: the score, negated when higher is better
    op.execute(
        sa.text(
            "UPDATE team_best SET "
            "public_key = CASE WHEN (SELECT higher_is_better FROM competitions c"
            " WHERE c.competition_id = team_best.competition_id) = false"
            " THEN public_score ELSE -public_score END, "
            "private_key = CASE WHEN (SELECT higher_is_better FROM competitions c"
            " WHERE c.competition_id = team_best.competition_id) = false"
            " THEN private_score ELSE -private_score END"
        )
    )
    with op.batch_alter_table("team_best") as batch_op:
        batch_op.drop_index("ix_team_best_public_sort")
        batch_op.drop_index("ix_team_best_private_sort")
        batch_op.drop_constraint("pk_team_best", type_="primary")
        batch_op.create_primary_key("pk_team_best", ["competition_id", "team_id"])
        batch_op.alter_column("public_key", existing_type=sa.Double(), nullable=False)
        for name in ("stage_id", "public_sort", "public_scores", "private_sort", "private_scores"):
            batch_op.drop_column(name)
        batch_op.create_index(
            "ix_team_best_public",
            ["competition_id", "public_key", "public_submitted_at", "public_submission_id"],
        )
        batch_op.create_index(
            "ix_team_best_private",
            ["competition_id", "private_key", "private_submitted_at", "private_submission_id"],
        )
    with op.batch_alter_table("final_selections") as batch_op:
        batch_op.drop_constraint("pk_final_selections", type_="primary")
        batch_op.create_primary_key("pk_final_selections", ["competition_id", "team_id"])
        batch_op.drop_column("stage_id")
    with op.batch_alter_table("competitions") as batch_op:
        batch_op.drop_column("stages")
    with op.batch_alter_table("entries") as batch_op:
        batch_op.drop_index("ix_entries_stage_team")
        batch_op.create_index("ix_entries_competition_team", ["competition_id", "team_id"])
        for name in ("stage_id", "scores", "private_scores"):
            batch_op.drop_column(name)
