from enum import StrEnum


class StageCreateFeedType0(StrEnum):
    ALL = "all"
    FINALS = "finals"

    def __str__(self) -> str:
        return str(self.value)
