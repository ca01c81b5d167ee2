from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="QueuePosition")


@_attrs_define
class QueuePosition:
    """Where a queued submission stands: the order the fair-share scheduler will start the
    queue in (not first come, first served), and when its run is expected to start.

        Attributes:
            position (int): 1: the next run to start, on the whole platform.
            ahead (int): How many queued runs will start before this one.
            estimated_start_at (datetime.datetime): When it is expected to start: from the runs going now and the
                competition's recent run durations (its time limit while it has none). An estimate; it moves as runs end.
            running (int): Runs going now on the platform.
            updated_at (datetime.datetime): When the queue was looked at.
    """

    position: int
    ahead: int
    estimated_start_at: datetime.datetime
    running: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        ahead = self.ahead

        estimated_start_at = self.estimated_start_at.isoformat()

        running = self.running

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "ahead": ahead,
                "estimated_start_at": estimated_start_at,
                "running": running,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        position = d.pop("position")

        ahead = d.pop("ahead")

        estimated_start_at = datetime.datetime.fromisoformat(
            d.pop("estimated_start_at")
        )

        running = d.pop("running")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        queue_position = cls(
            position=position,
            ahead=ahead,
            estimated_start_at=estimated_start_at,
            running=running,
            updated_at=updated_at,
        )

        queue_position.additional_properties = d
        return queue_position

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
