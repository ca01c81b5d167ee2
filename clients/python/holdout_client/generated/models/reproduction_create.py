from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReproductionCreate")


@_attrs_define
class ReproductionCreate:
    """
    Attributes:
        count (int | Unset): How many re-runs to queue (1 to 10). Default: 3.
        tolerance (float | Unset): The largest absolute difference of any score still counted as reproducing (0: every
            score must be equal). Default: 0.0.
    """

    count: int | Unset = 3
    tolerance: float | Unset = 0.0

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        tolerance = self.tolerance

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if count is not UNSET:
            field_dict["count"] = count
        if tolerance is not UNSET:
            field_dict["tolerance"] = tolerance

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        count = d.pop("count", UNSET)

        tolerance = d.pop("tolerance", UNSET)

        reproduction_create = cls(
            count=count,
            tolerance=tolerance,
        )

        return reproduction_create
