from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserCreate")


@_attrs_define
class UserCreate:
    """
    Attributes:
        username (str): Letters, digits, '_', '.', '-'.
        is_host (bool | Unset):  Default: False.
    """

    username: str
    is_host: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        username = self.username

        is_host = self.is_host

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username": username,
            }
        )
        if is_host is not UNSET:
            field_dict["is_host"] = is_host

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        username = d.pop("username")

        is_host = d.pop("is_host", UNSET)

        user_create = cls(
            username=username,
            is_host=is_host,
        )

        return user_create
