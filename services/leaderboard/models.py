"""The leaderboard's tables: one ``entries`` row per scored (non-smoke) submission, one
``competitions`` row per competition seen, and the inbox of consumed events."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Double, Index, Integer, String, Table, false, text

from shared.db import inbox_table, new_metadata

metadata = new_metadata()

inbox = inbox_table(metadata)

entries = Table(
    "entries",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    Column("competition_id", String(36), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("team_name", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("public_score", Double, nullable=False),
    Column("private_score", Double, nullable=True),
    Column("metric", String(64), nullable=False),
    Column("higher_is_better", Boolean, nullable=False),
    # when the scorer produced these scores: a rescore older than the stored one is stale
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Index("ix_entries_competition_team", "competition_id", "team_id"),
)

competitions = Table(
    "competitions",
    metadata,
    Column("competition_id", String(36), primary_key=True),
    # unknown until the first score arrives (the reveal may come first)
    Column("metric", String(64), nullable=True),
    Column("higher_is_better", Boolean, nullable=True),
    Column("revealed", Boolean, nullable=False, server_default=false()),
    Column("final_count", Integer, nullable=False, server_default=text("2")),
)
