from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.leaderboard_entry_scores import LeaderboardEntryScores


T = TypeVar("T", bound="LeaderboardEntry")


@_attrs_define
class LeaderboardEntry:
    """
    Attributes:
        rank (int):
        team_id (UUID):
        team_name (str):
        submission_id (UUID):
        score (float | None): the first column's value (null while that column is hidden)
        submitted_at (datetime.datetime):
        submissions (int):
        scores (LeaderboardEntryScores | Unset): the submission's value in each column shown, by column key
    """

    rank: int
    team_id: UUID
    team_name: str
    submission_id: UUID
    score: float | None
    submitted_at: datetime.datetime
    submissions: int
    scores: LeaderboardEntryScores | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rank = self.rank

        team_id = str(self.team_id)

        team_name = self.team_name

        submission_id = str(self.submission_id)

        score: float | None
        score = self.score

        submitted_at = self.submitted_at.isoformat()

        submissions = self.submissions

        scores: dict[str, Any] | Unset = UNSET
        if not isinstance(self.scores, Unset):
            scores = self.scores.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rank": rank,
                "team_id": team_id,
                "team_name": team_name,
                "submission_id": submission_id,
                "score": score,
                "submitted_at": submitted_at,
                "submissions": submissions,
            }
        )
        if scores is not UNSET:
            field_dict["scores"] = scores

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.leaderboard_entry_scores import LeaderboardEntryScores

        d = dict(src_dict)
        rank = d.pop("rank")

        team_id = UUID(d.pop("team_id"))

        team_name = d.pop("team_name")

        submission_id = UUID(d.pop("submission_id"))

        def _parse_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        score = _parse_score(d.pop("score"))

        submitted_at = datetime.datetime.fromisoformat(d.pop("submitted_at"))

        submissions = d.pop("submissions")

        _scores = d.pop("scores", UNSET)
        scores: LeaderboardEntryScores | Unset
        if isinstance(_scores, Unset):
            scores = UNSET
        else:
            scores = LeaderboardEntryScores.from_dict(_scores)

        leaderboard_entry = cls(
            rank=rank,
            team_id=team_id,
            team_name=team_name,
            submission_id=submission_id,
            score=score,
            submitted_at=submitted_at,
            submissions=submissions,
            scores=scores,
        )

        leaderboard_entry.additional_properties = d
        return leaderboard_entry

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
