from enum import StrEnum


class Verdict(StrEnum):
    DIFFERS = "differs"
    FAILED = "failed"
    IDENTICAL = "identical"
    PENDING = "pending"
    WITHIN_TOLERANCE = "within_tolerance"

    def __str__(self) -> str:
        return str(self.value)
