from enum import StrEnum


class SubmissionReadPurpose(StrEnum):
    COMPETE = "compete"
    REPRODUCE = "reproduce"

    def __str__(self) -> str:
        return str(self.value)
