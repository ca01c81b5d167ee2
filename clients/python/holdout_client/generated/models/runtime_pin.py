from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RuntimePin")


@_attrs_define
class RuntimePin:
    """
    Attributes:
        runtime (str): The runtime to run in (`GET /api/v1/runtimes` lists them).
        reason (str | Unset): Why, for participants (shown with the change). Default: ''.
    """

    runtime: str
    reason: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        runtime = self.runtime

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "runtime": runtime,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        runtime = d.pop("runtime")

        reason = d.pop("reason", UNSET)

        runtime_pin = cls(
            runtime=runtime,
            reason=reason,
        )

        return runtime_pin
