from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.approval_read import ApprovalRead


T = TypeVar("T", bound="TeamRead")


@_attrs_define
class TeamRead:
    """
    Attributes:
        id (UUID):
        competition_id (UUID):
        name (str):
        members (list[str]):
        created_at (datetime.datetime):
        invite_code (None | str | Unset): Shown to the team's members only: share it to invite someone.
        approval (ApprovalRead | None | Unset): Shown to the team's members and the host only.
    """

    id: UUID
    competition_id: UUID
    name: str
    members: list[str]
    created_at: datetime.datetime
    invite_code: None | str | Unset = UNSET
    approval: ApprovalRead | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.approval_read import ApprovalRead

        id = str(self.id)

        competition_id = str(self.competition_id)

        name = self.name

        members = self.members

        created_at = self.created_at.isoformat()

        invite_code: None | str | Unset
        if isinstance(self.invite_code, Unset):
            invite_code = UNSET
        else:
            invite_code = self.invite_code

        approval: dict[str, Any] | None | Unset
        if isinstance(self.approval, Unset):
            approval = UNSET
        elif isinstance(self.approval, ApprovalRead):
            approval = self.approval.to_dict()
        else:
            approval = self.approval

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "competition_id": competition_id,
                "name": name,
                "members": members,
                "created_at": created_at,
            }
        )
        if invite_code is not UNSET:
            field_dict["invite_code"] = invite_code
        if approval is not UNSET:
            field_dict["approval"] = approval

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.approval_read import ApprovalRead

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        competition_id = UUID(d.pop("competition_id"))

        name = d.pop("name")

        members = cast(list[str], d.pop("members"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_invite_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        invite_code = _parse_invite_code(d.pop("invite_code", UNSET))

        def _parse_approval(data: object) -> ApprovalRead | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                approval_type_0 = ApprovalRead.from_dict(data)

                return approval_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApprovalRead | None | Unset, data)

        approval = _parse_approval(d.pop("approval", UNSET))

        team_read = cls(
            id=id,
            competition_id=competition_id,
            name=name,
            members=members,
            created_at=created_at,
            invite_code=invite_code,
            approval=approval,
        )

        team_read.additional_properties = d
        return team_read

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
