"""Request and response bodies of the teams API."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from services.gateway.bodies import RequestBody
from services.gateway.openapi import UtcDatetime


class TeamCreate(RequestBody):
    name: str = Field(
        min_length=1,
        max_length=64,
        description="Unique in the competition, ignoring case; normalised (NFKC) and trimmed. "
        "Control, invisible and text-direction characters are refused (a 422 names the one found).",
    )


class TeamJoin(RequestBody):
    invite_code: str = Field(min_length=1, max_length=64, description="The code a member of the team shared.")


ApprovalState = Literal["pending", "approved", "refused"]
REASON_MAX = 2000


class ApprovalRead(BaseModel):
    """Whether the team may submit, where the competition requires the host's approval."""

    state: ApprovalState = Field(
        description="`pending` (waiting for the host), `approved` or `refused`; teams made where no "
        "approval is required, and the host's and admins' teams, are approved when made."
    )
    reason: str | None = Field(description="The host's reason (always given on a refusal).")
    decided_by: str | None = Field(description="The username of who decided (null: approved when made).")
    decided_at: UtcDatetime | None


class ApprovalDecision(RequestBody):
    approved: bool = Field(description="True: the team may submit; false: refused (with a reason).")
    reason: str | None = Field(
        default=None,
        max_length=REASON_MAX,
        description="Shown to the team; required when refusing.",
    )

    @model_validator(mode="after")
    def _reason_on_refusal(self) -> ApprovalDecision:
        if not self.approved and not (self.reason or "").strip():
            raise ValueError("a refusal needs a reason: the team is shown it")
        return self


class TeamRead(BaseModel):
    id: uuid.UUID
    competition_id: uuid.UUID
    name: str
    members: list[str]
    created_at: UtcDatetime
    invite_code: str | None = Field(
        default=None, description="Shown to the team's members only: share it to invite someone."
    )
    approval: ApprovalRead | None = Field(
        default=None, description="Shown to the team's members and the host only."
    )


class FinalSelectionUpdate(RequestBody):
    submission_ids: list[uuid.UUID] = Field(
        description="Up to the competition's final_count scored submissions of your team, all of one "
        "stage (the selection of that stage is replaced, the other stages' stay); an empty list goes back "
        "to the default (your best ones on the stage's public board)."
    )


class FinalSelectionRead(BaseModel):
    team_id: uuid.UUID
    stage_id: uuid.UUID = Field(
        description="The stage these finals are for (the first stage's id is the competition's)."
    )
    stage_position: int = Field(description="That stage's position (1 for the first).")
    submission_ids: list[uuid.UUID]
    final_count: int
    default: bool = Field(
        description="True when nothing is selected: the best final_count public scores count."
    )
