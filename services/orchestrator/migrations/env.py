"""Alembic environment of the orchestrator (its own version table)."""

from services.orchestrator.models import metadata
from shared.migrations import run_env

run_env(metadata, "alembic_version_orchestrator")
