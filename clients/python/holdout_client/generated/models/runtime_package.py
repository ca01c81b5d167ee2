from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimePackage")


@_attrs_define
class RuntimePackage:
    """
    Attributes:
        name (str): The distribution's name, as pip knows it.
        version (str):
        marker (None | str): Where it is installed (an environment marker such as `sys_platform == 'linux'`); null:
            everywhere.
    """

    name: str
    version: str
    marker: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        marker: None | str
        marker = self.marker

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "marker": marker,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        def _parse_marker(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        marker = _parse_marker(d.pop("marker"))

        runtime_package = cls(
            name=name,
            version=version,
            marker=marker,
        )

        runtime_package.additional_properties = d
        return runtime_package

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
