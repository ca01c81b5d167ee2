from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.compute_usage import ComputeUsage
    from ..models.quota_counter import QuotaCounter


T = TypeVar("T", bound="QuotaRead")


@_attrs_define
class QuotaRead:
    """A team's quota today (UTC); the two kinds of run are counted apart.

    Attributes:
        team_id (None | UUID):
        resets_at (datetime.datetime):
        submissions (QuotaCounter):
        smoke_runs (QuotaCounter):
        compute (ComputeUsage): What the team's runs in the stage used of its compute budgets (never reset): real and
            smoke runs, not the runs that failed through the platform's fault nor the stage's re-runs.
            A limit of null means no cap (its remaining is then null too).
    """

    team_id: None | UUID
    resets_at: datetime.datetime
    submissions: QuotaCounter
    smoke_runs: QuotaCounter
    compute: ComputeUsage
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        team_id: None | str
        if isinstance(self.team_id, UUID):
            team_id = str(self.team_id)
        else:
            team_id = self.team_id

        resets_at = self.resets_at.isoformat()

        submissions = self.submissions.to_dict()

        smoke_runs = self.smoke_runs.to_dict()

        compute = self.compute.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "team_id": team_id,
                "resets_at": resets_at,
                "submissions": submissions,
                "smoke_runs": smoke_runs,
                "compute": compute,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.compute_usage import ComputeUsage
        from ..models.quota_counter import QuotaCounter

        d = dict(src_dict)

        def _parse_team_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                team_id_type_0 = UUID(data)

                return team_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        team_id = _parse_team_id(d.pop("team_id"))

        resets_at = datetime.datetime.fromisoformat(d.pop("resets_at"))

        submissions = QuotaCounter.from_dict(d.pop("submissions"))

        smoke_runs = QuotaCounter.from_dict(d.pop("smoke_runs"))

        compute = ComputeUsage.from_dict(d.pop("compute"))

        quota_read = cls(
            team_id=team_id,
            resets_at=resets_at,
            submissions=submissions,
            smoke_runs=smoke_runs,
            compute=compute,
        )

        quota_read.additional_properties = d
        return quota_read

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
