"""``views``: what the internal API's routes answer, made without HTTP: a queue place
from a snapshot, many places in the order asked, and the parsing and cap of
``submission_ids`` (the routes themselves: ``test_queue_service.py``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.orchestrator.queue import Place, Snapshot
from services.orchestrator.views import MAX_QUEUE_IDS, parse_submission_ids, queue_place, queue_places
from shared.web import ProblemError

pytestmark = pytest.mark.timeout(10)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
A, B, C = (str(uuid.uuid4()) for _ in range(3))
SNAPSHOT = Snapshot({A: Place(3, NOW + timedelta(minutes=5))}, running=2, queued=1, taken_at=NOW)


def test_a_queued_submission_gets_its_place_and_one_not_queued_none() -> None:
    mine = queue_place(A, "queued", SNAPSHOT)
    assert (mine.position, mine.ahead, mine.estimated_start_at) == (3, 2, NOW + timedelta(minutes=5))
    assert (mine.running, mine.updated_at) == (2, NOW)
    # a place left over in the snapshot counts only while the submission is queued
    running = queue_place(A, "running", SNAPSHOT)
    assert (running.position, running.ahead, running.estimated_start_at) == (None, None, None)


def test_many_places_keep_the_order_asked_once_each_and_leave_out_unknown_ids() -> None:
    places = queue_places([B, A, C, B], {A: "queued", B: "finished"}, SNAPSHOT)
    assert [str(p.submission_id) for p in places.items] == [B, A]
    assert (places.running, places.queued, places.updated_at) == (2, 1, NOW)


def test_ids_repeated_or_comma_separated_come_back_canonical() -> None:
    assert parse_submission_ids([f" {A.upper()} ,{B}", C, ","]) == [A, B, C]


def test_a_bad_id_or_too_many_ids_are_a_422_saying_which() -> None:
    with pytest.raises(ProblemError) as bad:
        parse_submission_ids([f"{A},nope"])
    assert (bad.value.status, bad.value.code) == (422, "invalid-submission-id")
    assert "'nope'" in str(bad.value)
    parse_submission_ids([",".join([A] * MAX_QUEUE_IDS)])  # the cap itself is fine
    with pytest.raises(ProblemError) as many:
        parse_submission_ids([",".join([A] * (MAX_QUEUE_IDS + 1))])
    assert (many.value.status, many.value.code) == (422, "too-many-submission-ids")
