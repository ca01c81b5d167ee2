from enum import StrEnum


class FailureReason(StrEnum):
    INTERNAL_ERROR = "internal_error"
    INVALID_MODEL = "invalid_model"
    INVALID_PREDICTIONS = "invalid_predictions"
    INVALID_SUBMISSION = "invalid_submission"
    MEMORY_LIMIT_EXCEEDED = "memory_limit_exceeded"
    MISSING_MODEL = "missing_model"
    MISSING_PREDICTIONS = "missing_predictions"
    MODEL_TOO_LARGE = "model_too_large"
    OUTPUT_LIMIT_EXCEEDED = "output_limit_exceeded"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT_EXCEEDED = "time_limit_exceeded"

    def __str__(self) -> str:
        return str(self.value)
