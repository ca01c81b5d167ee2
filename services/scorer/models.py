"""The scorer's tables: one ``scores`` row per submission, plus its outbox and inbox.

A row records the outcome of scoring a submission's latest attempt: ``scored`` with
both scores, or ``failed`` with the reason and detail sent to the gateway. Keyed on
``submission_id``, so a duplicated ``execution.finished`` never scores twice. It also
keeps what a rescoring needs to score the submission again and announce it (team,
submission time, stage, where the predictions are).

A ``rescores`` row tracks one rescoring of a competition's stage: its spec and its
counts. Its ``rescore_items`` (one per submission to rescore, written with the request)
are the work list that every scorer replica takes from: an item is marked done in the
same transaction as the submission's new score, so an interrupted rescoring resumes
exactly where it stopped, on whichever replica is left.

A ``scoring_claims`` row is a lease on one submission: whoever judges it (the
finished-run consumer or a rescore worker, on any replica) holds it, renews it while it
works and deletes it in the transaction that records the outcome, so no submission is
scored twice at once; a dead holder's claim expires and is taken over (``claims``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)

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
    Column("rescored", Integer, nullable=False, server_default=text("0")),
    Column("failed", Integer, nullable=False, server_default=text("0")),
    Column("skipped", Integer, nullable=False, server_default=text("0")),
    Column("detail", Text, nullable=False, server_default=""),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # the stage rescored (the first stage's id is the competition's)
    Column("stage_id", String(36), nullable=True),
    # items left to a later rescoring of the stage (its spec wins), apart from ``skipped``
    # (nothing to score: no predictions, no team)
    Column("superseded", Integer, nullable=False, server_default=text("0")),
    # when a worker found the spec's labels usable: only then does this rescoring overtake
    # the earlier ones (an unusable spec fails it, and the earlier ones' scores must stand)
    Column("spec_checked_at", DateTime(timezone=True), nullable=True),
    # unused since the rescoring has items (0005); kept so that pods of the release
    # before, which still select it, keep working during a rolling upgrade: dropped in a
    # later release
    Column("cursor", String(36), nullable=True),
    Index("ix_rescores_stage_requested", "stage_id", "requested_at"),
)

rescore_items = Table(
    "rescore_items",
    metadata,
    Column("rescore_id", String(36), nullable=False),
    Column("submission_id", String(36), nullable=False),
    # "pending" | "rescored" | "failed" | "skipped" | "superseded"
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # failed tries (storage unreadable): the worker gives the item up after
    # ``rescore_item_tries`` and takes the least-tried items first
    Column("tries", Integer, nullable=False, server_default=text("0")),
    # why the item failed, for the host ("" otherwise)
    Column("detail", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("rescore_id", "submission_id"),
    Index("ix_rescore_items_rescore_status", "rescore_id", "status"),
)

scoring_claims = Table(
    "scoring_claims",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    # one per taking of the claim: the holder's fence when it records the outcome
    Column("token", String(36), nullable=False),
    # the replica (host, pid, instance) that holds it, for release at shutdown and for humans
    Column("holder", String(200), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
