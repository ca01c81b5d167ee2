from enum import StrEnum


class StageUpdateFeedType0(StrEnum):
    ALL = "all"
    FINALS = "finals"

    def __str__(self) -> str:
        return str(self.value)
