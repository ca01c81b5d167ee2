from enum import StrEnum


class ListTeamsApprovalType0(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REFUSED = "refused"

    def __str__(self) -> str:
        return str(self.value)
