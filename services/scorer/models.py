"""The scorer's tables: one ``scores`` row per submission, plus its outbox and inbox.

A row records the outcome of scoring a submission's latest attempt: ``scored`` with
both scores, or ``failed`` with the reason and detail sent to the gateway. Keyed on
``submission_id``, so a duplicated ``execution.finished`` never scores twice. It also
keeps what a rescoring needs to score the submission again and announce it (team,
submission time, stage, where the predictions are).

A ``rescores`` row tracks one rescoring of a competition's stage: its spec, and a cursor (the
last submission id done, in id order) advanced in the same transaction as each
submission's new score, so an interrupted rescoring resumes exactly where it stopped.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Double, Index, Integer, String, Table, Text, false, text

from shared.db import inbox_table, new_metadata, outbox_table

metadata = new_metadata()

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)

scores = Table(
    "scores",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    Column("competition_id", String(36), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # "scored" | "failed"
    Column("metric", String(64), nullable=False),
    Column("higher_is_better", Boolean, nullable=True),
    Column("public_score", Double, nullable=True),
    Column("private_score", Double, nullable=True),
    Column("reason", String(32), nullable=True),
    Column("detail", Text, nullable=False, default=""),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    # null on rows written before rescoring existed (they cannot be rescored)
    Column("team_id", String(36), nullable=True),
    Column("team_name", String(200), nullable=True),
    Column("submitted_at", DateTime(timezone=True), nullable=True),
    Column("is_smoke", Boolean, nullable=False, server_default=false()),
    Column("predictions_key", String(512), nullable=True),
    Column("public_extra", Text, nullable=False, server_default="{}"),
    Column("private_extra", Text, nullable=False, server_default="{}"),
    # the rescoring that produced this outcome (null: the run's own scoring)
    Column("rescore_id", String(36), nullable=True),
    # the competition stage the submission belongs to (the first stage's id is the
    # competition's); null only on rows no migration reached
    Column("stage_id", String(36), nullable=True),
    # SubmissionQueued.purpose, re-announced by every rescoring ("reproduce": off the boards)
    Column("purpose", String(16), nullable=False, server_default="compete"),
    Index("ix_scores_competition_submission", "competition_id", "submission_id"),
    Index("ix_scores_stage_submission", "stage_id", "submission_id"),
)

rescores = Table(
    "rescores",
    metadata,
    Column("rescore_id", String(36), primary_key=True),
    Column("competition_id", String(36), nullable=False, index=True),
    Column("spec", Text, nullable=False),  # ScoringSpec as JSON
    Column("status", String(16), nullable=False),  # "running" | "done" | "failed"
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("cursor", String(36), nullable=True),
    Column("rescored", Integer, nullable=False, server_default=text("0")),
    Column("failed", Integer, nullable=False, server_default=text("0")),
    Column("skipped", Integer, nullable=False, server_default=text("0")),
    Column("detail", Text, nullable=False, server_default=""),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # the stage rescored (the first stage's id is the competition's)
    Column("stage_id", String(36), nullable=True),
    Index("ix_rescores_stage_requested", "stage_id", "requested_at"),
)
