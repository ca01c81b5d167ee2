"""Alembic environment of the scorer (its own version table)."""

from services.scorer.models import metadata
from shared.migrations import run_env

run_env(metadata, "alembic_version_scorer")
