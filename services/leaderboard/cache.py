"""A small in-process cache of rendered board pages.

Boards are read far more often than they change. A page is kept as its JSON bytes
with the board version it was built from; for ``ttl`` seconds it is served without
touching the database (the public board's ``Cache-Control`` already allows caches to
keep it 5 s), after that one primary-key read of the version revalidates it.

Replicas agree: a change drops the competition's pages at once in every replica (this
one's consumer, the others through ``fanout.py``), and where a notification is missed a
page is stale for at most ``ttl``. A page built while a drop happened (its version read
before the change committed, stored after the drop) is stored already due for
revalidation, so a drop is never undone by a build that was under way; and since the
ETag is made of the version in the database, every replica answers the same ETag for the
same board.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class Page:
    version: int
    etag: str
    body: bytes
    fresh_until: float


class PageCache:
    def __init__(self, ttl: float = 1.0, size: int = 1024) -> None:
        self.ttl = ttl
        self.size = size
        self._pages: OrderedDict[tuple[object, ...], Page] = OrderedDict()
        self.drops = 0
        """How many drops so far: read before a build, handed to ``put``."""

    def get(self, key: tuple[object, ...]) -> Page | None:
        return self._pages.get(key)

    def fresh(self, key: tuple[object, ...]) -> Page | None:
        page = self._pages.get(key)
        return page if page is not None and time.monotonic() < page.fresh_until else None

    def put(
        self, key: tuple[object, ...], version: int, etag: str, body: bytes, *, drops: int | None = None
    ) -> Page:
        """Keep a page; ``drops``: ``self.drops`` before its version was read (a drop since
        then may be of this very change: the page is kept, but revalidated on next use)."""
        raced = drops is not None and drops != self.drops
        page = Page(version, etag, body, 0.0 if raced else time.monotonic() + self.ttl)
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return page

    def touch(self, page: Page) -> None:
        page.fresh_until = time.monotonic() + self.ttl

    def drop(self, competition_id: uuid.UUID) -> None:
        self.drops += 1
        for key in [k for k in self._pages if k[0] == competition_id]:
            del self._pages[key]

    def clear(self) -> None:
        self.drops += 1
        self._pages.clear()
