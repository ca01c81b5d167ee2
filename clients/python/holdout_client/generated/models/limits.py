from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Limits")


@_attrs_define
class Limits:
    """What one run may use; enforced by the executor. The upper bounds are the
    gateway's settings (``HOLDOUT_MAX_RUN_*``: the largest run machine).

        Attributes:
            time_limit_s (float | Unset):  Default: 600.0.
            memory_mb (int | Unset):  Default: 2048.
            cpus (float | Unset):  Default: 1.0.
            max_processes (int | Unset):  Default: 64.
            output_limit_mb (int | Unset):  Default: 100.
            log_limit_kb (int | Unset):  Default: 64.
            gpu (bool | Unset):  Default: False.
            max_concurrent_runs (int | None | Unset): The most runs of this competition at once (none: the platform's).
            model_limit_mb (int | Unset): Training stages: the most a run's model folder (/code_execution/model) may hold,
                in MiB; a run that writes more fails with model_too_large. Default: 512.
    """

    time_limit_s: float | Unset = 600.0
    memory_mb: int | Unset = 2048
    cpus: float | Unset = 1.0
    max_processes: int | Unset = 64
    output_limit_mb: int | Unset = 100
    log_limit_kb: int | Unset = 64
    gpu: bool | Unset = False
    max_concurrent_runs: int | None | Unset = UNSET
    model_limit_mb: int | Unset = 512

    def to_dict(self) -> dict[str, Any]:
        time_limit_s = self.time_limit_s

        memory_mb = self.memory_mb

        cpus = self.cpus

        max_processes = self.max_processes

        output_limit_mb = self.output_limit_mb

        log_limit_kb = self.log_limit_kb

        gpu = self.gpu

        max_concurrent_runs: int | None | Unset
        if isinstance(self.max_concurrent_runs, Unset):
            max_concurrent_runs = UNSET
        else:
            max_concurrent_runs = self.max_concurrent_runs

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
        time_limit_s = d.pop("time_limit_s", UNSET)

        memory_mb = d.pop("memory_mb", UNSET)

        cpus = d.pop("cpus", UNSET)

        max_processes = d.pop("max_processes", UNSET)

        output_limit_mb = d.pop("output_limit_mb", UNSET)

        log_limit_kb = d.pop("log_limit_kb", UNSET)

        gpu = d.pop("gpu", UNSET)

        def _parse_max_concurrent_runs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_concurrent_runs = _parse_max_concurrent_runs(
            d.pop("max_concurrent_runs", UNSET)
        )

        model_limit_mb = d.pop("model_limit_mb", UNSET)

        limits = cls(
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

        return limits
