from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LabelsRead")


@_attrs_define
class LabelsRead:
    """
    Attributes:
        labels_version (int):
        rows (int):
        public_rows (int):
        private_rows (int):
        size_bytes (int):
        sha256 (str):
    """

    labels_version: int
    rows: int
    public_rows: int
    private_rows: int
    size_bytes: int
    sha256: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        labels_version = self.labels_version

        rows = self.rows

        public_rows = self.public_rows

        private_rows = self.private_rows

        size_bytes = self.size_bytes

        sha256 = self.sha256

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "labels_version": labels_version,
                "rows": rows,
                "public_rows": public_rows,
                "private_rows": private_rows,
                "size_bytes": size_bytes,
                "sha256": sha256,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        labels_version = d.pop("labels_version")

        rows = d.pop("rows")

        public_rows = d.pop("public_rows")

        private_rows = d.pop("private_rows")

        size_bytes = d.pop("size_bytes")

        sha256 = d.pop("sha256")

        labels_read = cls(
            labels_version=labels_version,
            rows=rows,
            public_rows=public_rows,
            private_rows=private_rows,
            size_bytes=size_bytes,
            sha256=sha256,
        )

        labels_read.additional_properties = d
        return labels_read

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
