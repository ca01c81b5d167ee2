"""What the services agree on about one run of a submission: how many attempts it gets
and where its outputs (predictions, log, a training run's model) lie in the ``outputs``
storage container.

The orchestrator writes there (``executors/``), the scorer reads the predictions, the
gateway serves the log and sizes its reconciler's deadlines by the attempts; each reads
this module rather than its own copy.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

# attempts per run: the first, plus one more after a platform fault (the orchestrator's
# ``HOLDOUT_MAX_ATTEMPTS`` defaults to it; the gateway's deadlines allow for it)
RUN_ATTEMPTS = 2


class RunOutputs(NamedTuple):
    predictions: str
    log: str
    # a training run's model folder, zipped by the executor
    model: str


def output_keys(submission_id: uuid.UUID | str, attempt: int) -> RunOutputs:
    """Keys in the ``outputs`` container of one attempt's predictions, log and model."""
    base = f"{submission_id}/{attempt}"
    return RunOutputs(f"{base}/predictions.csv", f"{base}/log.txt", f"{base}/model.zip")
