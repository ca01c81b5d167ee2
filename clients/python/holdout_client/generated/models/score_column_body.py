from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ScoreColumnBody")


@_attrs_define
class ScoreColumnBody:
    """One board column: a catalog metric, or (without ``metric``) a value the stage's
    scoring program writes under ``key``.

        Attributes:
            key (str): Lower-case letters, digits and '_', starting with a letter; unique in the stage.
            metric (None | str | Unset): A catalog metric; null: the scoring program's value.
            threshold (float | None | Unset): Label metrics only: predicted probabilities >= threshold count as 1 (0 <
                threshold < 1).
            higher_is_better (bool | None | Unset): Left out: the metric's own direction (required sense for program
                columns).
            precision (int | Unset): Decimal places shown on the boards. Default: 4.
            hidden (bool | Unset): Kept off public boards and exports until the reveal. Default: False.
    """

    key: str
    metric: None | str | Unset = UNSET
    threshold: float | None | Unset = UNSET
    higher_is_better: bool | None | Unset = UNSET
    precision: int | Unset = 4
    hidden: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        metric: None | str | Unset
        if isinstance(self.metric, Unset):
            metric = UNSET
        else:
            metric = self.metric

        threshold: float | None | Unset
        if isinstance(self.threshold, Unset):
            threshold = UNSET
        else:
            threshold = self.threshold

        higher_is_better: bool | None | Unset
        if isinstance(self.higher_is_better, Unset):
            higher_is_better = UNSET
        else:
            higher_is_better = self.higher_is_better

        precision = self.precision

        hidden = self.hidden

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )
        if metric is not UNSET:
            field_dict["metric"] = metric
        if threshold is not UNSET:
            field_dict["threshold"] = threshold
        if higher_is_better is not UNSET:
            field_dict["higher_is_better"] = higher_is_better
        if precision is not UNSET:
            field_dict["precision"] = precision
        if hidden is not UNSET:
            field_dict["hidden"] = hidden

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        def _parse_metric(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        metric = _parse_metric(d.pop("metric", UNSET))

        def _parse_threshold(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        threshold = _parse_threshold(d.pop("threshold", UNSET))

        def _parse_higher_is_better(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        higher_is_better = _parse_higher_is_better(d.pop("higher_is_better", UNSET))

        precision = d.pop("precision", UNSET)

        hidden = d.pop("hidden", UNSET)

        score_column_body = cls(
            key=key,
            metric=metric,
            threshold=threshold,
            higher_is_better=higher_is_better,
            precision=precision,
            hidden=hidden,
        )

        return score_column_body
