from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FinalSelectionRead")


@_attrs_define
class FinalSelectionRead:
    """
    Attributes:
        team_id (UUID):
        stage_id (UUID): The stage these finals are for (the first stage's id is the competition's).
        stage_position (int): That stage's position (1 for the first).
        submission_ids (list[UUID]):
        final_count (int):
        default (bool): True when nothing is selected: the best final_count public scores count.
    """

    team_id: UUID
    stage_id: UUID
    stage_position: int
    submission_ids: list[UUID]
    final_count: int
    default: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team_id = str(self.team_id)

        stage_id = str(self.stage_id)

        stage_position = self.stage_position

        submission_ids = []
        for submission_ids_item_data in self.submission_ids:
            submission_ids_item = str(submission_ids_item_data)
            submission_ids.append(submission_ids_item)

        final_count = self.final_count

        default = self.default

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team_id": team_id,
                "stage_id": stage_id,
                "stage_position": stage_position,
                "submission_ids": submission_ids,
                "final_count": final_count,
                "default": default,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        team_id = UUID(d.pop("team_id"))

        stage_id = UUID(d.pop("stage_id"))

        stage_position = d.pop("stage_position")

        submission_ids = []
        _submission_ids = d.pop("submission_ids")
        for submission_ids_item_data in _submission_ids:
            submission_ids_item = UUID(submission_ids_item_data)

            submission_ids.append(submission_ids_item)

        final_count = d.pop("final_count")

        default = d.pop("default")

        final_selection_read = cls(
            team_id=team_id,
            stage_id=stage_id,
            stage_position=stage_position,
            submission_ids=submission_ids,
            final_count=final_count,
            default=default,
        )

        final_selection_read.additional_properties = d
        return final_selection_read

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
