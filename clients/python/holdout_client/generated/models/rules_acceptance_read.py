from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RulesAcceptanceRead")


@_attrs_define
class RulesAcceptanceRead:
    """
    Attributes:
        rules_version (int): The version of the rules accepted (the current one).
        accepted_at (datetime.datetime):
        created (bool): False when this version had already been accepted.
    """

    rules_version: int
    accepted_at: datetime.datetime
    created: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rules_version = self.rules_version

        accepted_at = self.accepted_at.isoformat()

        created = self.created

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rules_version": rules_version,
                "accepted_at": accepted_at,
                "created": created,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        rules_version = d.pop("rules_version")

        accepted_at = datetime.datetime.fromisoformat(d.pop("accepted_at"))

        created = d.pop("created")

        rules_acceptance_read = cls(
            rules_version=rules_version,
            accepted_at=accepted_at,
            created=created,
        )

        rules_acceptance_read.additional_properties = d
        return rules_acceptance_read

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
