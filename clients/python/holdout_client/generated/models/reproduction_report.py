from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.reproduction_report_kind import ReproductionReportKind
from ..models.verdict import Verdict
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.run_result import RunResult
    from ..models.spread import Spread


T = TypeVar("T", bound="ReproductionReport")


@_attrs_define
class ReproductionReport:
    """The original beside each of its re-runs, and whether they agree.

    `identical`: every score equal; `within_tolerance`: no score further than `tolerance`
    from the original's; `differs`: see `spread`; `pending`: a re-run has not finished;
    `failed`: a re-run failed (its `failure_reason` and `detail` say why).

    A training run has no scores: it is `identical` when every re-run trained and left a
    model byte for byte the original's (`model_matches`), else `differs`.

        Attributes:
            submission_id (UUID):
            team_id (UUID):
            team_name (str):
            verdict (Verdict):
            tolerance (float):
            original (RunResult): One run: the original or a re-run, with every score it got and what it used.
            reruns (list[RunResult]):
            spread (list[Spread]):
            kind (ReproductionReportKind | Unset): What the original's stage runs: scored predictions, or a model. Default:
                ReproductionReportKind.INFERENCE.
            model_matches (bool | None | Unset): A training run: whether every finished re-run's model zip has the
                original's sha256 and size; null for an inference run, while none has finished, or where a digest is not known.
    """

    submission_id: UUID
    team_id: UUID
    team_name: str
    verdict: Verdict
    tolerance: float
    original: RunResult
    reruns: list[RunResult]
    spread: list[Spread]
    kind: ReproductionReportKind | Unset = ReproductionReportKind.INFERENCE
    model_matches: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        submission_id = str(self.submission_id)

        team_id = str(self.team_id)

        team_name = self.team_name

        verdict = self.verdict.value

        tolerance = self.tolerance

        original = self.original.to_dict()

        reruns = []
        for reruns_item_data in self.reruns:
            reruns_item = reruns_item_data.to_dict()
            reruns.append(reruns_item)

        spread = []
        for spread_item_data in self.spread:
            spread_item = spread_item_data.to_dict()
            spread.append(spread_item)

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        model_matches: bool | None | Unset
        if isinstance(self.model_matches, Unset):
            model_matches = UNSET
        else:
            model_matches = self.model_matches

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "submission_id": submission_id,
                "team_id": team_id,
                "team_name": team_name,
                "verdict": verdict,
                "tolerance": tolerance,
                "original": original,
                "reruns": reruns,
                "spread": spread,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if model_matches is not UNSET:
            field_dict["model_matches"] = model_matches

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.run_result import RunResult
        from ..models.spread import Spread

        d = dict(src_dict)
        submission_id = UUID(d.pop("submission_id"))

        team_id = UUID(d.pop("team_id"))

        team_name = d.pop("team_name")

        verdict = Verdict(d.pop("verdict"))

        tolerance = d.pop("tolerance")

        original = RunResult.from_dict(d.pop("original"))

        reruns = []
        _reruns = d.pop("reruns")
        for reruns_item_data in _reruns:
            reruns_item = RunResult.from_dict(reruns_item_data)

            reruns.append(reruns_item)

        spread = []
        _spread = d.pop("spread")
        for spread_item_data in _spread:
            spread_item = Spread.from_dict(spread_item_data)

            spread.append(spread_item)

        _kind = d.pop("kind", UNSET)
        kind: ReproductionReportKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = ReproductionReportKind(_kind)

        def _parse_model_matches(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        model_matches = _parse_model_matches(d.pop("model_matches", UNSET))

        reproduction_report = cls(
            submission_id=submission_id,
            team_id=team_id,
            team_name=team_name,
            verdict=verdict,
            tolerance=tolerance,
            original=original,
            reruns=reruns,
            spread=spread,
            kind=kind,
            model_matches=model_matches,
        )

        reproduction_report.additional_properties = d
        return reproduction_report

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
