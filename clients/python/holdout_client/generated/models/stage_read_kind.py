from enum import StrEnum


class StageReadKind(StrEnum):
    INFERENCE = "inference"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
