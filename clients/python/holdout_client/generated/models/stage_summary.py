from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stage_summary_feed_type_0 import StageSummaryFeedType0
from ..models.stage_summary_kind import StageSummaryKind

if TYPE_CHECKING:
    from ..models.score_column import ScoreColumn


T = TypeVar("T", bound="StageSummary")


@_attrs_define
class StageSummary:
    """One stage of a competition, as the competition shows it (``GET .../stages/{position}``
    has the rest: limits, quotas, data).

        Attributes:
            position (int): 1, 2, ...: the order stages run in.
            id (UUID): The stage's id (the first stage's is the competition's).
            name (str):
            opens_at (datetime.datetime | None):
            closes_at (datetime.datetime | None):
            accepts_submissions (bool): False: an evaluation-only stage, which runs only what it is fed.
            feed (None | StageSummaryFeedType0): What of the previous stage this stage re-runs when it opens: `finals` (each
                team's selected final submissions), `all` (every successful one) or null (nothing).
            kind (StageSummaryKind): `inference` (runs write predictions, which are scored) or `training` (runs see the
                stage's data, the training features and labels, at /code_execution/data, write a model to /code_execution/model
                for the next stage, and are not scored). Needs `model_source` `platform` or `upload_or_platform`.
            is_open (bool): Whether participants may upload now: the stage is open (its schedule) and takes submissions.
            metric (str): The ranking column's key (its catalog metric without `columns`).
            columns (list[ScoreColumn]): The board columns in ranking order (the first ranks).
    """

    position: int
    id: UUID
    name: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    accepts_submissions: bool
    feed: None | StageSummaryFeedType0
    kind: StageSummaryKind
    is_open: bool
    metric: str
    columns: list[ScoreColumn]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        id = str(self.id)

        name = self.name

        opens_at: None | str
        if isinstance(self.opens_at, datetime.datetime):
            opens_at = self.opens_at.isoformat()
        else:
            opens_at = self.opens_at

        closes_at: None | str
        if isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        accepts_submissions = self.accepts_submissions

        feed: None | str
        if isinstance(self.feed, StageSummaryFeedType0):
            feed = self.feed.value
        else:
            feed = self.feed

        kind = self.kind.value

        is_open = self.is_open

        metric = self.metric

        columns = []
        for columns_item_data in self.columns:
            columns_item = columns_item_data.to_dict()
            columns.append(columns_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "id": id,
                "name": name,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "accepts_submissions": accepts_submissions,
                "feed": feed,
                "kind": kind,
                "is_open": is_open,
                "metric": metric,
                "columns": columns,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.score_column import ScoreColumn

        d = dict(src_dict)
        position = d.pop("position")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        def _parse_opens_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opens_at_type_0 = datetime.datetime.fromisoformat(data)

                return opens_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        opens_at = _parse_opens_at(d.pop("opens_at"))

        def _parse_closes_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_0 = datetime.datetime.fromisoformat(data)

                return closes_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        closes_at = _parse_closes_at(d.pop("closes_at"))

        accepts_submissions = d.pop("accepts_submissions")

        def _parse_feed(data: object) -> None | StageSummaryFeedType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                feed_type_0 = StageSummaryFeedType0(data)

                return feed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StageSummaryFeedType0, data)

        feed = _parse_feed(d.pop("feed"))

        kind = StageSummaryKind(d.pop("kind"))

        is_open = d.pop("is_open")

        metric = d.pop("metric")

        columns = []
        _columns = d.pop("columns")
        for columns_item_data in _columns:
            columns_item = ScoreColumn.from_dict(columns_item_data)

            columns.append(columns_item)

        stage_summary = cls(
            position=position,
            id=id,
            name=name,
            opens_at=opens_at,
            closes_at=closes_at,
            accepts_submissions=accepts_submissions,
            feed=feed,
            kind=kind,
            is_open=is_open,
            metric=metric,
            columns=columns,
        )

        stage_summary.additional_properties = d
        return stage_summary

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
