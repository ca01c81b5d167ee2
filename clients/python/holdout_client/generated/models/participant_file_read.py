from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.file_kind import FileKind

T = TypeVar("T", bound="ParticipantFileRead")


@_attrs_define
class ParticipantFileRead:
    """
    Attributes:
        filename (str):
        kind (FileKind): What a participant file is, so the web app can group the downloads.
        size_bytes (int):
        sha256 (str):
        uploaded_at (datetime.datetime):
    """

    filename: str
    kind: FileKind
    size_bytes: int
    sha256: str
    uploaded_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        kind = self.kind.value

        size_bytes = self.size_bytes

        sha256 = self.sha256

        uploaded_at = self.uploaded_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "filename": filename,
                "kind": kind,
                "size_bytes": size_bytes,
                "sha256": sha256,
                "uploaded_at": uploaded_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        filename = d.pop("filename")

        kind = FileKind(d.pop("kind"))

        size_bytes = d.pop("size_bytes")

        sha256 = d.pop("sha256")

        uploaded_at = datetime.datetime.fromisoformat(d.pop("uploaded_at"))

        participant_file_read = cls(
            filename=filename,
            kind=kind,
            size_bytes=size_bytes,
            sha256=sha256,
            uploaded_at=uploaded_at,
        )

        participant_file_read.additional_properties = d
        return participant_file_read

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
