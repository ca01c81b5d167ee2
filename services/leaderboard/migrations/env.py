"""Alembic environment of the leaderboard (its own version table)."""

from services.leaderboard.models import metadata
from shared.migrations import run_env

run_env(metadata, "alembic_version_leaderboard")
