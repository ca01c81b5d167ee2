"""users and teams: a normalised, case-folded name key with a unique constraint;
competitions: whether the host's and admins' teams are ranked

Revision ID: 0004
Revises: 0003

Existing rows are backfilled with ``names.key`` of their name. Where two existing
names already share a key (``Alice`` and ``alice``), the older keeps it and each
later one gets a key suffixed with its id: both stay as they are, and no new name
can take either key.
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def key(name: str) -> str:
    """``services.gateway.names.key`` as it was when this migration was written."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _backfill(table: str, name_column: str, scope: str | None) -> None:
    bind = op.get_bind()
    scope_sql = f"{scope}, " if scope else ""
    rows = bind.execute(
        sa.text(f"SELECT id, {scope_sql}{name_column} FROM {table} ORDER BY created_at, id")  # noqa: S608
    ).all()
    seen: set[tuple[object, str]] = set()
    for row in rows:
        where = row[1] if scope else None
        value = key(row[-1])
        if (where, value) in seen:
            value = f"{value}#{row[0]}"
        seen.add((where, value))
        bind.execute(
            sa.text(f"UPDATE {table} SET {name_column}_key = :value WHERE id = :id"),  # noqa: S608
            {"value": value, "id": row[0]},
        )


def upgrade() -> None:
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rank_host_submissions", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.String(length=256), nullable=True))
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=256), nullable=True))
    _backfill("users", "username", None)
    _backfill("teams", "name", "competition_id")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.String(length=256), nullable=False)
        batch_op.create_unique_constraint("uq_users_username_key", ["username_key"])
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=256), nullable=False)
        batch_op.create_unique_constraint("uq_teams_competition_id_name_key", ["competition_id", "name_key"])


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint("uq_teams_competition_id_name_key", type_="unique")
        batch_op.drop_column("name_key")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_username_key", type_="unique")
        batch_op.drop_column("username_key")
    with op.batch_alter_table("competitions", schema=None) as batch_op:
        batch_op.drop_column("rank_host_submissions")
