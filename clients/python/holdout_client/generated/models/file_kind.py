from enum import StrEnum


class FileKind(StrEnum):
    DOCS = "docs"
    FORMAT = "format"
    OTHER = "other"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
