from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.reproduction_report import ReproductionReport


T = TypeVar("T", bound="BoardReproductions")


@_attrs_define
class BoardReproductions:
    """The re-runs queued for a board's top entries, best first.

    Attributes:
        stage_id (UUID):
        stage_position (int):
        items (list[ReproductionReport]):
    """

    stage_id: UUID
    stage_position: int
    items: list[ReproductionReport]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stage_id = str(self.stage_id)

        stage_position = self.stage_position

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "stage_id": stage_id,
                "stage_position": stage_position,
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.reproduction_report import ReproductionReport

        d = dict(src_dict)
        stage_id = UUID(d.pop("stage_id"))

        stage_position = d.pop("stage_position")

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = ReproductionReport.from_dict(items_item_data)

            items.append(items_item)

        board_reproductions = cls(
            stage_id=stage_id,
            stage_position=stage_position,
            items=items,
        )

        board_reproductions.additional_properties = d
        return board_reproductions

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
