from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.failure_reason import FailureReason
from ..models.submission_read_purpose import SubmissionReadPurpose
from ..models.submission_status import SubmissionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.queue_position import QueuePosition
    from ..models.resources import Resources


T = TypeVar("T", bound="SubmissionRead")


@_attrs_define
class SubmissionRead:
    """
    Attributes:
        id (UUID):
        competition_id (UUID):
        stage_id (UUID): The stage it was made in (the first stage's id is the competition's).
        stage_position (int): That stage's position (1 is the first).
        rerun_of (None | UUID): A stage's automatic re-run of this earlier submission (charged to no quota), or null.
        team_id (UUID):
        team_name (str):
        status (SubmissionStatus):
        failure_reason (FailureReason | None):
        detail (str):
        exit_code (int | None):
        public_score (float | None):
        is_smoke (bool):
        sha256 (str):
        size_bytes (int):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        purpose (SubmissionReadPurpose | Unset): `reproduce`: a host's re-run of `rerun_of` to check that it reproduces
            (off every board and quota, shown to the host only). Default: SubmissionReadPurpose.COMPETE.
        resources (None | Resources | Unset):
        started_at (datetime.datetime | None | Unset):
        queue (None | QueuePosition | Unset): Its place in the queue while it is queued (null otherwise, and while the
            queue cannot be read).
        model_from (None | Unset | UUID): An inference run given a model trained on Holdout: the training submission (of
            the previous, training stage) whose model it read at /code_execution/model; else null.
    """

    id: UUID
    competition_id: UUID
    stage_id: UUID
    stage_position: int
    rerun_of: None | UUID
    team_id: UUID
    team_name: str
    status: SubmissionStatus
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    public_score: float | None
    is_smoke: bool
    sha256: str
    size_bytes: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    purpose: SubmissionReadPurpose | Unset = SubmissionReadPurpose.COMPETE
    resources: None | Resources | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    queue: None | QueuePosition | Unset = UNSET
    model_from: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.queue_position import QueuePosition
        from ..models.resources import Resources

        id = str(self.id)

        competition_id = str(self.competition_id)

        stage_id = str(self.stage_id)

        stage_position = self.stage_position

        rerun_of: None | str
        if isinstance(self.rerun_of, UUID):
            rerun_of = str(self.rerun_of)
        else:
            rerun_of = self.rerun_of

        team_id = str(self.team_id)

        team_name = self.team_name

        status = self.status.value

        failure_reason: None | str
        if isinstance(self.failure_reason, FailureReason):
            failure_reason = self.failure_reason.value
        else:
            failure_reason = self.failure_reason

        detail = self.detail

        exit_code: int | None
        exit_code = self.exit_code

        public_score: float | None
        public_score = self.public_score

        is_smoke = self.is_smoke

        sha256 = self.sha256

        size_bytes = self.size_bytes

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        purpose: str | Unset = UNSET
        if not isinstance(self.purpose, Unset):
            purpose = self.purpose.value

        resources: dict[str, Any] | None | Unset
        if isinstance(self.resources, Unset):
            resources = UNSET
        elif isinstance(self.resources, Resources):
            resources = self.resources.to_dict()
        else:
            resources = self.resources

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        queue: dict[str, Any] | None | Unset
        if isinstance(self.queue, Unset):
            queue = UNSET
        elif isinstance(self.queue, QueuePosition):
            queue = self.queue.to_dict()
        else:
            queue = self.queue

        model_from: None | str | Unset
        if isinstance(self.model_from, Unset):
            model_from = UNSET
        elif isinstance(self.model_from, UUID):
            model_from = str(self.model_from)
        else:
            model_from = self.model_from

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "competition_id": competition_id,
                "stage_id": stage_id,
                "stage_position": stage_position,
                "rerun_of": rerun_of,
                "team_id": team_id,
                "team_name": team_name,
                "status": status,
                "failure_reason": failure_reason,
                "detail": detail,
                "exit_code": exit_code,
                "public_score": public_score,
                "is_smoke": is_smoke,
                "sha256": sha256,
                "size_bytes": size_bytes,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if purpose is not UNSET:
            field_dict["purpose"] = purpose
        if resources is not UNSET:
            field_dict["resources"] = resources
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if queue is not UNSET:
            field_dict["queue"] = queue
        if model_from is not UNSET:
            field_dict["model_from"] = model_from

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.queue_position import QueuePosition
        from ..models.resources import Resources

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        competition_id = UUID(d.pop("competition_id"))

        stage_id = UUID(d.pop("stage_id"))

        stage_position = d.pop("stage_position")

        def _parse_rerun_of(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                rerun_of_type_0 = UUID(data)

                return rerun_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        rerun_of = _parse_rerun_of(d.pop("rerun_of"))

        team_id = UUID(d.pop("team_id"))

        team_name = d.pop("team_name")

        status = SubmissionStatus(d.pop("status"))

        def _parse_failure_reason(data: object) -> FailureReason | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failure_reason_type_0 = FailureReason(data)

                return failure_reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FailureReason | None, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        detail = d.pop("detail")

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        def _parse_public_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        public_score = _parse_public_score(d.pop("public_score"))

        is_smoke = d.pop("is_smoke")

        sha256 = d.pop("sha256")

        size_bytes = d.pop("size_bytes")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _purpose = d.pop("purpose", UNSET)
        purpose: SubmissionReadPurpose | Unset
        if isinstance(_purpose, Unset):
            purpose = UNSET
        else:
            purpose = SubmissionReadPurpose(_purpose)

        def _parse_resources(data: object) -> None | Resources | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                resources_type_0 = Resources.from_dict(data)

                return resources_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Resources | Unset, data)

        resources = _parse_resources(d.pop("resources", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_queue(data: object) -> None | QueuePosition | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                queue_type_0 = QueuePosition.from_dict(data)

                return queue_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QueuePosition | Unset, data)

        queue = _parse_queue(d.pop("queue", UNSET))

        def _parse_model_from(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                model_from_type_0 = UUID(data)

                return model_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        model_from = _parse_model_from(d.pop("model_from", UNSET))

        submission_read = cls(
            id=id,
            competition_id=competition_id,
            stage_id=stage_id,
            stage_position=stage_position,
            rerun_of=rerun_of,
            team_id=team_id,
            team_name=team_name,
            status=status,
            failure_reason=failure_reason,
            detail=detail,
            exit_code=exit_code,
            public_score=public_score,
            is_smoke=is_smoke,
            sha256=sha256,
            size_bytes=size_bytes,
            created_at=created_at,
            updated_at=updated_at,
            purpose=purpose,
            resources=resources,
            started_at=started_at,
            queue=queue,
            model_from=model_from,
        )

        submission_read.additional_properties = d
        return submission_read

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
