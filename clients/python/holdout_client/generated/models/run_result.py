from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.failure_reason import FailureReason
from ..models.submission_status import SubmissionStatus
from ..types import UNSET, Unset

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
        model_sha256 (None | str | Unset): A training run's model: the sha256 of the zip it left (its files, sorted and
            undated, so the same files give the same digest); null for an inference run, or a run that left none.
        model_size_bytes (int | None | Unset): The size of that model zip.
    """

    submission_id: UUID
    status: SubmissionStatus
    failure_reason: FailureReason | None
    detail: str
    public_scores: RunResultPublicScores
    private_scores: RunResultPrivateScores
    resources: None | Resources
    created_at: datetime.datetime
    model_sha256: None | str | Unset = UNSET
    model_size_bytes: int | None | Unset = UNSET
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

        model_sha256: None | str | Unset
        if isinstance(self.model_sha256, Unset):
            model_sha256 = UNSET
        else:
            model_sha256 = self.model_sha256

        model_size_bytes: int | None | Unset
        if isinstance(self.model_size_bytes, Unset):
            model_size_bytes = UNSET
        else:
            model_size_bytes = self.model_size_bytes

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
        if model_sha256 is not UNSET:
            field_dict["model_sha256"] = model_sha256
        if model_size_bytes is not UNSET:
            field_dict["model_size_bytes"] = model_size_bytes

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

        def _parse_model_sha256(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_sha256 = _parse_model_sha256(d.pop("model_sha256", UNSET))

        def _parse_model_size_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        model_size_bytes = _parse_model_size_bytes(d.pop("model_size_bytes", UNSET))

        run_result = cls(
            submission_id=submission_id,
            status=status,
            failure_reason=failure_reason,
            detail=detail,
            public_scores=public_scores,
            private_scores=private_scores,
            resources=resources,
            created_at=created_at,
            model_sha256=model_sha256,
            model_size_bytes=model_size_bytes,
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
