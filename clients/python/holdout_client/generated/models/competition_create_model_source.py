from enum import StrEnum


class CompetitionCreateModelSource(StrEnum):
    PLATFORM = "platform"
    UPLOAD = "upload"
    UPLOAD_OR_PLATFORM = "upload_or_platform"

    def __str__(self) -> str:
        return str(self.value)
