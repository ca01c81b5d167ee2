from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LimitsPatch")


@_attrs_define
class LimitsPatch:
    """Only the limits named change; the others keep their values.

    Attributes:
        time_limit_s (float | None | Unset):
        memory_mb (int | None | Unset):
        cpus (float | None | Unset):
        max_processes (int | None | Unset):
        output_limit_mb (int | None | Unset):
        log_limit_kb (int | None | Unset):
        gpu (bool | None | Unset):
        max_concurrent_runs (int | None | Unset):
        model_limit_mb (int | None | Unset): Training stages: the most a run's model folder (/code_execution/model) may
            hold, in MiB; a run that writes more fails with model_too_large.
    """

    time_limit_s: float | None | Unset = UNSET
    memory_mb: int | None | Unset = UNSET
    cpus: float | None | Unset = UNSET
    max_processes: int | None | Unset = UNSET
    output_limit_mb: int | None | Unset = UNSET
    log_limit_kb: int | None | Unset = UNSET
    gpu: bool | None | Unset = UNSET
    max_concurrent_runs: int | None | Unset = UNSET
    model_limit_mb: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        time_limit_s: float | None | Unset
        if isinstance(self.time_limit_s, Unset):
            time_limit_s = UNSET
        else:
            time_limit_s = self.time_limit_s

        memory_mb: int | None | Unset
        if isinstance(self.memory_mb, Unset):
            memory_mb = UNSET
        else:
            memory_mb = self.memory_mb

        cpus: float | None | Unset
        if isinstance(self.cpus, Unset):
            cpus = UNSET
        else:
            cpus = self.cpus

        max_processes: int | None | Unset
        if isinstance(self.max_processes, Unset):
            max_processes = UNSET
        else:
            max_processes = self.max_processes

        output_limit_mb: int | None | Unset
        if isinstance(self.output_limit_mb, Unset):
            output_limit_mb = UNSET
        else:
            output_limit_mb = self.output_limit_mb

        log_limit_kb: int | None | Unset
        if isinstance(self.log_limit_kb, Unset):
            log_limit_kb = UNSET
        else:
            log_limit_kb = self.log_limit_kb

        gpu: bool | None | Unset
        if isinstance(self.gpu, Unset):
            gpu = UNSET
        else:
            gpu = self.gpu

        max_concurrent_runs: int | None | Unset
        if isinstance(self.max_concurrent_runs, Unset):
            max_concurrent_runs = UNSET
        else:
            max_concurrent_runs = self.max_concurrent_runs

        model_limit_mb: int | None | Unset
        if isinstance(self.model_limit_mb, Unset):
            model_limit_mb = UNSET
        else:
            model_limit_mb = self.model_limit_mb

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if time_limit_s is not UNSET:
            field_dict["time_limit_s"] = time_limit_s
        if memory_mb is not UNSET:
            field_dict["memory_mb"] = memory_mb
        if cpus is not UNSET:
            field_dict["cpus"] = cpus
        if max_processes is not UNSET:
            field_dict["max_processes"] = max_processes
        if output_limit_mb is not UNSET:
            field_dict["output_limit_mb"] = output_limit_mb
        if log_limit_kb is not UNSET:
            field_dict["log_limit_kb"] = log_limit_kb
        if gpu is not UNSET:
            field_dict["gpu"] = gpu
        if max_concurrent_runs is not UNSET:
            field_dict["max_concurrent_runs"] = max_concurrent_runs
        if model_limit_mb is not UNSET:
            field_dict["model_limit_mb"] = model_limit_mb

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_time_limit_s(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        time_limit_s = _parse_time_limit_s(d.pop("time_limit_s", UNSET))

        def _parse_memory_mb(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        memory_mb = _parse_memory_mb(d.pop("memory_mb", UNSET))

        def _parse_cpus(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cpus = _parse_cpus(d.pop("cpus", UNSET))

        def _parse_max_processes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_processes = _parse_max_processes(d.pop("max_processes", UNSET))

        def _parse_output_limit_mb(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        output_limit_mb = _parse_output_limit_mb(d.pop("output_limit_mb", UNSET))

        def _parse_log_limit_kb(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        log_limit_kb = _parse_log_limit_kb(d.pop("log_limit_kb", UNSET))

        def _parse_gpu(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        gpu = _parse_gpu(d.pop("gpu", UNSET))

        def _parse_max_concurrent_runs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_concurrent_runs = _parse_max_concurrent_runs(
            d.pop("max_concurrent_runs", UNSET)
        )

        def _parse_model_limit_mb(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        model_limit_mb = _parse_model_limit_mb(d.pop("model_limit_mb", UNSET))

        limits_patch = cls(
            time_limit_s=time_limit_s,
            memory_mb=memory_mb,
            cpus=cpus,
            max_processes=max_processes,
            output_limit_mb=output_limit_mb,
            log_limit_kb=log_limit_kb,
            gpu=gpu,
            max_concurrent_runs=max_concurrent_runs,
            model_limit_mb=model_limit_mb,
        )

        return limits_patch
