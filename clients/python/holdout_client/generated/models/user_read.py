from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UserRead")


@_attrs_define
class UserRead:
    """
    Attributes:
        id (UUID):
        username (str):
        email (None | str): Set for users who signed up; none for users an administrator made.
        is_host (bool):
        is_admin (bool):
        is_disabled (bool):
        created_at (datetime.datetime):
    """

    id: UUID
    username: str
    email: None | str
    is_host: bool
    is_admin: bool
    is_disabled: bool
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        username = self.username

        email: None | str
        email = self.email

        is_host = self.is_host

        is_admin = self.is_admin

        is_disabled = self.is_disabled

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "username": username,
                "email": email,
                "is_host": is_host,
                "is_admin": is_admin,
                "is_disabled": is_disabled,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        username = d.pop("username")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        is_host = d.pop("is_host")

        is_admin = d.pop("is_admin")

        is_disabled = d.pop("is_disabled")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        user_read = cls(
            id=id,
            username=username,
            email=email,
            is_host=is_host,
            is_admin=is_admin,
            is_disabled=is_disabled,
            created_at=created_at,
        )

        user_read.additional_properties = d
        return user_read

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
