from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.failure_reason import FailureReason
from ..models.submission_status import SubmissionStatus

if TYPE_CHECKING:
    from ..models.resources import Resources
    from ..models.run_result_private_scores import RunResultPrivateScores
    from ..models.run_result_public_scores import RunResultPublicScores


T = TypeVar("T", bound="RunResult")


@_attrs_define
class RunResult:
    """One run: the original or a re-run, with every score it got and what it used.

    Attributes:
        submission_id (UUID):
        status (SubmissionStatus):
        failure_reason (FailureReason | None):
        detail (str):
        public_scores (RunResultPublicScores): Every board column's public score, by key.
        private_scores (RunResultPrivateScores): Every board column's private score, by key.
        resources (None | Resources):
        created_at (datetime.datetime):
    """

    submission_id: UUID
    status: SubmissionStatus
    failure_reason: FailureReason | None
    detail: str
    public_scores: RunResultPublicScores
    private_scores: RunResultPrivateScores
    resources: None | Resources
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.resources import Resources

        submission_id = str(self.submission_id)

        status = self.status.value

        failure_reason: None | str
        if isinstance(self.failure_reason, FailureReason):
            failure_reason = self.failure_reason.value
        else:
            failure_reason = self.failure_reason

        detail = self.detail

        public_scores = self.public_scores.to_dict()

        private_scores = self.private_scores.to_dict()

        resources: dict[str, Any] | None
        if isinstance(self.resources, Resources):
            resources = self.resources.to_dict()
        else:
            resources = self.resources

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "submission_id": submission_id,
                "status": status,
                "failure_reason": failure_reason,
                "detail": detail,
                "public_scores": public_scores,
                "private_scores": private_scores,
                "resources": resources,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.resources import Resources
        from ..models.run_result_private_scores import RunResultPrivateScores
        from ..models.run_result_public_scores import RunResultPublicScores

        d = dict(src_dict)
        submission_id = UUID(d.pop("submission_id"))

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

        public_scores = RunResultPublicScores.from_dict(d.pop("public_scores"))

        private_scores = RunResultPrivateScores.from_dict(d.pop("private_scores"))

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

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        run_result = cls(
            submission_id=submission_id,
            status=status,
            failure_reason=failure_reason,
            detail=detail,
            public_scores=public_scores,
            private_scores=private_scores,
            resources=resources,
            created_at=created_at,
        )

        run_result.additional_properties = d
        return run_result

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
