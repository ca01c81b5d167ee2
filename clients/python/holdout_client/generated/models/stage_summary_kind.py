from enum import StrEnum


class StageSummaryKind(StrEnum):
    INFERENCE = "inference"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
