"""Response bodies and query values of the participant-files API."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.gateway.openapi import UtcDatetime


class FileKind(StrEnum):
    """What a participant file is, so the web app can group the downloads."""

    TRAINING = "training"
    FORMAT = "format"
    DOCS = "docs"
    OTHER = "other"


class ParticipantFileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    filename: str
    kind: FileKind = Field(
        description="`training` (training data), `format` (a submission format example), "
        "`docs` (documentation) or `other`."
    )
    size_bytes: int
    sha256: str
    uploaded_at: UtcDatetime
