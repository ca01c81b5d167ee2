from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """An administrator's change to a user; fields left out stay as they are.

    Attributes:
        is_host (bool | None | Unset): May create and run competitions.
        is_disabled (bool | None | Unset): A disabled user's sessions and tokens stop working at once.
    """

    is_host: bool | None | Unset = UNSET
    is_disabled: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        is_host: bool | None | Unset
        if isinstance(self.is_host, Unset):
            is_host = UNSET
        else:
            is_host = self.is_host

        is_disabled: bool | None | Unset
        if isinstance(self.is_disabled, Unset):
            is_disabled = UNSET
        else:
            is_disabled = self.is_disabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if is_host is not UNSET:
            field_dict["is_host"] = is_host
        if is_disabled is not UNSET:
            field_dict["is_disabled"] = is_disabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_is_host(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_host = _parse_is_host(d.pop("is_host", UNSET))

        def _parse_is_disabled(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_disabled = _parse_is_disabled(d.pop("is_disabled", UNSET))

        user_update = cls(
            is_host=is_host,
            is_disabled=is_disabled,
        )

        return user_update
