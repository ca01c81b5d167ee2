from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.scoring_trial_read_private import ScoringTrialReadPrivate
    from ..models.scoring_trial_read_public import ScoringTrialReadPublic


T = TypeVar("T", bound="ScoringTrialRead")


@_attrs_define
class ScoringTrialRead:
    """
    Attributes:
        public (ScoringTrialReadPublic): What the program scored the reference on the smoke sample.
        private (ScoringTrialReadPrivate): Its private part (empty: the sample has no private rows).
        log_tail (str): The end of the program's stdout and stderr in the trial.
    """

    public: ScoringTrialReadPublic
    private: ScoringTrialReadPrivate
    log_tail: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        public = self.public.to_dict()

        private = self.private.to_dict()

        log_tail = self.log_tail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "public": public,
                "private": private,
                "log_tail": log_tail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scoring_trial_read_private import ScoringTrialReadPrivate
        from ..models.scoring_trial_read_public import ScoringTrialReadPublic

        d = dict(src_dict)
        public = ScoringTrialReadPublic.from_dict(d.pop("public"))

        private = ScoringTrialReadPrivate.from_dict(d.pop("private"))

        log_tail = d.pop("log_tail")

        scoring_trial_read = cls(
            public=public,
            private=private,
            log_tail=log_tail,
        )

        scoring_trial_read.additional_properties = d
        return scoring_trial_read

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
