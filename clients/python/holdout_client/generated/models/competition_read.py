from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.competition_read_model_source import CompetitionReadModelSource

if TYPE_CHECKING:
    from ..models.data_file_read import DataFileRead
    from ..models.limits import Limits
    from ..models.participant_file_read import ParticipantFileRead
    from ..models.stage_summary import StageSummary


T = TypeVar("T", bound="CompetitionRead")


@_attrs_define
class CompetitionRead:
    """
    Attributes:
        id (UUID):
        slug (str):
        title (str):
        description (str): The overview participants read first (Markdown; shown as text, never as raw HTML).
        rules (str): The rules participants accept before taking part (Markdown; shown as text, never as raw HTML).
        rules_version (int): Bumps each time the rules text changes.
        rules_accepted (bool | None): Whether you may take part under the current rules: you accepted this version, or
            need not (the host, administrators). `null` when anonymous.
        participant_files (list[ParticipantFileRead]): What participants download (after accepting the rules).
        smoke_sample_available (bool): Whether the smoke sample (features and labels) can be downloaded, packaged for
            `holdout test-submission`.
        metric (str):
        higher_is_better (bool):
        id_column (str):
        target_columns (list[str]):
        predictions_filename (str):
        runtime (str):
        runtime_digest (None | str): The runtime's version the competition is pinned to: `sha256:` of its lock (`GET
            /api/v1/runtimes/{name}`), recorded when the runtime was set; null when its lock could not be read then. Changes
            are listed at `GET .../runtime/changes`.
        limits (Limits): What one run may use; enforced by the executor. The upper bounds are the
            gateway's settings (``HOLDOUT_MAX_RUN_*``: the largest run machine).
        daily_quota (int):
        smoke_daily_quota (int):
        cpu_hours_budget (float | None): The first stage's CPU-hours per team (null: no cap).
        gpu_hours_budget (float | None): The first stage's GPU-hours per team (null: no cap).
        show_logs (bool):
        opens_at (datetime.datetime | None):
        closes_at (datetime.datetime | None):
        host_id (UUID):
        data_version (int):
        data_files (list[DataFileRead]):
        labels_version (int | None):
        smoke_data_version (int):
        smoke_data_files (list[DataFileRead]):
        smoke_labels_version (int | None):
        extra_metrics (list[str]):
        final_count (int):
        rank_host_submissions (bool):
        requires_approval (bool): Whether the host approves each team before it may submit (GET
            .../teams?approval=pending, POST .../teams/{team}/approval); the host's and admins' teams are approved when
            made.
        participants_download_own (bool): Whether a team may download its own submissions' zips and predictions.
        model_source (CompetitionReadModelSource): Where inference runs take their model from: `upload` (only what the
            zip ships), `platform` (only the model the team's latest successful run of the previous, training stage left, at
            /code_execution/model; a zip that ships model files is refused), or `upload_or_platform` (the zip's, and the
            trained model at /code_execution/model when the team has one). A competition with a training stage cannot be
            `upload`.
        is_open (bool): Whether participants may submit now: a stage that takes uploads is open.
        stages (list[StageSummary]): Every stage in order; the competition's own settings above are the first stage's.
        current_stage (int | None): The position of the stage open now (which may be evaluation-only), or null.
        revealed_at (datetime.datetime | None):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    id: UUID
    slug: str
    title: str
    description: str
    rules: str
    rules_version: int
    rules_accepted: bool | None
    participant_files: list[ParticipantFileRead]
    smoke_sample_available: bool
    metric: str
    higher_is_better: bool
    id_column: str
    target_columns: list[str]
    predictions_filename: str
    runtime: str
    runtime_digest: None | str
    limits: Limits
    daily_quota: int
    smoke_daily_quota: int
    cpu_hours_budget: float | None
    gpu_hours_budget: float | None
    show_logs: bool
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    host_id: UUID
    data_version: int
    data_files: list[DataFileRead]
    labels_version: int | None
    smoke_data_version: int
    smoke_data_files: list[DataFileRead]
    smoke_labels_version: int | None
    extra_metrics: list[str]
    final_count: int
    rank_host_submissions: bool
    requires_approval: bool
    participants_download_own: bool
    model_source: CompetitionReadModelSource
    is_open: bool
    stages: list[StageSummary]
    current_stage: int | None
    revealed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        slug = self.slug

        title = self.title

        description = self.description

        rules = self.rules

        rules_version = self.rules_version

        rules_accepted: bool | None
        rules_accepted = self.rules_accepted

        participant_files = []
        for participant_files_item_data in self.participant_files:
            participant_files_item = participant_files_item_data.to_dict()
            participant_files.append(participant_files_item)

        smoke_sample_available = self.smoke_sample_available

        metric = self.metric

        higher_is_better = self.higher_is_better

        id_column = self.id_column

        target_columns = self.target_columns

        predictions_filename = self.predictions_filename

        runtime = self.runtime

        runtime_digest: None | str
        runtime_digest = self.runtime_digest

        limits = self.limits.to_dict()

        daily_quota = self.daily_quota

        smoke_daily_quota = self.smoke_daily_quota

        cpu_hours_budget: float | None
        cpu_hours_budget = self.cpu_hours_budget

        gpu_hours_budget: float | None
        gpu_hours_budget = self.gpu_hours_budget

        show_logs = self.show_logs

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

        host_id = str(self.host_id)

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

        extra_metrics = self.extra_metrics

        final_count = self.final_count

        rank_host_submissions = self.rank_host_submissions

        requires_approval = self.requires_approval

        participants_download_own = self.participants_download_own

        model_source = self.model_source.value

        is_open = self.is_open

        stages = []
        for stages_item_data in self.stages:
            stages_item = stages_item_data.to_dict()
            stages.append(stages_item)

        current_stage: int | None
        current_stage = self.current_stage

        revealed_at: None | str
        if isinstance(self.revealed_at, datetime.datetime):
            revealed_at = self.revealed_at.isoformat()
        else:
            revealed_at = self.revealed_at

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "slug": slug,
                "title": title,
                "description": description,
                "rules": rules,
                "rules_version": rules_version,
                "rules_accepted": rules_accepted,
                "participant_files": participant_files,
                "smoke_sample_available": smoke_sample_available,
                "metric": metric,
                "higher_is_better": higher_is_better,
                "id_column": id_column,
                "target_columns": target_columns,
                "predictions_filename": predictions_filename,
                "runtime": runtime,
                "runtime_digest": runtime_digest,
                "limits": limits,
                "daily_quota": daily_quota,
                "smoke_daily_quota": smoke_daily_quota,
                "cpu_hours_budget": cpu_hours_budget,
                "gpu_hours_budget": gpu_hours_budget,
                "show_logs": show_logs,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "host_id": host_id,
                "data_version": data_version,
                "data_files": data_files,
                "labels_version": labels_version,
                "smoke_data_version": smoke_data_version,
                "smoke_data_files": smoke_data_files,
                "smoke_labels_version": smoke_labels_version,
                "extra_metrics": extra_metrics,
                "final_count": final_count,
                "rank_host_submissions": rank_host_submissions,
                "requires_approval": requires_approval,
                "participants_download_own": participants_download_own,
                "model_source": model_source,
                "is_open": is_open,
                "stages": stages,
                "current_stage": current_stage,
                "revealed_at": revealed_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.data_file_read import DataFileRead
        from ..models.limits import Limits
        from ..models.participant_file_read import ParticipantFileRead
        from ..models.stage_summary import StageSummary

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        slug = d.pop("slug")

        title = d.pop("title")

        description = d.pop("description")

        rules = d.pop("rules")

        rules_version = d.pop("rules_version")

        def _parse_rules_accepted(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        rules_accepted = _parse_rules_accepted(d.pop("rules_accepted"))

        participant_files = []
        _participant_files = d.pop("participant_files")
        for participant_files_item_data in _participant_files:
            participant_files_item = ParticipantFileRead.from_dict(
                participant_files_item_data
            )

            participant_files.append(participant_files_item)

        smoke_sample_available = d.pop("smoke_sample_available")

        metric = d.pop("metric")

        higher_is_better = d.pop("higher_is_better")

        id_column = d.pop("id_column")

        target_columns = cast(list[str], d.pop("target_columns"))

        predictions_filename = d.pop("predictions_filename")

        runtime = d.pop("runtime")

        def _parse_runtime_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        runtime_digest = _parse_runtime_digest(d.pop("runtime_digest"))

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

        host_id = UUID(d.pop("host_id"))

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

        extra_metrics = cast(list[str], d.pop("extra_metrics"))

        final_count = d.pop("final_count")

        rank_host_submissions = d.pop("rank_host_submissions")

        requires_approval = d.pop("requires_approval")

        participants_download_own = d.pop("participants_download_own")

        model_source = CompetitionReadModelSource(d.pop("model_source"))

        is_open = d.pop("is_open")

        stages = []
        _stages = d.pop("stages")
        for stages_item_data in _stages:
            stages_item = StageSummary.from_dict(stages_item_data)

            stages.append(stages_item)

        def _parse_current_stage(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        current_stage = _parse_current_stage(d.pop("current_stage"))

        def _parse_revealed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revealed_at_type_0 = datetime.datetime.fromisoformat(data)

                return revealed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revealed_at = _parse_revealed_at(d.pop("revealed_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        competition_read = cls(
            id=id,
            slug=slug,
            title=title,
            description=description,
            rules=rules,
            rules_version=rules_version,
            rules_accepted=rules_accepted,
            participant_files=participant_files,
            smoke_sample_available=smoke_sample_available,
            metric=metric,
            higher_is_better=higher_is_better,
            id_column=id_column,
            target_columns=target_columns,
            predictions_filename=predictions_filename,
            runtime=runtime,
            runtime_digest=runtime_digest,
            limits=limits,
            daily_quota=daily_quota,
            smoke_daily_quota=smoke_daily_quota,
            cpu_hours_budget=cpu_hours_budget,
            gpu_hours_budget=gpu_hours_budget,
            show_logs=show_logs,
            opens_at=opens_at,
            closes_at=closes_at,
            host_id=host_id,
            data_version=data_version,
            data_files=data_files,
            labels_version=labels_version,
            smoke_data_version=smoke_data_version,
            smoke_data_files=smoke_data_files,
            smoke_labels_version=smoke_labels_version,
            extra_metrics=extra_metrics,
            final_count=final_count,
            rank_host_submissions=rank_host_submissions,
            requires_approval=requires_approval,
            participants_download_own=participants_download_own,
            model_source=model_source,
            is_open=is_open,
            stages=stages,
            current_stage=current_stage,
            revealed_at=revealed_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        competition_read.additional_properties = d
        return competition_read

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
