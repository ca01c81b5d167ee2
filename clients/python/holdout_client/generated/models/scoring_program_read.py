from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.scoring_trial_read import ScoringTrialRead


T = TypeVar("T", bound="ScoringProgramRead")


@_attrs_define
class ScoringProgramRead:
    """
    Attributes:
        stage_position (int):
        version (int): Counts the programs this stage has taken.
        keys (list[str]): The column keys the program writes: what the stage's columns may use.
        runtime (str):
        time_limit_s (float):
        memory_mb (int):
        cpus (float):
        program_sha256 (str):
        reference_sha256 (str):
        trial (ScoringTrialRead):
        uploaded_at (datetime.datetime):
    """

    stage_position: int
    version: int
    keys: list[str]
    runtime: str
    time_limit_s: float
    memory_mb: int
    cpus: float
    program_sha256: str
    reference_sha256: str
    trial: ScoringTrialRead
    uploaded_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stage_position = self.stage_position

        version = self.version

        keys = self.keys

        runtime = self.runtime

        time_limit_s = self.time_limit_s

        memory_mb = self.memory_mb

        cpus = self.cpus

        program_sha256 = self.program_sha256

        reference_sha256 = self.reference_sha256

        trial = self.trial.to_dict()

        uploaded_at = self.uploaded_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "stage_position": stage_position,
                "version": version,
                "keys": keys,
                "runtime": runtime,
                "time_limit_s": time_limit_s,
                "memory_mb": memory_mb,
                "cpus": cpus,
                "program_sha256": program_sha256,
                "reference_sha256": reference_sha256,
                "trial": trial,
                "uploaded_at": uploaded_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scoring_trial_read import ScoringTrialRead

        d = dict(src_dict)
        stage_position = d.pop("stage_position")

        version = d.pop("version")

        keys = cast(list[str], d.pop("keys"))

        runtime = d.pop("runtime")

        time_limit_s = d.pop("time_limit_s")

        memory_mb = d.pop("memory_mb")

        cpus = d.pop("cpus")

        program_sha256 = d.pop("program_sha256")

        reference_sha256 = d.pop("reference_sha256")

        trial = ScoringTrialRead.from_dict(d.pop("trial"))

        uploaded_at = datetime.datetime.fromisoformat(d.pop("uploaded_at"))

        scoring_program_read = cls(
            stage_position=stage_position,
            version=version,
            keys=keys,
            runtime=runtime,
            time_limit_s=time_limit_s,
            memory_mb=memory_mb,
            cpus=cpus,
            program_sha256=program_sha256,
            reference_sha256=reference_sha256,
            trial=trial,
            uploaded_at=uploaded_at,
        )

        scoring_program_read.additional_properties = d
        return scoring_program_read

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
