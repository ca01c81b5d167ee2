from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="FinalSelectionUpdate")


@_attrs_define
class FinalSelectionUpdate:
    """
    Attributes:
        submission_ids (list[UUID]): Up to the competition's final_count scored submissions of your team, all of one
            stage (the selection of that stage is replaced, the other stages' stay); an empty list goes back to the default
            (your best ones on the stage's public board).
    """

    submission_ids: list[UUID]

    def to_dict(self) -> dict[str, Any]:
        submission_ids = []
        for submission_ids_item_data in self.submission_ids:
            submission_ids_item = str(submission_ids_item_data)
            submission_ids.append(submission_ids_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "submission_ids": submission_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        submission_ids = []
        _submission_ids = d.pop("submission_ids")
        for submission_ids_item_data in _submission_ids:
            submission_ids_item = UUID(submission_ids_item_data)

            submission_ids.append(submission_ids_item)

        final_selection_update = cls(
            submission_ids=submission_ids,
        )

        return final_selection_update
