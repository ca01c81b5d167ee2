from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stage_read_feed_type_0 import StageReadFeedType0
from ..models.stage_read_kind import StageReadKind

if TYPE_CHECKING:
    from ..models.data_file_read import DataFileRead
    from ..models.limits import Limits
    from ..models.score_column import ScoreColumn


T = TypeVar("T", bound="StageRead")


@_attrs_define
class StageRead:
    """
    Attributes:
        position (int): 1, 2, ...: the order stages run in.
        id (UUID): The stage's id (the first stage's is the competition's).
        name (str):
        opens_at (datetime.datetime | None):
        closes_at (datetime.datetime | None):
        accepts_submissions (bool): False: an evaluation-only stage, which runs only what it is fed.
        feed (None | StageReadFeedType0): What of the previous stage this stage re-runs when it opens: `finals` (each
            team's selected final submissions), `all` (every successful one) or null (nothing).
        kind (StageReadKind): `inference` (runs write predictions, which are scored) or `training` (runs see the stage's
            data, the training features and labels, at /code_execution/data, write a model to /code_execution/model for the
            next stage, and are not scored). Needs `model_source` `platform` or `upload_or_platform`.
        is_open (bool): Whether participants may upload now: the stage is open (its schedule) and takes submissions.
        metric (str): The ranking column's key (its catalog metric without `columns`).
        columns (list[ScoreColumn]): The board columns in ranking order (the first ranks).
        higher_is_better (bool): The ranking column's direction.
        extra_metrics (list[str]):
        runtime (str):
        limits (Limits): What one run may use; enforced by the executor. The upper bounds are the
            gateway's settings (``HOLDOUT_MAX_RUN_*``: the largest run machine).
        daily_quota (int):
        smoke_daily_quota (int):
        cpu_hours_budget (float | None): Each team's CPU-hours in the stage (null: no cap).
        gpu_hours_budget (float | None): Each team's GPU-hours in the stage (null: no cap).
        show_logs (bool):
        has_scoring_program (bool):
        data_version (int):
        data_files (list[DataFileRead]):
        labels_version (int | None):
        smoke_data_version (int):
        smoke_data_files (list[DataFileRead]):
        smoke_labels_version (int | None):
        opened_at (datetime.datetime | None): When the stage clock saw it open (null: not yet).
        closed_at (datetime.datetime | None): When the stage clock saw it close (null: not yet).
    """

    position: int
    id: UUID
    name: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    accepts_submissions: bool
    feed: None | StageReadFeedType0
    kind: StageReadKind
    is_open: bool
    metric: str
    columns: list[ScoreColumn]
    higher_is_better: bool
    extra_metrics: list[str]
    runtime: str
    limits: Limits
    daily_quota: int
    smoke_daily_quota: int
    cpu_hours_budget: float | None
    gpu_hours_budget: float | None
    show_logs: bool
    has_scoring_program: bool
    data_version: int
    data_files: list[DataFileRead]
    labels_version: int | None
    smoke_data_version: int
    smoke_data_files: list[DataFileRead]
    smoke_labels_version: int | None
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        id = str(self.id)

        name = self.name

        opens_at: None | str
        if isinstance(self.opens_at, datetime.datetime):
            opens_at = self.opens_at.isoformat()
        else:
            opens_at = self.opens_at

        closes_at: None | str
        if isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        accepts_submissions = self.accepts_submissions

        feed: None | str
        if isinstance(self.feed, StageReadFeedType0):
            feed = self.feed.value
        else:
            feed = self.feed

        kind = self.kind.value

        is_open = self.is_open

        metric = self.metric

        columns = []
        for columns_item_data in self.columns:
            columns_item = columns_item_data.to_dict()
            columns.append(columns_item)

        higher_is_better = self.higher_is_better

        extra_metrics = self.extra_metrics

        runtime = self.runtime

        limits = self.limits.to_dict()

        daily_quota = self.daily_quota

        smoke_daily_quota = self.smoke_daily_quota

        cpu_hours_budget: float | None
        cpu_hours_budget = self.cpu_hours_budget

        gpu_hours_budget: float | None
        gpu_hours_budget = self.gpu_hours_budget

        show_logs = self.show_logs

        has_scoring_program = self.has_scoring_program

        data_version = self.data_version

        data_files = []
        for data_files_item_data in self.data_files:
            data_files_item = data_files_item_data.to_dict()
            data_files.append(data_files_item)

        labels_version: int | None
        labels_version = self.labels_version

        smoke_data_version = self.smoke_data_version

        smoke_data_files = []
        for smoke_data_files_item_data in self.smoke_data_files:
            smoke_data_files_item = smoke_data_files_item_data.to_dict()
            smoke_data_files.append(smoke_data_files_item)

        smoke_labels_version: int | None
        smoke_labels_version = self.smoke_labels_version

        opened_at: None | str
        if isinstance(self.opened_at, datetime.datetime):
            opened_at = self.opened_at.isoformat()
        else:
            opened_at = self.opened_at

        closed_at: None | str
        if isinstance(self.closed_at, datetime.datetime):
            closed_at = self.closed_at.isoformat()
        else:
            closed_at = self.closed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "id": id,
                "name": name,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "accepts_submissions": accepts_submissions,
                "feed": feed,
                "kind": kind,
                "is_open": is_open,
                "metric": metric,
                "columns": columns,
                "higher_is_better": higher_is_better,
                "extra_metrics": extra_metrics,
                "runtime": runtime,
                "limits": limits,
                "daily_quota": daily_quota,
                "smoke_daily_quota": smoke_daily_quota,
                "cpu_hours_budget": cpu_hours_budget,
                "gpu_hours_budget": gpu_hours_budget,
                "show_logs": show_logs,
                "has_scoring_program": has_scoring_program,
                "data_version": data_version,
                "data_files": data_files,
                "labels_version": labels_version,
                "smoke_data_version": smoke_data_version,
                "smoke_data_files": smoke_data_files,
                "smoke_labels_version": smoke_labels_version,
                "opened_at": opened_at,
                "closed_at": closed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.data_file_read import DataFileRead
        from ..models.limits import Limits
        from ..models.score_column import ScoreColumn

        d = dict(src_dict)
        position = d.pop("position")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        def _parse_opens_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opens_at_type_0 = datetime.datetime.fromisoformat(data)

                return opens_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        opens_at = _parse_opens_at(d.pop("opens_at"))

        def _parse_closes_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_0 = datetime.datetime.fromisoformat(data)

                return closes_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        closes_at = _parse_closes_at(d.pop("closes_at"))

        accepts_submissions = d.pop("accepts_submissions")

        def _parse_feed(data: object) -> None | StageReadFeedType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                feed_type_0 = StageReadFeedType0(data)

                return feed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StageReadFeedType0, data)

        feed = _parse_feed(d.pop("feed"))

        kind = StageReadKind(d.pop("kind"))

        is_open = d.pop("is_open")

        metric = d.pop("metric")

        columns = []
        _columns = d.pop("columns")
        for columns_item_data in _columns:
            columns_item = ScoreColumn.from_dict(columns_item_data)

            columns.append(columns_item)

        higher_is_better = d.pop("higher_is_better")

        extra_metrics = cast(list[str], d.pop("extra_metrics"))

        runtime = d.pop("runtime")

        limits = Limits.from_dict(d.pop("limits"))

        daily_quota = d.pop("daily_quota")

        smoke_daily_quota = d.pop("smoke_daily_quota")

        def _parse_cpu_hours_budget(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        cpu_hours_budget = _parse_cpu_hours_budget(d.pop("cpu_hours_budget"))

        def _parse_gpu_hours_budget(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        gpu_hours_budget = _parse_gpu_hours_budget(d.pop("gpu_hours_budget"))

        show_logs = d.pop("show_logs")

        has_scoring_program = d.pop("has_scoring_program")

        data_version = d.pop("data_version")

        data_files = []
        _data_files = d.pop("data_files")
        for data_files_item_data in _data_files:
            data_files_item = DataFileRead.from_dict(data_files_item_data)

            data_files.append(data_files_item)

        def _parse_labels_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        labels_version = _parse_labels_version(d.pop("labels_version"))

        smoke_data_version = d.pop("smoke_data_version")

        smoke_data_files = []
        _smoke_data_files = d.pop("smoke_data_files")
        for smoke_data_files_item_data in _smoke_data_files:
            smoke_data_files_item = DataFileRead.from_dict(smoke_data_files_item_data)

            smoke_data_files.append(smoke_data_files_item)

        def _parse_smoke_labels_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        smoke_labels_version = _parse_smoke_labels_version(
            d.pop("smoke_labels_version")
        )

        def _parse_opened_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opened_at_type_0 = datetime.datetime.fromisoformat(data)

                return opened_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        opened_at = _parse_opened_at(d.pop("opened_at"))

        def _parse_closed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closed_at_type_0 = datetime.datetime.fromisoformat(data)

                return closed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        closed_at = _parse_closed_at(d.pop("closed_at"))

        stage_read = cls(
            position=position,
            id=id,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            accepts_submissions=accepts_submissions,
            feed=feed,
            kind=kind,
            is_open=is_open,
            metric=metric,
            columns=columns,
            higher_is_better=higher_is_better,
            extra_metrics=extra_metrics,
            runtime=runtime,
            limits=limits,
            daily_quota=daily_quota,
            smoke_daily_quota=smoke_daily_quota,
            cpu_hours_budget=cpu_hours_budget,
            gpu_hours_budget=gpu_hours_budget,
            show_logs=show_logs,
            has_scoring_program=has_scoring_program,
            data_version=data_version,
            data_files=data_files,
            labels_version=labels_version,
            smoke_data_version=smoke_data_version,
            smoke_data_files=smoke_data_files,
            smoke_labels_version=smoke_labels_version,
            opened_at=opened_at,
            closed_at=closed_at,
        )

        stage_read.additional_properties = d
        return stage_read

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
