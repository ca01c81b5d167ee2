from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.submission_status import SubmissionStatus

if TYPE_CHECKING:
    from ..models.resources import Resources


T = TypeVar("T", bound="ExecutionRecord")


@_attrs_define
class ExecutionRecord:
    """What a submission's run ran on and used: enough for a host to re-run it the same way.

    Attributes:
        submission_id (UUID):
        status (SubmissionStatus):
        runtime (None | str): The runtime's name (null until the run finished).
        runtime_digest (None | str): A content digest of the runtime it ran in: `sha256:...` of a local runtime's locked
            environment, or the container image's digest (its reference where the cluster reported none).
        pinned_runtime_digest (None | str): The runtime version the competition is pinned to now, for a run of its first
            stage (null otherwise, or when none is pinned): a `runtime_digest` that differs ran in another version.
        machine (None | str): The machine kind (or host) it ran on.
        gpu_used (bool | None): Whether a GPU was given to the run.
        resources (None | Resources): What the run used (null until it finished).
        attempts (int | None): How many times it was started (a platform fault is retried); null if it never was.
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
        sha256 (str): The sha256 of the uploaded zip (the archive download's ETag).
        has_predictions (bool): Whether the run wrote predictions to download.
        has_log (bool): Whether the run's log is stored.
    """

    submission_id: UUID
    status: SubmissionStatus
    runtime: None | str
    runtime_digest: None | str
    pinned_runtime_digest: None | str
    machine: None | str
    gpu_used: bool | None
    resources: None | Resources
    attempts: int | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    sha256: str
    has_predictions: bool
    has_log: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.resources import Resources

        submission_id = str(self.submission_id)

        status = self.status.value

        runtime: None | str
        runtime = self.runtime

        runtime_digest: None | str
        runtime_digest = self.runtime_digest

        pinned_runtime_digest: None | str
        pinned_runtime_digest = self.pinned_runtime_digest

        machine: None | str
        machine = self.machine

        gpu_used: bool | None
        gpu_used = self.gpu_used

        resources: dict[str, Any] | None
        if isinstance(self.resources, Resources):
            resources = self.resources.to_dict()
        else:
            resources = self.resources

        attempts: int | None
        attempts = self.attempts

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        sha256 = self.sha256

        has_predictions = self.has_predictions

        has_log = self.has_log

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "submission_id": submission_id,
                "status": status,
                "runtime": runtime,
                "runtime_digest": runtime_digest,
                "pinned_runtime_digest": pinned_runtime_digest,
                "machine": machine,
                "gpu_used": gpu_used,
                "resources": resources,
                "attempts": attempts,
                "started_at": started_at,
                "finished_at": finished_at,
                "sha256": sha256,
                "has_predictions": has_predictions,
                "has_log": has_log,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.resources import Resources

        d = dict(src_dict)
        submission_id = UUID(d.pop("submission_id"))

        status = SubmissionStatus(d.pop("status"))

        def _parse_runtime(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        runtime = _parse_runtime(d.pop("runtime"))

        def _parse_runtime_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        runtime_digest = _parse_runtime_digest(d.pop("runtime_digest"))

        def _parse_pinned_runtime_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        pinned_runtime_digest = _parse_pinned_runtime_digest(
            d.pop("pinned_runtime_digest")
        )

        def _parse_machine(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        machine = _parse_machine(d.pop("machine"))

        def _parse_gpu_used(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        gpu_used = _parse_gpu_used(d.pop("gpu_used"))

        def _parse_resources(data: object) -> None | Resources:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                resources_type_0 = Resources.from_dict(data)

                return resources_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Resources, data)

        resources = _parse_resources(d.pop("resources"))

        def _parse_attempts(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        attempts = _parse_attempts(d.pop("attempts"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        sha256 = d.pop("sha256")

        has_predictions = d.pop("has_predictions")

        has_log = d.pop("has_log")

        execution_record = cls(
            submission_id=submission_id,
            status=status,
            runtime=runtime,
            runtime_digest=runtime_digest,
            pinned_runtime_digest=pinned_runtime_digest,
            machine=machine,
            gpu_used=gpu_used,
            resources=resources,
            attempts=attempts,
            started_at=started_at,
            finished_at=finished_at,
            sha256=sha256,
            has_predictions=has_predictions,
            has_log=has_log,
        )

        execution_record.additional_properties = d
        return execution_record

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
