from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.spread_board import SpreadBoard

T = TypeVar("T", bound="Spread")


@_attrs_define
class Spread:
    """How one score varied over the original and its finished re-runs.

    Attributes:
        board (SpreadBoard):
        key (str):
        original (float | None):
        min_ (float | None):
        max_ (float | None):
        max_abs_diff (float | None): The largest absolute difference from the original's (null: some run lacks the
            score).
    """

    board: SpreadBoard
    key: str
    original: float | None
    min_: float | None
    max_: float | None
    max_abs_diff: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        board = self.board.value

        key = self.key

        original: float | None
        original = self.original

        min_: float | None
        min_ = self.min_

        max_: float | None
        max_ = self.max_

        max_abs_diff: float | None
        max_abs_diff = self.max_abs_diff

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "board": board,
                "key": key,
                "original": original,
                "min": min_,
                "max": max_,
                "max_abs_diff": max_abs_diff,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        board = SpreadBoard(d.pop("board"))

        key = d.pop("key")

        def _parse_original(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        original = _parse_original(d.pop("original"))

        def _parse_min_(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        min_ = _parse_min_(d.pop("min"))

        def _parse_max_(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        max_ = _parse_max_(d.pop("max"))

        def _parse_max_abs_diff(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        max_abs_diff = _parse_max_abs_diff(d.pop("max_abs_diff"))

        spread = cls(
            board=board,
            key=key,
            original=original,
            min_=min_,
            max_=max_,
            max_abs_diff=max_abs_diff,
        )

        spread.additional_properties = d
        return spread

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
