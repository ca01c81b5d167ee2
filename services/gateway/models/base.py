"""The gateway's metadata, its outbox and inbox, and the declarative base every table
module here maps onto."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import inbox_table, new_metadata, outbox_table

metadata = new_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata
