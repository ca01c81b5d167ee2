"""The orchestrator's tables: executions, plus its outbox and inbox.

A running execution is held by one orchestrator replica (``owner``) for as long as its
lease (``lease_expires_at``) is renewed; ``leases.py`` says how.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Index, Integer, String, Table, Text

from shared.db import inbox_table, new_metadata, outbox_table

metadata = new_metadata()


class ExecutionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"


executions = Table(
    "executions",
    metadata,
    Column("submission_id", String(36), primary_key=True),
    Column("competition_id", String(36), nullable=True),
    Column("team_id", String(36), nullable=True),
    Column("attempt", Integer, nullable=False, default=1),
    Column("status", String(16), nullable=False),
    # the SubmissionQueued event as received: what to run and what to copy into
    # execution.finished (None for a cancellation that arrived before its submission)
    Column("snapshot", Text, nullable=True),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("failure_reason", String(32), nullable=True),
    Column("detail", Text, nullable=False, default=""),
    Column("exit_code", Integer, nullable=True),
    Column("resources", JSON, nullable=True),
    Column("predictions_key", String(300), nullable=True),
    Column("log_key", String(300), nullable=True),
    # a training run's model (a zip in ``outputs``; ExecutionFinished.model_key)
    Column("model_key", String(300), nullable=True),
    Column("model_sha256", String(64), nullable=True),
    Column("model_size_bytes", BigInteger, nullable=True),
    # the execution record: what the finished attempt ran on (ExecutionFinished carries it)
    Column("runtime", String(100), nullable=True),
    Column("runtime_digest", String(300), nullable=True),
    Column("machine", String(200), nullable=True),
    Column("gpu_used", Boolean, nullable=True),
    # the competition's cap on runs at once (ExecutionSpec.max_concurrent_runs), for the scheduler
    Column("max_concurrent", Integer, nullable=True),
    # SubmissionQueued.purpose: "reproduce" (a host's re-run) starts only when no
    # competing run is due
    Column("purpose", String(16), nullable=False, default="compete", server_default="compete"),
    # a run the platform could not start for lack of a resource that returns with time
    # (disk space) waits queued until then; ``deferrals`` counts those waits
    Column("not_before", DateTime(timezone=True), nullable=True),
    Column("deferrals", Integer, nullable=False, default=0, server_default="0"),
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # the replica running the attempt (``Scheduler.replica_id``) and until when its claim
    # holds unless renewed: a row past its lease belongs to a dead replica (``leases.py``)
    Column("owner", String(64), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Index("ix_executions_status_queued_at", "status", "queued_at"),
    # fair share: when each team last had a run started
    Index("ix_executions_team_started_at", "team_id", "started_at"),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
