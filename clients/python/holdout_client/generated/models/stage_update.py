from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.stage_update_feed_type_0 import StageUpdateFeedType0
from ..models.stage_update_kind_type_0 import StageUpdateKindType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.limits_patch import LimitsPatch
    from ..models.score_column_body import ScoreColumnBody


T = TypeVar("T", bound="StageUpdate")


@_attrs_define
class StageUpdate:
    """A partial edit: only the fields sent change (``null`` clears ``opens_at``, ``closes_at``,
    ``feed`` and the compute budgets). Stage 1's settings are the competition's own.

        Attributes:
            opens_at (datetime.datetime | None | Unset):
            closes_at (datetime.datetime | None | Unset):
            accepts_submissions (bool | None | Unset):
            feed (None | StageUpdateFeedType0 | Unset): What of the previous stage this stage re-runs when it opens:
                `finals` (each team's selected final submissions), `all` (every successful one) or null (nothing). Stages 2 and
                later only.
            kind (None | StageUpdateKindType0 | Unset): `inference` (runs write predictions, which are scored) or `training`
                (runs see the stage's data, the training features and labels, at /code_execution/data, write a model to
                /code_execution/model for the next stage, and are not scored). Needs `model_source` `platform` or
                `upload_or_platform`.
            metric (None | str | Unset):
            extra_metrics (list[str] | None | Unset):
            columns (list[ScoreColumnBody] | None | Unset): The board columns in ranking order (instead of metric and
                extra_metrics); the stage's metric becomes the first column's key. `[]`: back to metric and extra_metrics.
            limits (LimitsPatch | None | Unset): Only the limits named change.
            daily_quota (int | None | Unset):
            smoke_daily_quota (int | None | Unset):
            cpu_hours_budget (float | None | Unset): Each team's total CPU-hours across the stage's runs (what the runs
                measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
                once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
            gpu_hours_budget (float | None | Unset): Each team's total GPU-hours across the stage's runs (what the runs
                measured; runs that ended in internal_error and the stage's automatic re-runs do not count). A submission made
                once the team has used them is refused (429); a run is never stopped for it. Null: no cap.
            show_logs (bool | None | Unset):
            runtime (None | str | Unset):
            name (None | str | Unset):
    """

    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    accepts_submissions: bool | None | Unset = UNSET
    feed: None | StageUpdateFeedType0 | Unset = UNSET
    kind: None | StageUpdateKindType0 | Unset = UNSET
    metric: None | str | Unset = UNSET
    extra_metrics: list[str] | None | Unset = UNSET
    columns: list[ScoreColumnBody] | None | Unset = UNSET
    limits: LimitsPatch | None | Unset = UNSET
    daily_quota: int | None | Unset = UNSET
    smoke_daily_quota: int | None | Unset = UNSET
    cpu_hours_budget: float | None | Unset = UNSET
    gpu_hours_budget: float | None | Unset = UNSET
    show_logs: bool | None | Unset = UNSET
    runtime: None | str | Unset = UNSET
    name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.limits_patch import LimitsPatch

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

        accepts_submissions: bool | None | Unset
        if isinstance(self.accepts_submissions, Unset):
            accepts_submissions = UNSET
        else:
            accepts_submissions = self.accepts_submissions

        feed: None | str | Unset
        if isinstance(self.feed, Unset):
            feed = UNSET
        elif isinstance(self.feed, StageUpdateFeedType0):
            feed = self.feed.value
        else:
            feed = self.feed

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        elif isinstance(self.kind, StageUpdateKindType0):
            kind = self.kind.value
        else:
            kind = self.kind

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

        columns: list[dict[str, Any]] | None | Unset
        if isinstance(self.columns, Unset):
            columns = UNSET
        elif isinstance(self.columns, list):
            columns = []
            for columns_type_0_item_data in self.columns:
                columns_type_0_item = columns_type_0_item_data.to_dict()
                columns.append(columns_type_0_item)

        else:
            columns = self.columns

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

        runtime: None | str | Unset
        if isinstance(self.runtime, Unset):
            runtime = UNSET
        else:
            runtime = self.runtime

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if accepts_submissions is not UNSET:
            field_dict["accepts_submissions"] = accepts_submissions
        if feed is not UNSET:
            field_dict["feed"] = feed
        if kind is not UNSET:
            field_dict["kind"] = kind
        if metric is not UNSET:
            field_dict["metric"] = metric
        if extra_metrics is not UNSET:
            field_dict["extra_metrics"] = extra_metrics
        if columns is not UNSET:
            field_dict["columns"] = columns
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
        if runtime is not UNSET:
            field_dict["runtime"] = runtime
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.limits_patch import LimitsPatch
        from ..models.score_column_body import ScoreColumnBody

        d = dict(src_dict)

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

        def _parse_accepts_submissions(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        accepts_submissions = _parse_accepts_submissions(
            d.pop("accepts_submissions", UNSET)
        )

        def _parse_feed(data: object) -> None | StageUpdateFeedType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                feed_type_0 = StageUpdateFeedType0(data)

                return feed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StageUpdateFeedType0 | Unset, data)

        feed = _parse_feed(d.pop("feed", UNSET))

        def _parse_kind(data: object) -> None | StageUpdateKindType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kind_type_0 = StageUpdateKindType0(data)

                return kind_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StageUpdateKindType0 | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

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

        def _parse_columns(data: object) -> list[ScoreColumnBody] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                columns_type_0 = []
                _columns_type_0 = data
                for columns_type_0_item_data in _columns_type_0:
                    columns_type_0_item = ScoreColumnBody.from_dict(
                        columns_type_0_item_data
                    )

                    columns_type_0.append(columns_type_0_item)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ScoreColumnBody] | None | Unset, data)

        columns = _parse_columns(d.pop("columns", UNSET))

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

        def _parse_runtime(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        runtime = _parse_runtime(d.pop("runtime", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        stage_update = cls(
            opens_at=opens_at,
            closes_at=closes_at,
            accepts_submissions=accepts_submissions,
            feed=feed,
            kind=kind,
            metric=metric,
            extra_metrics=extra_metrics,
            columns=columns,
            limits=limits,
            daily_quota=daily_quota,
            smoke_daily_quota=smoke_daily_quota,
            cpu_hours_budget=cpu_hours_budget,
            gpu_hours_budget=gpu_hours_budget,
            show_logs=show_logs,
            runtime=runtime,
            name=name,
        )

        return stage_update
