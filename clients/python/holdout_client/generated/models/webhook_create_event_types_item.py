from enum import StrEnum


class WebhookCreateEventTypesItem(StrEnum):
    COMPETITION_REVEALED = "competition.revealed"
    STAGE_CLOSED = "stage.closed"
    STAGE_OPENED = "stage.opened"
    SUBMISSION_SCORED = "submission.scored"
    SUBMISSION_SCORING_FAILED = "submission.scoring_failed"

    def __str__(self) -> str:
        return str(self.value)
