from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BoardReproductionCreate")


@_attrs_define
class BoardReproductionCreate:
    """
    Attributes:
        top (int): Re-run the submissions of the board's first `top` entries.
        count (int | Unset): How many re-runs to queue (1 to 10). Default: 3.
        tolerance (float | Unset): The largest absolute difference of any score still counted as reproducing (0: every
            score must be equal). Default: 0.0.
        stage (int | None | Unset): The board's stage position (default: the stage open now, else the latest that has
            opened).
    """

    top: int
    count: int | Unset = 3
    tolerance: float | Unset = 0.0
    stage: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        top = self.top

        count = self.count

        tolerance = self.tolerance

        stage: int | None | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        else:
            stage = self.stage

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "top": top,
            }
        )
        if count is not UNSET:
            field_dict["count"] = count
        if tolerance is not UNSET:
            field_dict["tolerance"] = tolerance
        if stage is not UNSET:
            field_dict["stage"] = stage

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        top = d.pop("top")

        count = d.pop("count", UNSET)

        tolerance = d.pop("tolerance", UNSET)

        def _parse_stage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        board_reproduction_create = cls(
            top=top,
            count=count,
            tolerance=tolerance,
            stage=stage,
        )

        return board_reproduction_create
