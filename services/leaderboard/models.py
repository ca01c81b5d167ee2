"""The leaderboard's tables.

Boards are per stage: every board row is keyed by ``(competition_id, stage_id)``, and
the first stage's id is the competition's id (rows from before stages belong to it).

- ``entries``: one row per scored (non-smoke) submission, the source of truth, with
  every column's score (``scores``/``private_scores``, JSON objects by column key;
  ``{}`` in rows recorded before columns existed, whose scores are ``public_score``
  under ``metric`` plus ``public_extra``);
- ``team_best``: one row per team and stage, materialised on write from the team's
  entries: the submission holding its public place and the one holding its private
  place, with a sort key per board (``sorting``: every column in its direction, then
  the submission time and id, as bytes that compare in board order) so that both
  boards are one indexed range scan whatever the columns and their directions;
- ``final_selections``: a team's chosen finals per stage (none: its best ``final_count``);
- ``competitions``: metric, direction, final count, reveal, the stages and their
  columns, the teams kept off the boards (the host's), and ``version``, bumped by every
  change to the competition's boards (the ETag and the live updates use it);
- the inbox of consumed events.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
    text,
)

from shared.db import inbox_table, new_metadata

metadata = new_metadata()

inbox = inbox_table(metadata)

entries = Table(
    "entries",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    Column("competition_id", String(36), nullable=False),
    Column("stage_id", String(36), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("team_name", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("public_score", Double, nullable=False),
    Column("private_score", Double, nullable=True),
    Column("metric", String(64), nullable=False),
    Column("higher_is_better", Boolean, nullable=False),
    # when the scorer produced these scores: a rescore older than the stored one is stale
    Column("scored_at", DateTime(timezone=True), nullable=False),
    # extra display metrics, JSON objects {metric: score}
    Column("public_extra", Text, nullable=False, server_default="{}"),
    Column("private_extra", Text, nullable=False, server_default="{}"),
    # every board column's score, JSON objects {column key: score}
    Column("scores", Text, nullable=False, server_default="{}"),
    Column("private_scores", Text, nullable=False, server_default="{}"),
    Index("ix_entries_stage_team", "competition_id", "stage_id", "team_id"),
)

team_best = Table(
    "team_best",
    metadata,
    Column("competition_id", String(36), primary_key=True),
    Column("stage_id", String(36), primary_key=True),
    Column("team_id", String(36), primary_key=True),
    Column("team_name", String(200), nullable=False),
    Column("submissions", Integer, nullable=False),
    Column("public_submission_id", String(36), nullable=False),
    Column("public_score", Double, nullable=False),  # the first column's
    Column("public_sort", LargeBinary, nullable=False),
    Column("public_submitted_at", DateTime(timezone=True), nullable=False),
    Column("public_extra", Text, nullable=False, server_default="{}"),
    Column("public_scores", Text, nullable=False, server_default="{}"),
    # null while none of the team's finals has a private score
    Column("private_submission_id", String(36), nullable=True),
    Column("private_score", Double, nullable=True),
    Column("private_sort", LargeBinary, nullable=True),
    Column("private_submitted_at", DateTime(timezone=True), nullable=True),
    Column("private_extra", Text, nullable=False, server_default="{}"),
    Column("private_scores", Text, nullable=False, server_default="{}"),
    Index("ix_team_best_public_sort", "competition_id", "stage_id", "public_sort"),
    Index("ix_team_best_private_sort", "competition_id", "stage_id", "private_sort"),
)

final_selections = Table(
    "final_selections",
    metadata,
    Column("competition_id", String(36), primary_key=True),
    Column("stage_id", String(36), primary_key=True),
    Column("team_id", String(36), primary_key=True),
    Column("submission_ids", Text, nullable=False),  # JSON list; empty: the default best N
    Column("selected_at", DateTime(timezone=True), nullable=False),
)

competitions = Table(
    "competitions",
    metadata,
    Column("competition_id", String(36), primary_key=True),
    # unknown until the competition's settings or its first score arrive (the reveal may come first)
    Column("metric", String(64), nullable=True),
    Column("higher_is_better", Boolean, nullable=True),
    Column("revealed", Boolean, nullable=False, server_default=false()),
    Column("final_count", Integer, nullable=False, server_default=text("2")),
    Column("slug", String(100), nullable=True),
    Column("title", String(200), nullable=True),
    # when the last competition.updated was issued (null: none yet, scores set the metric)
    Column("updated_at", DateTime(timezone=True), nullable=True),
    Column("version", BigInteger, nullable=False, server_default=text("0")),
    # JSON list of team ids kept off both boards (competition.updated's unranked_team_ids)
    Column("unranked_team_ids", Text, nullable=False, server_default="[]"),
    # JSON list of the stages (competition.updated's StageBoard list); empty: one stage,
    # the competition's own, ranked by ``metric``
    Column("stages", Text, nullable=False, server_default="[]"),
)
