from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.competition_create_model_source import CompetitionCreateModelSource
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.limits import Limits


T = TypeVar("T", bound="CompetitionCreate")


@_attrs_define
class CompetitionCreate:
    """
    Attributes:
        slug (str): Lower-case letters, digits and '-'; unique.
        title (str):
        metric (str): A metric name from the catalog (see the 422 problem for the list).
        id_column (str):
        target_columns (list[str]):
        description (str | Unset): The overview participants read first (Markdown; shown as text, never as raw HTML).
            Default: ''.
        rules (str | Unset): The rules participants accept before taking part (Markdown; shown as text, never as raw
            HTML). Default: ''.
        predictions_filename (str | Unset):  Default: 'submission.csv'.
        runtime (str | Unset):  Default: 'default'.
        limits (Limits | Unset): What one run may use; enforced by the executor. The upper bounds are the
            gateway's settings (``HOLDOUT_MAX_RUN_*``: the largest run machine).
        daily_quota (int | Unset):  Default: 5.
        smoke_daily_quota (int | Unset):  Default: 10.
        cpu_hours_budget (float | None | Unset): Each team's total CPU-hours across the stage's runs (what the runs
            measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
            once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
        gpu_hours_budget (float | None | Unset): Each team's total GPU-hours across the stage's runs (what the runs
            measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
            once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
        show_logs (bool | Unset): Whether participants may read the logs of real (non-smoke) runs. Default: True.
        requires_approval (bool | Unset): Whether the host approves each team before it may submit (GET
            .../teams?approval=pending, POST .../teams/{team}/approval); the host's and admins' teams are approved when
            made. Default: False.
        opens_at (datetime.datetime | None | Unset):
        closes_at (datetime.datetime | None | Unset):
        extra_metrics (list[str] | Unset): More catalog metrics shown as board columns (ranked by `metric`).
        final_count (int | Unset): How many final submissions a team may pick for the private board. Default: 2.
        rank_host_submissions (bool | Unset): Whether the teams of the host and of admins are ranked on the boards (by
            default their runs are shown to them but not ranked). Default: False.
        participants_download_own (bool | Unset): Whether a team may download its own submissions' zips and predictions
            (the host always may, for every team). Default: False.
        model_source (CompetitionCreateModelSource | Unset): Where inference runs take their model from: `upload` (only
            what the zip ships), `platform` (only the model the team's latest successful run of the previous, training stage
            left, at /code_execution/model; a zip that ships model files is refused), or `upload_or_platform` (the zip's,
            and the trained model at /code_execution/model when the team has one). A competition with a training stage
            cannot be `upload`. Default: CompetitionCreateModelSource.UPLOAD.
    """

    slug: str
    title: str
    metric: str
    id_column: str
    target_columns: list[str]
    description: str | Unset = ""
    rules: str | Unset = ""
    predictions_filename: str | Unset = "submission.csv"
    runtime: str | Unset = "default"
    limits: Limits | Unset = UNSET
    daily_quota: int | Unset = 5
    smoke_daily_quota: int | Unset = 10
    cpu_hours_budget: float | None | Unset = UNSET
    gpu_hours_budget: float | None | Unset = UNSET
    show_logs: bool | Unset = True
    requires_approval: bool | Unset = False
    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    extra_metrics: list[str] | Unset = UNSET
    final_count: int | Unset = 2
    rank_host_submissions: bool | Unset = False
    participants_download_own: bool | Unset = False
    model_source: CompetitionCreateModelSource | Unset = (
        CompetitionCreateModelSource.UPLOAD
    )

    def to_dict(self) -> dict[str, Any]:
        slug = self.slug

        title = self.title

        metric = self.metric

        id_column = self.id_column

        target_columns = self.target_columns

        description = self.description

        rules = self.rules

        predictions_filename = self.predictions_filename

        runtime = self.runtime

        limits: dict[str, Any] | Unset = UNSET
        if not isinstance(self.limits, Unset):
            limits = self.limits.to_dict()

        daily_quota = self.daily_quota

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

        show_logs = self.show_logs

        requires_approval = self.requires_approval

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

        extra_metrics: list[str] | Unset = UNSET
        if not isinstance(self.extra_metrics, Unset):
            extra_metrics = self.extra_metrics

        final_count = self.final_count

        rank_host_submissions = self.rank_host_submissions

        participants_download_own = self.participants_download_own

        model_source: str | Unset = UNSET
        if not isinstance(self.model_source, Unset):
            model_source = self.model_source.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "slug": slug,
                "title": title,
                "metric": metric,
                "id_column": id_column,
                "target_columns": target_columns,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if rules is not UNSET:
            field_dict["rules"] = rules
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
        if requires_approval is not UNSET:
            field_dict["requires_approval"] = requires_approval
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if extra_metrics is not UNSET:
            field_dict["extra_metrics"] = extra_metrics
        if final_count is not UNSET:
            field_dict["final_count"] = final_count
        if rank_host_submissions is not UNSET:
            field_dict["rank_host_submissions"] = rank_host_submissions
        if participants_download_own is not UNSET:
            field_dict["participants_download_own"] = participants_download_own
        if model_source is not UNSET:
            field_dict["model_source"] = model_source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.limits import Limits

        d = dict(src_dict)
        slug = d.pop("slug")

        title = d.pop("title")

        metric = d.pop("metric")

        id_column = d.pop("id_column")

        target_columns = cast(list[str], d.pop("target_columns"))

        description = d.pop("description", UNSET)

        rules = d.pop("rules", UNSET)

        predictions_filename = d.pop("predictions_filename", UNSET)

        runtime = d.pop("runtime", UNSET)

        _limits = d.pop("limits", UNSET)
        limits: Limits | Unset
        if isinstance(_limits, Unset):
            limits = UNSET
        else:
            limits = Limits.from_dict(_limits)

        daily_quota = d.pop("daily_quota", UNSET)

        smoke_daily_quota = d.pop("smoke_daily_quota", UNSET)

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

        show_logs = d.pop("show_logs", UNSET)

        requires_approval = d.pop("requires_approval", UNSET)

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

        extra_metrics = cast(list[str], d.pop("extra_metrics", UNSET))

        final_count = d.pop("final_count", UNSET)

        rank_host_submissions = d.pop("rank_host_submissions", UNSET)

        participants_download_own = d.pop("participants_download_own", UNSET)

        _model_source = d.pop("model_source", UNSET)
        model_source: CompetitionCreateModelSource | Unset
        if isinstance(_model_source, Unset):
            model_source = UNSET
        else:
            model_source = CompetitionCreateModelSource(_model_source)

        competition_create = cls(
            slug=slug,
            title=title,
            metric=metric,
            id_column=id_column,
            target_columns=target_columns,
            description=description,
            rules=rules,
            predictions_filename=predictions_filename,
            runtime=runtime,
            limits=limits,
            daily_quota=daily_quota,
            smoke_daily_quota=smoke_daily_quota,
            cpu_hours_budget=cpu_hours_budget,
            gpu_hours_budget=gpu_hours_budget,
            show_logs=show_logs,
            requires_approval=requires_approval,
            opens_at=opens_at,
            closes_at=closes_at,
            extra_metrics=extra_metrics,
            final_count=final_count,
            rank_host_submissions=rank_host_submissions,
            participants_download_own=participants_download_own,
            model_source=model_source,
        )

        return competition_create
