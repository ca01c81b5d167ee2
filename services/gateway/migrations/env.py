"""Alembic environment of the gateway (version table ``alembic_version_gateway``)."""

from services.gateway.models import metadata
from shared.migrations import run_env

run_env(metadata, "alembic_version_gateway")
