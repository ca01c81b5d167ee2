"""Competitions and their stages (the first stage is the competition row itself), test data
files, upload reservations, shared participant files and rules acceptances."""

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
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.gateway.models.base import Base
from shared.events import utcnow


class StageSettings:
    """What each stage of a competition sets for itself (DESIGN.md "Competitions, stages").

    The first stage's settings are the ``competitions`` row's own columns, so every
    competition made before stages existed is a one-stage competition as it stands; the
    later stages are ``stages`` rows with the same columns. Either is a stage's *scope*,
    and its ``id`` is the stage's id (the first stage's is the competition's).
    """

    stage_name: Mapped[str] = mapped_column(String(100), default="Main", server_default="Main")
    metric: Mapped[str] = mapped_column(String(64))
    # metrics computed and shown as extra columns; the board ranks by ``metric``
    extra_metrics: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the board columns in ranking order (ScoreColumn dicts); empty: metric + extra_metrics
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # the host's scoring program (ScoringProgram dict plus what its trial gave) or none
    scoring_program: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    runtime: Mapped[str] = mapped_column(String(64))
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    daily_quota: Mapped[int] = mapped_column(Integer)
    smoke_daily_quota: Mapped[int] = mapped_column(Integer)
    # each team's compute across the stage's runs (submissions.resources); None: no cap
    cpu_hours_budget: Mapped[float | None] = mapped_column(Float)
    gpu_hours_budget: Mapped[float | None] = mapped_column(Float)
    show_logs: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # False: an evaluation-only stage, which runs only what it is fed
    accepts_submissions: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # None, or "finals" / "all": what of the previous stage it re-runs when it opens
    feed: Mapped[str | None] = mapped_column(String(16))
    # "inference" (runs are scored), or "training": runs see the stage's data (training
    # features and labels), leave a model for the next stage, and are not scored
    kind: Mapped[str] = mapped_column(String(16), default="inference", server_default="inference")
    # when the stage clock published its opening / closing (each exactly once)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_version: Mapped[int] = mapped_column(Integer, default=1)
    # set once a submission ran against data_version: replacing a file then starts a new version
    data_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    labels_version: Mapped[int | None] = mapped_column(Integer)
    # the smoke sample (features + labels without Usage) versions like the test data
    smoke_data_version: Mapped[int] = mapped_column(Integer, default=1)
    smoke_data_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    smoke_labels_version: Mapped[int | None] = mapped_column(Integer)


class Competition(StageSettings, Base):
    __tablename__ = "competitions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    id_column: Mapped[str] = mapped_column(String(128))
    target_columns: Mapped[list[str]] = mapped_column(JSON)
    predictions_filename: Mapped[str] = mapped_column(String(255))
    host_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_count: Mapped[int] = mapped_column(Integer, default=2)
    # whether the teams of the host and of admins are ranked on the boards (their test runs)
    rank_host_submissions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the host approves each team before it may submit (teams.approval)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # whether a team may download its own submissions' zips and predictions (hosts always may)
    participants_download_own: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Markdown shown to participants; every change of the text bumps the version, and a
    # participant accepts the version they read (rules_acceptances)
    rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    rules_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # where inference runs take their model from: "upload" (the zip only), "platform" (only
    # the team's training run of the stage before), "upload_or_platform" (both)
    model_source: Mapped[str] = mapped_column(String(24), default="upload", server_default="upload")
    # the version of ``runtime`` the competition is pinned to (``sha256:`` of its lock, as
    # ``shared.runtime_locks`` reads it); None: its lock could not be read when it was set
    runtime_digest: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def position(self) -> int:
        return 1

    @property
    def competition_id(self) -> uuid.UUID:
        return self.id


class Stage(StageSettings, Base):
    """The second and later stages of a competition (the first is the competition row)."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("competition_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class DataFile(Base):
    __tablename__ = "data_files"

    # the stage's id (the first stage's is the competition's): each stage versions its own data
    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    competition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    data_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "test" (public and private rows; real runs) or "smoke" (the public sample)
    subset: Mapped[str] = mapped_column(String(8), primary_key=True, default="test")
    filename: Mapped[str] = mapped_column(String(255), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UploadReservation(Base):
    """A data or labels version an upload took before its bytes moved (no transaction is
    open while they do), so two uploads to one stage never write to one version's keys.
    An upload that failed leaves its number unused: versions may skip one."""

    __tablename__ = "upload_reservations"

    stage_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # "test" | "smoke" (data versions), "labels" | "smoke-labels"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    reserved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ParticipantFile(Base):
    """A file the host attaches for participants (training data, a format example,
    documentation); stored in the ``files`` container, apart from test data and labels."""

    __tablename__ = "participant_files"

    competition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True
    )
    filename: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RulesAcceptance(Base):
    """A participant accepted one version of a competition's rules (kept per version)."""

    __tablename__ = "rules_acceptances"

    competition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    rules_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RuntimeChange(Base):
    """A host changed a competition's runtime or pinned it again to the runtime's current
    lock: kept for participants to read (``GET .../runtime/changes``)."""

    __tablename__ = "runtime_changes"
    __table_args__ = (Index("ix_runtime_changes_competition_changed", "competition_id", "changed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    changed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    from_runtime: Mapped[str] = mapped_column(String(64))
    from_digest: Mapped[str | None] = mapped_column(String(80))
    to_runtime: Mapped[str] = mapped_column(String(64))
    to_digest: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
