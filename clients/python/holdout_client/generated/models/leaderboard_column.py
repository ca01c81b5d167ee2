from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LeaderboardColumn")


@_attrs_define
class LeaderboardColumn:
    """One column of a stage's boards, in ranking order.

    Attributes:
        key (str):
        higher_is_better (bool):
        precision (int): decimal places to show (the CSV export carries the full value)
    """

    key: str
    higher_is_better: bool
    precision: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        higher_is_better = self.higher_is_better

        precision = self.precision

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
                "higher_is_better": higher_is_better,
                "precision": precision,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        higher_is_better = d.pop("higher_is_better")

        precision = d.pop("precision")

        leaderboard_column = cls(
            key=key,
            higher_is_better=higher_is_better,
            precision=precision,
        )

        leaderboard_column.additional_properties = d
        return leaderboard_column

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
