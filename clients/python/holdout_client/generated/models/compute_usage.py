from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ComputeUsage")


@_attrs_define
class ComputeUsage:
    """What the team's runs in the stage used of its compute budgets (never reset): real and
    smoke runs, not the runs that failed through the platform's fault nor the stage's re-runs.
    A limit of null means no cap (its remaining is then null too).

        Attributes:
            cpu_hours_used (float):
            cpu_hours_limit (float | None):
            cpu_hours_remaining (float | None):
            gpu_hours_used (float):
            gpu_hours_limit (float | None):
            gpu_hours_remaining (float | None):
    """

    cpu_hours_used: float
    cpu_hours_limit: float | None
    cpu_hours_remaining: float | None
    gpu_hours_used: float
    gpu_hours_limit: float | None
    gpu_hours_remaining: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cpu_hours_used = self.cpu_hours_used

        cpu_hours_limit: float | None
        cpu_hours_limit = self.cpu_hours_limit

        cpu_hours_remaining: float | None
        cpu_hours_remaining = self.cpu_hours_remaining

        gpu_hours_used = self.gpu_hours_used

        gpu_hours_limit: float | None
        gpu_hours_limit = self.gpu_hours_limit

        gpu_hours_remaining: float | None
        gpu_hours_remaining = self.gpu_hours_remaining

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cpu_hours_used": cpu_hours_used,
                "cpu_hours_limit": cpu_hours_limit,
                "cpu_hours_remaining": cpu_hours_remaining,
                "gpu_hours_used": gpu_hours_used,
                "gpu_hours_limit": gpu_hours_limit,
                "gpu_hours_remaining": gpu_hours_remaining,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        cpu_hours_used = d.pop("cpu_hours_used")

        def _parse_cpu_hours_limit(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        cpu_hours_limit = _parse_cpu_hours_limit(d.pop("cpu_hours_limit"))

        def _parse_cpu_hours_remaining(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        cpu_hours_remaining = _parse_cpu_hours_remaining(d.pop("cpu_hours_remaining"))

        gpu_hours_used = d.pop("gpu_hours_used")

        def _parse_gpu_hours_limit(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        gpu_hours_limit = _parse_gpu_hours_limit(d.pop("gpu_hours_limit"))

        def _parse_gpu_hours_remaining(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        gpu_hours_remaining = _parse_gpu_hours_remaining(d.pop("gpu_hours_remaining"))

        compute_usage = cls(
            cpu_hours_used=cpu_hours_used,
            cpu_hours_limit=cpu_hours_limit,
            cpu_hours_remaining=cpu_hours_remaining,
            gpu_hours_used=gpu_hours_used,
            gpu_hours_limit=gpu_hours_limit,
            gpu_hours_remaining=gpu_hours_remaining,
        )

        compute_usage.additional_properties = d
        return compute_usage

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
