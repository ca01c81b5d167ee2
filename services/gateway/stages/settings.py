"""Changing what a stage sets for itself, checked as one: the platform's bounds, the
schedule among the other stages, the feed, its kind (``training``), the metric or board
columns, and the labels already uploaded.

The one place these rules live: ``competitions.service.update`` (the first stage's
settings are the competition's) and ``stages.service`` (create and edit any stage) both
call ``apply``. Everything is checked on the merged result before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.gateway.competitions import bounds, scoring
from services.gateway.competitions.schemas import Limits
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition
from services.gateway.stages import checks, programs, training
from services.gateway.stages.scope import Scope
from shared.events import utcnow
from shared.storage import Storage
from shared.web import ProblemError

# the request's field -> the settings column it writes
_COLUMNS = {
    "name": "stage_name",
    "opens_at": "opens_at",
    "closes_at": "closes_at",
    "accepts_submissions": "accepts_submissions",
    "feed": "feed",
    "kind": "kind",
    "runtime": "runtime",
    "daily_quota": "daily_quota",
    "smoke_daily_quota": "smoke_daily_quota",
    "cpu_hours_budget": "cpu_hours_budget",
    "gpu_hours_budget": "gpu_hours_budget",
    "show_logs": "show_logs",
}
# may be sent as null to clear them; every other setting's null means "unchanged"
NULLABLE = frozenset({"opens_at", "closes_at", "feed", "cpu_hours_budget", "gpu_hours_budget"})


def changes_of(sent: Mapping[str, Any]) -> dict[str, Any]:
    """A request's stage settings as ``apply`` takes them (nulls of non-nullable fields dropped)."""
    out = {k: v for k, v in sent.items() if v is not None or k in NULLABLE}
    if "limits" in out:
        out["limits"] = {k: v for k, v in out["limits"].items() if v is not None}
    return out


def _scoring(scope: Scope, changes: Mapping[str, Any]) -> tuple[str, list[str], list[dict[str, Any]]] | None:
    """The stage's new metric, extra metrics and columns, or None when the edit leaves them."""
    columns = changes.get("columns")
    if columns is None and "metric" not in changes and "extra_metrics" not in changes:
        return None
    if columns and ("metric" in changes or "extra_metrics" in changes):
        raise ProblemError(
            "send either columns (the board columns, the first ranks) or metric and extra_metrics, not "
            "both: with columns, the metric is the first column's",
            status=422,
            code="invalid-columns",
        )
    if columns:
        checked = scoring.check_columns(columns, program_keys=programs.program_keys(scope))
        return checked[0].key, [], [c.model_dump(mode="json") for c in checked]
    # back to (or staying with) a metric and its extra metrics: the columns go
    metric = changes.get("metric")
    if metric is None:
        first = scoring.columns_of(scope)[0]
        metric = first.metric or scope.metric
    extra = list(changes.get("extra_metrics", scope.extra_metrics or []))
    scoring.check_metrics(metric, extra)
    return metric, extra, []


async def apply(
    settings: GatewaySettings,
    storage: Storage,
    competition: Competition,
    scope: Scope,
    stages: Sequence[Scope],
    changes: Mapping[str, Any],
    *,
    labels_kept: bool = True,
) -> None:
    """Check then write ``changes`` (field -> value, as ``changes_of`` gives) to ``scope``.

    ``stages``: every stage of the competition in order, ``scope`` among them (by identity).
    ``labels_kept``: False when the edit voids the stage's labels anyway (a new prediction
    format), so they need not be scorable by the new metric.
    """
    limits = {**scope.limits, **(changes.get("limits") or {})}
    bounds.check(
        settings,
        limits=limits,
        daily_quota=changes.get("daily_quota", scope.daily_quota),
        smoke_daily_quota=changes.get("smoke_daily_quota", scope.smoke_daily_quota),
    )
    plain = {column: changes.get(field, getattr(scope, column)) for field, column in _COLUMNS.items()}
    edited = checks.Times(scope.position, plain["stage_name"], plain["opens_at"], plain["closes_at"])
    checks.check_order([edited if s is scope else checks.Times.of(s) for s in stages])
    checks.check_feed(scope.position, plain["feed"], plain["accepts_submissions"])
    edited_shape = training.StageShape(
        scope.position, plain["kind"], plain["accepts_submissions"], plain["feed"]
    )
    training.check(
        competition.model_source,
        [edited_shape if s is scope else training.StageShape.of(s) for s in stages],
    )
    new_scoring = _scoring(scope, changes)
    if new_scoring is not None and labels_kept:
        metric, extra, columns = new_scoring
        before = scoring.columns_of(scope)
        after = scoring.board_columns_of(metric, extra, columns)
        if [c.metric for c in after] != [c.metric for c in before]:
            await scoring.check_stored_labels(storage, competition, scope, scoring.registry_metrics(after))

    for column, value in plain.items():
        setattr(scope, column, value)
    if "limits" in changes:
        scope.limits = Limits.model_validate(limits).model_dump()
    if new_scoring is not None:
        scope.metric, scope.extra_metrics, scope.columns = new_scoring
    scope.updated_at = utcnow()
