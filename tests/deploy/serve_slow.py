"""``holdout serve leaderboard`` as it runs in a pod (``holdout.server``: uvicorn, the
guard, the SIGTERM drain), with one extra route that takes as long as it is told, so a
test can have a request in flight when the signal comes (``started``: a file it writes once
the request is being handled, for the test to wait on).

    python -m tests.deploy.serve_slow PORT     (settings from HOLDOUT_* variables)
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from holdout.server import _serve_all, http_server
from services.leaderboard.app import create_app
from services.leaderboard.config import LeaderboardSettings


def main(port: int) -> None:
    settings = LeaderboardSettings()
    app = create_app(settings)

    @app.get("/slow")
    async def slow(seconds: float, started: str | None = None) -> dict[str, float]:
        if started is not None:
            Path(started).write_text("in flight")
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    asyncio.run(_serve_all([http_server(app, "127.0.0.1", port, settings)]))


if __name__ == "__main__":
    main(int(sys.argv[1]))
