from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.leaderboard_board import LeaderboardBoard
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.leaderboard_column import LeaderboardColumn
    from ..models.leaderboard_entry import LeaderboardEntry


T = TypeVar("T", bound="Leaderboard")


@_attrs_define
class Leaderboard:
    """
    Attributes:
        competition_id (UUID):
        stage_id (UUID): the board's stage (the first stage's id is the competition's)
        board (LeaderboardBoard):
        metric (str):
        higher_is_better (bool):
        revealed (bool):
        total (int):
        offset (int):
        limit (int):
        entries (list[LeaderboardEntry]):
        columns (list[LeaderboardColumn] | Unset): the columns shown, in ranking order (hidden ones only after the
            reveal, or to the host)
    """

    competition_id: UUID
    stage_id: UUID
    board: LeaderboardBoard
    metric: str
    higher_is_better: bool
    revealed: bool
    total: int
    offset: int
    limit: int
    entries: list[LeaderboardEntry]
    columns: list[LeaderboardColumn] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        competition_id = str(self.competition_id)

        stage_id = str(self.stage_id)

        board = self.board.value

        metric = self.metric

        higher_is_better = self.higher_is_better

        revealed = self.revealed

        total = self.total

        offset = self.offset

        limit = self.limit

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        columns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.columns, Unset):
            columns = []
            for columns_item_data in self.columns:
                columns_item = columns_item_data.to_dict()
                columns.append(columns_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "competition_id": competition_id,
                "stage_id": stage_id,
                "board": board,
                "metric": metric,
                "higher_is_better": higher_is_better,
                "revealed": revealed,
                "total": total,
                "offset": offset,
                "limit": limit,
                "entries": entries,
            }
        )
        if columns is not UNSET:
            field_dict["columns"] = columns

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.leaderboard_column import LeaderboardColumn
        from ..models.leaderboard_entry import LeaderboardEntry

        d = dict(src_dict)
        competition_id = UUID(d.pop("competition_id"))

        stage_id = UUID(d.pop("stage_id"))

        board = LeaderboardBoard(d.pop("board"))

        metric = d.pop("metric")

        higher_is_better = d.pop("higher_is_better")

        revealed = d.pop("revealed")

        total = d.pop("total")

        offset = d.pop("offset")

        limit = d.pop("limit")

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = LeaderboardEntry.from_dict(entries_item_data)

            entries.append(entries_item)

        _columns = d.pop("columns", UNSET)
        columns: list[LeaderboardColumn] | Unset = UNSET
        if _columns is not UNSET:
            columns = []
            for columns_item_data in _columns:
                columns_item = LeaderboardColumn.from_dict(columns_item_data)

                columns.append(columns_item)

        leaderboard = cls(
            competition_id=competition_id,
            stage_id=stage_id,
            board=board,
            metric=metric,
            higher_is_better=higher_is_better,
            revealed=revealed,
            total=total,
            offset=offset,
            limit=limit,
            entries=entries,
            columns=columns,
        )

        leaderboard.additional_properties = d
        return leaderboard

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
