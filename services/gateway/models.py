"""The gateway's tables (its own metadata and migrations; nobody else reads them)."""

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import inbox_table, new_metadata, outbox_table
from shared.events import utcnow

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # names.key(username): ``Alice`` and ``alice`` are one name (see gateway/names.py)
    username_key: Mapped[str] = mapped_column(String(256), unique=True)
    is_host: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # stored lower-cased, so one address cannot sign up twice in another case
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    # Argon2id (its PHC string); none for users made by an administrator with a token only
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # checked on every request: a disabled user's sessions and tokens stop working at once
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AccessToken(Base):
    """A personal access token (``hdt_...``): the value is shown once; only its sha256 is kept."""

    __tablename__ = "access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the first characters of the value, so a user can tell their tokens apart in a list
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A browser session (the ``holdout_session`` cookie); ids and CSRF values are kept as sha256."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginAttempt(Base):
    """A failed log-in, counted per account and per client address by the login rate limit.

    Kept in the database (not in memory) so the limit holds across gateway replicas.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account", "account", "attempted_at"),
        Index("ix_login_attempts_address", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # "user:<id>" when the name matched a user, else "name:<what was typed, lower-cased>"
    account: Mapped[str] = mapped_column(String(400))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("competition_id", "name"),
        UniqueConstraint("competition_id", "name_key", name="uq_teams_competition_id_name_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("competitions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # names.key(name): two teams whose names differ only in case or form would be confused
    name_key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # written first in every submission's transaction: it serialises a team's uploads
    # (a row lock on PostgreSQL, the write lock on SQLite), so the quota holds under races
    last_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # shared by the members with whoever they invite; rotating it voids the old one
    invite_code: Mapped[str | None] = mapped_column(String(64), unique=True)
    # "pending" | "approved" | "refused": where the competition requires approval, a new
    # team waits for the host's decision; elsewhere (and for the host's and admins' teams)
    # it is approved when made
    approval: Mapped[str] = mapped_column(String(16), default="approved", server_default="approved")
    approval_reason: Mapped[str | None] = mapped_column(Text)
    approval_decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approval_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TeamMember(Base):
    """The primary key is what keeps a user in at most one team per competition."""

    __tablename__ = "team_members"

    competition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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


class Webhook(Base):
    """An HTTPS endpoint that receives a competition's events (its host's), or every
    competition's (``competition_id`` null: an administrator's, platform-wide).

    The secret signs every delivery, so it is kept as it is (a shared secret the receiver
    also holds, not a password); the API shows it once, when the webhook is made.
    """

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    competition_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # why the sender disabled it (deliveries kept failing); cleared when it is enabled again
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # deliveries in a row that failed every attempt; a success sets it back to 0
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One event owed to one webhook: enqueued in the transaction of the change that
    caused it, sent (at least once) by the webhook sender; its row is the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # the sender looks for pending deliveries that are due
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> delivered | failed (every attempt used)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # when it is due (pending); a sender that claims it moves this past its attempt (a lease)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QueuedEvent(Base):
    """The ``submission.queued`` a submission was queued with, as staged in the outbox:
    what the reconciler publishes again when the orchestrator never saw it (the same
    snapshot of limits, data and scoring the submission was accepted with)."""

    __tablename__ = "queued_events"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)
