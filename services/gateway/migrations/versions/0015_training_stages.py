"""training stages: a stage's kind (``inference`` or ``training``), where a competition's
inference runs take their model from (``model_source``), and on each submission the model
its training run left (``model_key``) or the training run whose model it was given
(``model_from``)

Revision ID: 0015_training_stages
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_training_stages"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("competitions", "stages"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="inference"))
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_source", sa.String(24), nullable=False, server_default="upload"))
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model_key", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("model_from", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("model_from")
        batch_op.drop_column("model_key")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("model_source")
    for table in ("stages", "competitions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("kind")
