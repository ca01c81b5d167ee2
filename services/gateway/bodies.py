"""The base of every request body the gateway accepts (JSON bodies of the public API).

Two rules hold for all of them, nested models included:

- an unknown field is a 422 naming it (``extra="forbid"``): a typo such as
  ``dialy_quota`` must not be dropped silently while the default applies;
- no text may hold a NUL byte: PostgreSQL cannot store one in a text column, and no
  name, title or description needs one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain a NUL character (U+0000)")
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    return value


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)
