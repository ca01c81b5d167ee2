from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimeSummary")


@_attrs_define
class RuntimeSummary:
    """
    Attributes:
        name (str): The name a competition's stage names (`runtime`).
        digest (str): The runtime's version: `sha256:` of its lock file, as execution records in the local sandbox
            report it and runtime images are tagged with.
        python (str): The Python version it is locked for.
        declared (list[str]): The packages it declares (`requirements.in`).
    """

    name: str
    digest: str
    python: str
    declared: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        digest = self.digest

        python = self.python

        declared = self.declared

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "digest": digest,
                "python": python,
                "declared": declared,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        digest = d.pop("digest")

        python = d.pop("python")

        declared = cast(list[str], d.pop("declared"))

        runtime_summary = cls(
            name=name,
            digest=digest,
            python=python,
            declared=declared,
        )

        runtime_summary.additional_properties = d
        return runtime_summary

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
