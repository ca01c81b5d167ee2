from enum import StrEnum


class SubmissionStatus(StrEnum):
    CANCELLED = "cancelled"
    FAILED = "failed"
    QUEUED = "queued"
    RUNNING = "running"
    SCORED = "scored"
    SCORING = "scoring"
    TRAINED = "trained"

    def __str__(self) -> str:
        return str(self.value)
