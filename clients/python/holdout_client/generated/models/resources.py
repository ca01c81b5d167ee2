from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Resources")


@_attrs_define
class Resources:
    """
    Attributes:
        wall_seconds (float | Unset):  Default: 0.0.
        cpu_seconds (float | Unset):  Default: 0.0.
        peak_memory_mb (float | Unset):  Default: 0.0.
        gpu_seconds (float | Unset):  Default: 0.0.
    """

    wall_seconds: float | Unset = 0.0
    cpu_seconds: float | Unset = 0.0
    peak_memory_mb: float | Unset = 0.0
    gpu_seconds: float | Unset = 0.0

    def to_dict(self) -> dict[str, Any]:
        wall_seconds = self.wall_seconds

        cpu_seconds = self.cpu_seconds

        peak_memory_mb = self.peak_memory_mb

        gpu_seconds = self.gpu_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if wall_seconds is not UNSET:
            field_dict["wall_seconds"] = wall_seconds
        if cpu_seconds is not UNSET:
            field_dict["cpu_seconds"] = cpu_seconds
        if peak_memory_mb is not UNSET:
            field_dict["peak_memory_mb"] = peak_memory_mb
        if gpu_seconds is not UNSET:
            field_dict["gpu_seconds"] = gpu_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        wall_seconds = d.pop("wall_seconds", UNSET)

        cpu_seconds = d.pop("cpu_seconds", UNSET)

        peak_memory_mb = d.pop("peak_memory_mb", UNSET)

        gpu_seconds = d.pop("gpu_seconds", UNSET)

        resources = cls(
            wall_seconds=wall_seconds,
            cpu_seconds=cpu_seconds,
            peak_memory_mb=peak_memory_mb,
            gpu_seconds=gpu_seconds,
        )

        return resources
