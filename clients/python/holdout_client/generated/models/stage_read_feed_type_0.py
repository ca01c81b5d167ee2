from enum import StrEnum


class StageReadFeedType0(StrEnum):
    ALL = "all"
    FINALS = "finals"

    def __str__(self) -> str:
        return str(self.value)
