"""Running a stage's scoring program: the scorer's client of the orchestrator's
``POST /internal/v1/scoring-runs`` (``shared.scoring_runs``).

Called by the consumer and the rescoring worker once the predictions have passed
validation (so a participant's mistake never reaches the program). The orchestrator
runs the program in the sandbox and answers when it has ended; the scorer reads the
program's columns from its ``scores.json`` with ``parse_scores``.

Two kinds of failure, handled apart:

- the orchestrator could not take or run the request (unreachable, 5xx, a
  ``platform_fault``): retried with the platform's backoff (``shared.retry``,
  ``scoring_run_retries``), the same run id;
- the program failed (``program_failed``, a bad or missing scores file, no answer
  within its time limit): the host's fault. Run once more under a new run id
  (``scoring_program_tries`` in all); then ``ProgramFailed``, which the caller reports
  as ``internal_error`` with the program's log key for the host. The participant is
  never shown the program's log or what it printed.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import structlog
from prometheus_client import Counter
from pydantic import ValidationError

from services.scorer.config import ScorerSettings
from shared.context import current_correlation_id
from shared.events import ScoringProgram
from shared.internal_auth import InternalAuth
from shared.retry import retrying
from shared.scoring_runs import (
    SCORING_RUNS_PATH,
    ScoresInvalid,
    ScoringRunRequest,
    ScoringRunResult,
    ScoringRunStatus,
    StorageRef,
    parse_scores,
)

log = structlog.get_logger(__name__)

PROGRAM_RUNS = Counter(
    "holdout_scorer_program_runs_total", "Scoring-program runs asked of the orchestrator", ["outcome"]
)

# what the participant reads when the host's program fails on their submission
PARTICIPANT_DETAIL = (
    "the competition's scoring program failed on this submission; the host has been shown its log; "
    "it does not count against your quota"
)


@dataclass(frozen=True)
class ProgramScores:
    public: dict[str, float]
    private: dict[str, float]


@dataclass(frozen=True)
class ProgramFailed:
    """The program did not give scores; ``detail`` is for the host and the logs only."""

    detail: str
    log_key: str | None


class _Unanswered(Exception):
    """The orchestrator gave no usable answer to one request."""


class _NotTaken(Exception):
    """The orchestrator could not take the request (unreachable, a 5xx, a platform fault):
    the same run id is asked again, with the retry policy's backoff."""


class ScoringPrograms:
    """Runs scoring programs through the orchestrator, with the service credential."""

    def __init__(self, settings: ScorerSettings) -> None:
        self.settings = settings
        self.url = settings.orchestrator_url.rstrip("/") + SCORING_RUNS_PATH
        # the one helper that adds the credential, for the orchestrator's origin only
        auth = InternalAuth(settings.internal_token, (settings.orchestrator_url,))
        self.client = httpx.AsyncClient(auth=auth)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def run(
        self,
        program: ScoringProgram,
        run_prefix: str,
        predictions: StorageRef,
        labels: StorageRef,
        keys: list[str],
        *,
        is_smoke: bool,
        private_rows: bool,
    ) -> ProgramScores | ProgramFailed:
        """The program's columns ``keys``, run as ``<run_prefix>-<try>``; ``private_rows``: the
        labels have private rows, so the scores file must score them too."""
        failed: ProgramFailed | None = None
        for attempt in range(1, self.settings.scoring_program_tries + 1):
            run_id = f"{run_prefix}-{attempt}"
            request = ScoringRunRequest(
                run_id=run_id, program=program, predictions=predictions, labels=labels, is_smoke=is_smoke
            )
            outcome = await self._try(request, keys, private_rows)
            PROGRAM_RUNS.labels("scored" if isinstance(outcome, ProgramScores) else "failed").inc()
            if isinstance(outcome, ProgramScores):
                return outcome
            log.warning(
                "scoring.program_failed", run_id=run_id, detail=outcome.detail, log_key=outcome.log_key
            )
            failed = ProgramFailed(outcome.detail, outcome.log_key or (failed.log_key if failed else None))
        assert failed is not None, "scoring_program_tries is at least 1"
        return failed

    async def _try(
        self, request: ScoringRunRequest, keys: list[str], private_rows: bool
    ) -> ProgramScores | ProgramFailed:
        try:
            result = await self._post(request)
        except _Unanswered as exc:
            return ProgramFailed(str(exc), None)
        if result.status is not ScoringRunStatus.OK:
            return ProgramFailed(f"{result.status.value}: {result.detail}", result.log_key)
        if result.scores_json is None:
            return ProgramFailed("the program wrote no scores.json", result.log_key)
        try:
            public, private = parse_scores(result.scores_json, keys)
        except ScoresInvalid as exc:
            return ProgramFailed(exc.detail, result.log_key)
        if private_rows and not private:
            return ProgramFailed(
                'scores.json has no "private" scores, but the labels have private rows', result.log_key
            )
        return ProgramScores(public, private if private_rows else {})

    async def _post(self, request: ScoringRunRequest) -> ScoringRunResult:
        """The orchestrator's answer, retrying what it could not take; raises ``_Unanswered``."""
        settings = self.settings
        # the orchestrator answers when the program has ended (after any queueing there)
        timeout = httpx.Timeout(
            request.program.time_limit_s + settings.scoring_run_timeout_margin_s, connect=10
        )
        headers = {"X-Correlation-ID": cid} if (cid := current_correlation_id()) else {}
        requests = settings.scoring_run_retries + 1
        try:
            async for attempt in retrying(_NotTaken, attempts=requests, timeout_s=None):
                with attempt:
                    return await self._post_once(request, headers, timeout)
        except _NotTaken as exc:
            raise _Unanswered(f"{exc}, after {requests} requests") from None
        raise AssertionError("retrying() re-raises its last error")  # pragma: no cover

    async def _post_once(
        self, request: ScoringRunRequest, headers: dict[str, str], timeout: httpx.Timeout
    ) -> ScoringRunResult:
        """One request; raises ``_NotTaken`` (ask again) or ``_Unanswered`` (do not)."""
        try:
            response = await self.client.post(
                self.url, json=request.model_dump(mode="json"), headers=headers, timeout=timeout
            )
        except (httpx.ReadTimeout, httpx.WriteTimeout):
            # the program may still be running: another request would run it twice
            raise _Unanswered(f"the orchestrator gave no answer within {timeout.read:g} s") from None
        except httpx.TransportError as exc:
            log.warning("scoring.orchestrator_unreachable", run_id=request.run_id, error=repr(exc))
            raise _NotTaken(f"the orchestrator is unreachable ({exc!r})") from None
        if response.status_code >= 500:
            log.warning("scoring.orchestrator_failed", run_id=request.run_id, status=response.status_code)
            raise _NotTaken(f"the orchestrator answered {response.status_code}")
        if response.status_code != 200:
            log.error(
                "scoring.orchestrator_refused",
                run_id=request.run_id,
                status=response.status_code,
                body=response.text[:500],
            )
            raise _Unanswered(f"the orchestrator refused the scoring run ({response.status_code})")
        try:
            result = ScoringRunResult.model_validate_json(response.content)
        except ValidationError as exc:
            raise _Unanswered(f"the orchestrator's answer is not a scoring-run result: {exc}") from None
        if result.status is ScoringRunStatus.PLATFORM_FAULT:
            log.warning("scoring.orchestrator_platform_fault", run_id=request.run_id, detail=result.detail)
            raise _NotTaken(f"the orchestrator could not run the program: {result.detail}")
        return result
