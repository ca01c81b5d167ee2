"""The scorer's tables: one ``scores`` row per submission, plus its outbox and inbox.

A row records the outcome of scoring a submission's latest attempt: ``scored`` with
both scores, or ``failed`` with the reason and detail sent to the gateway. Keyed on
``submission_id``, so a duplicated ``execution.finished`` never scores twice.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Double, Integer, String, Table, Text

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
)
