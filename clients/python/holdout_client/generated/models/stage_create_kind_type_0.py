from enum import StrEnum


class StageCreateKindType0(StrEnum):
    INFERENCE = "inference"
    TRAINING = "training"

    def __str__(self) -> str:
        return str(self.value)
