from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.competition_update_model_source_type_0 import (
    CompetitionUpdateModelSourceType0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.limits_patch import LimitsPatch


T = TypeVar("T", bound="CompetitionUpdate")


@_attrs_define
class CompetitionUpdate:
    """A partial edit: only the fields sent change (``null`` clears ``opens_at``, ``closes_at``
    and the compute budgets).

    The prediction format (``id_column``, ``target_columns``) can change only until the
    first submission; changing it discards the uploaded labels, which must match it.
    Runs already queued keep the settings they were queued with.

        Attributes:
            title (None | str | Unset):
            description (None | str | Unset): The overview participants read first (Markdown; shown as text, never as raw
                HTML).
            rules (None | str | Unset): The rules participants accept before taking part (Markdown; shown as text, never as
                raw HTML). Changing the text bumps `rules_version`.
            metric (None | str | Unset):
            extra_metrics (list[str] | None | Unset):
            id_column (None | str | Unset):
            target_columns (list[str] | None | Unset):
            predictions_filename (None | str | Unset):
            runtime (None | str | Unset):
            limits (LimitsPatch | None | Unset):
            daily_quota (int | None | Unset):
            smoke_daily_quota (int | None | Unset):
            cpu_hours_budget (float | None | Unset): Each team's total CPU-hours across the stage's runs (what the runs
                measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
                once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
            gpu_hours_budget (float | None | Unset): Each team's total GPU-hours across the stage's runs (what the runs
                measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
                once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
            show_logs (bool | None | Unset):
            opens_at (datetime.datetime | None | Unset):
            closes_at (datetime.datetime | None | Unset):
            final_count (int | None | Unset):
            rank_host_submissions (bool | None | Unset):
            requires_approval (bool | None | Unset): Teams made while approval was not required stay approved when it is
                turned on.
            participants_download_own (bool | None | Unset):
            model_source (CompetitionUpdateModelSourceType0 | None | Unset): Where inference runs take their model from:
                `upload` (only what the zip ships), `platform` (only the model the team's latest successful run of the previous,
                training stage left, at /code_execution/model; a zip that ships model files is refused), or `upload_or_platform`
                (the zip's, and the trained model at /code_execution/model when the team has one). A competition with a training
                stage cannot be `upload`.
    """

    title: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    rules: None | str | Unset = UNSET
    metric: None | str | Unset = UNSET
    extra_metrics: list[str] | None | Unset = UNSET
    id_column: None | str | Unset = UNSET
    target_columns: list[str] | None | Unset = UNSET
    predictions_filename: None | str | Unset = UNSET
    runtime: None | str | Unset = UNSET
    limits: LimitsPatch | None | Unset = UNSET
    daily_quota: int | None | Unset = UNSET
    smoke_daily_quota: int | None | Unset = UNSET
    cpu_hours_budget: float | None | Unset = UNSET
    gpu_hours_budget: float | None | Unset = UNSET
    show_logs: bool | None | Unset = UNSET
    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    final_count: int | None | Unset = UNSET
    rank_host_submissions: bool | None | Unset = UNSET
    requires_approval: bool | None | Unset = UNSET
    participants_download_own: bool | None | Unset = UNSET
    model_source: CompetitionUpdateModelSourceType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.limits_patch import LimitsPatch

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        rules: None | str | Unset
        if isinstance(self.rules, Unset):
            rules = UNSET
        else:
            rules = self.rules

        metric: None | str | Unset
        if isinstance(self.metric, Unset):
            metric = UNSET
        else:
            metric = self.metric

        extra_metrics: list[str] | None | Unset
        if isinstance(self.extra_metrics, Unset):
            extra_metrics = UNSET
        elif isinstance(self.extra_metrics, list):
            extra_metrics = self.extra_metrics

        else:
            extra_metrics = self.extra_metrics

        id_column: None | str | Unset
        if isinstance(self.id_column, Unset):
            id_column = UNSET
        else:
            id_column = self.id_column

        target_columns: list[str] | None | Unset
        if isinstance(self.target_columns, Unset):
            target_columns = UNSET
        elif isinstance(self.target_columns, list):
            target_columns = self.target_columns

        else:
            target_columns = self.target_columns

        predictions_filename: None | str | Unset
        if isinstance(self.predictions_filename, Unset):
            predictions_filename = UNSET
        else:
            predictions_filename = self.predictions_filename

        runtime: None | str | Unset
        if isinstance(self.runtime, Unset):
            runtime = UNSET
        else:
            runtime = self.runtime

        limits: dict[str, Any] | None | Unset
        if isinstance(self.limits, Unset):
            limits = UNSET
        elif isinstance(self.limits, LimitsPatch):
            limits = self.limits.to_dict()
        else:
            limits = self.limits

        daily_quota: int | None | Unset
        if isinstance(self.daily_quota, Unset):
            daily_quota = UNSET
        else:
            daily_quota = self.daily_quota

        smoke_daily_quota: int | None | Unset
        if isinstance(self.smoke_daily_quota, Unset):
            smoke_daily_quota = UNSET
        else:
            smoke_daily_quota = self.smoke_daily_quota

        cpu_hours_budget: float | None | Unset
        if isinstance(self.cpu_hours_budget, Unset):
            cpu_hours_budget = UNSET
        else:
            cpu_hours_budget = self.cpu_hours_budget

        gpu_hours_budget: float | None | Unset
        if isinstance(self.gpu_hours_budget, Unset):
            gpu_hours_budget = UNSET
        else:
            gpu_hours_budget = self.gpu_hours_budget

        show_logs: bool | None | Unset
        if isinstance(self.show_logs, Unset):
            show_logs = UNSET
        else:
            show_logs = self.show_logs

        opens_at: None | str | Unset
        if isinstance(self.opens_at, Unset):
            opens_at = UNSET
        elif isinstance(self.opens_at, datetime.datetime):
            opens_at = self.opens_at.isoformat()
        else:
            opens_at = self.opens_at

        closes_at: None | str | Unset
        if isinstance(self.closes_at, Unset):
            closes_at = UNSET
        elif isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        final_count: int | None | Unset
        if isinstance(self.final_count, Unset):
            final_count = UNSET
        else:
            final_count = self.final_count

        rank_host_submissions: bool | None | Unset
        if isinstance(self.rank_host_submissions, Unset):
            rank_host_submissions = UNSET
        else:
            rank_host_submissions = self.rank_host_submissions

        requires_approval: bool | None | Unset
        if isinstance(self.requires_approval, Unset):
            requires_approval = UNSET
        else:
            requires_approval = self.requires_approval

        participants_download_own: bool | None | Unset
        if isinstance(self.participants_download_own, Unset):
            participants_download_own = UNSET
        else:
            participants_download_own = self.participants_download_own

        model_source: None | str | Unset
        if isinstance(self.model_source, Unset):
            model_source = UNSET
        elif isinstance(self.model_source, CompetitionUpdateModelSourceType0):
            model_source = self.model_source.value
        else:
            model_source = self.model_source

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if title is not UNSET:
            field_dict["title"] = title
        if description is not UNSET:
            field_dict["description"] = description
        if rules is not UNSET:
            field_dict["rules"] = rules
        if metric is not UNSET:
            field_dict["metric"] = metric
        if extra_metrics is not UNSET:
            field_dict["extra_metrics"] = extra_metrics
        if id_column is not UNSET:
            field_dict["id_column"] = id_column
        if target_columns is not UNSET:
            field_dict["target_columns"] = target_columns
        if predictions_filename is not UNSET:
            field_dict["predictions_filename"] = predictions_filename
        if runtime is not UNSET:
            field_dict["runtime"] = runtime
        if limits is not UNSET:
            field_dict["limits"] = limits
        if daily_quota is not UNSET:
            field_dict["daily_quota"] = daily_quota
        if smoke_daily_quota is not UNSET:
            field_dict["smoke_daily_quota"] = smoke_daily_quota
        if cpu_hours_budget is not UNSET:
            field_dict["cpu_hours_budget"] = cpu_hours_budget
        if gpu_hours_budget is not UNSET:
            field_dict["gpu_hours_budget"] = gpu_hours_budget
        if show_logs is not UNSET:
            field_dict["show_logs"] = show_logs
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if final_count is not UNSET:
            field_dict["final_count"] = final_count
        if rank_host_submissions is not UNSET:
            field_dict["rank_host_submissions"] = rank_host_submissions
        if requires_approval is not UNSET:
            field_dict["requires_approval"] = requires_approval
        if participants_download_own is not UNSET:
            field_dict["participants_download_own"] = participants_download_own
        if model_source is not UNSET:
            field_dict["model_source"] = model_source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.limits_patch import LimitsPatch

        d = dict(src_dict)

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_rules(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rules = _parse_rules(d.pop("rules", UNSET))

        def _parse_metric(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        metric = _parse_metric(d.pop("metric", UNSET))

        def _parse_extra_metrics(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                extra_metrics_type_0 = cast(list[str], data)

                return extra_metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        extra_metrics = _parse_extra_metrics(d.pop("extra_metrics", UNSET))

        def _parse_id_column(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        id_column = _parse_id_column(d.pop("id_column", UNSET))

        def _parse_target_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                target_columns_type_0 = cast(list[str], data)

                return target_columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        target_columns = _parse_target_columns(d.pop("target_columns", UNSET))

        def _parse_predictions_filename(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        predictions_filename = _parse_predictions_filename(
            d.pop("predictions_filename", UNSET)
        )

        def _parse_runtime(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        runtime = _parse_runtime(d.pop("runtime", UNSET))

        def _parse_limits(data: object) -> LimitsPatch | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                limits_type_0 = LimitsPatch.from_dict(data)

                return limits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LimitsPatch | None | Unset, data)

        limits = _parse_limits(d.pop("limits", UNSET))

        def _parse_daily_quota(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        daily_quota = _parse_daily_quota(d.pop("daily_quota", UNSET))

        def _parse_smoke_daily_quota(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        smoke_daily_quota = _parse_smoke_daily_quota(d.pop("smoke_daily_quota", UNSET))

        def _parse_cpu_hours_budget(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cpu_hours_budget = _parse_cpu_hours_budget(d.pop("cpu_hours_budget", UNSET))

        def _parse_gpu_hours_budget(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        gpu_hours_budget = _parse_gpu_hours_budget(d.pop("gpu_hours_budget", UNSET))

        def _parse_show_logs(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        show_logs = _parse_show_logs(d.pop("show_logs", UNSET))

        def _parse_opens_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opens_at_type_0 = datetime.datetime.fromisoformat(data)

                return opens_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        opens_at = _parse_opens_at(d.pop("opens_at", UNSET))

        def _parse_closes_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_0 = datetime.datetime.fromisoformat(data)

                return closes_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        closes_at = _parse_closes_at(d.pop("closes_at", UNSET))

        def _parse_final_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        final_count = _parse_final_count(d.pop("final_count", UNSET))

        def _parse_rank_host_submissions(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        rank_host_submissions = _parse_rank_host_submissions(
            d.pop("rank_host_submissions", UNSET)
        )

        def _parse_requires_approval(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        requires_approval = _parse_requires_approval(d.pop("requires_approval", UNSET))

        def _parse_participants_download_own(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        participants_download_own = _parse_participants_download_own(
            d.pop("participants_download_own", UNSET)
        )

        def _parse_model_source(
            data: object,
        ) -> CompetitionUpdateModelSourceType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                model_source_type_0 = CompetitionUpdateModelSourceType0(data)

                return model_source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CompetitionUpdateModelSourceType0 | None | Unset, data)

        model_source = _parse_model_source(d.pop("model_source", UNSET))

        competition_update = cls(
            title=title,
            description=description,
            rules=rules,
            metric=metric,
            extra_metrics=extra_metrics,
            id_column=id_column,
            target_columns=target_columns,
            predictions_filename=predictions_filename,
            runtime=runtime,
            limits=limits,
            daily_quota=daily_quota,
            smoke_daily_quota=smoke_daily_quota,
            cpu_hours_budget=cpu_hours_budget,
            gpu_hours_budget=gpu_hours_budget,
            show_logs=show_logs,
            opens_at=opens_at,
            closes_at=closes_at,
            final_count=final_count,
            rank_host_submissions=rank_host_submissions,
            requires_approval=requires_approval,
            participants_download_own=participants_download_own,
            model_source=model_source,
        )

        return competition_update
