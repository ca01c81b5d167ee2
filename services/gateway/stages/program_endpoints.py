"""``/api/v1/competitions/{competition}/stages/{position}/scoring-program`` (a host
uploads, reads and removes a stage's scoring program) and
``.../submissions/{submission}/scoring-log`` (the host reads what the program printed
when it failed on a submission). The use cases are in ``programs.py``."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from typing import Any

import structlog
from fastapi import APIRouter, Path, Request, Response, status

from services.gateway.auth.dependencies import CurrentUser
from services.gateway.competitions import service as competitions
from services.gateway.deps import HttpDep, RuntimeDep, SessionDep, SettingsDep
from services.gateway.files import serving
from services.gateway.multipart import FilePart, InvalidForm, spool_form
from services.gateway.openapi import CONTENT_DISPOSITION, ETAG, RETRY_AFTER, problems
from services.gateway.stages import programs, scope
from services.gateway.stages.programs import ScoringProgramRead
from services.gateway.submissions import repository as submissions_repo
from services.gateway.uploads import check_content_length
from shared.archive import ArchiveError, inspect_archive
from shared.events import utcnow
from shared.scoring_runs import (
    PROGRAM_ENTRYPOINTS,
    PROGRAMS_CONTAINER,
    ScoringRunRequest,
    StorageRef,
    trial_run_id,
)
from shared.web import Conflict, NotFound, ProblemError

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/competitions/{competition}", tags=["scoring-programs"])

Position = Path(ge=1, le=1000, description="The stage's position (1: the first stage).")
_PATH = "/stages/{position}/scoring-program"
_RUNTIME_MAX = 64

_FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A form (`multipart/form-data`) of the program's zip, the reference predictions "
        "it is tried on and, optionally, the runtime it runs in.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["program", "reference"],
                    "properties": {
                        "program": {
                            "type": "string",
                            "format": "binary",
                            "description": "A zip with `score.py` (or `score.sh`) at its root.",
                        },
                        "reference": {
                            "type": "string",
                            "format": "binary",
                            "description": "Predictions for the smoke sample, in the competition's "
                            "format, that the program scores in its trial.",
                        },
                        "runtime": {
                            "type": "string",
                            "maxLength": _RUNTIME_MAX,
                            "description": "The runtime the program runs in (default: the stage's).",
                        },
                    },
                },
                "encoding": {
                    "program": {"contentType": "application/zip, application/octet-stream"},
                    "reference": {"contentType": "text/csv, application/octet-stream"},
                },
                "example": {"program": "(score.zip)", "reference": "id,target\n1,0\n", "runtime": "default"},
            }
        },
    }
}


async def _host_scope(session: SessionDep, competition: str, position: int, user: CurrentUser) -> scope.Scope:
    found = await competitions.get(session, competition)
    competitions.require_host(found, user)
    return await scope.get(session, found, position)


@router.put(
    _PATH,
    operation_id="upload_scoring_program",
    response_model=ScoringProgramRead,
    responses={
        **problems(401, 403, 404, 409, 413, 415, 422, 507),
        503: {**problems(503)[503], "headers": RETRY_AFTER},
    },
    openapi_extra=_FORM_BODY,
)
async def upload_scoring_program(
    competition: str,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
    http: HttpDep,
    position: int = Position,
) -> ScoringProgramRead:
    """Give a stage a scoring program (host): it is tried at once on the stage's smoke
    sample, scoring the reference predictions, and kept only if it succeeds.

    Refused with `scoring-program-failed` (422, with the program's `log_tail`) when the
    trial fails; the stage then keeps the program it had. The program's scores.json keys
    are what the stage's columns without a registry metric may use.
    """
    stage = await _host_scope(session, competition, position, user)
    smoke_labels = scope.smoke_labels_key(stage)
    if smoke_labels is None:
        raise Conflict(
            f"stage {position} has no smoke sample labels to try the program on; upload the smoke "
            "sample (its labels) first, then the program",
            code="no-smoke-sample",
        )
    stage_id, runtime_default, needed = stage.id, stage.runtime, programs.needed_keys(stage)
    version = await programs.next_version(rt.storage, stage)
    await session.close()  # none held while the upload arrives or the trial runs
    check_content_length(
        request, "scoring program upload", settings.max_submission_bytes + settings.max_labels_bytes
    )
    parts = {
        "program": FilePart("scoring program", settings.max_submission_bytes),
        "reference": FilePart("reference predictions", settings.max_labels_bytes),
    }
    async with spool_form(request, settings.uploads_tmp_dir, parts, ("runtime",)) as form:
        missing = [name for name in parts if name not in form.files]
        if missing:
            raise InvalidForm(
                f"the form has no {' and no '.join(missing)} part; send program (a zip with score.py "
                "at its root) and reference (predictions for the smoke sample)"
            )
        runtime = form.fields.get("runtime", "").strip() or runtime_default
        if len(runtime) > _RUNTIME_MAX:
            raise InvalidForm(f"runtime is longer than {_RUNTIME_MAX} characters; name a runtime")
        program_file, reference_file = form.files["program"], form.files["reference"]
        try:
            await asyncio.to_thread(inspect_archive, program_file.path, entrypoints=PROGRAM_ENTRYPOINTS)
        except ArchiveError as exc:
            raise ProblemError(
                "the scoring program was rejected: " + "; ".join(exc.problems),
                status=422,
                code="invalid-scoring-program",
                problems=exc.problems,
            ) from None
        key, ref_key = programs.archive_key(stage_id, version), programs.reference_key(stage_id, version)
        await rt.storage.put_file(PROGRAMS_CONTAINER, key, program_file.path)
        await rt.storage.put_file(PROGRAMS_CONTAINER, ref_key, reference_file.path)
    program = programs.program_for(stage, key, runtime)
    trial = ScoringRunRequest(
        run_id=trial_run_id(),
        program=program,
        predictions=StorageRef(container=PROGRAMS_CONTAINER, key=ref_key),
        labels=StorageRef(container="labels", key=smoke_labels),
        is_smoke=True,
    )
    try:
        result = await programs.run_trial(http, settings.orchestrator_url, trial)
        keys, public, private = programs.trial_scores(result, needed)
    except ProblemError:
        await programs.forget(rt.storage, key, ref_key)
        raise
    stage = await _host_scope(session, competition, position, user)
    stage.scoring_program = {
        "program": program.model_dump(mode="json"),
        "version": version,
        "keys": keys,
        "trial": {"public": public, "private": private, "log_tail": result.log_tail},
        "program_sha256": program_file.sha256,
        "reference_sha256": reference_file.sha256,
        "uploaded_at": utcnow().isoformat(),
    }
    log.info("programs.uploaded", stage_id=str(stage_id), version=version, keys=keys, run_id=trial.run_id)
    read = programs.to_read(stage)
    assert read is not None
    return read


@router.get(
    _PATH,
    operation_id="get_scoring_program",
    response_model=ScoringProgramRead,
    responses=problems(401, 403, 404),
)
async def get_scoring_program(
    competition: str, user: CurrentUser, session: SessionDep, position: int = Position
) -> ScoringProgramRead:
    """A stage's scoring program (host): its keys, runtime and what its trial scored."""
    stage = await _host_scope(session, competition, position, user)
    read = programs.to_read(stage)
    if read is None:
        raise NotFound(
            f"stage {position} has no scoring program (its columns are registry metrics)",
            code="no-scoring-program",
        )
    return read


@router.delete(
    _PATH,
    operation_id="delete_scoring_program",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 409),
)
async def delete_scoring_program(
    competition: str, user: CurrentUser, session: SessionDep, position: int = Position
) -> None:
    """Remove a stage's scoring program (host): its runs are scored by registry metrics
    alone again. Refused while a column of the stage has no metric (the program's)."""
    stage = await _host_scope(session, competition, position, user)
    needed = sorted(programs.needed_keys(stage))
    if needed:
        raise Conflict(
            f"stage {position}'s columns {', '.join(needed)} come from its scoring program; give them "
            "a registry metric or remove them first",
            code="program-columns",
        )
    stage.scoring_program = None


@router.get(
    "/submissions/{submission}/scoring-log",
    operation_id="get_submission_scoring_log",
    response_class=Response,
    responses={
        200: {
            "description": "What the stage's scoring program printed when it failed on this submission.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "headers": {**ETAG, **CONTENT_DISPOSITION},
        },
        307: {"description": "Where the storage serves it: a short-lived read-only URL."},
        **problems(401, 403, 404, 416),
    },
)
async def get_submission_scoring_log(
    competition: str,
    submission: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> Response:
    """The scoring program's log of a submission it failed on (host). Participants never
    see it: the program is the host's, and so is what it prints."""
    found = await competitions.get(session, competition)
    row = await submissions_repo.get(session, submission)
    if row is None or row.competition_id != found.id or not competitions.is_host(found, user):
        raise NotFound(f"no submission {submission} visible to you", code="submission-not-found")
    key = row.scoring_log_key
    await session.close()
    if key is None or not await rt.storage.exists("outputs", key):
        raise NotFound(
            f"submission {submission} has no scoring program log (the program did not fail on it)",
            code="no-scoring-log",
        )
    size = await rt.storage.size("outputs", key)
    # a log is written once under its run's own key: the key and the size tell it apart
    etag = '"' + hashlib.sha256(f"{key}:{size}".encode()).hexdigest()[:32] + '"'
    download = serving.Download(key=key, size=size, etag=etag, filename=f"scoring-log-{submission}.txt")
    return serving.respond(
        request, rt.storage, download, timedelta(seconds=settings.download_url_ttl_s), container="outputs"
    )
