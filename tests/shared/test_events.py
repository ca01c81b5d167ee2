"""Event contracts: round trips, the discriminated union, the published schema."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.events import (
    EVENT_TYPES,
    ExecutionSpec,
    ScoringSpec,
    SubmissionQueued,
    event_json_schema,
    parse_event,
)

ROOT = Path(__file__).resolve().parents[2]


def queued() -> SubmissionQueued:
    return SubmissionQueued(
        submission_id=uuid.uuid4(),
        competition_id=uuid.uuid4(),
        team_id=uuid.uuid4(),
        team_name="ada",
        submitted_at=datetime.now(UTC),
        archive_key="c/s.zip",
        execution=ExecutionSpec(
            time_limit_s=60, memory_mb=512, cpus=1, data_prefix="c/v1/", data_files=["features.csv"]
        ),
        scoring=ScoringSpec(
            metric="accuracy", id_column="id", target_columns=["label"], labels_key="c/l.csv"
        ),
    )


def test_event_round_trips_through_json() -> None:
    event = queued()
    assert parse_event(event.model_dump_json()) == event
    assert parse_event(json.loads(event.model_dump_json())) == event


def test_unknown_type_and_extra_fields_are_refused() -> None:
    raw = json.loads(queued().model_dump_json())
    with pytest.raises(ValidationError):
        parse_event({**raw, "type": "submission.exploded"})
    with pytest.raises(ValidationError):
        parse_event({**raw, "surprise": 1})


def test_published_schema_is_current_and_covers_every_event() -> None:
    published = json.loads((ROOT / "docs" / "events.schema.json").read_text())
    assert published == json.loads(json.dumps(event_json_schema(), sort_keys=True)), (
        "docs/events.schema.json is stale: regenerate it from shared.events.event_json_schema()"
    )
    assert set(published["discriminator"]["mapping"]) == set(EVENT_TYPES)
