"""Training stages: the rules a competition's model source and its stages' kinds keep
together, the trained model an inference run is given, and the zips refused where only
platform-trained models may be used.

A training stage's runs see the stage's own data (the host uploads the training
features and labels there, as any stage's data) read-only at ``/code_execution/data``,
write a model to ``/code_execution/model`` (capped by ``limits.model_limit_mb``) and are
not scored: a run that succeeds ends ``trained``. The next stage's inference run of the
same team gets the model of the team's latest ``trained`` run of that stage, read-only at
``/code_execution/model``, unless the competition's ``model_source`` is ``upload``.

Used by ``stages.settings`` (every stage edit), ``competitions.service`` (a new
``model_source``) and ``submissions.service`` (an upload and its run's snapshot).
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions.schemas import ModelSource
from services.gateway.models import Competition, Submission
from services.gateway.stages.scope import Scope, all_stages
from shared.web import Conflict, ProblemError

MODEL_SOURCES: tuple[ModelSource, ...] = ("upload", "platform", "upload_or_platform")
# what a zip may not ship where only platform-trained models count: the usual files of
# trained weights (serialised estimators, tensors, boosters). A guard against the plain
# case, not a proof: code can carry numbers too, which the host's review is for.
MODEL_SUFFIXES = frozenset(
    {
        ".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".hdf5", ".keras",
        ".safetensors", ".npy", ".npz", ".cbm", ".ubj", ".model", ".pb", ".tflite", ".gguf",
    }
)  # fmt: skip


def model_source(competition: Competition) -> ModelSource:
    return next((s for s in MODEL_SOURCES if s == competition.model_source), "upload")


@dataclass(frozen=True)
class StageShape:
    """What of a stage the training rules look at (as it is, or as an edit leaves it)."""

    position: int
    kind: str
    accepts_submissions: bool
    feed: str | None

    @classmethod
    def of(cls, scope: Scope) -> StageShape:
        return cls(scope.position, scope.kind, scope.accepts_submissions, scope.feed)


def _invalid(detail: str, position: int) -> ProblemError:
    return ProblemError(detail, status=422, code="invalid-training-stage", stage=position)


def check(source: str, stages: Sequence[StageShape]) -> None:
    """The competition's model source and its stages' kinds, together (422 otherwise)."""
    previous: StageShape | None = None
    for stage in stages:
        if stage.kind == "training":
            if source == "upload":
                raise _invalid(
                    f"stage {stage.position} is a training stage, but the competition's model_source is "
                    "'upload' (models come only from the zip): set model_source to 'platform' (only "
                    "models trained on Holdout) or 'upload_or_platform' first",
                    stage.position,
                )
            if not stage.accepts_submissions or stage.feed is not None:
                raise _invalid(
                    f"stage {stage.position} is a training stage: it runs each team's own training "
                    "code, so it must accept submissions and have no feed",
                    stage.position,
                )
        if previous is not None and previous.kind == "training" and stage.feed is not None:
            raise _invalid(
                f"stage {stage.position} follows a training stage, whose runs have no scores or "
                "predictions to re-run: give it no feed (its teams submit inference code)",
                stage.position,
            )
        previous = stage


def previous_stage(stages: Sequence[Scope], stage: Scope) -> Scope | None:
    return next((s for s in stages if s.position == stage.position - 1), None)


async def model_for(
    session: AsyncSession,
    competition: Competition,
    stages: Sequence[Scope],
    stage: Scope,
    team_id: uuid.UUID,
) -> Submission | None:
    """The training run whose model an inference run of ``team_id`` in ``stage`` gets: the
    team's latest ``trained`` run of the previous stage, when that is a training stage and
    the competition takes platform-trained models. None: no model is given. Raises
    ``Conflict`` where only platform-trained models count and the team has none."""
    source = model_source(competition)
    before = previous_stage(stages, stage)
    if stage.kind == "training" or source == "upload":
        return None
    found = None
    if before is not None and before.kind == "training":
        found = await session.scalar(
            select(Submission)
            .where(
                Submission.stage_id == before.id,
                Submission.team_id == team_id,
                Submission.status == "trained",
                Submission.model_key.is_not(None),
                Submission.is_smoke.is_(False),
                # a host's reproduction checks a model; it never replaces the one given
                Submission.purpose != "reproduce",
            )
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(1)
        )
    if found is None and source == "platform":
        where = (
            f"stage {before.position} ({before.stage_name!r})"
            if before is not None and before.kind == "training"
            else "a training stage before this one"
        )
        raise Conflict(
            f"{competition.slug!r} uses only models trained on Holdout, and your team has no "
            f"successful training run in {where}: submit your training code there first",
            code="no-trained-model",
            stage=stage.position,
        )
    return found


async def given_model(
    session: AsyncSession, competition: Competition, stage: Scope, submission: Submission
) -> Submission | None:
    """The training run whose model ``submission``'s run reads; sets ``model_from``.

    A re-run (a fed stage's, a host's reproduction) reads the model its original read, so
    that it runs the same thing; a new upload, the one ``model_for`` picks."""
    if submission.model_from is not None:
        return await session.get(Submission, submission.model_from)
    if submission.rerun_of is not None:
        return None
    stages = await all_stages(session, competition)
    found = await model_for(session, competition, stages, stage, submission.team_id)
    submission.model_from = found.id if found is not None else None
    return found


def shipped_model_files(archive: Path) -> list[str]:
    """The files of ``archive`` (already checked by ``inspect_archive``) that look like
    trained weights (``MODEL_SUFFIXES``)."""
    with zipfile.ZipFile(archive) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
    return sorted(n for n in names if PurePosixPath(n).suffix.lower() in MODEL_SUFFIXES)


def check_archive(competition: Competition, stage: Scope, archive: Path) -> None:
    """Refuse (422) an inference zip that ships model files where only platform-trained
    models may be used; a training stage's zip may ship what it likes (pretrained weights)."""
    if model_source(competition) != "platform" or stage.kind == "training":
        return
    found = shipped_model_files(archive)
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise ProblemError(
            f"the submission was rejected: {competition.slug!r} uses only models trained on Holdout "
            f"(given at /code_execution/model), and the zip ships model files ({shown}); "
            "leave them out and load the model from /code_execution/model",
            status=422,
            code="model-files-not-allowed",
            files=found[:100],
        )
