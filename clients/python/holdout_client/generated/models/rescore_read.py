from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rescore_read_scoring import RescoreReadScoring


T = TypeVar("T", bound="RescoreRead")


@_attrs_define
class RescoreRead:
    """
    Attributes:
        id (UUID):
        competition_id (UUID):
        scoring (RescoreReadScoring):
        requested_at (datetime.datetime):
        created (bool): False when the same rescoring had already been requested.
    """

    id: UUID
    competition_id: UUID
    scoring: RescoreReadScoring
    requested_at: datetime.datetime
    created: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        competition_id = str(self.competition_id)

        scoring = self.scoring.to_dict()

        requested_at = self.requested_at.isoformat()

        created = self.created

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "competition_id": competition_id,
                "scoring": scoring,
                "requested_at": requested_at,
                "created": created,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rescore_read_scoring import RescoreReadScoring

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        competition_id = UUID(d.pop("competition_id"))

        scoring = RescoreReadScoring.from_dict(d.pop("scoring"))

        requested_at = datetime.datetime.fromisoformat(d.pop("requested_at"))

        created = d.pop("created")

        rescore_read = cls(
            id=id,
            competition_id=competition_id,
            scoring=scoring,
            requested_at=requested_at,
            created=created,
        )

        rescore_read.additional_properties = d
        return rescore_read

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
