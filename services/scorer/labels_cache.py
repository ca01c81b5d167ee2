"""The parsed labels of the last few scoring specs, shared by every judgement of a replica.

Every run of a stage is scored against the same labels, and parsing millions of rows
each time would dominate. A labels key is immutable (``{stage}/{version}.csv``: a new
upload is a new version, a new key), so the key and the spec name the parsed labels
outright: a cached entry is used without reading the labels from storage at all, and a
labels file is read and parsed once however many runs ask for it at the same moment.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import structlog

from services.scorer.scoring import Prepared, prepare
from shared.events import ScoringSpec
from shared.storage import Storage

log = structlog.get_logger(__name__)


class LabelsCache:
    def __init__(self, storage: Storage, size: int) -> None:
        self.storage = storage
        self.size = size
        self._prepared: OrderedDict[str, Prepared] = OrderedDict()
        # one read and parse per key at a time: the others wait for its result
        self._loading: dict[str, asyncio.Future[Prepared]] = {}
        self.reads = 0  # labels files read from storage (tests and the logs)

    async def prepared(self, spec: ScoringSpec) -> Prepared:
        """The spec's parsed labels; raises what reading (``StorageError``, ``BlobNotFound``)
        or parsing (``ScoringProblem``) raised, and caches only a success."""
        # the spec holds the labels key, and decides how the labels are read (columns,
        # metric, thresholds): both together name one parse
        key = spec.model_dump_json()
        while (loading := self._loading.get(key)) is not None:
            await asyncio.wait([loading])  # its outcome, without cancelling it if this waiter is
            if not loading.cancelled() and (error := loading.exception()) is not None:
                raise error
        found = self._prepared.get(key)
        if found is not None:
            self._prepared.move_to_end(key)
            return found
        future: asyncio.Future[Prepared] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            labels = await self.storage.get_bytes("labels", spec.labels_key)
            self.reads += 1
            found = await asyncio.to_thread(prepare, labels, spec)
        except asyncio.CancelledError:
            future.cancel()  # a waiter then loads it itself
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved, whether or not anyone waits for it
            raise
        finally:
            del self._loading[key]
        future.set_result(found)
        self._prepared[key] = found
        while len(self._prepared) > self.size:
            self._prepared.popitem(last=False)
        log.info("scoring.labels_parsed", labels_key=spec.labels_key, cached=len(self._prepared))
        return found
