from enum import StrEnum


class StageUpdateKindType0(StrEnum):
    INFERENCE = "inference"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
