"""queued events: each submission's ``submission.queued`` kept beside it, for the
reconciler to publish again (it searched the outbox's JSON text before); filled from the
outbox for the submissions still waiting

Revision ID: 0012
Revises: 0011
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = ("queued", "running", "scoring")


def upgrade() -> None:
    queued_events = op.create_table(
        "queued_events",
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    # only a waiting submission can be republished: copy theirs, read once, in Python
    # (the outbox's body is JSON text on both databases)
    bind = op.get_bind()
    submissions = sa.table("submissions", sa.column("id", sa.Uuid()), sa.column("status", sa.String()))
    outbox = sa.table(
        "outbox", sa.column("id", sa.Integer()), sa.column("type", sa.String()), sa.column("body", sa.Text())
    )
    waiting = {
        str(row.id)
        for row in bind.execute(sa.select(submissions.c.id).where(submissions.c.status.in_(WAITING)))
    }
    if not waiting:
        return
    found: dict[str, str] = {}
    rows = bind.execute(
        sa.select(outbox.c.body).where(outbox.c.type == "submission.queued").order_by(outbox.c.id)
    )
    for (body,) in rows:
        sid = str(json.loads(body).get("submission_id"))
        if sid in waiting:
            found[sid] = body  # in insertion order: the one staged at upload
            waiting.discard(sid)
    if found:
        op.bulk_insert(queued_events, [{"submission_id": uuid.UUID(s), "body": b} for s, b in found.items()])


def downgrade() -> None:
    op.drop_table("queued_events")
