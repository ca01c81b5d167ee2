from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="UploadScoringProgramBody")


@_attrs_define
class UploadScoringProgramBody:
    """
    Attributes:
        program (File): A zip with `score.py` (or `score.sh`) at its root.
        reference (File): Predictions for the smoke sample, in the competition's format, that the program scores in its
            trial.
        runtime (str | Unset): The runtime the program runs in (default: the stage's).
    """

    program: File
    reference: File
    runtime: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        program = self.program.to_tuple()

        reference = self.reference.to_tuple()

        runtime = self.runtime

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "program": program,
                "reference": reference,
            }
        )
        if runtime is not UNSET:
            field_dict["runtime"] = runtime

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("program", self.program.to_tuple()))

        files.append(("reference", self.reference.to_tuple()))

        if not isinstance(self.runtime, Unset):
            files.append(("runtime", (None, str(self.runtime).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        program = File(payload=BytesIO(d.pop("program")))

        reference = File(payload=BytesIO(d.pop("reference")))

        runtime = d.pop("runtime", UNSET)

        upload_scoring_program_body = cls(
            program=program,
            reference=reference,
            runtime=runtime,
        )

        upload_scoring_program_body.additional_properties = d
        return upload_scoring_program_body

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
