"""Submissions, final selections, rescores and the stored ``submission.queued`` event a
reconciler may republish."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.gateway.models.base import Base
from shared.events import utcnow


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_team_created", "team_id", "created_at"),
        Index("ix_submissions_competition_created", "competition_id", "created_at"),
        # the reconciler looks for submissions that have sat in one state too long
        Index("ix_submissions_status_updated", "status", "updated_at"),
        Index("ix_submissions_rerun_of", "rerun_of"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    # the stage it was made in (the first stage's id is the competition's)
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    # a stage's automatic re-run of an earlier submission: charged to no quota
    rerun_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # "compete", or "reproduce": a host's check that ``rerun_of`` reproduces, off every
    # board and quota and out of the team's sight; ``tolerance`` is the host's (absolute)
    purpose: Mapped[str] = mapped_column(String(16), default="compete", server_default="compete")
    tolerance: Mapped[float | None] = mapped_column(Float)
    # the stage's data and labels versions its run was queued with (None: queued before
    # they were recorded); ``runtime`` below is set at queueing too, then from the run
    data_version: Mapped[int | None] = mapped_column(Integer)
    labels_version: Mapped[int | None] = mapped_column(Integer)
    # every score of the latest submission.scored: {"public": {key: v}, "private": {key: v}}
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the host's scoring program's log when it failed on this submission (host only)
    scoring_log_key: Mapped[str | None] = mapped_column(String(255))
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    exit_code: Mapped[int | None] = mapped_column(Integer)
    public_score: Mapped[float | None] = mapped_column(Float)
    is_smoke: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    archive_key: Mapped[str] = mapped_column(String(255))
    # set by execution.started: a submission cancelled before it ran does not use quota
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # occurred_at of the submission.scored event applied last: a rescore's newer one wins
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # what the run used (execution.finished's resources), shown to the team and the host
    resources: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # execution.finished's outputs (keys in the ``outputs`` container) and its record of
    # what the run ran on: for the host's review and the team's execution record
    predictions_key: Mapped[str | None] = mapped_column(String(300))
    log_key: Mapped[str | None] = mapped_column(String(300))
    runtime: Mapped[str | None] = mapped_column(String(100))
    runtime_digest: Mapped[str | None] = mapped_column(String(300))
    machine: Mapped[str | None] = mapped_column(String(200))
    gpu_used: Mapped[bool | None] = mapped_column(Boolean)
    # a training run's model (a zip in ``outputs``), once it succeeded; for an inference
    # run, ``model_from`` is the training submission whose model it was given
    model_key: Mapped[str | None] = mapped_column(String(300))
    # that model zip's sha256 and size (None: not known, as for runs from before them)
    model_sha256: Mapped[str | None] = mapped_column(String(64))
    model_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    model_from: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # the stuck-submission reconciler: when it last acted on this one, and how many times
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconciliations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class FinalSelection(Base):
    """A team's chosen final submissions (none: its best ``final_count`` public ones)."""

    __tablename__ = "final_selections"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    selected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rescore(Base):
    """One rescoring a host asked for; the scoring spec it carries makes it idempotent."""

    __tablename__ = "rescores"
    __table_args__ = (Index("ix_rescores_competition_requested", "competition_id", "requested_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    scoring: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueuedEvent(Base):
    """The ``submission.queued`` a submission was queued with, as staged in the outbox:
    what the reconciler publishes again when the orchestrator never saw it (the same
    snapshot of limits, data and scoring the submission was accepted with)."""

    __tablename__ = "queued_events"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)
