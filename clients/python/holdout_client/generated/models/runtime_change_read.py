from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RuntimeChangeRead")


@_attrs_define
class RuntimeChangeRead:
    """
    Attributes:
        id (UUID):
        changed_by (UUID): The host (or administrator) who changed it.
        changed_by_username (str):
        changed_at (datetime.datetime):
        from_runtime (str):
        from_digest (None | str): The version pinned before (null: none was).
        to_runtime (str):
        to_digest (None | str): The version pinned since.
        reason (str):
    """

    id: UUID
    changed_by: UUID
    changed_by_username: str
    changed_at: datetime.datetime
    from_runtime: str
    from_digest: None | str
    to_runtime: str
    to_digest: None | str
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        changed_by = str(self.changed_by)

        changed_by_username = self.changed_by_username

        changed_at = self.changed_at.isoformat()

        from_runtime = self.from_runtime

        from_digest: None | str
        from_digest = self.from_digest

        to_runtime = self.to_runtime

        to_digest: None | str
        to_digest = self.to_digest

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "changed_by": changed_by,
                "changed_by_username": changed_by_username,
                "changed_at": changed_at,
                "from_runtime": from_runtime,
                "from_digest": from_digest,
                "to_runtime": to_runtime,
                "to_digest": to_digest,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        changed_by = UUID(d.pop("changed_by"))

        changed_by_username = d.pop("changed_by_username")

        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))

        from_runtime = d.pop("from_runtime")

        def _parse_from_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        from_digest = _parse_from_digest(d.pop("from_digest"))

        to_runtime = d.pop("to_runtime")

        def _parse_to_digest(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        to_digest = _parse_to_digest(d.pop("to_digest"))

        reason = d.pop("reason")

        runtime_change_read = cls(
            id=id,
            changed_by=changed_by,
            changed_by_username=changed_by_username,
            changed_at=changed_at,
            from_runtime=from_runtime,
            from_digest=from_digest,
            to_runtime=to_runtime,
            to_digest=to_digest,
            reason=reason,
        )

        runtime_change_read.additional_properties = d
        return runtime_change_read

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
