"""Where each place on a board is: its size and every ``STRIDE``-th sort key, per version.

A page deep in a board read with ``OFFSET`` walks every row before it: at 100,000 teams
the last pages took the database over 100 ms each, and 64 readers of random pages held
every pooled connection. So a board's positions are read once per board version (one
index-only pass over the board's sort keys, ``board_reads.positions``) and kept in the
process: a page at ``offset`` then starts at the sort key of place
``offset // STRIDE * STRIDE`` (an index range scan from that key) and skips fewer than
``STRIDE`` rows, however deep it is; a team's rank counts fewer than ``STRIDE`` rows
past its anchor; and the board's size (``total``) comes with them, so no request
counts the board.

The version a request read (``competitions.version``, bumped in the transaction of
every change to the boards) keys the positions: a change means the next reader makes
them anew, once per replica (concurrent readers of the same board wait for the one
read), and never sees positions older than the version it read.
"""

from __future__ import annotations

import asyncio
import bisect
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.leaderboard import board_reads
from services.leaderboard.repository import BoardKind

STRIDE = 256
"""Places between two anchors: the most rows a page or a rank skips past its anchor."""


@dataclass(frozen=True)
class Positions:
    version: int
    total: int
    stride: int
    anchors: tuple[bytes, ...]  # anchors[i]: the sort key of place i * stride (0-based)

    def start(self, offset: int) -> tuple[bytes | None, int]:
        """(the anchor at or before place ``offset``, rows to skip past it); None: the board's top."""
        if not self.anchors:
            return None, offset
        i = min(offset // self.stride, len(self.anchors) - 1)
        return self.anchors[i], offset - i * self.stride

    def anchor_before(self, sort: bytes) -> tuple[bytes | None, int]:
        """(the last anchor at or before ``sort``, its place): a rank counts from there."""
        i = bisect.bisect_right(self.anchors, sort) - 1
        return (None, 0) if i < 0 else (self.anchors[i], i * self.stride)


BoardKey = tuple[uuid.UUID, uuid.UUID, BoardKind]


class BoardPositions:
    """The positions of the boards read lately, the newest version of each."""

    def __init__(self, *, stride: int = STRIDE, size: int = 256) -> None:
        self.stride = stride
        self.size = size
        self._boards: OrderedDict[BoardKey, Positions] = OrderedDict()
        self._locks: dict[BoardKey, asyncio.Lock] = {}

    async def get(
        self,
        session: AsyncSession,
        competition_id: uuid.UUID,
        stage_id: uuid.UUID,
        board: BoardKind,
        version: int,
    ) -> Positions:
        key = (competition_id, stage_id, board)
        found = self._fresh(key, version)
        if found is not None:
            return found
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._fresh(key, version)  # read by the reader this one waited for
            if found is None:
                total, anchors = await board_reads.positions(
                    session, competition_id, stage_id, board, self.stride
                )
                found = Positions(version, total, self.stride, tuple(anchors))
                self._keep(key, found)
        if not lock.locked():
            self._locks.pop(key, None)
        return found

    def _fresh(self, key: BoardKey, version: int) -> Positions | None:
        found = self._boards.get(key)
        if found is None or found.version < version:
            return None
        self._boards.move_to_end(key)
        return found

    def _keep(self, key: BoardKey, positions: Positions) -> None:
        stored = self._boards.get(key)
        if stored is None or stored.version <= positions.version:
            self._boards[key] = positions
        self._boards.move_to_end(key)
        while len(self._boards) > self.size:
            self._boards.popitem(last=False)
