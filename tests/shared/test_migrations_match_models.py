"""Each service's migrations build exactly the tables its models declare.

A migration that forgets a column, an index or a constraint the models have (or the
other way round) passes every test that creates tables from the models, then fails in
production, where only migrations run. Alembic's comparison finds it here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from shared.migrations import upgrade_sync

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service", ["gateway", "orchestrator", "scorer", "leaderboard"])
def test_migrated_schema_equals_the_models(service: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade_sync(ROOT / "services" / service / "migrations", url)
    models = importlib.import_module(f"services.{service}.models")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            differences = [
                d for d in compare_metadata(context, models.metadata) if "alembic_version" not in repr(d)
            ]
    finally:
        engine.dispose()
    assert differences == [], f"services/{service}: the migrations and the models differ: {differences}"
