from enum import StrEnum


class ReproductionReportKind(StrEnum):
    INFERENCE = "inference"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
