from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LogIn")


@_attrs_define
class LogIn:
    """
    Attributes:
        username_or_email (str):
        password (str):
    """

    username_or_email: str
    password: str

    def to_dict(self) -> dict[str, Any]:
        username_or_email = self.username_or_email

        password = self.password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "username_or_email": username_or_email,
                "password": password,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        username_or_email = d.pop("username_or_email")

        password = d.pop("password")

        log_in = cls(
            username_or_email=username_or_email,
            password=password,
        )

        return log_in
