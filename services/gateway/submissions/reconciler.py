"""The stuck-submission reconciler: every state a submission waits in has a deadline.

A submission that has sat in ``queued``, ``running`` or ``scoring`` past its state's
deadline is checked against the orchestrator's internal API (the owner of
executions), and the lost message is made good:

- the orchestrator never saw it: the ``submission.queued`` it was queued with (kept in
  ``queued_events`` when it was staged) is published again, under a new event id (the
  orchestrator's consumer is idempotent on the submission);
- the orchestrator has it queued: it is only waiting for a slot (it waits up to
  ``queued_max_s`` from upload);
- the orchestrator ran it (running / finished) but the gateway is behind: the
  orchestrator is asked to publish that state's event again (``POST .../republish``);
  consumers are idempotent, so a replay changes nothing where the original arrived;
- after ``max_reconciliations`` replays with no progress, or when the orchestrator's
  answer cannot be made good, the submission ends ``failed`` / ``internal_error``
  with a detail saying what was stuck; that never counts against the quota
  (``repository.count_against_quota``), and a run still going is cancelled.

Deadlines (from the last change of state, or the reconciler's last look):
queued ``queued_deadline_s``; running the competition's time limit for each of the
orchestrator's two attempts plus ``running_margin_s``; scoring ``scoring_deadline_s``.

Every gateway replica runs this loop; one at a time makes a pass (``replicas.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import select, update

from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, Submission, outbox
from services.gateway.replicas import exclusive
from services.gateway.stages import scope
from services.gateway.stages.scope import Scope
from services.gateway.submissions import lifecycle
from services.gateway.submissions import repository as submissions
from services.gateway.submissions.schemas import SubmissionStatus
from shared.db import add_event, as_aware, transaction
from shared.events import SubmissionCancelled, utcnow
from shared.loops import BackgroundLoop
from shared.runs import RUN_ATTEMPTS
from shared.runtime import ServiceRuntime
from shared.scoring_runs import PROGRAM_TRIES

log = structlog.get_logger(__name__)

WAITING = frozenset({SubmissionStatus.QUEUED, SubmissionStatus.RUNNING, SubmissionStatus.SCORING})


@dataclass(frozen=True)
class Check:
    submission_id: uuid.UUID
    status: str
    action: str  # requeued | replayed | waiting | unreachable | failed
    why: str = ""


class Reconciler:
    def __init__(self, rt: ServiceRuntime, settings: GatewaySettings, http: httpx.AsyncClient) -> None:
        self.rt = rt
        self.settings = settings
        self.http = http
        self.loop = BackgroundLoop("gateway-reconciler", self._step, interval_s=settings.reconcile_interval_s)

    def start(self) -> None:
        if self.settings.reconcile_interval_s > 0:
            self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def _step(self) -> None:
        await self.reconcile_once()

    def deadline(self, submission: Submission, stage: Scope) -> timedelta:
        """How long ``submission`` may wait in its state, from its stage's limits (a
        stage scored by a program also waits for the program's two tries)."""
        s = self.settings
        status = SubmissionStatus(submission.status)
        if status is SubmissionStatus.QUEUED:
            return timedelta(seconds=s.queued_deadline_s)
        if status is SubmissionStatus.RUNNING:
            time_limit = float((stage.limits or {}).get("time_limit_s", 600))
            return timedelta(seconds=time_limit * RUN_ATTEMPTS + s.running_margin_s)
        program = (stage.scoring_program or {}).get("program") or {}
        program_s = float(program.get("time_limit_s", 0)) * PROGRAM_TRIES
        return timedelta(seconds=s.scoring_deadline_s + program_s)

    async def reconcile_once(self, now: datetime | None = None) -> list[Check]:
        """Check every submission past its state's deadline; returns what was done.

        One replica at a time makes the pass (``replicas.exclusive``); another that
        looks meanwhile does nothing, and the next pass, by any replica, reads what
        this one wrote (``reconciled_at``), so no submission is checked twice for one
        deadline."""
        now = now or utcnow()
        async with exclusive(self.rt.engine, "reconciler") as held:
            if not held:
                log.debug("reconciler.skipped", why="another replica is making this pass")
                return []
            return await self._pass(now)

    async def _pass(self, now: datetime) -> list[Check]:
        soonest = min(self.settings.queued_deadline_s, self.settings.scoring_deadline_s)
        async with self.rt.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Submission, Competition)
                    .join(Competition, Competition.id == Submission.competition_id)
                    .where(
                        Submission.status.in_([s.value for s in WAITING]),
                        Submission.updated_at <= now - timedelta(seconds=soonest),
                    )
                    .order_by(Submission.updated_at)
                    .limit(self.settings.reconcile_batch)
                )
            ).all()
            stages: dict[uuid.UUID, Scope] = {}
            for submission, competition in rows:
                if submission.stage_id not in stages:
                    stages[submission.stage_id] = await scope.by_id(session, competition, submission.stage_id)
        checks = []
        for submission, _competition in rows:
            since = as_aware(submission.updated_at)
            if submission.reconciled_at is not None:
                since = max(since, as_aware(submission.reconciled_at))
            if now - since < self.deadline(submission, stages[submission.stage_id]):
                continue
            check = await self._check(submission, now)
            log.info(
                "reconciler.checked",
                submission_id=str(check.submission_id),
                status=check.status,
                action=check.action,
                why=check.why,
            )
            checks.append(check)
        return checks

    async def _ask(self, submission_id: uuid.UUID) -> tuple[str, dict[str, Any] | None]:
        """("found", view) | ("missing", None) | ("unreachable", None)."""
        url = f"{self.settings.orchestrator_url}/internal/v1/executions/{submission_id}"
        try:
            r = await self.http.get(url)
        except httpx.HTTPError as exc:
            log.warning("reconciler.orchestrator_unreachable", error=repr(exc))
            return "unreachable", None
        if r.status_code == 404:
            return "missing", None
        if r.status_code == 401:
            log.error(
                "reconciler.internal_credential_refused",
                hint="HOLDOUT_INTERNAL_TOKEN must be set, and the same, on every service",
            )
        if r.status_code != 200:
            return "unreachable", None
        return "found", dict(r.json())

    async def _replay(self, submission_id: uuid.UUID) -> bool:
        url = f"{self.settings.orchestrator_url}/internal/v1/executions/{submission_id}/republish"
        try:
            r = await self.http.post(url)
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    async def _check(self, seen: Submission, now: datetime) -> Check:
        sid, status = seen.id, seen.status
        found, view = await self._ask(sid)
        too_old = now - as_aware(seen.created_at) > timedelta(seconds=self.settings.queued_max_s)
        exhausted = seen.reconciliations >= self.settings.max_reconciliations
        remote = view["status"] if view else None

        if found == "unreachable" and not too_old:
            return Check(sid, status, "unreachable")
        if found == "missing" and status == SubmissionStatus.QUEUED and not exhausted:
            return await self._act(sid, status, now, "requeued", requeue=True)
        if remote == "queued" and not too_old:
            return await self._act(sid, status, now, "waiting", count=False)
        if remote in ("running", "finished") and not exhausted and not too_old:
            if await self._replay(sid):
                return await self._act(sid, status, now, "replayed")
            return Check(sid, status, "unreachable")

        if found == "unreachable":
            why = "the orchestrator could not be reached"
        elif found == "missing":
            why = f"the run was lost before it started (the submission was {status})"
        elif too_old:
            why = f"it waited more than {self.settings.queued_max_s / 3600:g} h (the run was {remote})"
        elif remote == "cancelled":
            why = "the run was dropped by the orchestrator"
        else:
            stage = "scoring" if remote == "finished" else "the run"
            why = f"{stage} did not finish in time (the submission stayed {status})"
        return await self._act(sid, status, now, "failed", fail=why, cancel=remote in ("queued", "running"))

    async def _act(
        self,
        sid: uuid.UUID,
        status: str,
        now: datetime,
        action: str,
        *,
        count: bool = True,
        requeue: bool = False,
        fail: str | None = None,
        cancel: bool = False,
    ) -> Check:
        """Apply one decision in one transaction, only if the submission has not moved."""
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            submission = await submissions.get(session, sid, for_update=True)
            if submission is None or submission.status != status:
                return Check(sid, status, "moved")
            # a Core update: the ORM's onupdate would move updated_at, the state's clock
            await session.execute(
                update(Submission)
                .where(Submission.id == sid)
                .values(
                    reconciled_at=now,
                    reconciliations=Submission.reconciliations + (1 if count else 0),
                    updated_at=Submission.updated_at,
                )
            )
            if requeue:
                queued = await submissions.queued_of(session, sid)
                if queued is None:
                    fail = "its queued event is not stored (it was queued before the gateway kept them)"
                else:
                    await add_event(session, outbox, queued.model_copy(update={"event_id": uuid.uuid4()}))
            if fail is not None:
                lifecycle.fail_internal(submission, fail)
                if cancel:
                    await add_event(session, outbox, SubmissionCancelled(submission_id=sid))
                return Check(sid, status, "failed", fail)
        return Check(sid, status, action)
