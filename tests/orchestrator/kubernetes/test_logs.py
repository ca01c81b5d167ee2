"""Storing a pod's log: transient storage failures are retried with the one retry policy
(shared/retry.py), and a log that cannot be stored at all is reported, not raised."""

from __future__ import annotations

from pathlib import Path

import stamina

from services.orchestrator.executors.kubernetes.logs import store_log
from shared.storage import LocalStorage, StorageError, StoredObject


class FlakyStorage(LocalStorage):
    """Local storage whose first ``failures`` writes fail as a storage outage would."""

    def __init__(self, root: Path, failures: int) -> None:
        super().__init__(root)
        self.failures, self.calls = failures, 0

    async def put_bytes(self, container: str, key: str, data: bytes) -> StoredObject:
        self.calls += 1
        if self.calls <= self.failures:
            raise StorageError("storage unavailable")
        return await super().put_bytes(container, key, data)


async def test_a_transient_failure_is_retried_until_the_log_is_kept(tmp_path: Path) -> None:
    storage = FlakyStorage(tmp_path, failures=2)
    with stamina.set_testing(True, attempts=3, cap=True):  # no waiting; the attempts still count
        assert await store_log(storage, "s/1/log.txt", "line\n", attempts=3) is True
    assert storage.calls == 3
    assert await storage.get_bytes("outputs", "s/1/log.txt") == b"line\n"


async def test_a_log_that_cannot_be_stored_is_reported_after_its_attempts(tmp_path: Path) -> None:
    storage = FlakyStorage(tmp_path, failures=10)
    with stamina.set_testing(True, attempts=3, cap=True):
        assert await store_log(storage, "s/1/log.txt", "line\n", attempts=3) is False
    assert storage.calls == 3
    assert not await storage.exists("outputs", "s/1/log.txt")
